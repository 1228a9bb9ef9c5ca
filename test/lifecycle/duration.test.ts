import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/lifecycle/index.js';
import { D, H, MIN } from './fixtures.js';

describe('parseDuration', () => {
  it.each([
    { text: '0', ms: 0 },
    { text: '8h', ms: 8 * H },
    { text: '30m', ms: 30 * MIN },
    { text: '90s', ms: 90_000 },
    { text: '7d', ms: 7 * D },
    { text: '1h30m', ms: 90 * MIN },
    { text: '1d12h', ms: 36 * H },
    { text: '1.5h', ms: 90 * MIN },
    { text: '250ms', ms: 250 },
    { text: ' 2h ', ms: 2 * H },
  ])('$text is $ms ms', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '8', 'h', '-1h', '1h 30m', '1w', '8hours', 'abc', '1h-30m'])('rejects %j with a one-line message', (text) => {
    expect(() => parseDuration(text)).toThrow(RangeError);
    expect(() => parseDuration(text)).toThrow(
      /^invalid duration ".*": use a number with a unit \(d, h, m, s, ms\), e\.g\. 8h, 30m, 1h30m, 7d, or 0$/,
    );
  });
});

describe('formatDuration', () => {
  it.each([
    { ms: 0, text: '0' },
    { ms: 90 * MIN, text: '1h30m' },
    { ms: 7 * D, text: '7d' },
    { ms: 90_000, text: '1m30s' },
    { ms: D + 1, text: '1d1ms' },
  ])('$ms ms is $text', ({ ms, text }) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([0, 1, 59_999, 8 * H, 90 * MIN, 7 * D + 3 * H + 4 * MIN + 5_006])('round-trips %d ms', (ms) => {
    expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('rejects a negative duration', () => {
    expect(() => formatDuration(-1)).toThrow(RangeError);
  });
});
