// Acting on a reminder (docs/rules.md#reminder-actions): keep a workspace
// running longer, skip tonight's stop, or keep a dormant workspace from
// autodelete. Each is the workspaces' own change (the deadline path of
// `extend`, the wake of `setDormant`), reached either by a person's command or
// by a single-use link from a notification, whose use is recorded in the same
// transaction as the change: a refused change leaves the link unused.
import type { ReminderAction, ReminderActionRow } from '../db/sql/reminder-actions.js';
import { findReminderAction, markReminderActionUsed } from '../db/sql/reminder-actions.js';
import { formatDuration, HOUR, MINUTE } from '../lifecycle/index.js';
import { hashActionToken } from '../notifications/action-links.js';
import type { OpsDeps } from './context.js';
import { gone, invalid, notFound, refused } from './errors.js';
import * as v from './validate.js';
import { label, type WithinChange, WorkspaceOps } from './workspaces.js';

export type { ReminderAction } from '../db/sql/reminder-actions.js';

/** "Keep it running 1 h longer": how far the deadline moves unless told otherwise. */
export const KEEP_RUNNING_DEFAULT_MS = HOUR;
/** "Skip tonight's stop": the deadline moves a day, capped at the max deadline. */
export const SKIP_STOP_MS = 24 * HOUR;

/** What a link does and to what, as its confirmation page shows it (nothing is changed by reading it). */
export interface ActionLink {
  action: ReminderAction;
  /** One sentence: what using the link does. */
  does: string;
  workspaceId: string;
  /** `owner/name` */
  workspace: string;
  /** The running build's deadline now; null when it is not running. */
  deadline: Date | null;
  /** When the dormant workspace is deleted; null when it is not dormant or autodelete is off. */
  deletingAt: Date | null;
  expiresAt: Date;
}

/** What using a link did: the new deadline (extend, skip-stop), or the woken workspace (keep). */
export interface ActionResult {
  action: ReminderAction;
  workspaceId: string;
  workspace: string;
  deadline: Date | null;
  dormantAt: Date | null;
  deletingAt: Date | null;
}

export class ReminderActionOps {
  private readonly workspaces: WorkspaceOps;

  constructor(private readonly deps: OpsDeps) {
    this.workspaces = new WorkspaceOps(deps);
  }

  /** The deadline moves `by` (default 1 h) later, capped at the max deadline; refused where the template forbids user autostop. */
  async keepRunning(ref: string, opts: { by?: v.DurationInput } = {}): Promise<{ deadline: Date }> {
    const ms = opts.by === undefined ? KEEP_RUNNING_DEFAULT_MS : v.durationMs('duration', opts.by, v.BOUNDS.extendMaxMs);
    if (ms < MINUTE) throw invalid(`invalid duration ${formatDuration(ms)}: at least 1m`, 'duration');
    return postpone(this.workspaces, ref, ms, 'keep-running');
  }

  /** Tonight's stop does not happen: the deadline moves 24 h later, capped at the max deadline. */
  async skipStop(ref: string): Promise<{ deadline: Date }> {
    return postpone(this.workspaces, ref, SKIP_STOP_MS, 'skip-stop');
  }

  /** The link's action and workspace, for its confirmation page; refused (404, 410) like its use would be. Writes nothing. */
  async describeLink(token: string): Promise<ActionLink> {
    const link = usable(await findReminderAction(this.deps.pool, hashActionToken(checkedToken(token))));
    const w = await this.workspaces.get(link.workspaceId);
    const workspace = `${w.owner.username}/${w.name}`;
    const deadline = w.status === 'running' ? w.latestBuild.deadline : null;
    return {
      action: link.action,
      does: does(link.action, workspace),
      workspaceId: w.id,
      workspace,
      deadline,
      deletingAt: w.deletingAt,
      expiresAt: link.expiresAt,
    };
  }

