import { describe, expect, it } from 'vitest';
import { ALL_WEEKDAYS, formatWeekdayList, parseWeekdayList, type Weekday } from '../../src/lifecycle/index.js';

describe('parseWeekdayList', () => {
  it.each([
    { text: 'mon-fri', days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] },
    { text: 'sat,sun', days: ['saturday', 'sunday'] },
    { text: 'all', days: [...ALL_WEEKDAYS] },
    { text: 'none', days: [] },
    { text: 'Monday,Wednesday', days: ['monday', 'wednesday'] },
    { text: 'MON', days: ['monday'] },
    { text: 'sun,mon,sun', days: ['monday', 'sunday'] },
    { text: 'fri-mon', days: ['monday', 'friday', 'saturday', 'sunday'] },
    { text: 'sun-sat', days: [...ALL_WEEKDAYS] },
    { text: ' tue , thu ', days: ['tuesday', 'thursday'] },
  ] as { text: string; days: Weekday[] }[])('$text', ({ text, days }) => {
    expect(parseWeekdayList(text)).toEqual(days);
  });

  it.each(['', 'funday', 'mon-', 'mon-tue-wed', '1-5', 'mo'])('rejects %j with a clear message', (text) => {
    expect(() => parseWeekdayList(text)).toThrow(/weekday|empty/);
  });
});

describe('formatWeekdayList', () => {
  it.each([
    { days: [], text: 'none' },
    { days: [...ALL_WEEKDAYS], text: 'all' },
    { days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'], text: 'mon-fri' },
    { days: ['saturday', 'sunday'], text: 'sat,sun' },
    { days: ['sunday', 'monday', 'wednesday', 'thursday', 'friday'], text: 'mon,wed-fri,sun' },
  ] as { days: Weekday[]; text: string }[])('$text', ({ days, text }) => {
    expect(formatWeekdayList(days)).toBe(text);
    expect(parseWeekdayList(text)).toEqual(ALL_WEEKDAYS.filter((d) => days.includes(d)));
  });
});
