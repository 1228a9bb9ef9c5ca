import { describe, expect, it } from 'vitest';
import { type AutostopInput, computeAutostop, type Weekday } from '../../src/lifecycle/index.js';
import { at, defaultTemplate, H } from './fixtures.js';

function autostop(
  input: Partial<Omit<AutostopInput, 'template' | 'workspace'>> & {
    template?: Partial<AutostopInput['template']>;
    workspace?: Partial<AutostopInput['workspace']>;
  },
) {
  const result = computeAutostop({
    completedAt: input.completedAt ?? at('2024-01-01T12:00:00Z'),
    workspace: { ttlMs: null, autostartSchedule: null, ...input.workspace },
    template: { ...defaultTemplate, ...input.template },
    quietHoursSchedule: input.quietHoursSchedule ?? null,
    defaultQuietHoursSchedule: input.defaultQuietHoursSchedule,
  });
  return { deadline: result.deadline?.toISOString() ?? null, maxDeadline: result.maxDeadline?.toISOString() ?? null };
}

describe('worked examples', () => {
  it('workspace TTL 1 h, no requirement → deadline C + 1h, no max', () => {
    expect(autostop({ completedAt: at('2024-01-01T12:00:00Z'), workspace: { ttlMs: H } })).toEqual({
      deadline: '2024-01-01T13:00:00.000Z',
      maxDeadline: null,
    });
  });

  it('template forbids user autostop, default 3 h, workspace TTL 4 h → C + 3h', () => {
    expect(autostop({ workspace: { ttlMs: 4 * H }, template: { allowUserAutostop: false, defaultTtlMs: 3 * H } })).toEqual({
      deadline: '2024-01-01T15:00:00.000Z',
      maxDeadline: null,
    });
  });

  it('user autostop allowed, workspace TTL unset → no deadline', () => {
    expect(autostop({ workspace: { ttlMs: null }, template: { defaultTtlMs: 3 * H } })).toEqual({ deadline: null, maxDeadline: null });
  });

  const chicagoMorning = {
    workspace: { ttlMs: null, autostartSchedule: 'CRON_TZ=America/Chicago 0 9 * * *' },
    template: { allowUserAutostop: false, defaultTtlMs: 12 * H },
  };
  it('TTL 12 h (template-forced), autostart Chicago 09:00, C = Wed 2024-02-14 21:45 Chicago → Thu 2024-02-15 21:00 Chicago', () => {
    expect(autostop({ ...chicagoMorning, completedAt: at('2024-02-14T21:45:00-06:00') }).deadline).toBe(
      at('2024-02-15T21:00:00-06:00').toISOString(),
    );
  });

  it('TTL 12 h (template-forced), autostart Chicago 09:00, C = Wed 20:30 Chicago → Thu 08:30', () => {
    expect(autostop({ ...chicagoMorning, completedAt: at('2024-02-14T20:30:00-06:00') }).deadline).toBe(
      at('2024-02-15T08:30:00-06:00').toISOString(),
    );
  });

  it('quiet hours Sydney 00:00, requirement Saturday weekly, C = 2023-02-08 00:00Z → deadline = max = Sat 2023-02-11 00:00 Sydney', () => {
    const sat = at('2023-02-11T00:00:00+11:00').toISOString();
    expect(
      autostop({
        completedAt: at('2023-02-08T00:00:00Z'),
        template: { autostopRequirementDays: ['saturday'] },
        quietHoursSchedule: 'CRON_TZ=Australia/Sydney 0 0 * * *',
      }),
    ).toEqual({ deadline: sat, maxDeadline: sat });
  });

  // No workspace TTL, so only the max deadline is given; default quiet hours are CRON_TZ=UTC 0 0 * * *.
  it.each([
    {
      name: 'default quiet hours, requirement Monday, weekly, C = Sun 2023-01-15 21:00Z → max deadline Mon 2023-01-16 00:00Z',
      completedAt: '2023-01-15T21:00:00Z',
      quietHours: null,
      weeks: 1,
      want: '2023-01-16T00:00:00.000Z',
    },
    {
      name: 'the same, C = Sun 2023-01-15 23:00Z (less than 2 h before quiet hours) → the next requirement day, Mon 2023-01-23 00:00Z',
      completedAt: '2023-01-15T23:00:00Z',
      quietHours: null,
      weeks: 1,
      want: '2023-01-23T00:00:00.000Z',
    },
    {
      name: 'quiet hours Berlin 23:30, requirement Monday, C = Mon 2023-01-16 12:00Z → Mon 2023-01-16 23:30 Berlin (22:30Z), the same night',
      completedAt: '2023-01-16T12:00:00Z',
      quietHours: 'CRON_TZ=Europe/Berlin 30 23 * * *',
      weeks: 1,
      want: '2023-01-16T22:30:00.000Z',
    },
    {
      name: 'default quiet hours, requirement Monday, every 2 weeks, C = Tue 2023-01-03 12:00Z (week 0) → Mon 2023-01-09 00:00Z (week not checked again)',
      completedAt: '2023-01-03T12:00:00Z',
      quietHours: null,
      weeks: 2,
      want: '2023-01-09T00:00:00.000Z',
    },
    {
      name: 'the same, C = Tue 2023-01-10 12:00Z (week 1) → Mon 2023-01-16 00:00Z (step 2 moves to week 2)',
      completedAt: '2023-01-10T12:00:00Z',
      quietHours: null,
      weeks: 2,
      want: '2023-01-16T00:00:00.000Z',
    },
  ])('$name', ({ completedAt, quietHours, weeks, want }) => {
    expect(
      autostop({
        completedAt: at(completedAt),
        template: { autostopRequirementDays: ['monday'], autostopRequirementWeeks: weeks },
        quietHoursSchedule: quietHours,
      }).maxDeadline,
    ).toBe(want);
  });
});

