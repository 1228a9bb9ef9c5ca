// Pause, skip and holiday calendars in the pure core (docs/rules.md#pause-and-skip,
// docs/rules.md#holiday-calendars): the next permitted occurrence at DST changes, at
// midnight east and west of UTC, across a year boundary, and what decide and preview say.
import { describe, expect, it } from 'vitest';
import {
  ALL_WEEKDAYS,
  AUTOSTART_SEARCH_DAYS,
  type AutostartConstraints,
  autostartCache,
  decide,
  type Holiday,
  nextPermittedAutostart,
  parseWeeklySchedule,
  preview,
  tickCacheUpdate,
} from '../../src/lifecycle/index.js';
import { at, D, type SnapshotOverrides, snapshot } from './fixtures.js';

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const;
const holiday = (date: string, calendar = 'cal', name: string | null = null): Holiday => ({ date, name, calendar });
const dates = (from: string, days: number, calendar: string): Holiday[] =>
  Array.from({ length: days }, (_, i) => holiday(new Date(at(`${from}T00:00:00Z`).getTime() + i * D).toISOString().slice(0, 10), calendar));

interface Case {
  name: string;
  schedule: string;
  from: string;
  constraints: Partial<AutostartConstraints>;
  want: string;
}

describe('the next permitted occurrence', () => {
  const cases: Case[] = [
    {
      name: 'Europe/Berlin spring forward: Easter Sunday (the change day) and Monday are holidays, Tuesday 08:30 CEST fires',
      schedule: 'CRON_TZ=Europe/Berlin 30 8 * * *',
      from: '2024-03-30T08:00:00Z',
      constraints: { holidays: [holiday('2024-03-31', 'de', 'Easter Sunday'), holiday('2024-04-01', 'de', 'Easter Monday')] },
      want: '2024-04-02T06:30:00Z',
    },
    {
      name: 'Europe/Berlin spring forward without a holiday: Sunday 08:30 CEST (sanity)',
      schedule: 'CRON_TZ=Europe/Berlin 30 8 * * *',
      from: '2024-03-30T08:00:00Z',
      constraints: { holidays: [holiday('2024-04-01', 'de')] },
      want: '2024-03-31T06:30:00Z',
    },
    {
      name: 'Europe/Berlin fall back: 02:30 on the change day is a holiday; the next day 02:30 CET fires',
      schedule: 'CRON_TZ=Europe/Berlin 30 2 * * *',
      from: '2024-10-26T12:00:00Z',
      constraints: { holidays: [holiday('2024-10-27', 'de')] },
      want: '2024-10-28T01:30:00Z',
    },
    {
      name: 'America/New_York spring forward: 02:30 (in the gap) would fire at 03:30 EDT, but the day is a holiday',
      schedule: 'CRON_TZ=America/New_York 30 2 * * *',
      from: '2024-03-09T12:00:00Z',
      constraints: { holidays: [holiday('2024-03-10', 'us')] },
      want: '2024-03-11T06:30:00Z',
    },
    {
      name: 'America/New_York spring forward: skipping the gap-shifted occurrence at its exact instant',
      schedule: 'CRON_TZ=America/New_York 30 2 * * *',
      from: '2024-03-09T12:00:00Z',
      constraints: { skipAt: at('2024-03-10T07:30:00Z') },
      want: '2024-03-11T06:30:00Z',
    },
    {
      name: 'America/New_York fall back: the 01:30 that happens twice fires once; a holiday on that date moves it a day',
      schedule: 'CRON_TZ=America/New_York 30 1 * * *',
      from: '2024-11-02T12:00:00Z',
      constraints: { holidays: [holiday('2024-11-03', 'us')] },
      want: '2024-11-04T06:30:00Z',
    },
    {
      name: 'midnight east, year boundary: Pacific/Auckland 00:30 on New Year is 11:30Z on Dec 31; a Dec 31 holiday does not touch it',
      schedule: 'CRON_TZ=Pacific/Auckland 30 0 * * *',
      from: '2024-12-30T12:00:00Z',
      constraints: { holidays: [holiday('2024-12-31', 'nz')] },
      want: '2024-12-31T11:30:00Z',
    },
    {
      name: 'midnight east, year boundary: Pacific/Auckland, a Jan 1 holiday holds the occurrence at 11:30Z on Dec 31',
      schedule: 'CRON_TZ=Pacific/Auckland 30 0 * * *',
      from: '2024-12-30T12:00:00Z',
      constraints: { holidays: [holiday('2025-01-01', 'nz'), holiday('2025-01-02', 'nz')] },
      want: '2025-01-02T11:30:00Z',
    },
    {
      name: 'midnight east: Asia/Tokyo Monday 08:00 is Sunday 23:00Z; a holiday on the Monday moves it a week',
      schedule: 'CRON_TZ=Asia/Tokyo 0 8 * * mon',
      from: '2025-01-12T12:00:00Z',
      constraints: { holidays: [holiday('2025-01-13', 'jp', 'Coming of Age Day')] },
      want: '2025-01-19T23:00:00Z',
    },
    {
      name: 'midnight west, year boundary: America/Los_Angeles 23:00 on Dec 31 is 07:00Z on Jan 1; a Jan 1 holiday does not touch it',
      schedule: 'CRON_TZ=America/Los_Angeles 0 23 * * *',
      from: '2024-12-31T12:00:00Z',
      constraints: { holidays: [holiday('2025-01-01', 'us')] },
      want: '2025-01-01T07:00:00Z',
    },
    {
      name: 'midnight west, year boundary: America/Los_Angeles, a Dec 31 holiday holds 07:00Z on Jan 1',
      schedule: 'CRON_TZ=America/Los_Angeles 0 23 * * *',
      from: '2024-12-31T12:00:00Z',
      constraints: { holidays: [holiday('2024-12-31', 'us')] },
      want: '2025-01-02T07:00:00Z',
    },
    {
      name: 'midnight west: Pacific/Honolulu 20:00 is 06:00Z the next day; the local date decides',
      schedule: 'CRON_TZ=Pacific/Honolulu 0 20 * * *',
      from: '2024-12-24T12:00:00Z',
      constraints: { holidays: [holiday('2024-12-24', 'hi'), holiday('2024-12-25', 'hi')] },
      want: '2024-12-27T06:00:00Z',
    },
    {
      name: 'UTC year boundary: Dec 31 and Jan 1 holidays, weekdays only: Thursday Jan 2',
      schedule: '0 9 * * mon-fri',
      from: '2024-12-30T12:00:00Z',
      constraints: { holidays: [holiday('2024-12-31', 'de'), holiday('2025-01-01', 'de', 'New Year')] },
      want: '2025-01-02T09:00:00Z',
    },
    {
      name: 'pause until mid-day: the 09:00 of that day is paused, the next day fires',
      schedule: '0 9 * * *',
      from: '2024-01-02T10:00:00Z',
      constraints: { pause: { until: at('2024-01-04T12:00:00Z'), note: null, by: null } },
      want: '2024-01-05T09:00:00Z',
    },
    {
      name: 'pause until mid-day: a 13:00 schedule fires that same afternoon',
      schedule: '0 13 * * *',
      from: '2024-01-02T10:00:00Z',
      constraints: { pause: { until: at('2024-01-04T12:00:00Z'), note: null, by: null } },
      want: '2024-01-04T13:00:00Z',
    },
    {
      name: 'pause until exactly an occurrence: that occurrence fires (the pause has ended)',
      schedule: '0 9 * * *',
      from: '2024-01-02T10:00:00Z',
      constraints: { pause: { until: at('2024-01-04T09:00:00Z'), note: null, by: null } },
      want: '2024-01-04T09:00:00Z',
    },
    {
      name: 'a pause that has ended changes nothing',
      schedule: '0 9 * * *',
      from: '2024-01-02T10:00:00Z',
      constraints: { pause: { until: at('2024-01-01T00:00:00Z'), note: null, by: null } },
      want: '2024-01-03T09:00:00Z',
    },
    {
      name: 'pause, then a holiday on the first day after it',
      schedule: 'CRON_TZ=Europe/Berlin 0 8 * * mon-fri',
      from: '2024-12-20T12:00:00Z',
      constraints: { pause: { until: at('2025-01-01T00:00:00Z'), note: null, by: null }, holidays: [holiday('2025-01-01', 'de')] },
      want: '2025-01-02T07:00:00Z',
    },
    {
      name: 'skip: the skipped occurrence is passed, the following one fires',
      schedule: '0 9 * * *',
      from: '2024-01-01T12:00:00Z',
      constraints: { skipAt: at('2024-01-02T09:00:00Z') },
      want: '2024-01-03T09:00:00Z',
    },
    {
      name: 'skip: once its occurrence has passed it changes nothing',
      schedule: '0 9 * * *',
      from: '2024-01-02T09:00:00Z',
      constraints: { skipAt: at('2024-01-02T09:00:00Z') },
      want: '2024-01-03T09:00:00Z',
    },
    {
      name: 'two weeks of holidays: the search reaches past them (more than the 7 days of the allowed-day rule)',
      schedule: 'CRON_TZ=Europe/Berlin 0 8 * * mon-fri',
      from: '2024-12-20T12:00:00Z',
      constraints: { holidays: dates('2024-12-23', 14, 'winter') },
      want: '2025-01-06T07:00:00Z',
    },
    {
      name: 'allowed days and holidays together: weekdays allowed, Monday a holiday, schedule every day',
      schedule: '0 9 * * *',
      from: '2024-01-05T12:00:00Z',
      constraints: { allowedDays: [...WEEKDAYS], holidays: [holiday('2024-01-08', 'x')] },
      want: '2024-01-09T09:00:00Z',
    },
  ];
  it.each(cases)('$name', ({ schedule, from, constraints, want }) => {
    const r = nextPermittedAutostart(parseWeeklySchedule(schedule), at(from), { allowedDays: [...ALL_WEEKDAYS], ...constraints });
    expect(r).toEqual({ at: at(want), held: null, reason: null });
  });

  it('paused indefinitely: no next autostart, and it is not "none" (blocked)', () => {
    const r = nextPermittedAutostart(parseWeeklySchedule('0 9 * * *'), at('2024-01-01T00:00:00Z'), {
      allowedDays: [...ALL_WEEKDAYS],
      pause: { until: null, note: 'parental leave', by: 'alice' },
    });
    expect(r).toEqual({ at: null, held: 'paused', reason: 'autostart paused indefinitely by alice: parental leave' });
  });

  it('a year of holidays: nothing within the search, with a reason naming the calendars', () => {
    const holidays = [...dates('2024-01-01', 400, 'all-year'), holiday('2024-06-01', 'summer')];
    const r = nextPermittedAutostart(parseWeeklySchedule('0 9 * * *'), at('2024-01-01T00:00:00Z'), {
      allowedDays: [...ALL_WEEKDAYS],
      holidays,
    });
    expect(r.at).toBeNull();
    expect(r.held).toBe('none');
    expect(r.reason).toBe(
      `no occurrence of "0 9 * * *" within ${AUTOSTART_SEARCH_DAYS} days after 2024-01-01T00:00:00.000Z may autostart: each is a holiday of calendars all-year, summer`,
    );
  });
});

