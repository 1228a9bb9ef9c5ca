// The policy dry-run, reset inactivity and the workspace timeline (docs/rules.md#policy-dry-run-and-timeline)
// through the operations module and the HTTP API, over the real database and dev server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY } from '../../src/lifecycle/index.js';
import { dumpTables } from '../builds/harness.js';
import { dumpTables as dumpTablesOmitting, WRITTEN_BY_AUTHENTICATION } from '../helpers/tables.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

describe('policy dry-run, reset inactivity and timeline', () => {
  let h: ApiHarness;
  const lastUsed = async () =>
    (await h.db.pool.query<{ at: Date; now: Date }>(`SELECT last_used_at AS at, autobuild_now() AS now FROM workspaces WHERE name = 'dev'`))
      .rows[0]!;

  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dry', allowUserAutostop: false, defaultTtl: '8h', timeTilDormant: '30d' });
    // A stopped workspace that autostarts every day at 09:00 UTC, last used ten days ago.
    const created = await h.ops.workspaces.create({ owner: 'alice', template: 'dry', name: 'dev', autostartSchedule: '0 9 * * *' });
    await h.ops.waitForBuild(created.jobId, 20_000);
    await h.ops.waitForBuild((await h.ops.workspaces.stop('alice/dev')).jobId, 20_000);
    await h.db.pool.query(`UPDATE workspaces SET last_used_at = autobuild_now() - interval '10 days' WHERE name = 'dev'`);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('writes nothing, and reports a shorter TTL as "stops earlier" with the autostop rule', async () => {
    const before = await dumpTables(h);
    const r = await h.ops.templates.update('dry', { defaultTtl: '4h' }, { dryRun: true });
    expect(await dumpTables(h)).toEqual(before); // no row anywhere changed, the audit log included
    expect(r).toMatchObject({ template: 'dry', days: 14, workspaces: 1, changed: 1, resetInactivity: false });
    expect(r.assumption).toMatch(/^assuming no future activity/);
    expect(r.policy).toEqual({ before: { defaultTtlMs: 8 * 3_600_000 }, after: { defaultTtlMs: 4 * 3_600_000 } });
    const [change] = r.changes[0]!.changes;
    expect(r.changes[0]!.workspace).toBe('alice/dev');
    expect(change!.kind).toBe('stops-earlier');
    expect(change!.after!.getTime() - change!.before!.getTime()).toBe(-4 * 3_600_000);
    expect(change!.rule).toMatch(/^autostop: deadline \S+ passed before tick /);
    expect(r.counts['stops-earlier']).toBe(1);
    expect((await h.ops.templates.get('dry')).policy.defaultTtlMs).toBe(8 * 3_600_000);
  });

  it('a tighter dormancy threshold: "becomes dormant"; with reset inactivity it does not within the days projected', async () => {
    const tight = await h.ops.templates.update('dry', { timeTilDormant: '7d' }, { dryRun: true, days: 5 });
    expect(tight.changes[0]!.changes.map((c) => c.kind)).toEqual(['becomes-dormant']);
    expect(tight.changes[0]!.changes[0]!.rule).toMatch(/^dormancy: last used \S+, more than 7d before tick /);
    const reset = await h.ops.templates.update('dry', { timeTilDormant: '7d' }, { dryRun: true, days: 5, resetInactivity: true });
    expect(reset).toMatchObject({ resetInactivity: true, changed: 0, changes: [] });
  });

  it('reset inactivity sets last use to the database clock, in the update, with its audit entry', async () => {
    const r = await h.ops.templates.update('dry', { timeTilDormant: '7d' }, { resetInactivity: true });
    expect(r.inactivityReset).toBe(1);
    const { at, now } = await lastUsed();
    expect(at.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - at.getTime()).toBeLessThan(60_000); // the clock of the update, a moment ago
    const audit = (await h.ops.audit.list()).items.find((e) => e.action === 'template.update')!; // newest first
    expect(audit.after).toMatchObject({ inactivityReset: 1, policy: { timeTilDormantMs: 7 * DAY } });
    await h.ops.templates.update('dry', { timeTilDormant: '30d' });
  });

  it('the API: POST /templates/{template}/dry-run answers the same report and writes nothing', async () => {
    // Authentication stamps the token's last use; nothing else may change.
    const tables = () => dumpTablesOmitting(h.db.pool, WRITTEN_BY_AUTHENTICATION);
    const before = await tables();
    const a = await h.call(h.tokens.admin, 'POST', '/api/v1/templates/dry/dry-run', { defaultTtlMs: 4 * 3_600_000, days: 3 });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ template: 'dry', days: 3, changed: 1, changes: [{ workspace: 'alice/dev' }] });
    expect(a.body.changes[0].changes[0]).toMatchObject({ kind: 'stops-earlier', rule: expect.stringMatching(/^autostop: /) });
    expect(a.body.assumption).toMatch(/^assuming no future activity/);
    expect(await tables()).toEqual(before);
    expect((await h.call(h.tokens.alice, 'POST', '/api/v1/templates/dry/dry-run', { days: 3 })).status).toBe(403);
  });

  it('days out of bounds get one clear line, through the operations module and the API', async () => {
    for (const days of [0, 1000, 1.5]) {
      await expect(h.ops.templates.update('dry', {}, { dryRun: true, days })).rejects.toThrow(
        /^invalid days: expected a whole number of days from 1 to 31, got /,
      );
      await expect(h.ops.workspaces.timeline('alice/dev', { days })).rejects.toThrow(/^invalid days: /);
    }
    const api = await h.call(h.tokens.admin, 'POST', '/api/v1/templates/dry/dry-run', { days: 0 });
    expect(api.body.error.message).toBe('invalid days: expected a whole number of days from 1 to 31, got 0');
    const timeline = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/dev')}/timeline?days=1000`);
    expect(timeline.body.error.message).toBe('invalid days: expected a whole number of days from 1 to 31, got 1000');
    expect(timeline.status).toBe(api.status);
    await expect(h.ops.templates.update('dry', {}, { days: 3 } as never)).rejects.toThrow(/days applies to a dry-run only/);
  });

  it('the timeline: the events of the next days in order, each with its rule; the owner sees it, another member does not', async () => {
    const t = await h.ops.workspaces.timeline('alice/dev', { days: 3 });
    expect(t.assumption).toMatch(/^assuming no future activity/);
    const kinds = t.events.map((e) => e.kind);
    expect(kinds.slice(0, 4)).toEqual(['start', 'stop', 'start', 'stop']);
    expect(t.events.map((e) => e.at.getTime())).toEqual([...t.events.map((e) => e.at.getTime())].sort((a, b) => a - b));
    expect(t.events[0]!.at.getUTCHours()).toBe(9);
    expect(t.events[1]!.at.getTime() - t.events[0]!.at.getTime()).toBe(8 * 3_600_000 + 60_000);
    const a = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/dev')}/timeline?days=3`);
    expect(a.status).toBe(200);
    expect(a.body.events.map((e: { at: string }) => e.at)).toEqual(t.events.map((e) => e.at.toISOString()));
    expect(a.body.events[0]).toMatchObject({
      kind: 'start',
      transition: 'start',
      reason: 'autostart',
      rule: expect.stringMatching(/^autostart: /),
    });
    expect((await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/dev')}/timeline`)).body.days).toBe(7);
    expect((await h.call(h.tokens.bob, 'GET', `/api/v1/workspaces/${ws('alice/dev')}/timeline`)).status).toBe(404);
  });
});
