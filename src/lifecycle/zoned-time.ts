/**
 * Wall-clock <-> instant conversion in an IANA time zone, on top of `Intl`
 * only (it runs inside Temporal's workflow sandbox).
 *
 * A "wall" value is a wall-clock reading encoded as milliseconds since the
 * epoch as if the zone were UTC; a "local day" is `floor(wall / DAY)`.
 */
import { DAY, MINUTE, SECOND } from './time.js';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

const resolvedZones = new Map<string, string | null>();

/** The canonical name `Intl` resolves `zone` to, or null when it does not know it. */
export function resolveTimeZone(zone: string): string | null {
  let resolved = resolvedZones.get(zone);
  if (resolved === undefined) {
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      resolved = null;
    }
    // Creating a formatter costs tens of microseconds; schedules are parsed on every decision.
    if (resolvedZones.size < 1000) resolvedZones.set(zone, resolved);
  }
  return resolved;
}

// `format` is several times faster than `formatToParts`; en-US h23 prints "2/14/2024, 21:45:00".
const EN_US = /^(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)$/;

/** UTC offset (wall − instant, in ms) in effect at `instant`. */
export function offsetAt(zone: string, instant: number): number {
  if (zone === 'UTC') return 0;
  const match = EN_US.exec(formatterFor(zone).format(instant));
  if (match === null) throw new RangeError(`cannot read the wall clock of ${zone} at ${new Date(instant).toISOString()}`);
  const [, month, day, year, hour, minute, second] = match.map(Number) as number[];
  const wall = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  return wall - (instant - (((instant % SECOND) + SECOND) % SECOND));
}

export function wallOf(zone: string, instant: number): number {
  return instant + offsetAt(zone, instant);
}

export function localDayOf(zone: string, instant: number): number {
  return Math.floor(wallOf(zone, instant) / DAY);
}

/** 0 = Sunday … 6 = Saturday, like cron and `getUTCDay`. */
export function cronWeekdayOfDay(localDay: number): number {
  return (((localDay + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/**
 * The offsets around one local day: `before` is in effect before any
 * transition that touches the day, `after` after it, and `transition` is the
 * instant of that change (null when the day has none). Transitions are
 * assumed to be more than three days apart, true of every zone in use.
 */
export interface DayOffsets {
  readonly before: number;
  readonly after: number;
  readonly transition: number | null;
}

const MAX_CACHED_DAYS = 20_000;
const dayOffsetCache = new Map<string, Map<number, DayOffsets>>();

const UTC_DAY: DayOffsets = { before: 0, after: 0, transition: null };

export function dayOffsets(zone: string, localDay: number): DayOffsets {
  if (zone === 'UTC') return UTC_DAY;
  let days = dayOffsetCache.get(zone);
  if (days === undefined) {
    days = new Map();
    dayOffsetCache.set(zone, days);
  }
  let found = days.get(localDay);
  if (found === undefined) {
    found = computeDayOffsets(zone, localDay);
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(localDay, found);
  }
  return found;
}

function computeDayOffsets(zone: string, localDay: number): DayOffsets {
  // Offsets never exceed ±14 h, so these instants lie outside the local day.
  let low = (localDay - 1) * DAY;
  let high = (localDay + 2) * DAY;
  const before = offsetAt(zone, low);
  const after = offsetAt(zone, high);
  if (before === after) return { before, after, transition: null };
  // Binary search in whole seconds for the first instant with the new offset.
  low /= SECOND;
  high /= SECOND;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(zone, middle * SECOND) === before) low = middle;
    else high = middle;
  }
  return { before, after, transition: high * SECOND };
}

/**
 * The instant a wall-clock reading denotes, with the DST policy of docs/rules.md#daylight-saving-time:
 * a reading that occurs twice (fall-back) is its first occurrence; a reading
 * inside a spring-forward gap is read with the offset before the gap, which
 * lands the same distance after the gap (02:30 in a 02:00→03:00 gap → 03:30).
 */
export function instantOfWall(zone: string, wall: number, offsets = dayOffsets(zone, Math.floor(wall / DAY))): number {
  const withBefore = wall - offsets.before;
  if (offsets.transition === null) return withBefore;
  const withAfter = wall - offsets.after;
  // Only a reading that exists solely after the transition uses the new offset.
  return withBefore >= offsets.transition && withAfter >= offsets.transition ? withAfter : withBefore;
}

/** The offset actually in effect at an instant produced by `instantOfWall` for that day. */
export function offsetOfInstant(offsets: DayOffsets, instant: number): number {
  return offsets.transition !== null && instant >= offsets.transition ? offsets.after : offsets.before;
}

export const MINUTES_PER_DAY = DAY / MINUTE;
