import { describe, expect, it } from 'vitest';
import { parseDailySchedule, parseWeeklySchedule, ScheduleError } from '../../src/lifecycle/index.js';
import { at } from './fixtures.js';

/** Fire instants, as ISO UTC strings, following `from`. */
function fires(spec: string, from: string, count: number): string[] {
  const schedule = parseWeeklySchedule(spec);
  const out: string[] = [];
  let t = at(from);
  for (let i = 0; i < count; i++) {
    t = schedule.next(t);
    out.push(t.toISOString());
  }
  return out;
}

describe('weekly schedule syntax errors', () => {
  it.each([
    { name: 'empty schedule', spec: '', message: /the schedule is empty/ },
    { name: 'too few fields', spec: '0 9 * *', message: /expected 5 fields .* but got 4/ },
    { name: 'too many fields', spec: '0 9 * * * * *', message: /expected 5 fields .* but got 7/ },
    { name: 'seconds field', spec: '0 0 9 * * *', message: /got 6; a seconds field is not supported/ },
    { name: '@daily descriptor', spec: '@daily', message: /descriptors such as "@daily" are not supported/ },
    { name: '@every descriptor after a zone', spec: 'CRON_TZ=UTC @every 1h', message: /descriptors such as "@every"/ },
    { name: 'day-of-month not *', spec: '0 9 1 * *', message: /the day-of-month field must be \* \(got "1"\)/ },
    { name: 'month not *', spec: '0 9 * 1 *', message: /the month field must be \* \(got "1"\)/ },
    { name: 'minute out of range', spec: '60 9 * * *', message: /minute 60 is out of range \(0-59\)/ },
    { name: 'hour out of range', spec: '0 24 * * *', message: /hour 24 is out of range \(0-23\)/ },
    { name: 'hour out of range inside a range', spec: '0 9-25 * * *', message: /hour 25 is out of range/ },
    { name: 'day-of-week 7', spec: '0 9 * * 7', message: /day-of-week 7 is not allowed; use 0 \(or sun\) for Sunday/ },
    { name: 'day-of-week 8', spec: '0 9 * * 8', message: /day-of-week 8 is out of range \(0-6\)/ },
    { name: 'reversed range', spec: '0 9 * * 5-1', message: /the range 5-1 in the day-of-week field is reversed/ },
    { name: 'reversed minute range', spec: '30-10 9 * * *', message: /the range 30-10 in the minute field is reversed/ },
    { name: 'full day name', spec: '0 9 * * monday', message: /full day names such as "monday" are not allowed; use sun, mon/ },
    { name: 'full day name in a range', spec: '0 9 * * monday-friday', message: /full day names such as "monday"/ },
    { name: 'L (last)', spec: '0 9 * * 5L', message: /special character "L" in the day-of-week field/ },
    { name: 'W (nearest weekday)', spec: '0 9 15W * *', message: /special character "W" in the day-of-month field/ },
    { name: '# (nth weekday)', spec: '0 9 * * 1#2', message: /special character "#" in the day-of-week field/ },
    { name: 'H (hash)', spec: 'H 9 * * *', message: /special character "H" in the minute field/ },
    { name: '? (no value)', spec: '0 9 ? * *', message: /special character "\?" in the day-of-month field/ },
    { name: 'zero step', spec: '*/0 9 * * *', message: /the step "\/0" in the minute field must be a positive whole number/ },
    { name: 'not a number', spec: 'x 9 * * *', message: /"x" is not a valid minute/ },
    { name: 'negative value', spec: '0 -1 * * *', message: /"-1" in the hour field is not a range/ },
    { name: 'CRON_TZ=Local', spec: 'CRON_TZ=Local 0 9 * * *', message: /CRON_TZ=Local is not allowed/ },
    { name: 'unknown zone', spec: 'CRON_TZ=Mars/Olympus_Mons 0 9 * * *', message: /unknown time zone "Mars\/Olympus_Mons"/ },
    {
      name: 'zone with the wrong case',
      spec: 'CRON_TZ=america/chicago 0 9 * * *',
      message: /zone names are case-sensitive; did you mean "America\/Chicago"/,
    },
    { name: 'empty zone', spec: 'CRON_TZ= 0 9 * * *', message: /CRON_TZ= needs an IANA time zone name/ },
    { name: 'UTC offset as zone', spec: 'CRON_TZ=+05:00 0 9 * * *', message: /"\+05:00" is a UTC offset, not a time zone/ },
    { name: 'UTC+5 as zone', spec: 'CRON_TZ=UTC+5 0 9 * * *', message: /"UTC\+5" is a UTC offset/ },
    { name: 'lowercase prefix', spec: 'cron_tz=UTC 0 9 * * *', message: /must be written exactly CRON_TZ= \(got "cron_tz="\)/ },
    { name: 'TZ= prefix', spec: 'TZ=UTC 0 9 * * *', message: /the time zone prefix is CRON_TZ=, not "TZ="/ },
    { name: 'prefix after the fields', spec: '0 9 * * * CRON_TZ=UTC', message: /the CRON_TZ= prefix must come first/ },
  ])('rejects $name: $spec', ({ spec, message }) => {
    expect(() => parseWeeklySchedule(spec)).toThrow(ScheduleError);
    expect(() => parseWeeklySchedule(spec)).toThrow(message);
  });

  it('error messages quote the schedule', () => {
    expect(() => parseWeeklySchedule('0 9 * * 7')).toThrow(/^invalid schedule "0 9 \* \* 7": /);
  });
});

