// The audit log (docs/operations.md#audit-log): every change made through the
// operations module writes one row in the change's own transaction, with the
// actor and the values the action concerns before and after; `list` reads it
// newest first, a page at a time.
import type { PoolClient } from '../db/pool.js';
import { type AuditRow, insertAudit, listAudit } from '../db/sql/audit.js';
import { resolveWorkspaceId } from '../db/sql/workspaces.js';
import { actorOf, type OpsDeps } from './context.js';
import { invalid, notFound } from './errors.js';
import { type Page, type PageRequest, pageQuery, toPage } from './pages.js';
import { isInstant } from './validate.js';

/** What an audit row records; the list is in docs/operations.md#audit-log. */
export type AuditAction =
  | 'workspace.create'
  | 'workspace.autostart'
  | 'workspace.ttl'
  | 'workspace.extend'
  | 'workspace.dormant'
  | 'workspace.wake'
  | 'workspace.build'
  | 'workspace.cancel'
  | 'workspace.pause'
  | 'workspace.resume'
  | 'workspace.skip'
  | 'workspace.unskip'
  | 'calendar.create'
  | 'calendar.delete'
  | 'calendar.dates'
  | 'calendar.attach'
  | 'calendar.detach'
  | 'template.create'
  | 'template.update'
  | 'template.version.create'
  | 'template.version.promote'
  | 'user.create'
  | 'user.status'
  | 'user.quiet-hours'
  | 'token.create'
  | 'token.revoke';

/** One audit row: who did what to which workspace, template or user, and the values before and after. */
export type AuditEntry = AuditRow;

export interface AuditFilterInput {
  /** `owner/name` (the live workspace, else the latest deleted one of that name) or an id. */
  workspace?: string;
  /** An actor name: a username, or `cli:<operating-system user>`. */
  actor?: string;
  /** Only rows at or after this instant. */
  since?: Date;
}

/** The values an action concerns, camelCase; stored as JSON (dates as ISO strings, undefined left out). */
type Values = Record<string, unknown>;

export interface AuditRecord {
  action: AuditAction;
  workspaceId?: string | null;
  templateId?: string | null;
  /** The subject user: the user changed, a workspace's owner, a token's user. */
  userId?: string | null;
  /** Null for a creation. */
  before: Values | null;
  after: Values | null;
}

/** Writes the audit row of a change, in the transaction `c` that makes it. */
export async function recordAudit(c: PoolClient, deps: OpsDeps, r: AuditRecord): Promise<void> {
  const actor = actorOf(deps);
  await insertAudit(c, {
    actor: actor.name,
    actorUserId: actor.userId,
    tokenId: actor.tokenId,
    action: r.action,
    workspaceId: r.workspaceId ?? null,
    templateId: r.templateId ?? null,
    userId: r.userId ?? null,
    before: r.before,
    after: r.after,
  });
}

export class AuditOps {
  constructor(private readonly deps: OpsDeps) {}

  /** Audit rows newest first, a page at a time (at most 500). */
  async list(filter: AuditFilterInput = {}, page: PageRequest = {}): Promise<Page<AuditEntry>> {
    const { limit, after } = pageQuery(page, 1);
    if (after !== null && !/^[1-9][0-9]{0,18}$/.test(after[0]!))
      throw invalid('invalid cursor: pass back the nextCursor of the previous page');
    let workspaceId: string | null = null;
    if (filter.workspace !== undefined) {
      if (typeof filter.workspace !== 'string' || filter.workspace === '') throw invalid('invalid workspace: use owner/name or an id');
      workspaceId = await resolveWorkspaceId(this.deps.pool, filter.workspace, { includeDeleted: true });
      if (workspaceId === null) throw notFound(`no workspace ${filter.workspace}`);
    }
    if (filter.actor !== undefined && (typeof filter.actor !== 'string' || filter.actor === '')) {
      throw invalid('invalid actor: a username or cli:<user>');
    }
    if (filter.since !== undefined && !isInstant(filter.since)) {
      throw invalid('invalid since: not an instant');
    }
    const rows = await listAudit(
      this.deps.pool,
      { workspaceId, actor: filter.actor ?? null, since: filter.since ?? null },
      { before: after?.[0] ?? null, limit: limit + 1 },
    );
    return toPage(rows, limit, (e) => [e.id]);
  }
}
