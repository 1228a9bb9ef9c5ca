// Input parsing for operations: each function returns the clean value or
// throws an OpsError('invalid') whose message names the field and the rule.
import {
  formatDuration,
  MINUTE,
  parseDailySchedule,
  parseDuration,
  parseWeekdayList,
  parseWeeklySchedule,
  type TemplatePolicy,
  type Weekday,
} from '../lifecycle/index.js';
import { invalid } from './errors.js';

export { BOUNDS } from '../lifecycle/index.js';

import { BOUNDS } from '../lifecycle/index.js';

/** A duration as text (`8h`, `30m`, `1h30m`, `0`) or as milliseconds. */
export type DurationInput = string | number;
/** Days as text (`mon-fri`, `sat,sun`, `all`, `none`) or as a list of day names. */
export type DaysInput = string | readonly string[];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw invalid(
      `invalid ${field} ${JSON.stringify(typeof value === 'string' ? value.slice(0, 80) : value)}: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
      field,
    );
  }
  // References take a name or an id: a name shaped like an id could stand for another's.
  if (UUID.test(value)) throw invalid(`invalid ${field} ${JSON.stringify(value)}: a name must not have the shape of an id (a UUID)`, field);
  return value;
}

export function durationMs(field: string, value: DurationInput, maxMs: number): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value))
      throw invalid(`invalid ${field} ${value}: milliseconds must be a whole number`, field);
    ms = value;
  } else if (typeof value === 'string') {
    try {
      ms = parseDuration(value);
    } catch (err) {
      throw invalid(`invalid ${field}: ${(err as Error).message}`, field);
    }
  } else {
    throw invalid(`invalid ${field}: expected a duration such as 8h or 30m`, field);
  }
  if (ms < 0) throw invalid(`invalid ${field}: must not be negative`, field);
  if (ms > maxMs) throw invalid(`invalid ${field} ${formatDuration(ms)}: at most ${formatDuration(maxMs)}`, field);
  return ms;
}

/** A template policy duration: 0 (off) up to a year. */
export function policyMs(field: string, value: DurationInput): number {
  return durationMs(field, value, BOUNDS.policyMaxMs);
}

/** 0 (off), or at least a minute: rules are checked once a minute. */
export function offOrAtLeastMinute(field: string, value: DurationInput): number {
  const ms = policyMs(field, value);
  if (ms > 0 && ms < MINUTE) throw invalid(`invalid ${field} ${formatDuration(ms)}: use 0 (off) or at least 1m`, field);
  return ms;
}

/** docs/rules.md#other-changes: a TTL is between 1 minute and 30 days. */
export function ttlMs(field: string, value: DurationInput): number {
  const ms = durationMs(field, value, Number.MAX_SAFE_INTEGER);
  if (ms < BOUNDS.ttlMinMs || ms > BOUNDS.ttlMaxMs) {
    throw invalid(`invalid ${field} ${formatDuration(ms)}: must be between 1m and 30d`, field);
  }
  return ms;
}

export function weekdays(field: string, value: DaysInput): Weekday[] {
  const list = typeof value === 'string' ? value : Array.isArray(value) ? (value.length ? value.join(',') : 'none') : null;
  if (list === null) throw invalid(`invalid ${field}: expected day names such as mon-fri`, field);
  try {
    return parseWeekdayList(list);
  } catch (err) {
    throw invalid(`invalid ${field}: ${(err as Error).message}`, field);
  }
}

/** A valid weekly schedule, as it is stored: its fields separated by single spaces. */
export function weeklySchedule(field: string, value: unknown): string {
  if (typeof value !== 'string')
    throw invalid(`invalid ${field}: expected a schedule such as "CRON_TZ=Europe/Berlin 30 8 * * mon-fri"`, field);
  const spec = normalizedSchedule(field, value);
  try {
    parseWeeklySchedule(spec);
  } catch (err) {
    throw invalid(`invalid ${field}: ${(err as Error).message}`, field);
  }
  return spec;
}

/** A valid daily (quiet hours) schedule, as it is stored: its fields separated by single spaces. */
export function dailySchedule(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(`invalid ${field}: expected a schedule such as "CRON_TZ=Europe/Berlin 0 23 * * *"`, field);
  const spec = normalizedSchedule(field, value);
  try {
    parseDailySchedule(spec);
  } catch (err) {
    throw invalid(`invalid ${field}: ${(err as Error).message}`, field);
  }
  return spec;
}

/** Bounded, and one line: a schedule is stored (and quoted in messages) in its normal form. */
function normalizedSchedule(field: string, value: string): string {
  if (value.length > BOUNDS.scheduleMaxLength) {
    throw invalid(`invalid ${field}: a schedule has at most ${BOUNDS.scheduleMaxLength} characters (got ${value.length})`, field);
  }
  return value.trim().split(/\s+/).join(' ');
}

/** docs/rules.md#catch-up-after-downtime: `latest` starts only what fell due within its window, so it needs one. */
export function catchupWindow(policy: Partial<Pick<TemplatePolicy, 'catchup' | 'catchupWindowMs'>>): void {
  if (policy.catchup === 'latest' && !((policy.catchupWindowMs ?? 0) > 0)) {
    throw invalid('invalid catch-up window: catch-up latest needs a window greater than 0 (e.g. 2h)', 'catch-up window');
  }
}

export function oneOf<const T extends readonly string[]>(field: string, value: unknown, allowed: T): T[number] {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(`invalid ${field} ${JSON.stringify(value)}: use one of ${allowed.join(', ')}`, field);
  }
  return value as T[number];
}

/** ISO-8601's years 0001 to 9999: what the API and the CLI read, and within what PostgreSQL stores. */
const INSTANT_MIN_MS = Date.parse('0001-01-01T00:00:00Z');
const INSTANT_MAX_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** A Date that is an instant the database can store: not invalid, not before the year 1 or after 9999. */
export const isInstant = (value: unknown): value is Date =>
  value instanceof Date && value.getTime() >= INSTANT_MIN_MS && value.getTime() <= INSTANT_MAX_MS;

export function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(`invalid ${field} ${JSON.stringify(value)}: use true or false`, field);
  return value;
}

export function integerBetween(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`invalid ${field} ${JSON.stringify(value)}: use a whole number from ${min} to ${max}`, field);
  }
  return value;
}
