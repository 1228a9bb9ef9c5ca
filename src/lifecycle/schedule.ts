/**
 * Cron-style schedules (docs/rules.md#schedules): the weekly autostart schedule and the
 * daily quiet-hours schedule. The validator here decides what is valid;
 * fire instants are computed here too, with the DST policy of docs/rules.md#daylight-saving-time.
 */
import { DAY, MINUTE } from './time.js';
import { ALL_WEEKDAYS, cronNumberOf, type Weekday, weekdayFromCronNumber } from './weekday.js';
import { cronWeekdayOfDay, dayOffsets, instantOfWall, offsetOfInstant, resolveTimeZone } from './zoned-time.js';

export class ScheduleError extends Error {
  override readonly name = 'ScheduleError';
}

export interface Occurrence {
  readonly at: Date;
  /** The day of week of `at` in the schedule's zone. */
  readonly weekday: Weekday;
}

export interface WeeklySchedule {
  /** The text as given. */
  readonly spec: string;
  /** IANA name, `UTC` when there is no `CRON_TZ=` prefix. */
  readonly timezone: string;
  /** The days of week (in the schedule's zone) on which it fires. */
  readonly weekdays: readonly Weekday[];
  /** The wall-clock times (minutes since local midnight, ascending) at which it fires on those days. */
  readonly minutesOfDay: readonly number[];
  /** First fire instant strictly after `after`, on a minute boundary. */
  next(after: Date): Date;
  /** `next(after)` with its day of week in the schedule's zone. */
  nextOccurrence(after: Date): Occurrence;
}

export interface DailySchedule extends WeeklySchedule {
  readonly hour: number;
  readonly minute: number;
}

class CronSchedule implements DailySchedule {
  constructor(
    readonly spec: string,
    readonly timezone: string,
    /** Sorted minutes since local midnight at which the schedule fires. */
    private readonly times: readonly number[],
    /** Indexed by cron weekday number (0 = Sunday). */
    private readonly days: readonly boolean[],
  ) {}

  get weekdays(): readonly Weekday[] {
    this.weekdayList ??= ALL_WEEKDAYS.filter((day) => this.days[cronNumberOf(day)]);
    return this.weekdayList;
  }

  private weekdayList: readonly Weekday[] | undefined;

  get minutesOfDay(): readonly number[] {
    return this.times;
  }

  get hour(): number {
    return Math.floor(this.times[0]! / 60);
  }

  get minute(): number {
    return this.times[0]! % 60;
  }

  next(after: Date): Date {
    return this.nextOccurrence(after).at;
  }

  /** The last answer: the decision, the cache and the deadline ask one schedule about the same instant in turn. */
  private lastFrom = Number.NaN;
  private lastOccurrence: Occurrence | null = null;

  nextOccurrence(after: Date): Occurrence {
    const from = after.getTime();
    if (from === this.lastFrom) return this.lastOccurrence!;
    const occurrence = this.computeNextOccurrence(from);
    this.lastFrom = from;
    this.lastOccurrence = occurrence;
    return occurrence;
  }

  private computeNextOccurrence(from: number): Occurrence {
    // Any offset is within ±14 h, so start a day early and compare instants.
    const firstDay = Math.floor(from / DAY) - 1;
    for (let day = firstDay; day <= firstDay + 9; day++) {
      if (!this.days[cronWeekdayOfDay(day)]) continue;
      const offsets = dayOffsets(this.timezone, day);
      const fire =
        offsets.transition === null ? this.firstFireOnPlainDay(day, offsets.before, from) : this.firstFireOnTransitionDay(day, from);
      if (fire !== null) {
        const wall = fire + offsetOfInstant(offsets, fire);
        return { at: new Date(fire), weekday: weekdayFromCronNumber(cronWeekdayOfDay(Math.floor(wall / DAY))) };
      }
    }
    throw new ScheduleError(`schedule "${this.spec}" has no fire time after ${new Date(from).toISOString()}`);
  }

  /** Without a transition the wall→instant map is a shift, so search the sorted times. */
  private firstFireOnPlainDay(day: number, offset: number, from: number): number | null {
    const threshold = from + offset - day * DAY; // fire when time * MINUTE > threshold
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.times[middle]! * MINUTE > threshold) high = middle;
      else low = middle + 1;
    }
    const time = this.times[low];
    return time === undefined ? null : day * DAY + time * MINUTE - offset;
  }

  /** Gap-shifted times may interleave with real ones, so take the minimum. */
  private firstFireOnTransitionDay(day: number, from: number): number | null {
    let best: number | null = null;
    for (const time of this.times) {
      const fire = instantOfWall(this.timezone, day * DAY + time * MINUTE);
      if (fire > from && (best === null || fire < best)) best = fire;
    }
    return best;
  }
}

