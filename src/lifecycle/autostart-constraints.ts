/**
 * Pause, skip and holiday calendars (docs/rules.md#pause-and-skip,
 * docs/rules.md#holiday-calendars): which schedule occurrences may autostart
 * a workspace beyond the template's allowed days, and the first one that may.
 * Without any of them in use nothing here is asked: callers keep
 * `nextAllowedAutostart` and its 7-day rule.
 */
import { AUTOSTART_SEARCH_DAYS } from './autostart.js';
import type { Occurrence, WeeklySchedule } from './schedule.js';
import type { AutostartPause, Holiday, WorkspaceSnapshot, WorkspaceState } from './snapshot.js';
import { DAY, iso } from './time.js';
import type { Weekday } from './weekday.js';
import { instantOfWall, localDayOf } from './zoned-time.js';

export interface AutostartConstraints {
  readonly allowedDays: readonly Weekday[];
  readonly pause?: AutostartPause | null;
  readonly skipAt?: Date | null;
  readonly holidays?: readonly Holiday[];
}

/** The first permitted occurrence, or why there is none: paused indefinitely (not blocked), or none within reach (blocked). */
export type PermittedAutostart =
  | { readonly at: Date; readonly held: null; readonly reason: null }
  | { readonly at: null; readonly held: 'paused' | 'none'; readonly reason: string };

/** Why one occurrence may not autostart: not an allowed day, paused, the skipped one, or a holiday. */
export type OccurrenceHold =
  | { readonly kind: 'day' }
  | { readonly kind: 'paused' }
  | { readonly kind: 'skipped' }
  | { readonly kind: 'holiday'; readonly date: string; readonly holidays: readonly Holiday[] };

type ConstraintSource = Partial<Pick<WorkspaceState, 'autostartPause' | 'autostartSkipAt'>>;

/** The constraints of a workspace, or null when it uses none of them (then the old rules apply unchanged). */
export function autostartConstraints(
  workspace: ConstraintSource,
  allowedDays: readonly Weekday[],
  holidays: readonly Holiday[] | undefined,
): AutostartConstraints | null {
  const pause = workspace.autostartPause ?? null;
  const skipAt = workspace.autostartSkipAt ?? null;
  const listed = holidays ?? [];
  if (pause === null && skipAt === null && listed.length === 0) return null;
  return { allowedDays, pause, skipAt, holidays: listed };
}

const indexes = new WeakMap<readonly Holiday[], Map<string, Holiday[]>>();

/** The holidays by date (one date may be listed by several calendars). */
function holidayIndex(holidays: readonly Holiday[] | undefined): Map<string, Holiday[]> {
  if (holidays === undefined || holidays.length === 0) return EMPTY;
  let index = indexes.get(holidays);
  if (index === undefined) {
    index = new Map();
    for (const h of holidays) {
      const list = index.get(h.date);
      if (list === undefined) index.set(h.date, [h]);
      else list.push(h);
    }
    indexes.set(holidays, index);
  }
  return index;
}
const EMPTY = new Map<string, Holiday[]>();

/** The local date (YYYY-MM-DD) of a local day number. */
const dateOfDay = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

/** The occurrence's local date in the schedule's zone. */
export function localDate(schedule: WeeklySchedule, at: Date): string {
  return dateOfDay(localDayOf(schedule.timezone, at.getTime()));
}

/** Whether a pause is in effect at `at`: indefinitely, or `at` is before its end. */
export const pausedAt = (pause: AutostartPause | null | undefined, at: Date): pause is AutostartPause =>
  pause != null && (pause.until === null || at.getTime() < pause.until.getTime());