describe('weekly schedule syntax accepted', () => {
  it.each([
    {
      name: 'no prefix means UTC',
      spec: '0 9 * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T09:00:00.000Z', '2024-01-02T09:00:00.000Z'],
    },
    {
      name: 'leading zeros',
      spec: '00 09 * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T09:00:00.000Z', '2024-01-02T09:00:00.000Z'],
    },
    {
      name: 'list of minutes',
      spec: '5,20,45 9 * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T09:05:00.000Z', '2024-01-01T09:20:00.000Z', '2024-01-01T09:45:00.000Z', '2024-01-02T09:05:00.000Z'],
    },
    {
      name: 'step over all minutes',
      spec: '*/20 9 * * *',
      from: '2024-01-01T09:00:00Z',
      want: ['2024-01-01T09:20:00.000Z', '2024-01-01T09:40:00.000Z', '2024-01-02T09:00:00.000Z'],
    },
    {
      name: 'range with a step',
      spec: '0 8-16/4 * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T08:00:00.000Z', '2024-01-01T12:00:00.000Z', '2024-01-01T16:00:00.000Z', '2024-01-02T08:00:00.000Z'],
    },
    {
      name: 'value with a step runs to the maximum',
      spec: '0 20/2 * * *',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T20:00:00.000Z', '2024-01-01T22:00:00.000Z', '2024-01-02T20:00:00.000Z'],
    },
    {
      name: 'weekday range 1-5 (2024-01-05 is a Friday)',
      spec: '0 9 * * 1-5',
      from: '2024-01-05T10:00:00Z',
      want: ['2024-01-08T09:00:00.000Z', '2024-01-09T09:00:00.000Z'],
    },
    {
      name: 'weekday list 1,3,6',
      spec: '0 9 * * 1,3,6',
      from: '2024-01-01T10:00:00Z',
      want: ['2024-01-03T09:00:00.000Z', '2024-01-06T09:00:00.000Z', '2024-01-08T09:00:00.000Z'],
    },
    {
      name: 'day names, any case',
      spec: '0 9 * * MON-wed,Sat',
      from: '2024-01-03T10:00:00Z',
      want: ['2024-01-06T09:00:00.000Z', '2024-01-08T09:00:00.000Z', '2024-01-09T09:00:00.000Z'],
    },
    {
      name: 'day-of-week 0 is Sunday',
      spec: '0 9 * * 0',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-07T09:00:00.000Z', '2024-01-14T09:00:00.000Z'],
    },
    { name: 'sun is Sunday', spec: '0 9 * * sun', from: '2024-01-01T00:00:00Z', want: ['2024-01-07T09:00:00.000Z'] },
    {
      name: 'every minute',
      spec: '* * * * *',
      from: '2024-01-01T00:00:30Z',
      want: ['2024-01-01T00:01:00.000Z', '2024-01-01T00:02:00.000Z'],
    },
    {
      name: 'extra spaces between fields',
      spec: '  CRON_TZ=UTC   0  9 * *   * ',
      from: '2024-01-01T00:00:00Z',
      want: ['2024-01-01T09:00:00.000Z'],
    },
  ])('$name: $spec', ({ spec, from, want }) => {
    expect(fires(spec, from, want.length)).toEqual(want);
  });

  it('timezone is the IANA name, UTC without a prefix', () => {
    expect(parseWeeklySchedule('0 9 * * *').timezone).toBe('UTC');
    expect(parseWeeklySchedule('CRON_TZ=Europe/Berlin 0 9 * * *').timezone).toBe('Europe/Berlin');
  });

  it('weekdays lists the days the schedule fires on', () => {
    expect(parseWeeklySchedule('0 9 * * 0,5-6').weekdays).toEqual(['friday', 'saturday', 'sunday']);
  });
});