  /**
   * Uses a link: its action, as the workspace's owner (audited as `link:<action>`), and the link marked
   * used in the same transaction. Unknown: not_found; used or expired: gone; the action refused: its error.
   * In every error case nothing changes.
   */
  async useLink(token: string): Promise<ActionResult> {
    const tokenHash = hashActionToken(checkedToken(token));
    const link = usable(await findReminderAction(this.deps.pool, tokenHash));
    const scope = await this.workspaces.scope(link.workspaceId);
    if (scope === null) throw notFound('no such link');
    const owner = new WorkspaceOps({ ...this.deps, actor: { userId: scope.ownerId, name: `link:${link.action}`, tokenId: null } });
    // Checked again under the link's row lock: of two uses at once, one acts and the other finds it used.
    const use: WithinChange = async (c) => {
      const locked = usable(await findReminderAction(c, tokenHash, { lock: true }));
      await markReminderActionUsed(c, locked.id);
    };
    if (link.action === 'keep') {
      const r = await owner.setDormant(link.workspaceId, false, { within: use });
      const w = await this.workspaces.get(link.workspaceId);
      return { action: link.action, workspaceId: w.id, workspace: `${w.owner.username}/${w.name}`, deadline: null, ...r };
    }
    const ms = link.action === 'extend' ? KEEP_RUNNING_DEFAULT_MS : SKIP_STOP_MS;
    const { deadline } = await postpone(owner, link.workspaceId, ms, link.action === 'extend' ? 'keep-running' : 'skip-stop', use);
    const w = await this.workspaces.get(link.workspaceId);
    return {
      action: link.action,
      workspaceId: w.id,
      workspace: `${w.owner.username}/${w.name}`,
      deadline,
      dormantAt: w.dormantAt,
      deletingAt: w.deletingAt,
    };
  }
}

/**
 * docs/rules.md#reminder-actions: the running build's deadline moves `ms` later, through the one deadline
 * path of the operations module, capped at its max deadline; refused where the template forbids user
 * autostop or the cap leaves no room.
 */
function postpone(workspaces: WorkspaceOps, ref: string, ms: number, via: 'keep-running' | 'skip-stop', within?: WithinChange) {
  const field = via === 'keep-running' ? 'duration' : 'deadline';
  return workspaces.moveDeadline(
    ref,
    (now, w) => {
      const { template } = w.snapshot;
      if (!template.allowUserAutostop) {
        throw refused(`template ${w.templateName} does not allow users to change autostop, so ${label(w)} keeps its deadline`, field);
      }
      const { deadline, maxDeadline } = w.snapshot.latestBuild;
      const from = deadline!.getTime();
      const to = maxDeadline === null ? from + ms : Math.min(from + ms, maxDeadline.getTime());
      if (to <= from) {
        throw refused(
          `cannot move the deadline of ${label(w)}: it is already its max deadline ${deadline!.toISOString()} (the template's autostop requirement)`,
          field,
        );
      }
      if (to <= now.getTime()) {
        throw refused(
          `cannot move the deadline of ${label(w)}: capped at its max deadline, it would be ${new Date(to).toISOString()}, already past`,
          field,
        );
      }
      if (to > now.getTime() + v.BOUNDS.extendMaxMs) {
        throw refused(`cannot move the deadline of ${label(w)} past ${formatDuration(v.BOUNDS.extendMaxMs)} from now`, field);
      }
      return new Date(to);
    },
    field,
    { via, within },
  );
}

/** A token is 32 random bytes in base64url; anything else names no link. */
function checkedToken(token: string): string {
  if (typeof token !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(token)) throw notFound('no such link');
  return token;
}

/** The link, when it can still be used (by the database clock); otherwise why not. */
function usable(link: ReminderActionRow | null): ReminderActionRow {
  if (link === null) throw notFound('no such link');
  if (link.usedAt !== null) throw gone(`this link was already used at ${link.usedAt.toISOString()}`);
  if (link.expiresAt.getTime() <= link.now.getTime()) throw gone(`this link expired at ${link.expiresAt.toISOString()}`);
  return link;
}

function does(action: ReminderAction, workspace: string): string {
  if (action === 'extend')
    return `keep ${workspace} running ${formatDuration(KEEP_RUNNING_DEFAULT_MS)} longer: its deadline moves ${formatDuration(KEEP_RUNNING_DEFAULT_MS)} later (at most to its max deadline)`;
  if (action === 'skip-stop')
    return `skip the next stop of ${workspace}: its deadline moves ${formatDuration(SKIP_STOP_MS)} later (at most to its max deadline)`;
  return `keep ${workspace}: it wakes from dormancy and is not deleted (this counts as use)`;
}
