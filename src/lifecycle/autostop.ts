/** docs/rules.md#on-build-completion: the deadline and max deadline of a build that just succeeded. */
import { type NextAutostart, nextAutostart } from './autostart.js';
import { type DailySchedule, parseDailySchedule, parseWeeklySchedule } from './schedule.js';
import type { TemplatePolicy, WorkspaceState } from './snapshot.js';
import { DAY, HOUR, MINUTE } from './time.js';
import { cronNumberOf, type Weekday } from './weekday.js';
import { cronWeekdayOfDay, instantOfWall, localDayOf } from './zoned-time.js';

/** The deployment's default quiet hours unless AUTOBUILD_DEFAULT_QUIET_HOURS sets another. */
export const DEFAULT_QUIET_HOURS_SCHEDULE = 'CRON_TZ=UTC 0 0 * * *';

/** Monday 2023-01-02 as a local day number: requirement weeks are counted from it. */
const REQUIREMENT_EPOCH_DAY = Date.UTC(2023, 0, 2) / DAY;
/** A start closer than this to the quiet hours stops in the next window instead. */
const REQUIREMENT_LEEWAY_MS = 2 * HOUR;
const MINIMUM_RUN_MS = 1 * HOUR;
/** Looking from just before midnight keeps quiet hours at 00:00 on that day. */
const REQUIREMENT_BUFFER_MS = 15 * MINUTE;

export type AutostopTemplate = Pick<
  TemplatePolicy,
  | 'defaultTtlMs'
  | 'allowUserAutostop'
  | 'allowUserAutostart'
  | 'autostartAllowedDays'
  | 'autostopRequirementDays'
  | 'autostopRequirementWeeks'
>;

export interface AutostopInput {
  completedAt: Date;
  workspace: Pick<WorkspaceState, 'ttlMs' | 'autostartSchedule'>;
  template: AutostopTemplate;
  /** The owner's quiet hours; null means `defaultQuietHoursSchedule`. */
  quietHoursSchedule: string | null;
  /** The deployment's default quiet hours (AUTOBUILD_DEFAULT_QUIET_HOURS); absent = DEFAULT_QUIET_HOURS_SCHEDULE. */
  defaultQuietHoursSchedule?: string;
}

export interface Autostop {
  deadline: Date | null;
  maxDeadline: Date | null;
}

/** docs/rules.md#on-build-completion step 1: the TTL that applies to a build of this workspace (0 = none). */
export function effectiveTtlMs(
  workspace: Pick<WorkspaceState, 'ttlMs'>,
  template: Pick<TemplatePolicy, 'allowUserAutostop' | 'defaultTtlMs'>,
): number {
  return template.allowUserAutostop ? (workspace.ttlMs ?? 0) : template.defaultTtlMs;
}

export function computeAutostop(input: AutostopInput): Autostop {
  const C = input.completedAt.getTime();
  const ttl = effectiveTtlMs(input.workspace, input.template);
  let deadline = ttl > 0 ? C + ttl : null;
  if (deadline !== null) {
    const autostart = upcomingAutostart(input);
    // A late-night manual start stops like the next morning's autostart would.
    if (autostart !== null && deadline > autostart) deadline = autostart + ttl;
  }
  const { autostopRequirementDays: days, autostopRequirementWeeks: weeks } = input.template;
  const maxDeadline = days.length === 0 ? null : requirementDeadline(C, effectiveQuietHours(input), days, weeks);
  if (maxDeadline !== null && (deadline === null || maxDeadline < deadline)) deadline = maxDeadline;
  return {
    deadline: deadline === null ? null : new Date(deadline),
    maxDeadline: maxDeadline === null ? null : new Date(maxDeadline),
  };
}

/**
 * The owner's quiet hours, else the deployment's default. A stored schedule that no longer parses (a row
 * written past the operations module) counts as unset: a build's completion must not fail on it for ever.
 */
function effectiveQuietHours(input: Pick<AutostopInput, 'quietHoursSchedule' | 'defaultQuietHoursSchedule'>): DailySchedule {
  if (input.quietHoursSchedule !== null) {
    try {
      return parseDailySchedule(input.quietHoursSchedule);
    } catch {
      // the default below
    }
  }
  return parseDailySchedule(input.defaultQuietHoursSchedule ?? DEFAULT_QUIET_HOURS_SCHEDULE);
}

/** `nextAutostart(C)` when it is allowed; a schedule that cannot autostart does not count. */
function upcomingAutostart({ completedAt, workspace, template }: AutostopInput): number | null {
  if (workspace.autostartSchedule === null || !template.allowUserAutostart) return null;
  let next: NextAutostart;
  try {
    next = nextAutostart(parseWeeklySchedule(workspace.autostartSchedule), completedAt, template.autostartAllowedDays);
  } catch {
    return null; // a stored schedule that no longer parses is reported by the tick, not here
  }
  return next.allowed ? next.at.getTime() : null;
}

/**
 * docs/rules.md#on-build-completion step 3: the first quiet-hours instant on a requirement day of an
 * applicable week that is at least two hours after `c`. Days and weeks are
 * calendar days in the quiet-hours zone, so DST cannot shift them.
 */
function requirementDeadline(c: number, quietHours: DailySchedule, days: readonly Weekday[], weeks: number): number {
  const zone = quietHours.timezone;
  const midnight = (localDay: number) => instantOfWall(zone, localDay * DAY);
  const firstQuietHoursAfter = (instant: number) => quietHours.next(new Date(instant)).getTime();

  let day = localDayOf(zone, c + REQUIREMENT_LEEWAY_MS);
  if (weeks > 1) {
    const week = Math.floor((day - REQUIREMENT_EPOCH_DAY) / 7);
    const behind = ((week % weeks) + weeks) % weeks;
    if (behind !== 0) day = REQUIREMENT_EPOCH_DAY + (week + weeks - behind) * 7;
  }
  if (firstQuietHoursAfter(midnight(day) - REQUIREMENT_BUFFER_MS) < c + REQUIREMENT_LEEWAY_MS) day += 1;
  const wanted = new Set(days.map(cronNumberOf));
  for (let advanced = 0; advanced < 7 && !wanted.has(cronWeekdayOfDay(day)); advanced++) day += 1;

  const start = midnight(day);
  const check = start < c + MINIMUM_RUN_MS ? c + MINIMUM_RUN_MS : start - REQUIREMENT_BUFFER_MS;
  return firstQuietHoursAfter(check);
}