describe('step 2 next autostart', () => {
  const base = { workspace: { ttlMs: 12 * H, autostartSchedule: '0 9 * * *' }, completedAt: at('2024-01-01T22:00:00Z') };
  it.each([
    { name: 'deadline after the next autostart moves to autostart + TTL', given: base, want: '2024-01-02T21:00:00.000Z' },
    {
      name: 'next autostart on a disallowed day is ignored',
      given: { ...base, template: { autostartAllowedDays: ['wednesday'] as Weekday[] } },
      want: '2024-01-02T10:00:00.000Z',
    },
    {
      name: 'template that disallows autostart is ignored',
      given: { ...base, template: { allowUserAutostart: false } },
      want: '2024-01-02T10:00:00.000Z',
    },
    {
      name: 'unparsable stored schedule is ignored',
      given: { ...base, workspace: { ...base.workspace, autostartSchedule: '0 9 * * 7' } },
      want: '2024-01-02T10:00:00.000Z',
    },
    {
      name: 'deadline equal to the next autostart is kept (strict)',
      given: { ...base, completedAt: at('2024-01-01T21:00:00Z') },
      want: '2024-01-02T09:00:00.000Z',
    },
  ])('$name', ({ given, want }) => {
    expect(autostop(given).deadline).toBe(want);
  });
});

