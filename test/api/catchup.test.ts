// docs/rules.md#catch-up-after-downtime through the HTTP API: the template's catch-up options
// (create, change, refusals in the API's error shape, the template JSON) and `explain` naming
// the policy when it skips an autostart that fell due while the engine was down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR, MINUTE } from '../../src/lifecycle/index.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

describe('HTTP API: the catch-up policy', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a template is created with catch-up all by default; latest with a window and none are set and shown', async () => {
    const plain = await h.call(h.tokens.admin, 'POST', '/api/v1/templates', { name: 'plain' });
    expect(plain.status).toBe(201);
    expect(plain.body).toMatchObject({ catchup: 'all', catchupWindowMs: 0 });

    const latest = await h.call(h.tokens.admin, 'POST', '/api/v1/templates', {
      name: 'latest',
      catchup: 'latest',
      catchupWindowMs: 2 * HOUR,
    });
    expect(latest.status).toBe(201);
    expect(latest.body).toMatchObject({ catchup: 'latest', catchupWindowMs: 2 * HOUR });

    const none = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/plain', { catchup: 'none' });
    expect(none.status).toBe(200);
    expect(none.body.template).toMatchObject({ catchup: 'none', catchupWindowMs: 0 });
    expect((await h.call(h.tokens.alice, 'GET', '/api/v1/templates/latest')).body).toMatchObject({ catchup: 'latest' });
  });

  it('refuses latest without a window and an unknown policy, naming the field, changing nothing', async () => {
    const noWindow = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/plain', { catchup: 'latest' });
    expect(noWindow.status).toBe(400);
    expect(noWindow.body.error).toMatchObject({
      field: 'catchupWindowMs',
      message: 'invalid catch-up window: catch-up latest needs a window greater than 0 (e.g. 2h)',
    });
    const tooShort = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/latest', { catchupWindowMs: 1000 });
    expect(tooShort.status).toBe(400);
    expect(tooShort.body.error.field).toBe('catchupWindowMs');
    const unknown = await h.call(h.tokens.admin, 'PATCH', '/api/v1/templates/plain', { catchup: 'sometimes' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.field).toBe('catchup');
    expect((await h.call(h.tokens.admin, 'GET', '/api/v1/templates/plain')).body).toMatchObject({ catchup: 'none', catchupWindowMs: 0 });
    expect((await h.call(h.tokens.admin, 'GET', '/api/v1/templates/latest')).body).toMatchObject({ catchupWindowMs: 2 * HOUR });
  });

  it('explain names the catch-up policy when it skips an autostart that fell due while the engine was down', async () => {
    const schedule = 'CRON_TZ=UTC 0 9 * * *';
    const created = await h.call(h.tokens.alice, 'POST', '/api/v1/workspaces', {
      template: 'plain',
      name: 'w',
      autostartSchedule: schedule,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await h.ops.waitForBuild(created.body.jobId, 30_000);
    const stop = await h.ops.workspaces.stop('alice/w');
    await h.ops.waitForBuild(stop.jobId, 30_000);
    // Due at 09:00 of a day; the engine's last completed tick was 08:40; explained at 10:00.
    const due = new Date('2026-12-08T09:00:00Z');
    await h.db.pool.query('UPDATE workspaces SET next_start_at = $2 WHERE id = $1', [created.body.id, due]);
    await h.db.pool.query('INSERT INTO engine_ticks (last_completed_tick) VALUES ($1)', [new Date(due.getTime() - 20 * MINUTE)]);
    // Builds made a day before the due instant, whenever the test runs: the autostart's due instant is next_start_at.
    await h.db.pool.query('UPDATE workspace_builds SET created_at = $2 WHERE workspace_id = $1', [
      created.body.id,
      new Date(due.getTime() - 24 * HOUR),
    ]);

    const e = await h.call(
      h.tokens.alice,
      'GET',
      `/api/v1/workspaces/${ws('alice/w')}/explain?at=${encodeURIComponent('2026-12-08T10:00:00Z')}`,
    );
    expect(e.status).toBe(200);
    expect(e.body.decision).toEqual({
      transition: null,
      reason: null,
      markDormant: false,
      remind: false,
      catchupSkipped: true,
      explanation:
        'catch-up none: autostart due 2026-12-08T09:00:00.000Z fell due while the engine was down ' +
        '(last completed tick 2026-12-08T08:40:00.000Z); skipped, next autostart 2026-12-09T09:00:00.000Z',
    });
  });
});