// ---------------------------------------------------------------------------
// Parsing

const FIELD_NAMES = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const DAY_NAMES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const FULL_DAY_NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const DEFAULT_ZONE = 'UTC';
const DAY_NAME_PATTERN = new RegExp([...FULL_DAY_NAMES, ...DAY_NAMES].join('|'), 'gi');

interface FieldRange {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MINUTE_FIELD: FieldRange = { name: 'minute', min: 0, max: 59 };
const HOUR_FIELD: FieldRange = { name: 'hour', min: 0, max: 23 };
const WEEKDAY_FIELD: FieldRange = { name: 'day-of-week', min: 0, max: 6, names: DAY_NAMES };

interface Parsed {
  readonly timezone: string;
  readonly fields: readonly [string, string, string, string, string];
}

function fail(spec: string, problem: string): never {
  throw new ScheduleError(`invalid schedule "${spec}": ${problem}`);
}

function splitSchedule(spec: string): Parsed {
  const tokens = spec
    .trim()
    .split(/\s+/)
    .filter((token) => token !== '');
  if (tokens.length === 0) fail(spec, 'the schedule is empty');
  let timezone = DEFAULT_ZONE;
  const first = tokens[0]!;
  if (first.startsWith('CRON_TZ=')) {
    timezone = checkTimeZone(spec, first.slice('CRON_TZ='.length));
    tokens.shift();
  } else if (/^cron_tz=/i.test(first)) {
    fail(spec, `the time zone prefix must be written exactly CRON_TZ= (got "${first.split('=')[0]}=")`);
  } else if (/^[A-Z_]*TZ=/i.test(first)) {
    fail(spec, `the time zone prefix is CRON_TZ=, not "${first.split('=')[0]}="`);
  }
  const head = tokens[0];
  if (head?.startsWith('@')) {
    fail(spec, `descriptors such as "${head}" are not supported; write the five fields, e.g. "0 9 * * *"`);
  }
  if (tokens.some((token) => token.includes('='))) {
    fail(spec, 'the CRON_TZ= prefix must come first, before the five fields');
  }
  if (tokens.length === 6) {
    fail(spec, 'expected 5 fields (minute hour day-of-month month day-of-week) but got 6; a seconds field is not supported');
  }
  if (tokens.length !== 5) {
    fail(
      spec,
      `expected 5 fields (minute hour day-of-month month day-of-week) after the optional CRON_TZ= prefix but got ${tokens.length}`,
    );
  }
  for (const [index, field] of tokens.entries()) {
    // Day names contain letters such as H and W, so look only at what is left without them.
    const special = /[LW#H?]/i.exec(field.replace(DAY_NAME_PATTERN, ''));
    if (special !== null) {
      fail(
        spec,
        `the special character "${special[0]}" in the ${FIELD_NAMES[index]} field is not supported (L, W, #, H and ? are not allowed)`,
      );
    }
  }
  return { timezone, fields: tokens as unknown as Parsed['fields'] };
}

function checkTimeZone(spec: string, zone: string): string {
  if (zone === '') fail(spec, 'CRON_TZ= needs an IANA time zone name, e.g. CRON_TZ=Europe/Berlin');
  if (zone === 'Local') fail(spec, 'CRON_TZ=Local is not allowed; name the IANA time zone, e.g. CRON_TZ=America/Chicago');
  if (/^[+-]\d|^(UTC|GMT)[+-]\d/i.test(zone)) {
    fail(spec, `"${zone}" is a UTC offset, not a time zone; use an IANA name such as CRON_TZ=Asia/Kolkata (or CRON_TZ=Etc/GMT-5)`);
  }
  const resolved = resolveTimeZone(zone);
  if (resolved === null) fail(spec, `unknown time zone "${zone}"; use an IANA name such as CRON_TZ=Europe/Berlin`);
  if (resolved !== zone && resolved.toLowerCase() === zone.toLowerCase()) {
    fail(spec, `unknown time zone "${zone}" (zone names are case-sensitive; did you mean "${resolved}"?)`);
  }
  return zone;
}

function requireStar(spec: string, field: string, name: string): void {
  if (field !== '*') fail(spec, `the ${name} field must be * (got "${field}")`);
}

function parseValue(spec: string, text: string, range: FieldRange): number {
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    if (range === WEEKDAY_FIELD && value === 7) {
      fail(spec, 'day-of-week 7 is not allowed; use 0 (or sun) for Sunday');
    }
    if (value < range.min || value > range.max) {
      fail(spec, `${range.name} ${text} is out of range (${range.min}-${range.max})`);
    }
    return value;
  }
  const lower = text.toLowerCase();
  if (range.names?.includes(lower)) return range.names.indexOf(lower);
  if (range.names !== undefined && FULL_DAY_NAMES.includes(lower)) {
    fail(spec, `full day names such as "${text}" are not allowed; use sun, mon, tue, wed, thu, fri or sat`);
  }
  fail(
    spec,
    `"${text}" is not a valid ${range.name} (expected ${range.names ? `${range.min}-${range.max} or sun-sat` : `a number ${range.min}-${range.max}`})`,
  );
}

// One field: a comma list of `*`, `*/n`, `a`, `a-b`, `a-b/n` or `a/n` (from a to the maximum).
function parseField(spec: string, field: string, range: FieldRange): number[] {
  const values = new Set<number>();
  for (const item of field.split(',')) {
    const match = /^([^/]+)(?:\/(.*))?$/.exec(item);
    if (match === null) fail(spec, `"${item}" in the ${range.name} field is not a value, range or step`);
    const [, base, stepText] = match as unknown as [string, string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) === 0) {
        fail(spec, `the step "/${stepText}" in the ${range.name} field must be a positive whole number`);
      }
      step = Number(stepText);
    }
    let start: number;
    let end: number;
    if (base === '*') {
      [start, end] = [range.min, range.max];
    } else if (base.includes('-')) {
      const [from, to, ...rest] = base.split('-');
      if (rest.length > 0 || !from || !to) fail(spec, `"${base}" in the ${range.name} field is not a range like 1-5`);
      start = parseValue(spec, from, range);
      end = parseValue(spec, to, range);
      if (start > end) fail(spec, `the range ${base} in the ${range.name} field is reversed (the start must not exceed the end)`);
    } else {
      start = parseValue(spec, base, range);
      end = stepText === undefined ? start : range.max;
    }
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function build(spec: string, timezone: string, minutes: number[], hours: number[], weekdays: number[]): CronSchedule {
  const times = hours.flatMap((hour) => minutes.map((minute) => hour * 60 + minute));
  const days = Array.from({ length: 7 }, (_, day) => weekdays.includes(day));
  return new CronSchedule(spec, timezone, times, days);
}

/** Parsed schedules by text: the decision and the projection (docs/rules.md#policy-dry-run-and-timeline) parse the same few texts again and again. */
const parsedWeekly = new Map<string, WeeklySchedule>();
const PARSED_WEEKLY_MAX = 10_000;

/** docs/rules.md#weekly-schedule: `[CRON_TZ=<zone>] <minute> <hour> * * <day-of-week>`. */
export function parseWeeklySchedule(spec: string): WeeklySchedule {
  let schedule = parsedWeekly.get(spec);
  if (schedule === undefined) {
    schedule = parseWeeklyText(spec); // a text that does not parse throws, and is not kept
    if (parsedWeekly.size >= PARSED_WEEKLY_MAX) parsedWeekly.clear();
    parsedWeekly.set(spec, schedule);
  }
  return schedule;
}

function parseWeeklyText(spec: string): WeeklySchedule {
  const { timezone, fields } = splitSchedule(spec);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  requireStar(spec, dayOfMonth, 'day-of-month');
  requireStar(spec, month, 'month');
  return build(
    spec,
    timezone,
    parseField(spec, minute, MINUTE_FIELD),
    parseField(spec, hour, HOUR_FIELD),
    parseField(spec, dayOfWeek, WEEKDAY_FIELD),
  );
}

/** docs/rules.md#daily-schedule: `[CRON_TZ=<zone>] <minute> <hour> * * *` with a single minute and hour. */
export function parseDailySchedule(spec: string): DailySchedule {
  const { timezone, fields } = splitSchedule(spec);
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
  requireStar(spec, dayOfMonth, 'day-of-month');
  requireStar(spec, month, 'month');
  requireStar(spec, dayOfWeek, 'day-of-week');
  for (const [text, range] of [
    [minute, MINUTE_FIELD],
    [hour, HOUR_FIELD],
  ] as const) {
    if (!/^\d+$/.test(text)) fail(spec, `a daily schedule needs a single ${range.name} (got "${text}")`);
  }
  return build(spec, timezone, [parseValue(spec, minute, MINUTE_FIELD)], [parseValue(spec, hour, HOUR_FIELD)], [0, 1, 2, 3, 4, 5, 6]);
}
