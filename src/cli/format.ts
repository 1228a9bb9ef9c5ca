// Pure formatting for the human-readable output: instants in the local zone
// with the zone named, durations as the core writes them, aligned tables.
// The JSON output never goes through here (it uses ISO-8601 UTC and ms).
import { formatDuration, formatWeekdayList, MINUTE, type Weekday } from '../lifecycle/index.js';

/** The zone the output is written in: the process's (set TZ to change it). */
export function localZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsIn(zone: string, date: Date): Record<string, string> {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    formatters.set(zone, f);
  }
  return Object.fromEntries(f.formatToParts(date).map((p) => [p.type, p.value]));
}

/**
 * `Mon 2026-03-02 09:00:00 +01:00 Europe/Berlin`: the weekday (schedules are
 * weekly), the wall clock, its offset, and the zone's name. `-` when unset.
 */
export function formatInstant(date: Date | null, zone = localZone()): string {
  if (date === null) return '-';
  const p = partsIn(zone, date);
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : (p.timeZoneName ?? '').replace(/^GMT/, '');
  return `${p.weekday} ${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second} ${offset} ${zone}`;
}

/** `in 2h15m`, `3m ago`, `now`: rounded to the minute past an hour, to the second below. */
export function formatRelative(date: Date, now: Date): string {
  const delta = date.getTime() - now.getTime();
  const abs = Math.abs(delta);
  if (abs < 1000) return 'now';
  const rounded = abs >= 60 * MINUTE ? Math.round(abs / MINUTE) * MINUTE : Math.round(abs / 1000) * 1000;
  return delta > 0 ? `in ${formatDuration(rounded)}` : `${formatDuration(rounded)} ago`;
}

/** A duration in ms for people: `8h`, `off` for 0, `-` for unset. */
export function formatDurationOrOff(ms: number | null, off = 'off'): string {
  if (ms === null) return '-';
  return ms === 0 ? off : formatDuration(ms);
}

export function formatDays(days: readonly Weekday[]): string {
  return formatWeekdayList(days);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function formatTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columnWidths(headers, rows);
  return `${[tableLine(headers, widths), ...rows.map((r) => tableLine(r, widths))].join('\n')}\n`;
}

/** The width of each column: its widest cell (a loop, not a spread: lists can be long). */
export function columnWidths(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): number[] {
  const widths = headers.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, (r[i] ?? '').length);
  return widths;
}

export function tableLine(cells: readonly string[], widths: readonly number[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
    .join('  ')
    .trimEnd();
}

/** `key   value` lines, keys aligned; a null value prints `-`. */
export function formatFields(fields: ReadonlyArray<readonly [string, string | null]>): string {
  const width = Math.max(...fields.map(([k]) => k.length));
  return `${fields.map(([k, v]) => `${(`${k}:`).padEnd(width + 1)}  ${v ?? '-'}`).join('\n')}\n`;
}
