// The audit log (docs/operations.md#audit-log): one row per change made
// through the operations module, inserted in the change's own transaction,
// and read newest first a page at a time.
import type { QueryResultRow } from 'pg';
import type { Pool, PoolClient } from '../pool.js';

export interface AuditInsert {
  actor: string;
  actorUserId: string | null;
  tokenId: string | null;
  action: string;
  workspaceId: string | null;
  templateId: string | null;
  userId: string | null;
  /** Stored as JSON (JSON.stringify: dates become ISO strings, undefined is left out); null when there was nothing before (a creation). */
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
}

export interface AuditRow extends AuditInsert {
  /** A bigint, as text. */
  id: string;
  /** The committing transaction's autobuild_now(). */
  at: Date;
  /** What the row is about, for people: `owner/name`, `template <name>`, `user <name>` or `token <id>`. */
  subject: string | null;
}

/** Inserts one audit row; call it in the transaction that makes the change. */
export async function insertAudit(client: PoolClient, a: AuditInsert): Promise<void> {
  await client.query({
    name: 'insert-audit',
    text: `INSERT INTO audit_log (actor, actor_user_id, token_id, action, workspace_id, template_id, user_id, before, after)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb)`,
    values: [
      a.actor,
      a.actorUserId,
      a.tokenId,
      a.action,
      a.workspaceId,
      a.templateId,
      a.userId,
      a.before === null ? null : JSON.stringify(a.before),
      a.after === null ? null : JSON.stringify(a.after),
    ],
  });
}

export interface AuditFilter {
  workspaceId: string | null;
  actor: string | null;
  since: Date | null;
}

/** Rows newest first (by id), before the id `before` when given, at most `limit`. */
export async function listAudit(
  db: Pool | PoolClient,
  f: AuditFilter,
  page: { before: string | null; limit: number },
): Promise<AuditRow[]> {
  const { rows } = await db.query(
    `SELECT a.id::text AS id, a.at, a.actor, a.actor_user_id, a.token_id, a.action, a.workspace_id, a.template_id, a.user_id,
            a.before, a.after,
            CASE WHEN a.workspace_id IS NOT NULL THEN wu.username || '/' || w.name
                 WHEN a.template_id IS NOT NULL THEN 'template ' || t.name
                 WHEN a.action LIKE 'token.%' THEN 'token ' || (a.after ->> 'id')
                 WHEN a.user_id IS NOT NULL THEN 'user ' || u.username END AS subject
       FROM audit_log a
       LEFT JOIN workspaces w ON w.id = a.workspace_id
       LEFT JOIN users wu ON wu.id = w.owner_id
       LEFT JOIN templates t ON t.id = a.template_id
       LEFT JOIN users u ON u.id = a.user_id
      WHERE ($1::uuid IS NULL OR a.workspace_id = $1)
        AND ($2::text IS NULL OR a.actor = $2)
        AND ($3::timestamptz IS NULL OR a.at >= $3)
        AND ($4::bigint IS NULL OR a.id < $4)
      ORDER BY a.id DESC
      LIMIT $5`,
    [f.workspaceId, f.actor, f.since, page.before, page.limit],
  );
  return rows.map(toAudit);
}

const toAudit = (r: QueryResultRow): AuditRow => ({
  id: r.id,
  at: r.at,
  actor: r.actor,
  actorUserId: r.actor_user_id,
  tokenId: r.token_id,
  action: r.action,
  workspaceId: r.workspace_id,
  templateId: r.template_id,
  userId: r.user_id,
  before: r.before,
  after: r.after,
  subject: r.subject,
});
