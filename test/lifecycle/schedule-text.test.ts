import { describe, expect, it } from 'vitest';
import { describeSchedule, parseWeeklySchedule } from '../../src/lifecycle/index.js';

describe('a schedule as a person reads it', () => {
  it.each([
    ['CRON_TZ=Europe/Berlin 30 8 * * mon-fri', 'Mon–Fri 08:30 Europe/Berlin'],
    ['0 9 * * *', 'every day 09:00 UTC'],
    ['0 9 * * 1,3,5', 'Mon, Wed, Fri 09:00 UTC'],
    ['0 9 * * sat,sun', 'Sat, Sun 09:00 UTC'],
    ['0 9 * * 0', 'Sun 09:00 UTC'],
    ['0 9 * * mon-wed,sat', 'Mon–Wed, Sat 09:00 UTC'],
    ['CRON_TZ=America/New_York 0,30 7 * * mon-fri', 'Mon–Fri 07:00, 07:30 America/New_York'],
    ['*/30 * * * mon', 'Mon 48 times a day (00:00 to 23:30) UTC'],
  ])('%s reads "%s"', (spec, text) => {
    expect(describeSchedule(parseWeeklySchedule(spec))).toBe(text);
  });
});
