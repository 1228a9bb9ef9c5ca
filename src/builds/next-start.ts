// SPEC §4.5: the `next_start_at` cache and the blocked record, computed from
// the pure core. One function serves build completion, schedule changes,
// template changes and dormancy changes.
import {
  autostartBlockReason,
  nextAllowedAutostart,
  parseWeeklySchedule,
  type TemplatePolicy,
  type WorkspaceState,
} from '../lifecycle/index.js';

export interface AutostartCache {
  nextStartAt: Date | null;
  /** Why autostart can never fire (the workspace leaves the autostart candidates), or null. */
  autostartBlocked: string | null;
}

export function autostartCache(
  workspace: Pick<WorkspaceState, 'autostartSchedule' | 'dormantAt'>,
  template: Pick<TemplatePolicy, 'allowUserAutostart' | 'autostartAllowedDays'>,
  at: Date,
): AutostartCache {
  if (workspace.autostartSchedule === null) return { nextStartAt: null, autostartBlocked: null };
  const blocked = autostartBlockReason({ workspace, template });
  if (blocked !== null) return { nextStartAt: null, autostartBlocked: blocked };
  // A dormant workspace never autostarts; clearing dormancy recomputes the cache.
  if (workspace.dormantAt !== null) return { nextStartAt: null, autostartBlocked: null };
  const schedule = parseWeeklySchedule(workspace.autostartSchedule);
  return { nextStartAt: nextAllowedAutostart(schedule, at, template.autostartAllowedDays), autostartBlocked: null };
}
