/**
 * A weekly schedule as a person reads it: "Mon–Fri 08:30 Europe/Berlin". The
 * dashboard shows it beside the cron text before a schedule is saved
 * (POST /api/v1/schedules/preview).
 */
import type { WeeklySchedule } from './schedule.js';
import { ALL_WEEKDAYS } from './weekday.js';

/** Times listed one by one up to this many; more are summarised as a count. */
const TIMES_LISTED = 6;

const short = (i: number) => {
  const day = ALL_WEEKDAYS[i]!;
  return day[0]!.toUpperCase() + day.slice(1, 3);
};

const clock = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** "every day", "Mon–Fri", "Mon, Wed, Fri", "Mon–Wed, Sat": runs of three or more days as a range, Monday first. */
export function describeWeekdays(schedule: Pick<WeeklySchedule, 'weekdays'>): string {
  const chosen = ALL_WEEKDAYS.map((day) => schedule.weekdays.includes(day));
  if (chosen.every(Boolean)) return 'every day';
  const parts: string[] = [];
  for (let i = 0; i < 7; i++) {
    if (!chosen[i]) continue;
    let j = i;
    while (j + 1 < 7 && chosen[j + 1]) j++;
    if (j - i >= 2) parts.push(`${short(i)}–${short(j)}`);
    else for (let k = i; k <= j; k++) parts.push(short(k));
    i = j;
  }
  return parts.join(', ');
}

/** "Mon–Fri 08:30 Europe/Berlin"; several times as "08:00, 12:30"; many as "48 times a day (00:00 to 23:30)". */
export function describeSchedule(schedule: WeeklySchedule): string {
  const times = schedule.minutesOfDay;
  const at =
    times.length <= TIMES_LISTED
      ? times.map(clock).join(', ')
      : `${times.length} times a day (${clock(times[0]!)} to ${clock(times[times.length - 1]!)})`;
  return `${describeWeekdays(schedule)} ${at} ${schedule.timezone}`;
}
