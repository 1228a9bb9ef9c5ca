import { describe, expect, it } from 'vitest';
import {
  ALL_WEEKDAYS,
  nextAllowedAutostart,
  nextAutostart,
  parseWeeklySchedule,
  ScheduleError,
  type Weekday,
} from '../../src/lifecycle/index.js';
import { at } from './fixtures.js';

describe('nextAutostart', () => {
  it.each([
    {
      name: 'Tokyo Monday 08:00 is Sunday in UTC but Monday in the zone: allowed on monday',
      spec: 'CRON_TZ=Asia/Tokyo 0 8 * * *',
      from: '2024-01-07T12:00:00Z',
      days: ['monday'],
      want: { at: '2024-01-07T23:00:00.000Z', allowed: true },
    },
    {
      name: 'Tokyo Monday 08:00 is not allowed on sunday',
      spec: 'CRON_TZ=Asia/Tokyo 0 8 * * *',
      from: '2024-01-07T12:00:00Z',
      days: ['sunday'],
      want: { at: '2024-01-07T23:00:00.000Z', allowed: false },
    },
    {
      name: 'Los Angeles Friday 18:00 is Saturday in UTC but Friday in the zone',
      spec: 'CRON_TZ=America/Los_Angeles 0 18 * * *',
      from: '2024-01-05T12:00:00Z',
      days: ['friday'],
      want: { at: '2024-01-06T02:00:00.000Z', allowed: true },
    },
  ] as { name: string; spec: string; from: string; days: Weekday[]; want: { at: string; allowed: boolean } }[])(
    '$name',
    ({ spec, from, days, want }) => {
      const next = nextAutostart(parseWeeklySchedule(spec), at(from), days);
      expect({ at: next.at.toISOString(), allowed: next.allowed }).toEqual(want);
    },
  );
});

describe('nextAllowedAutostart', () => {
  it.each([
    {
      name: 'allowed days are evaluated in the schedule zone (Tokyo Monday = Sunday 23:00Z)',
      spec: 'CRON_TZ=Asia/Tokyo 0 8 * * *',
      from: '2024-01-05T00:00:00Z',
      days: ['monday'],
      want: '2024-01-07T23:00:00.000Z',
    },
    {
      name: 'skips disallowed days (weekdays only from a Friday evening)',
      spec: '0 9 * * *',
      from: '2024-01-05T10:00:00Z',
      days: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
      want: '2024-01-08T09:00:00.000Z',
    },
    {
      name: 'every day allowed is next()',
      spec: '0 9 * * *',
      from: '2024-01-05T10:00:00Z',
      days: [...ALL_WEEKDAYS],
      want: '2024-01-06T09:00:00.000Z',
    },
    {
      name: 'a result exactly 7 days after at is returned (daily, only Monday allowed, from Monday 09:00)',
      spec: '0 9 * * *',
      from: '2024-01-01T09:00:00Z',
      days: ['monday'],
      want: '2024-01-08T09:00:00.000Z',
    },
    {
      name: 'a weekly schedule from its own fire time returns the same time a week later',
      spec: '0 9 * * mon',
      from: '2024-01-01T09:00:00Z',
      days: ['monday'],
      want: '2024-01-08T09:00:00.000Z',
    },
  ] as { name: string; spec: string; from: string; days: Weekday[]; want: string }[])('$name', ({ spec, from, days, want }) => {
    expect(nextAllowedAutostart(parseWeeklySchedule(spec), at(from), days).toISOString()).toBe(want);
  });

  it.each([
    { name: 'no day allowed', spec: '0 9 * * *', days: [] as Weekday[], message: /no occurrence on an allowed day \(allowed: none\)/ },
    {
      name: 'schedule days and allowed days do not overlap',
      spec: '0 9 * * sat,sun',
      days: ['monday'] as Weekday[],
      message: /no occurrence on an allowed day \(allowed: mon\)/,
    },
  ])('throws ScheduleError when $name', ({ spec, days, message }) => {
    const call = () => nextAllowedAutostart(parseWeeklySchedule(spec), at('2024-01-01T00:00:00Z'), days);
    expect(call).toThrow(ScheduleError);
    expect(call).toThrow(message);
  });
});
