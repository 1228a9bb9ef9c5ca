/**
 * The `next_start_at` cache and the blocked record (docs/rules.md#the-next_start_at-cache):
 * what the candidate query needs to find due autostarts through an index.
 * One function serves build completion, schedule, template and dormancy
 * changes; `tickCacheUpdate` is the tick's part of it.
 */
import { nextAllowedAutostart } from './autostart.js';
import { autostartConstraints, nextPermittedAutostart, snapshotConstraints } from './autostart-constraints.js';
import { usableSchedule } from './decide.js';
import type { Holiday, TemplatePolicy, WorkspaceSnapshot, WorkspaceState } from './snapshot.js';

export interface AutostartCache {
  nextStartAt: Date | null;
  /** Why autostart can never fire (the workspace leaves the autostart candidates), or null. */
  autostartBlocked: string | null;
}

/**
 * The cache as of `at`: the next allowed autostart after `at`, or why there is none.
 * With a pause or skip on `workspace`, or `holidays` (the snapshot's), the next
 * permitted one (docs/rules.md#pause-and-skip, docs/rules.md#holiday-calendars):
 * paused indefinitely gives none without blocking; nothing permitted within
 * the search's reach is blocked.
 */
export function autostartCache(
  workspace: Pick<WorkspaceState, 'autostartSchedule' | 'dormantAt'> & Partial<Pick<WorkspaceState, 'autostartPause' | 'autostartSkipAt'>>,
  template: Pick<TemplatePolicy, 'allowUserAutostart' | 'autostartAllowedDays'>,
  at: Date,
  holidays?: readonly Holiday[],
): AutostartCache {
  if (workspace.autostartSchedule === null) return { nextStartAt: null, autostartBlocked: null };
  const { schedule, blocked } = usableSchedule({ workspace, template });
  if (schedule === null) return { nextStartAt: null, autostartBlocked: blocked };
  // A dormant workspace never autostarts; clearing dormancy recomputes the cache.
  if (workspace.dormantAt !== null) return { nextStartAt: null, autostartBlocked: null };
  const constraints = autostartConstraints(workspace, template.autostartAllowedDays, holidays);
  if (constraints === null) {
    return { nextStartAt: nextAllowedAutostart(schedule, at, template.autostartAllowedDays), autostartBlocked: null };
  }
  const next = nextPermittedAutostart(schedule, at, constraints);
  return { nextStartAt: next.at, autostartBlocked: next.held === 'none' ? next.reason : null };
}

/**
 * What the tick writes to the cache at T, or null when it stays: a NULL
 * `next_start_at` is computed from T (so it never fires on that tick), a
 * schedule that can never fire is recorded as blocked, and one that can again
 * is unblocked. A non-null `next_start_at` is left alone: build completion and
 * schedule changes own it. A dormant workspace's cache is cleared by the mark.
 */
export function tickCacheUpdate(snapshot: WorkspaceSnapshot, storedBlocked: string | null, T: Date): AutostartCache | null {
  if (snapshot.workspace.dormantAt !== null) return null;
  const wanted = autostartCache(snapshot.workspace, snapshot.template, T, snapshot.holidays);
  if (wanted.autostartBlocked !== storedBlocked) return wanted;
  const stored = snapshot.workspace.nextStartAt;
  if (stored === null && wanted.nextStartAt !== null) return wanted;
  // docs/rules.md#holiday-calendars: a stored value that may not fire (written without the constraints) moves on.
  if (stored !== null && stored.getTime() <= T.getTime() && heldAt(snapshot, stored)) return wanted;
  return null;
}

/** Whether the stored next autostart is an occurrence the constraints hold back (none in use: never). */
function heldAt(snapshot: WorkspaceSnapshot, stored: Date): boolean {
  const constraints = snapshotConstraints(snapshot);
  if (constraints === null) return false;
  const { schedule } = usableSchedule(snapshot);
  if (schedule === null) return false;
  const next = nextPermittedAutostart(schedule, new Date(stored.getTime() - 1), constraints);
  return next.at === null || next.at.getTime() !== stored.getTime();
}