describe('the next_start_at cache with constraints', () => {
  const template = { allowUserAutostart: true, autostartAllowedDays: [...ALL_WEEKDAYS] };
  const workspace = { autostartSchedule: '0 9 * * *', dormantAt: null };

  it('without constraints (or with an empty calendar list) it is what it always was', () => {
    const from = at('2024-01-01T12:00:00Z');
    expect(autostartCache(workspace, template, from, [])).toEqual(autostartCache(workspace, template, from));
    expect(autostartCache(workspace, template, from)).toEqual({ nextStartAt: at('2024-01-02T09:00:00Z'), autostartBlocked: null });
  });

  it('paused indefinitely: no next start and not blocked', () => {
    const paused = { ...workspace, autostartPause: { until: null, note: null, by: 'alice' } };
    expect(autostartCache(paused, template, at('2024-01-01T12:00:00Z'))).toEqual({ nextStartAt: null, autostartBlocked: null });
  });

  it('two weeks of holidays are not blocked; a year of them is, with the reason', () => {
    const from = at('2024-12-22T12:00:00Z');
    expect(autostartCache(workspace, template, from, dates('2024-12-23', 14, 'winter'))).toEqual({
      nextStartAt: at('2025-01-06T09:00:00Z'),
      autostartBlocked: null,
    });
    const blocked = autostartCache(workspace, template, from, dates('2024-12-19', 380, 'sabbatical'));
    expect(blocked.nextStartAt).toBeNull();
    expect(blocked.autostartBlocked).toMatch(
      /within 370 days after 2024-12-22T12:00:00.000Z may autostart: each is a holiday of calendar sabbatical$/,
    );
  });

  it('the tick moves a stored next_start_at that lands on a holiday (written without the calendar) to the next permitted occurrence', () => {
    const s = snapshot({
      workspace: { autostartSchedule: '0 9 * * *', nextStartAt: at('2024-12-25T09:00:00Z') },
      latestBuild: { transition: 'stop', createdAt: at('2024-12-24T18:00:00Z') },
    });
    const T = at('2024-12-25T09:00:00Z');
    const withHoliday = { ...s, holidays: [holiday('2024-12-25', 'de', 'Christmas')] };
    expect(decide(withHoliday, T).transition).toBeNull();
    expect(tickCacheUpdate(withHoliday, null, T)).toEqual({ nextStartAt: at('2024-12-26T09:00:00Z'), autostartBlocked: null });
    expect(tickCacheUpdate(s, null, T)).toBeNull();
  });
});

