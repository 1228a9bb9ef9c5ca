// Activity reports through the HTTP API (docs/api.md#activity): the bump, the
// coalescing that keeps several API processes to one write a minute, the batch
// route's one read and one write, and reporter tokens' scope.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/api/app.js';
import { READ_FOR_ACTIVITY } from '../../src/db/sql/activity.js';
import { DEFAULT_QUIET_HOURS_SCHEDULE, HOUR, MINUTE } from '../../src/lifecycle/index.js';
import { Ops } from '../../src/ops/index.js';
import { quietLog } from '../builds/harness.js';
import { type ApiHarness, startApiHarness, ws } from './harness.js';

describe('activity through the API', () => {
  let h: ApiHarness;
  let reporter: string;
  beforeAll(async () => {
    h = await startApiHarness();
    await h.ops.templates.create({ name: 'dev', defaultTtl: '1h', activityBump: '2h' });
    await h.ops.templates.create({ name: 'other', defaultTtl: '1h', activityBump: '2h' });
    for (const [owner, name, template] of [
      ['alice', 'a', 'dev'],
      ['alice', 'b', 'dev'],
      ['bob', 'c', 'other'],
    ] as const) {
      const started = await h.ops.workspaces.create({ owner, template, name });
      await h.ops.waitForBuild(started.jobId, 30_000);
    }
    reporter = (await h.ops.tokens.create({ user: 'root', role: 'reporter', templates: ['dev'] })).token;
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Makes the workspace look used `ms` ago (its creation counts as a use). */
  const lastUsedAgo = (ref: string, ms: number) =>
    h.db.pool.query(
      `UPDATE workspaces w SET last_used_at = now() - $2 * interval '1 millisecond'
        FROM users u WHERE u.id = w.owner_id AND u.username || '/' || w.name = $1`,
      [ref, ms],
    );

  it('a report bumps the deadline, and explain shows the new deadline and the rule that set it', async () => {
    const before = (await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/a')}`)).body;
    const r = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, { source: 'vscode' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ workspaceId: before.id, bumped: true, coalesced: false });
    expect(Date.parse(r.body.deadline)).toBe(Date.parse(r.body.lastUsedAt) + 2 * HOUR);
    expect(Date.parse(r.body.deadline)).toBeGreaterThan(Date.parse(before.deadline));

    const explained = await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/a')}/explain`);
    expect(explained.body.deadline).toBe(r.body.deadline);
    expect(explained.body.rules.deadline).toMatch(/autostop/);
    const later = await h.call(
      h.tokens.alice,
      'GET',
      `/api/v1/workspaces/${ws('alice/a')}/explain?at=${encodeURIComponent(new Date(Date.parse(r.body.deadline) + MINUTE).toISOString())}`,
    );
    expect(later.body.decision).toMatchObject({ transition: 'stop', reason: 'autostop' });
    expect(later.body.decision.explanation).toContain(r.body.deadline);
  });

  it('a second report within the minute writes nothing and answers coalesced with the current deadline', async () => {
    const first = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, { source: 'ssh' });
    expect(first.body).toMatchObject({ bumped: false, coalesced: true });
    const row = await h.db.pool.query(`SELECT xmin::text FROM workspaces WHERE id = $1`, [first.body.workspaceId]);
    const again = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, { source: 'ssh' });
    expect(again.body).toEqual(first.body);
    // Not written: the row version is the same.
    expect((await h.db.pool.query(`SELECT xmin::text FROM workspaces WHERE id = $1`, [first.body.workspaceId])).rows).toEqual(row.rows);

    // Once last use is over a minute old, a report writes again (and the deadline, just bumped, stays).
    await lastUsedAgo('alice/a', 2 * MINUTE);
    const written = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, { source: 'ssh' });
    expect(written.body).toMatchObject({ bumped: false, coalesced: false, deadline: first.body.deadline });
    expect(Date.parse(written.body.lastUsedAt)).toBeGreaterThan(Date.parse(first.body.lastUsedAt));
  });

  it('two API processes receiving the same report at once write the workspace once', async () => {
    await lastUsedAgo('alice/b', 10 * MINUTE);
    const second = createApp({
      ops: new Ops({ pool: h.db.pool, client: h.temporal.client, taskQueue: h.taskQueue }),
      log: quietLog,
      defaultQuietHours: DEFAULT_QUIET_HOURS_SCHEDULE,
      version: 'test',
      ready: async () => {},
    });
    const report = async (app: typeof second) => {
      const res = await app.request(`/api/v1/workspaces/${ws('alice/b')}/activity`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.tokens.alice}`, 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'proxy' }),
      });
      return (await res.json()) as { bumped: boolean; coalesced: boolean; deadline: string };
    };
    const answers = await Promise.all([report(h.app), report(second), report(h.app), report(second)]);
    expect(answers.filter((a) => !a.coalesced).length).toBeLessThanOrEqual(2); // the bump, and at most one last-use write
    expect(answers.filter((a) => a.bumped)).toHaveLength(1);
    const deadlines = new Set(answers.map((a) => a.deadline));
    expect(deadlines.size).toBeLessThanOrEqual(2); // the bumped one, or the one read before it
  });

  it('a batch answers each report in order; a missing or hidden workspace fails only its own report', async () => {
    await lastUsedAgo('alice/b', 10 * MINUTE);
    const r = await h.call(h.tokens.alice, 'POST', '/api/v1/activity', {
      reports: [
        { workspace: 'alice/b', source: 'proxy' },
        { workspace: 'bob/c', source: 'proxy' },
        { workspace: 'alice/nothing', source: 'proxy' },
        { workspace: 'alice/b', source: 'proxy' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([
      expect.objectContaining({ workspace: 'alice/b', coalesced: false }),
      { workspace: 'bob/c', error: { code: 'not_found', message: 'no workspace bob/c' } },
      { workspace: 'alice/nothing', error: { code: 'not_found', message: 'no workspace alice/nothing' } },
      // The same workspace twice counts once.
      expect.objectContaining({ workspace: 'alice/b', coalesced: false }),
    ]);
    expect(r.body.results[0].lastUsedAt).toBe(r.body.results[3].lastUsedAt);
  });

  it('a batch of 1,000 reports is one read statement and one write statement', async () => {
    const statements: string[] = [];
    const pool = h.db.pool;
    const counting = new Proxy(pool, {
      get(target, prop, receiver) {
        if (prop === 'query') {
          return (q: string | { text: string }, ...rest: unknown[]) => {
            statements.push(typeof q === 'string' ? q : q.text);
            return (target.query as (...a: unknown[]) => unknown)(q, ...rest);
          };
        }
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const ops = new Ops({ pool: counting, client: h.temporal.client, taskQueue: h.taskQueue });
    const reports = Array.from({ length: 1000 }, (_, i) => ({
      workspace: ['alice/a', 'alice/b', 'bob/c', `alice/n${i}`][i % 4]!,
      source: 'proxy',
    }));
    const results = await ops.activity.report(reports);
    expect(results).toHaveLength(1000);
    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(/^\s*SELECT/);
    expect(statements[1]).toMatch(/^\s*WITH r AS/);
  });

  it('the batch read looks each workspace up by an index, by id and by owner and name, never scanning the table', async () => {
    const client = await h.db.pool.connect();
    try {
      await client.query('BEGIN');
      // Without sequential scans the planner must find an index for every branch; a plan that cannot still scans.
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query(`EXPLAIN ${READ_FOR_ACTIVITY}`, [
        [randomUUID(), null],
        [null, 'alice'],
        [null, 'a'],
      ]);
      const plan = rows.map((r: { 'QUERY PLAN': string }) => r['QUERY PLAN']).join('\n');
      expect(plan).not.toMatch(/Seq Scan on (workspaces|users)/);
      expect(plan).toMatch(/Index Scan using workspaces_pkey on workspaces/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a reporter token reports for its templates’ workspaces and nothing else', async () => {
    await lastUsedAgo('alice/a', 10 * MINUTE);
    const ok = await h.call(reporter, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, { source: 'agent' });
    expect(ok.status).toBe(200);
    expect(ok.body.coalesced).toBe(false);
    const outside = await h.call(reporter, 'POST', `/api/v1/workspaces/${ws('bob/c')}/activity`, { source: 'agent' });
    expect(outside.status).toBe(404);
    const read = await h.call(reporter, 'GET', `/api/v1/workspaces/${ws('alice/a')}`);
    expect(read.status).toBe(403);
    expect(read.body.error.message).toBe('this token may only report activity');
    expect((await h.call(reporter, 'GET', '/api/v1/workspaces')).status).toBe(403);
    const batch = await h.call(reporter, 'POST', '/api/v1/activity', {
      reports: [
        { workspace: 'alice/a', source: 'agent' },
        { workspace: 'bob/c', source: 'agent' },
      ],
    });
    expect(batch.body.results[1]).toEqual({ workspace: 'bob/c', error: { code: 'not_found', message: 'no workspace bob/c' } });
  });

  it('bad reports are refused whole: a future observation, an empty source, too many reports', async () => {
    const future = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, {
      source: 'ssh',
      observedAt: new Date(Date.now() + HOUR).toISOString(),
    });
    expect(future.status).toBe(400);
    expect(future.body.error).toMatchObject({ code: 'invalid', field: 'observedAt' });
    const empty = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/a')}/activity`, { source: '' });
    expect(empty.body.error).toMatchObject({ code: 'invalid', field: 'source' });
    const many = await h.call(h.tokens.alice, 'POST', '/api/v1/activity', {
      reports: Array.from({ length: 1001 }, () => ({ workspace: 'alice/a', source: 'x' })),
    });
    expect(many.status).toBe(400);
    expect(many.body.error.field).toBe('reports');
  });

  it('an observation from the past bumps as of then and never moves last use backwards', async () => {
    await lastUsedAgo('alice/b', 5 * MINUTE);
    const before = (await h.call(h.tokens.alice, 'GET', `/api/v1/workspaces/${ws('alice/b')}`)).body;
    const old = await h.call(h.tokens.alice, 'POST', `/api/v1/workspaces/${ws('alice/b')}/activity`, {
      source: 'agent',
      observedAt: new Date(Date.parse(before.lastUsedAt) - 10 * MINUTE).toISOString(),
    });
    expect(old.status).toBe(200);
    expect(old.body.lastUsedAt).toBe(before.lastUsedAt);
  });
});
