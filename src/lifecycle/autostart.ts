/** docs/rules.md#allowed-days: which schedule occurrences may autostart a workspace. */
import { ScheduleError, type WeeklySchedule } from './schedule.js';
import { DAY } from './time.js';
import { formatWeekdayList, type Weekday } from './weekday.js';

/**
 * How far the autostart search reaches past pauses, skips and holidays
 * (docs/rules.md#holiday-calendars): a workspace whose every occurrence in
 * this many days is paused or a holiday has no next autostart within reach.
 */
export const AUTOSTART_SEARCH_DAYS = 370;

export interface NextAutostart {
  readonly at: Date;
  /** Whether the template allows autostart on `at`'s day of week in the schedule's zone. */
  readonly allowed: boolean;
}

export function nextAutostart(schedule: WeeklySchedule, at: Date, allowedDays: readonly Weekday[]): NextAutostart {
  const occurrence = schedule.nextOccurrence(at);
  return { at: occurrence.at, allowed: allowedDays.includes(occurrence.weekday) };
}

/**
 * The first occurrence after `at` on an allowed day. The search goes on while
 * the instant it searches from is less than 7 days after `at`, so a result
 * exactly 7 days after `at` can be returned.
 */
export function nextAllowedAutostart(schedule: WeeklySchedule, at: Date, allowedDays: readonly Weekday[]): Date {
  let from = at;
  while (from.getTime() - at.getTime() < 7 * DAY) {
    const candidate = nextAutostart(schedule, from, allowedDays);
    if (candidate.allowed) return candidate.at;
    from = candidate.at;
  }
  throw new ScheduleError(
    `schedule "${schedule.spec}" has no occurrence on an allowed day (allowed: ${formatWeekdayList(allowedDays)}) within 7 days after ${at.toISOString()}`,
  );
}
