/**
 * The `next_start_at` cache and the blocked record (docs/rules.md#the-next_start_at-cache):
 * what the candidate query needs to find due autostarts through an index.
 * One function serves build completion, schedule, template and dormancy
 * changes; `tickCacheUpdate` is the tick's part of it.
 */
import { nextAllowedAutostart } from './autostart.js';
import { usableSchedule } from './decide.js';
import type { TemplatePolicy, WorkspaceSnapshot, WorkspaceState } from './snapshot.js';

export interface AutostartCache {
  nextStartAt: Date | null;
  /** Why autostart can never fire (the workspace leaves the autostart candidates), or null. */
  autostartBlocked: string | null;
}

/** The cache as of `at`: the next allowed autostart after `at`, or why there is none. */
export function autostartCache(
  workspace: Pick<WorkspaceState, 'autostartSchedule' | 'dormantAt'>,
  template: Pick<TemplatePolicy, 'allowUserAutostart' | 'autostartAllowedDays'>,
  at: Date,
): AutostartCache {
  if (workspace.autostartSchedule === null) return { nextStartAt: null, autostartBlocked: null };
  const { schedule, blocked } = usableSchedule({ workspace, template });
  if (schedule === null) return { nextStartAt: null, autostartBlocked: blocked };
  // A dormant workspace never autostarts; clearing dormancy recomputes the cache.
  if (workspace.dormantAt !== null) return { nextStartAt: null, autostartBlocked: null };
  return { nextStartAt: nextAllowedAutostart(schedule, at, template.autostartAllowedDays), autostartBlocked: null };
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
  const wanted = autostartCache(snapshot.workspace, snapshot.template, T);
  if (wanted.autostartBlocked !== storedBlocked) return wanted;
  if (snapshot.workspace.nextStartAt === null && wanted.nextStartAt !== null) return wanted;
  return null;
}