describe('step 3 autostop requirement', () => {
  const everyDay: Weekday[] = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  const requirement = (completedAt: string, extra: { days?: Weekday[]; weeks?: number; quietHours?: string; ttlMs?: number } = {}) =>
    autostop({
      completedAt: at(completedAt),
      workspace: { ttlMs: extra.ttlMs ?? null },
      template: { autostopRequirementDays: extra.days ?? everyDay, autostopRequirementWeeks: extra.weeks ?? 1 },
      quietHoursSchedule: extra.quietHours ?? null,
    });

  it.each([
    {
      name: '2-hour rule: quiet hours exactly 2 h after C are kept',
      completedAt: '2024-01-01T22:00:00Z',
      want: '2024-01-02T00:00:00.000Z',
    },
    {
      name: '2-hour rule: quiet hours 1h59m after C are skipped to the next day',
      completedAt: '2024-01-01T22:01:00Z',
      want: '2024-01-03T00:00:00.000Z',
    },
    { name: '2-hour rule: quiet hours 2h01m after C are kept', completedAt: '2024-01-01T21:59:00Z', want: '2024-01-02T00:00:00.000Z' },
    { name: '2-hour rule: start at 23:30 skips tonight', completedAt: '2024-01-01T23:30:00Z', want: '2024-01-03T00:00:00.000Z' },
    { name: 'default quiet hours are midnight UTC', completedAt: '2024-01-01T12:00:00Z', want: '2024-01-02T00:00:00.000Z' },
  ])('$name', ({ completedAt, want }) => {
    expect(requirement(completedAt)).toEqual({ deadline: want, maxDeadline: want });
  });

  it('waits for the next requirement day (Friday) in the quiet-hours zone', () => {
    // Monday 2024-01-01 12:00Z; Berlin quiet hours 01:00 → Friday 2024-01-05 01:00 CET.
    expect(requirement('2024-01-01T12:00:00Z', { days: ['friday'], quietHours: 'CRON_TZ=Europe/Berlin 0 1 * * *' }).maxDeadline).toBe(
      '2024-01-05T00:00:00.000Z',
    );
  });

  it('requirement days are days in the quiet-hours zone, not UTC (Tokyo Saturday 00:00 = Friday 15:00Z)', () => {
    expect(requirement('2024-01-01T12:00:00Z', { days: ['saturday'], quietHours: 'CRON_TZ=Asia/Tokyo 0 0 * * *' }).maxDeadline).toBe(
      '2024-01-05T15:00:00.000Z',
    );
  });

  it('a shorter TTL deadline is kept under the max deadline', () => {
    expect(requirement('2024-01-01T12:00:00Z', { ttlMs: H })).toEqual({
      deadline: '2024-01-01T13:00:00.000Z',
      maxDeadline: '2024-01-02T00:00:00.000Z',
    });
  });

  it('a longer TTL deadline is cut to the max deadline', () => {
    expect(requirement('2024-01-01T12:00:00Z', { ttlMs: 24 * H })).toEqual({
      deadline: '2024-01-02T00:00:00.000Z',
      maxDeadline: '2024-01-02T00:00:00.000Z',
    });
  });

  // Weeks count from Monday 2023-01-02 (week 0): 2024-01-03 is in week 52, 2024-01-10 in week 53.
  it.each([
    {
      name: 'weeks 2, C in an applicable week (52): this week, later days are not re-checked',
      completedAt: '2024-01-03T12:00:00Z',
      weeks: 2,
      want: '2024-01-08T00:00:00.000Z',
    },
    {
      name: 'weeks 2, C in week 53: moves to the Monday of week 54',
      completedAt: '2024-01-10T12:00:00Z',
      weeks: 2,
      want: '2024-01-15T00:00:00.000Z',
    },
    {
      name: 'weeks 4, C in week 53: moves to the Monday of week 56',
      completedAt: '2024-01-10T12:00:00Z',
      weeks: 4,
      want: '2024-01-29T00:00:00.000Z',
    },
    { name: 'weeks 1 never moves the week', completedAt: '2024-01-10T12:00:00Z', weeks: 1, want: '2024-01-15T00:00:00.000Z' },
  ])('$name', ({ completedAt, weeks, want }) => {
    expect(requirement(completedAt, { days: ['monday'], weeks }).maxDeadline).toBe(want);
  });

  it('weeks are counted in calendar days of the quiet-hours zone, not in elapsed hours (DST in between)', () => {
    // Chicago: 2024-03-10 springs forward. Monday 2024-03-11 is week 62 (62 = 434 / 7), not applicable for weeks 4;
    // the next applicable week is 64, Monday 2024-03-25, 00:00 CDT.
    expect(
      requirement('2024-03-11T18:00:00Z', { days: ['monday'], weeks: 4, quietHours: 'CRON_TZ=America/Chicago 0 0 * * *' }).maxDeadline,
    ).toBe('2024-03-25T05:00:00.000Z');
  });

  it('a DST change inside the computation: quiet hours in the spring-forward gap fire after the gap', () => {
    // Chicago quiet hours 02:30, requirement Sunday; Sunday 2024-03-10 02:30 does not exist → 03:30 CDT.
    expect(requirement('2024-03-06T18:00:00Z', { days: ['sunday'], quietHours: 'CRON_TZ=America/Chicago 30 2 * * *' }).maxDeadline).toBe(
      '2024-03-10T08:30:00.000Z',
    );
  });

  it('a DST change inside the computation: fall-back day midnight in Sydney', () => {
    // Sydney falls back on Sunday 2024-04-07 (03:00 AEDT → 02:00 AEST); requirement Monday, quiet hours 00:00.
    // Monday 2024-04-08 00:00 AEST = 2024-04-07T14:00Z.
    expect(requirement('2024-04-05T00:00:00Z', { days: ['monday'], quietHours: 'CRON_TZ=Australia/Sydney 0 0 * * *' }).maxDeadline).toBe(
      '2024-04-07T14:00:00.000Z',
    );
  });

  it('no requirement days means no max deadline', () => {
    expect(requirement('2024-01-01T12:00:00Z', { days: [], ttlMs: H }).maxDeadline).toBeNull();
  });
});