describe('decide and preview explain pauses, skips and holidays', () => {
  /** Stopped on 2024-01-01 at 18:00 UTC, schedule 09:00 UTC every day. */
  const stopped = (workspace: SnapshotOverrides['workspace'], holidays?: Holiday[]) => ({
    ...snapshot({
      workspace: { autostartSchedule: '0 9 * * *', ...workspace },
      latestBuild: { transition: 'stop', createdAt: at('2024-01-01T18:00:00Z') },
    }),
    ...(holidays && { holidays }),
  });

  it('paused until an instant: nothing, and the clause names the pause; its first occurrence after the pause starts', () => {
    const pause = { until: at('2024-01-04T12:00:00Z'), note: 'parental leave', by: 'alice' };
    const s = stopped({ autostartPause: pause, nextStartAt: at('2024-01-05T09:00:00Z') });
    const d = decide(s, at('2024-01-04T09:00:00Z'));
    expect(d).toMatchObject({ transition: null });
    expect(d.explanation).toBe(
      'no rule matched: autostart paused until 2024-01-04T12:00:00.000Z by alice: parental leave; next autostart 2024-01-05T09:00:00.000Z is after tick 2024-01-04T09:00:00.000Z',
    );
    expect(decide(s, at('2024-01-05T09:00:00Z'))).toMatchObject({ transition: 'start', reason: 'autostart' });
    expect(preview(s, at('2024-01-03T00:00:00Z')).nextAutostart).toEqual({
      at: at('2024-01-05T09:00:00Z'),
      rule: 'autostart: the later of next_start_at 2024-01-05T09:00:00.000Z and the first allowed occurrence after the latest build 2024-01-05T09:00:00.000Z (autostart paused until 2024-01-04T12:00:00.000Z by alice: parental leave)',
    });
  });

  it('a stale next_start_at inside the pause does not start the workspace', () => {
    const s = stopped({
      autostartPause: { until: at('2024-01-04T12:00:00Z'), note: null, by: 'bob' },
      nextStartAt: at('2024-01-02T09:00:00Z'),
    });
    expect(decide(s, at('2024-01-02T09:00:00Z')).transition).toBeNull();
  });

  it('paused indefinitely: nothing, the clause says so, and preview has no next autostart', () => {
    const s = stopped({ autostartPause: { until: null, note: 'parental leave', by: 'alice' }, nextStartAt: null });
    expect(decide(s, at('2024-01-02T09:00:00Z'))).toMatchObject({
      transition: null,
      explanation: 'no rule matched: autostart paused indefinitely by alice: parental leave',
    });
    expect(preview(s, at('2024-01-02T09:00:00Z')).nextAutostart).toBeNull();
  });

  it('a paused running workspace still stops at its deadline (autostop is never paused)', () => {
    const s = snapshot({
      workspace: { autostartSchedule: '0 9 * * *', autostartPause: { until: null, note: null, by: 'alice' } },
      latestBuild: { deadline: at('2024-01-01T18:00:00Z') },
    });
    expect(decide(s, at('2024-01-01T18:01:00Z'))).toMatchObject({ transition: 'stop', reason: 'autostop' });
  });

  it('skip: the skipped occurrence does not start and is named; the following one starts', () => {
    const s = stopped({ autostartSkipAt: at('2024-01-02T09:00:00Z'), nextStartAt: at('2024-01-03T09:00:00Z') });
    const d = decide(s, at('2024-01-02T09:00:00Z'));
    expect(d.transition).toBeNull();
    expect(d.explanation).toBe(
      'no rule matched: autostart of 2024-01-02T09:00:00.000Z skipped; next autostart 2024-01-03T09:00:00.000Z is after tick 2024-01-02T09:00:00.000Z',
    );
    expect(decide(s, at('2024-01-03T09:00:00Z'))).toMatchObject({ transition: 'start', reason: 'autostart' });
  });

  it('a holiday: nothing on that day, the clause names the holiday and its calendar; the next day starts', () => {
    const s = stopped({ nextStartAt: at('2024-01-03T09:00:00Z') }, [holiday('2024-01-02', 'de', 'Day off')]);
    const d = decide(s, at('2024-01-02T09:00:00Z'));
    expect(d.explanation).toBe(
      'no rule matched: 2024-01-02 is a holiday (Day off, calendar de); next autostart 2024-01-03T09:00:00.000Z is after tick 2024-01-02T09:00:00.000Z',
    );
    expect(decide(s, at('2024-01-03T09:00:00Z'))).toMatchObject({ transition: 'start' });
    expect(preview(s, at('2024-01-02T08:00:00Z')).nextAutostart?.rule).toContain('(2024-01-02 is a holiday (Day off, calendar de))');
  });

  it('two weeks of holidays: three are named, the rest counted', () => {
    const s = stopped({ nextStartAt: at('2024-01-16T09:00:00Z') }, dates('2024-01-02', 14, 'winter'));
    expect(decide(s, at('2024-01-02T09:00:00Z')).explanation).toBe(
      'no rule matched: 2024-01-02 is a holiday (calendar winter), 2024-01-03 is a holiday (calendar winter), 2024-01-04 is a holiday (calendar winter), 11 more holidays; next autostart 2024-01-16T09:00:00.000Z is after tick 2024-01-02T09:00:00.000Z',
    );
  });

  it('a year of holidays: the decision gives the blocked reason', () => {
    const s = stopped({ nextStartAt: null }, dates('2024-01-01', 400, 'all-year'));
    expect(decide(s, at('2024-01-02T09:00:00Z')).explanation).toMatch(
      /^no rule matched: no occurrence of "0 9 \* \* \*" within 370 days after 2024-01-02T09:00:00.000Z may autostart: each is a holiday of calendar all-year$/,
    );
  });
});