/** Why `occurrence` may not autostart, or null when it may. */
export function occurrenceHold(schedule: WeeklySchedule, occurrence: Occurrence, c: AutostartConstraints): OccurrenceHold | null {
  if (!c.allowedDays.includes(occurrence.weekday)) return { kind: 'day' };
  if (pausedAt(c.pause, occurrence.at)) return { kind: 'paused' };
  if (c.skipAt != null && c.skipAt.getTime() === occurrence.at.getTime()) return { kind: 'skipped' };
  const index = holidayIndex(c.holidays);
  if (index.size > 0) {
    const date = localDate(schedule, occurrence.at);
    const listed = index.get(date);
    if (listed !== undefined) return { kind: 'holiday', date, holidays: listed };
  }
  return null;
}

/**
 * The first occurrence strictly after `at` that may autostart: on an allowed
 * day, not paused (an occurrence at or after the pause's end may), not the
 * skipped one, and not on a holiday (its local date in the schedule's zone).
 * The search starts at the later of `at` and the pause's end and looks
 * AUTOSTART_SEARCH_DAYS past that start; a pause without an end gives none
 * (held 'paused', which is not blocked).
 */
export function nextPermittedAutostart(schedule: WeeklySchedule, at: Date, c: AutostartConstraints): PermittedAutostart {
  const pause = c.pause ?? null;
  if (pause !== null && pause.until === null) {
    return { at: null, held: 'paused', reason: describePause(pause) };
  }
  const startAt = pause?.until != null && pause.until.getTime() > at.getTime() ? pause.until : at;
  // An occurrence exactly at the pause's end may fire: search from just before it.
  let from = startAt === at ? at.getTime() : startAt.getTime() - 1;
  const limit = from + AUTOSTART_SEARCH_DAYS * DAY;
  const calendars = new Set<string>();
  const kinds = new Set<OccurrenceHold['kind']>();
  while (from < limit) {
    const occurrence = schedule.nextOccurrence(new Date(from));
    if (occurrence.at.getTime() > limit) break;
    const hold = occurrenceHold(schedule, occurrence, c);
    if (hold === null) return { at: occurrence.at, held: null, reason: null };
    from = occurrence.at.getTime();
    kinds.add(hold.kind);
    if (hold.kind === 'holiday') {
      for (const h of hold.holidays) calendars.add(h.calendar);
      // The rest of that local day is a holiday too: go on from its end.
      const day = localDayOf(schedule.timezone, from);
      from = Math.max(from, instantOfWall(schedule.timezone, (day + 1) * DAY) - 1);
    }
  }
  const why = [
    calendars.size > 0 ? `a holiday of calendar${calendars.size > 1 ? 's' : ''} ${[...calendars].sort().join(', ')}` : null,
    kinds.has('skipped') ? 'the skipped occurrence' : null,
    kinds.has('day') ? 'not on an allowed day' : null,
  ].filter((x) => x !== null);
  return {
    at: null,
    held: 'none',
    reason: `no occurrence of "${schedule.spec}" within ${AUTOSTART_SEARCH_DAYS} days after ${iso(startAt)} may autostart: each is ${why.join(' or ')}`,
  };
}

/** `autostart paused until … by alice: parental leave`, or `… paused indefinitely …`. */
export function describePause(pause: AutostartPause): string {
  const until = pause.until === null ? 'indefinitely' : `until ${iso(pause.until)}`;
  const by = pause.by === null ? '' : ` by ${pause.by}`;
  const note = pause.note === null || pause.note === '' ? '' : `: ${pause.note}`;
  return `autostart paused ${until}${by}${note}`;
}

/** `2024-12-25 is a holiday (Christmas, calendar de)`. */
export function describeHoliday(date: string, holidays: readonly Holiday[]): string {
  const each = holidays.map((h) => (h.name === null ? `calendar ${h.calendar}` : `${h.name}, calendar ${h.calendar}`));
  return `${date} is a holiday (${each.join('; ')})`;
}

const MAX_HOLIDAYS_NAMED = 3;

/**
 * What held autostart back between `from` and `to` (exclusive), for
 * explanations: the pause in effect at `T`, the skipped occurrence, and the
 * holidays of the occurrences passed over from a day before `T` on (the
 * first three named, the rest counted). Empty when nothing did.
 */