describe('next() is strictly after', () => {
  it.each([
    { name: 'an instant that is itself a fire time', spec: '0 9 * * *', from: '2024-01-01T09:00:00Z', want: '2024-01-02T09:00:00.000Z' },
    { name: 'one millisecond before a fire time', spec: '0 9 * * *', from: '2024-01-01T08:59:59.999Z', want: '2024-01-01T09:00:00.000Z' },
    {
      name: 'a fire time plus seconds lands on the next minute boundary',
      spec: '* * * * *',
      from: '2024-01-01T09:00:00.001Z',
      want: '2024-01-01T09:01:00.000Z',
    },
    { name: 'a zoned fire time', spec: 'CRON_TZ=Asia/Kolkata 30 9 * * *', from: '2024-01-01T04:00:00Z', want: '2024-01-02T04:00:00.000Z' },
  ])('$name', ({ spec, from, want }) => {
    expect(fires(spec, from, 1)).toEqual([want]);
  });
});

describe('zones east and west of UTC', () => {
  it.each([
    {
      name: 'Asia/Tokyo (+9): 08:00 Monday is 23:00Z Sunday',
      spec: 'CRON_TZ=Asia/Tokyo 0 8 * * mon',
      from: '2024-01-01T00:00:00Z',
      want: '2024-01-07T23:00:00.000Z',
    },
    {
      name: 'Asia/Kolkata (+5:30)',
      spec: 'CRON_TZ=Asia/Kolkata 0 9 * * *',
      from: '2024-01-01T00:00:00Z',
      want: '2024-01-01T03:30:00.000Z',
    },
    {
      name: 'Pacific/Kiritimati (+14)',
      spec: 'CRON_TZ=Pacific/Kiritimati 0 9 * * *',
      from: '2024-01-01T00:00:00Z',
      want: '2024-01-01T19:00:00.000Z',
    },
    {
      name: 'America/Los_Angeles (−8): 18:00 Friday is 02:00Z Saturday',
      spec: 'CRON_TZ=America/Los_Angeles 0 18 * * fri',
      from: '2024-01-01T00:00:00Z',
      want: '2024-01-06T02:00:00.000Z',
    },
    {
      name: 'America/St_Johns (−3:30)',
      spec: 'CRON_TZ=America/St_Johns 0 9 * * *',
      from: '2024-01-01T00:00:00Z',
      want: '2024-01-01T12:30:00.000Z',
    },
    {
      name: 'Pacific/Pago_Pago (−11)',
      spec: 'CRON_TZ=Pacific/Pago_Pago 0 20 * * *',
      from: '2024-01-01T00:00:00Z',
      want: '2024-01-01T07:00:00.000Z',
    },
  ])('$name', ({ spec, from, want }) => {
    expect(fires(spec, from, 1)).toEqual([want]);
  });
});

