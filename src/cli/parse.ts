// Argument parsers: text from the command line to the values the operations
// module takes. Commander calls them before any action runs, so bad input
// ends the command before anything is read or written. The rules themselves
// (what a duration or a day list is) live in the pure core.
import { InvalidArgumentError } from 'commander';
import { parseDuration, parseWeekdayList, type Weekday } from '../lifecycle/index.js';

export interface WorkspaceRef {
  owner: string;
  name: string;
}

/** `<owner>/<name>`. */
export function parseWorkspaceRef(text: string): WorkspaceRef {
  const match = /^([^/\s]+)\/([^/\s]+)$/.exec(text.trim());
  if (match === null) {
    throw new InvalidArgumentError(`a workspace is written <owner>/<name>, e.g. alice/dev; got "${text}"`);
  }
  return { owner: match[1]!, name: match[2]! };
}

/** `8h`, `30m`, `90s`, `7d`, `1h30m`, `0` (off), in milliseconds. */
export function parseDurationArg(text: string): number {
  try {
    return parseDuration(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** `mon-fri`, `sat,sun`, `all`, `none`. */
export function parseDaysArg(text: string): Weekday[] {
  try {
    return parseWeekdayList(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function parseBooleanArg(text: string): boolean {
  const lower = text.trim().toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw new InvalidArgumentError(`write true or false, got "${text}"`);
}

export function parsePositiveIntArg(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`write a whole number of 1 or more, got "${text}"`);
  return n;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * An ISO-8601 instant with its offset: `2026-03-02T09:00:00+01:00` or
 * `2026-03-02T08:00Z`. A time without an offset is refused rather than
 * guessed, so the same command means the same minute on every machine.
 */
export function parseInstantArg(text: string): Date {
  const trimmed = text.trim();
  const date = new Date(trimmed);
  if (!ISO_INSTANT.test(trimmed) || Number.isNaN(date.getTime()) || !calendarDateExists(trimmed)) {
    throw new InvalidArgumentError(
      `write an ISO-8601 time with an offset, e.g. 2026-03-02T09:00:00+01:00 or 2026-03-02T08:00:00Z; got "${text}"`,
    );
  }
  return date;
}

/** `Date` rolls 2026-02-30 over to March; a typo should be an error instead. */
function calendarDateExists(iso: string): boolean {
  const [year, month, day] = iso.slice(0, 10).split('-').map(Number) as [number, number, number];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}
