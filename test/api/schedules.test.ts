// POST /api/v1/schedules/preview: a schedule read back before it is saved, with
// its next occurrences from the database clock; writes nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpTables, WRITTEN_BY_AUTHENTICATION } from '../helpers/tables.js';
import { type ApiHarness, startApiHarness } from './harness.js';

describe('POST /api/v1/schedules/preview', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'weekdays', autostartAllowedDays: 'mon-fri' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('reads the schedule back and gives its next five occurrences, in order, at 08:30 Berlin time, writing nothing', async () => {
    const before = await dumpTables(h.db.pool, WRITTEN_BY_AUTHENTICATION);
    const r = await h.call(h.tokens.alice, 'POST', '/api/v1/schedules/preview', { schedule: 'CRON_TZ=Europe/Berlin   30 8 * * mon-fri' });
    expect(r.status).toBe(200);
    expect(r.body.schedule).toBe('CRON_TZ=Europe/Berlin 30 8 * * mon-fri');
    expect(r.body.summary).toBe('Mon–Fri 08:30 Europe/Berlin');
    expect(r.body.allowedDays).toBeNull();
    expect(r.body.occurrences).toHaveLength(5);
    const berlin = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', weekday: 'short' });
    for (const o of r.body.occurrences) {
      expect(berlin.format(new Date(o.at))).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 08:30$/);
      expect(o.allowed).toBe(true);
      expect(Date.parse(o.at)).toBeGreaterThan(Date.parse(r.body.from));
    }
    const times = r.body.occurrences.map((o: { at: string }) => Date.parse(o.at));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(await dumpTables(h.db.pool, WRITTEN_BY_AUTHENTICATION)).toEqual(before);
  });

  it('with a template, marks the occurrences on days it does not allow', async () => {
    const r = await h.call(h.tokens.alice, 'POST', '/api/v1/schedules/preview', { schedule: '0 9 * * *', template: 'weekdays', count: 7 });
    expect(r.status).toBe(200);
    expect(r.body.allowedDays).toEqual(['monday', 'tuesday', 'wednesday', 'thursday', 'friday']);
    for (const o of r.body.occurrences) expect(o.allowed).toBe(!['saturday', 'sunday'].includes(o.weekday));
    expect(r.body.occurrences.filter((o: { allowed: boolean }) => !o.allowed)).toHaveLength(2);
  });

  it.each([
    ['a schedule that does not parse', { schedule: '61 9 * * *' }, 400, 'schedule', /minute 61 is out of range/],
    ['a count out of range', { schedule: '0 9 * * *', count: 21 }, 400, 'count', /from 1 to 20/],
    ['an unknown template', { schedule: '0 9 * * *', template: 'nope' }, 404, undefined, /no template nope/],
  ])('refuses %s with the field it concerns', async (_name, body, status, field, message) => {
    const r = await h.call(h.tokens.alice, 'POST', '/api/v1/schedules/preview', body);
    expect(r.status).toBe(status);
    expect(r.body.error.field).toBe(field);
    expect(r.body.error.message).toMatch(message);
  });
});