describe('the deployment default quiet hours (AUTOBUILD_DEFAULT_QUIET_HOURS)', () => {
  // Requirement every day, C = Mon 2024-01-01 12:00Z, no TTL: only the max deadline is given.
  it.each([
    { name: 'absent: the built-in CRON_TZ=UTC 0 0 * * *', given: {}, want: '2024-01-02T00:00:00.000Z' },
    {
      name: 'the built-in value given explicitly',
      given: { defaultQuietHoursSchedule: 'CRON_TZ=UTC 0 0 * * *' },
      want: '2024-01-02T00:00:00.000Z',
    },
    {
      name: 'UTC 03:00 moves it three hours later',
      given: { defaultQuietHoursSchedule: 'CRON_TZ=UTC 0 3 * * *' },
      want: '2024-01-02T03:00:00.000Z',
    },
    {
      name: 'Tokyo 03:00: the next 03:00 in Tokyo at least 2 h after C (Tue 03:00 JST = Mon 18:00Z)',
      given: { defaultQuietHoursSchedule: 'CRON_TZ=Asia/Tokyo 0 3 * * *' },
      want: '2024-01-01T18:00:00.000Z',
    },
    {
      name: 'New York 22:30: the same evening in New York (Mon 22:30 EST = Tue 03:30Z)',
      given: { defaultQuietHoursSchedule: 'CRON_TZ=America/New_York 30 22 * * *' },
      want: '2024-01-02T03:30:00.000Z',
    },
    {
      name: "the owner's quiet hours win over the default",
      given: { quietHoursSchedule: 'CRON_TZ=Europe/Berlin 0 5 * * *', defaultQuietHoursSchedule: 'CRON_TZ=Asia/Tokyo 0 3 * * *' },
      want: '2024-01-02T04:00:00.000Z',
    },
    {
      name: "the owner's stored quiet hours that no longer parse (an unknown zone) count as unset: the default applies",
      given: { quietHoursSchedule: 'CRON_TZ=Mars/Olympus 0 5 * * *', defaultQuietHoursSchedule: 'CRON_TZ=Asia/Tokyo 0 3 * * *' },
      want: '2024-01-01T18:00:00.000Z',
    },
  ])('$name', ({ given, want }) => {
    expect(
      autostop({
        completedAt: at('2024-01-01T12:00:00Z'),
        template: { autostopRequirementDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] },
        ...given,
      }),
    ).toEqual({ deadline: want, maxDeadline: want });
  });

  it('a longer TTL deadline is cut to the max deadline the default gives', () => {
    expect(
      autostop({
        completedAt: at('2024-01-01T12:00:00Z'),
        workspace: { ttlMs: 24 * H },
        template: { autostopRequirementDays: ['tuesday'] },
        defaultQuietHoursSchedule: 'CRON_TZ=Asia/Tokyo 0 3 * * *',
      }),
    ).toEqual({ deadline: '2024-01-01T18:00:00.000Z', maxDeadline: '2024-01-01T18:00:00.000Z' });
  });

  it('no requirement days: the default changes nothing', () => {
    expect(
      autostop({
        completedAt: at('2024-01-01T12:00:00Z'),
        workspace: { ttlMs: H },
        defaultQuietHoursSchedule: 'CRON_TZ=Asia/Tokyo 0 3 * * *',
      }),
    ).toEqual({ deadline: '2024-01-01T13:00:00.000Z', maxDeadline: null });
  });
});
