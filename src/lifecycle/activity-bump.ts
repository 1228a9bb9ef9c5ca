/** docs/rules.md#activity-bump: how activity on a running workspace moves its deadline. */
import { nextAllowedAutostart } from './autostart.js';
import { effectiveTtlMs } from './autostop.js';
import { parseWeeklySchedule } from './schedule.js';
import type { BuildState, TemplatePolicy, WorkspaceState } from './snapshot.js';

export interface ActivityBumpInput {
  /** When the activity was seen (the database clock). */
  now: Date;
  /** The latest build, and whether its job has completed. */
  build: Pick<BuildState, 'deadline' | 'maxDeadline' | 'transition'> & { jobCompleted: boolean };
  template: Pick<TemplatePolicy, 'activityBumpMs' | 'allowUserAutostop' | 'defaultTtlMs' | 'allowUserAutostart' | 'autostartAllowedDays'>;
  workspace: Pick<WorkspaceState, 'ttlMs' | 'autostartSchedule'>;
}

/** Only once 5 % of the interval has passed since the deadline was set is it moved. */
const REBUMP_FRACTION = 0.95;

/** The new deadline, or null when the build must not change. */
export function activityBump({ now, build, template, workspace }: ActivityBumpInput): Date | null {
  if (!build.jobCompleted || build.transition !== 'start' || build.deadline === null) return null;
  if (template.activityBumpMs <= 0) return null;
  const at = now.getTime();
  let interval = template.activityBumpMs;
  const autostart = nextAllowedAutostartOrNull({ now, template, workspace });
  // Bumping across the next autostart extends as if the workspace had autostarted then.
  if (autostart !== null && autostart > at && at + interval > autostart) {
    interval = autostart - at + effectiveTtlMs(workspace, template);
  }
  const old = build.deadline.getTime();
  if (interval <= 0 || !(old - REBUMP_FRACTION * interval < at)) return null;
  let bumped = Math.max(old, at + interval);
  if (build.maxDeadline !== null) bumped = Math.min(bumped, build.maxDeadline.getTime());
  return bumped > old ? new Date(bumped) : null;
}

function nextAllowedAutostartOrNull({
  now,
  template,
  workspace,
}: Pick<ActivityBumpInput, 'now' | 'template' | 'workspace'>): number | null {
  if (workspace.autostartSchedule === null || !template.allowUserAutostart) return null;
  try {
    return nextAllowedAutostart(parseWeeklySchedule(workspace.autostartSchedule), now, template.autostartAllowedDays).getTime();
  } catch {
    return null;
  }
}
