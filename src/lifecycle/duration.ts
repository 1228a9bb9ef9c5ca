import { DAY, HOUR, MINUTE, SECOND } from './time.js';

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
  ['ms', 1],
];
const PART = /(\d+(?:\.\d+)?)(ms|d|h|m|s)/y;

/**
 * Parses `8h`, `30m`, `90s`, `7d`, `1h30m`, `250ms` or `0` into milliseconds.
 * Throws a RangeError that says what is accepted.
 */
export function parseDuration(text: string): number {
  const input = text.trim();
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  const invalid = () =>
    new RangeError(`invalid duration "${shown}": use a number with a unit (d, h, m, s, ms), e.g. 8h, 30m, 1h30m, 7d, or 0`);
  if (input === '0') return 0;
  if (input === '') throw invalid();
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < input.length) {
    const match = PART.exec(input);
    if (match === null) throw invalid();
    const unit = UNITS.find(([name]) => name === match[2])!;
    total += Number(match[1]) * unit[1];
  }
  const ms = Math.round(total);
  // A string of hundreds of digits is Infinity, or a number that millisecond arithmetic cannot hold.
  if (!Number.isSafeInteger(ms)) throw new RangeError(`invalid duration "${shown}": too long`);
  return ms;
}

/** The inverse of `parseDuration`: `0`, `1h30m`, `7d`, `1m30s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`cannot format duration ${ms}`);
  if (ms === 0) return '0';
  let rest = Math.round(ms);
  let text = '';
  for (const [name, size] of UNITS) {
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${name}`;
    rest -= count * size;
  }
  return text;
}