describe('daylight saving time', () => {
  it.each([
    // America/Chicago: 2024-03-10 02:00 CST → 03:00 CDT; 2024-11-03 02:00 CDT → 01:00 CST.
    {
      name: 'Chicago spring-forward: 02:30 fires at 03:30 CDT, never skipped',
      spec: 'CRON_TZ=America/Chicago 30 2 * * *',
      from: '2024-03-09T00:00:00Z',
      want: ['2024-03-09T08:30:00.000Z', '2024-03-10T08:30:00.000Z', '2024-03-11T07:30:00.000Z'],
    },
    {
      name: 'Chicago spring-forward: 02:00 and 03:00 land on the same instant and fire once',
      spec: 'CRON_TZ=America/Chicago 0 2,3 * * *',
      from: '2024-03-10T07:00:00Z',
      want: ['2024-03-10T08:00:00.000Z', '2024-03-11T07:00:00.000Z'],
    },
    {
      name: 'Chicago spring-forward: half-hourly fires keep the after-gap times in order',
      spec: 'CRON_TZ=America/Chicago */30 * * * *',
      from: '2024-03-10T07:45:00Z',
      want: ['2024-03-10T08:00:00.000Z', '2024-03-10T08:30:00.000Z', '2024-03-10T09:00:00.000Z'],
    },
    {
      name: 'Chicago fall-back: 01:30 fires once, at its first (CDT) occurrence',
      spec: 'CRON_TZ=America/Chicago 30 1 * * *',
      from: '2024-11-02T12:00:00Z',
      want: ['2024-11-03T06:30:00.000Z', '2024-11-04T07:30:00.000Z'],
    },
    {
      name: 'Chicago fall-back: hourly skips the repeated 01:00 CST',
      spec: 'CRON_TZ=America/Chicago 0 * * * *',
      from: '2024-11-03T05:30:00Z',
      want: ['2024-11-03T06:00:00.000Z', '2024-11-03T08:00:00.000Z', '2024-11-03T09:00:00.000Z'],
    },
    // Europe/Berlin: 2024-03-31 02:00 CET → 03:00 CEST; 2024-10-27 03:00 CEST → 02:00 CET.
    {
      name: 'Berlin spring-forward: 02:30 fires at 03:30 CEST',
      spec: 'CRON_TZ=Europe/Berlin 30 2 * * *',
      from: '2024-03-30T12:00:00Z',
      want: ['2024-03-31T01:30:00.000Z', '2024-04-01T00:30:00.000Z'],
    },
    {
      name: 'Berlin fall-back: 02:30 fires once, at its first (CEST) occurrence',
      spec: 'CRON_TZ=Europe/Berlin 30 2 * * *',
      from: '2024-10-26T12:00:00Z',
      want: ['2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z'],
    },
    {
      name: 'Berlin fall-back: next() from inside the repeated hour goes to the next day',
      spec: 'CRON_TZ=Europe/Berlin 30 2 * * *',
      from: '2024-10-27T01:00:00Z',
      want: ['2024-10-28T01:30:00.000Z'],
    },
    // Australia/Sydney: 2024-04-07 03:00 AEDT → 02:00 AEST; 2024-10-06 02:00 AEST → 03:00 AEDT.
    {
      name: 'Sydney (southern hemisphere) spring-forward in October: 02:30 fires at 03:30 AEDT',
      spec: 'CRON_TZ=Australia/Sydney 30 2 * * *',
      from: '2024-10-05T00:00:00Z',
      want: ['2024-10-05T16:30:00.000Z', '2024-10-06T15:30:00.000Z'],
    },
    {
      name: 'Sydney fall-back in April: 02:30 fires once, at its first (AEDT) occurrence',
      spec: 'CRON_TZ=Australia/Sydney 30 2 * * *',
      from: '2024-04-06T00:00:00Z',
      want: ['2024-04-06T15:30:00.000Z', '2024-04-07T16:30:00.000Z'],
    },
    {
      name: 'Sydney weekly on the spring-forward Sunday',
      spec: 'CRON_TZ=Australia/Sydney 15 2 * * sun',
      from: '2024-09-30T00:00:00Z',
      want: ['2024-10-05T16:15:00.000Z', '2024-10-12T15:15:00.000Z'],
    },
    {
      name: 'Lord Howe 30-minute gap: 02:10 fires at 02:40 (+11)',
      spec: 'CRON_TZ=Australia/Lord_Howe 10 2 * * *',
      from: '2024-10-05T12:00:00Z',
      want: ['2024-10-05T15:40:00.000Z'],
    },
    {
      name: 'America/Santiago midnight gap: 00:30 fires at 01:30 (−03)',
      spec: 'CRON_TZ=America/Santiago 30 0 * * *',
      from: '2024-09-07T12:00:00Z',
      want: ['2024-09-08T04:30:00.000Z', '2024-09-09T03:30:00.000Z'],
    },
    {
      name: 'outside transitions the wall-clock time holds across the change (Berlin 09:00)',
      spec: 'CRON_TZ=Europe/Berlin 0 9 * * *',
      from: '2024-03-30T12:00:00Z',
      want: ['2024-03-31T07:00:00.000Z', '2024-04-01T07:00:00.000Z'],
    },
  ])('$name', ({ spec, from, want }) => {
    expect(fires(spec, from, want.length)).toEqual(want);
  });
});

describe('daily schedule (quiet hours)', () => {
  it('parses a single minute and hour in a zone', () => {
    const daily = parseDailySchedule('CRON_TZ=Europe/Berlin 30 23 * * *');
    expect([daily.timezone, daily.hour, daily.minute]).toEqual(['Europe/Berlin', 23, 30]);
    expect(daily.next(at('2024-01-01T00:00:00Z')).toISOString()).toBe('2024-01-01T22:30:00.000Z');
  });

  it.each([
    { name: 'day-of-week not *', spec: '0 0 * * 1', message: /the day-of-week field must be \* \(got "1"\)/ },
    { name: 'minute list', spec: '0,30 0 * * *', message: /a daily schedule needs a single minute \(got "0,30"\)/ },
    { name: 'hour step', spec: '0 */2 * * *', message: /a daily schedule needs a single hour \(got "\*\/2"\)/ },
    { name: 'hour range', spec: '0 1-3 * * *', message: /a daily schedule needs a single hour/ },
    { name: 'minute out of range', spec: '61 0 * * *', message: /minute 61 is out of range/ },
    { name: 'unknown zone', spec: 'CRON_TZ=Nowhere/Land 0 0 * * *', message: /unknown time zone/ },
    { name: 'day-of-month not *', spec: '0 0 1 * *', message: /the day-of-month field must be \*/ },
  ])('rejects $name', ({ spec, message }) => {
    expect(() => parseDailySchedule(spec)).toThrow(ScheduleError);
    expect(() => parseDailySchedule(spec)).toThrow(message);
  });
});
