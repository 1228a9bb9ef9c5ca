// Input parsing for operations: each function returns the clean value or
// throws an OpsError('invalid') whose message names the field and the rule.
import {
  DAY,
  formatDuration,
  MINUTE,
  parseDailySchedule,
  parseDuration,
  parseWeekdayList,
  parseWeeklySchedule,
  type Weekday,
} from '../lifecycle/index.js';
import { invalid } from './errors.js';

/** A duration as text (`8h`, `30m`, `1h30m`, `0`) or as milliseconds. */
export type DurationInput = string | number;
/** Days as text (`mon-fri`, `sat,sun`, `all`, `none`) or as a list of day names. */
export type DaysInput = string | readonly string[];

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function name(field: string, value: unknown): string {
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw invalid(
      `invalid ${field} ${JSON.stringify(value)}: use 1 to 64 letters, digits, '_', '.' or '-', starting with a letter or digit`,
    );
  }
  return value;
}

export function durationMs(field: string, value: DurationInput): number {
  let ms: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || !Number.isInteger(value))
      throw invalid(`invalid ${field} ${value}: milliseconds must be a whole number`);
    ms = value;
  } else if (typeof value === 'string') {
    try {
      ms = parseDuration(value);
    } catch (err) {
      throw invalid(`invalid ${field}: ${(err as Error).message}`);
    }
  } else {
    throw invalid(`invalid ${field}: expected a duration such as 8h or 30m`);
  }
  if (ms < 0) throw invalid(`invalid ${field}: must not be negative`);
  return ms;
}

/** 0 (off), or at least a minute: rules are checked once a minute. */
export function offOrAtLeastMinute(field: string, value: DurationInput): number {
  const ms = durationMs(field, value);
  if (ms > 0 && ms < MINUTE) throw invalid(`invalid ${field} ${formatDuration(ms)}: use 0 (off) or at least 1m`);
  return ms;
}

export const TTL_MIN_MS = MINUTE;
export const TTL_MAX_MS = 30 * DAY;

/** docs/rules.md#other-changes: a TTL is between 1 minute and 30 days. */
export function ttlMs(field: string, value: DurationInput): number {
  const ms = durationMs(field, value);
  if (ms < TTL_MIN_MS || ms > TTL_MAX_MS) {
    throw invalid(`invalid ${field} ${formatDuration(ms)}: must be between 1m and 30d`);
  }
  return ms;
}

export function weekdays(field: string, value: DaysInput): Weekday[] {
  const list = typeof value === 'string' ? value : Array.isArray(value) ? (value.length ? value.join(',') : 'none') : null;
  if (list === null) throw invalid(`invalid ${field}: expected day names such as mon-fri`);
  try {
    return parseWeekdayList(list);
  } catch (err) {
    throw invalid(`invalid ${field}: ${(err as Error).message}`);
  }
}

export function weeklySchedule(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(`invalid ${field}: expected a schedule such as "CRON_TZ=Europe/Berlin 30 8 * * mon-fri"`);
  try {
    parseWeeklySchedule(value);
  } catch (err) {
    throw invalid(`invalid ${field}: ${(err as Error).message}`);
  }
  return value;
}

export function dailySchedule(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(`invalid ${field}: expected a schedule such as "CRON_TZ=Europe/Berlin 0 23 * * *"`);
  try {
    parseDailySchedule(value);
  } catch (err) {
    throw invalid(`invalid ${field}: ${(err as Error).message}`);
  }
  return value;
}

export function oneOf<const T extends readonly string[]>(field: string, value: unknown, allowed: T): T[number] {
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw invalid(`invalid ${field} ${JSON.stringify(value)}: use one of ${allowed.join(', ')}`);
  }
  return value as T[number];
}

export function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(`invalid ${field} ${JSON.stringify(value)}: use true or false`);
  return value;
}

export function integerBetween(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`invalid ${field} ${JSON.stringify(value)}: use a whole number from ${min} to ${max}`);
  }
  return value;
}