export function describeHolds(schedule: WeeklySchedule, c: AutostartConstraints, from: Date, to: Date, T: Date): string[] {
  const clauses: string[] = [];
  if (pausedAt(c.pause, T)) clauses.push(describePause(c.pause));
  const skip = c.skipAt ?? null;
  if (skip !== null && skip.getTime() > from.getTime() && skip.getTime() < to.getTime()) clauses.push(`autostart of ${iso(skip)} skipped`);
  if (holidayIndex(c.holidays).size === 0) return clauses;
  const dates: string[] = [];
  const named: string[] = [];
  // Holidays only from a day before T: older ones no longer explain anything.
  let cursor = Math.max(from.getTime(), T.getTime() - DAY);
  const end = Math.min(to.getTime(), cursor + AUTOSTART_SEARCH_DAYS * DAY);
  while (cursor < end) {
    const occurrence = schedule.nextOccurrence(new Date(cursor));
    if (occurrence.at.getTime() >= end) break;
    cursor = occurrence.at.getTime();
    const hold = occurrenceHold(schedule, occurrence, { ...c, pause: null, skipAt: null });
    if (hold?.kind !== 'holiday' || dates.includes(hold.date)) continue;
    dates.push(hold.date);
    if (named.length < MAX_HOLIDAYS_NAMED) named.push(describeHoliday(hold.date, hold.holidays));
  }
  clauses.push(...named);
  if (dates.length > named.length) clauses.push(`${dates.length - named.length} more holiday${dates.length - named.length > 1 ? 's' : ''}`);
  return clauses;
}

/** The constraints of a snapshot, or null when it uses none. */
export const snapshotConstraints = (s: WorkspaceSnapshot): AutostartConstraints | null =>
  autostartConstraints(s.workspace, s.template.autostartAllowedDays, s.holidays);

/** A date no tick reaches: the due instant when nothing may autostart (callers ask `autostartHeld` first). */
const NEVER = new Date(8.64e15);

/**
 * docs/rules.md#pause-and-skip: `autostartTiming` with the constraints. The
 * stored `next_start_at` is taken as the first permitted occurrence at or
 * after it, so a value written without them (or before a calendar changed)
 * never starts a workspace on a holiday.
 */
export function constrainedAutostartTiming(s: WorkspaceSnapshot, schedule: WeeklySchedule, T: Date, c: AutostartConstraints) {
  const cached = s.workspace.nextStartAt;
  const nextStart =
    (cached === null ? nextPermittedAutostart(schedule, T, c) : nextPermittedAutostart(schedule, new Date(cached.getTime() - 1), c)).at ??
    NEVER;
  const afterBuild = nextPermittedAutostart(schedule, s.latestBuild.createdAt, c).at ?? nextStart;
  const due = nextStart.getTime() >= afterBuild.getTime() ? nextStart : afterBuild;
  return { due, nextStart, afterBuild, cached: cached !== null };
}

/**
 * Why autostart has no next occurrence at `T` — paused indefinitely, or
 * nothing permitted within reach — or null when it has one (or no
 * constraint is in use).
 */
export function autostartHeld(s: WorkspaceSnapshot, schedule: WeeklySchedule, T: Date): string | null {
  const c = snapshotConstraints(s);
  if (c === null) return null;
  return nextPermittedAutostart(schedule, T, c).reason;
}

/** The clauses of `describeHolds` for a snapshot's autostart due at `due` (none in use: none). */
export function autostartHolds(s: WorkspaceSnapshot, schedule: WeeklySchedule, T: Date, due: Date): string[] {
  const c = snapshotConstraints(s);
  return c === null ? [] : describeHolds(schedule, c, s.latestBuild.createdAt, due, T);
}

/** `autostartHolds` as the prefix of a clause (`…; `), or ''. */
export function autostartHoldPrefix(s: WorkspaceSnapshot, schedule: WeeklySchedule, T: Date, due: Date): string {
  const clauses = autostartHolds(s, schedule, T, due);
  return clauses.length === 0 ? '' : `${clauses.join(', ')}; `;
}
