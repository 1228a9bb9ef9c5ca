// Case 8 of the reliability suite (docs/rules.md#applying-a-decision-the-build-transaction):
// the side effects that follow a commit fail, and the commit stands.
// - The notification webhook is down for an hour of database time (the one
//   clock function, autobuild_now(), replaced by a clock the test steps): the
//   tick's builds are made regardless, every notification is retried on the
//   deliverers' own backoff (1 s doubling to 5 min, the defaults) and arrives
//   once the webhook is back, once, with the same id as its Idempotency-Key on
//   every attempt. Two deliverers run, as two workers would.
// - The hand-off to provisioning fails after the build committed (Temporal
//   unreachable from the process that made it): the build stands with its
//   pending job, and the worker's recovery sweep starts it; it runs once.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor, WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluateActivities } from '../../../src/activities/evaluate.js';
import { type Background, startBackgroundTasks } from '../../../src/builds/background.js';
import { buildWorkflowId } from '../../../src/builds/start-build.js';
import { backoffMs } from '../../../src/notifications/deliver.js';
import { startDeliverer } from '../../../src/notifications/deliverer.js';
import type { NotificationSink } from '../../../src/notifications/sinks.js';
import { webhookSink } from '../../../src/notifications/sinks.js';
import { Ops } from '../../../src/ops/index.js';
import { loadNotificationConfig, loadProvisioningConfig, loadRetentionConfig } from '../../../src/runtime/config.js';
import { freePort } from '../../../src/runtime/ports.js';
import type { Loop } from '../../../src/runtime/repeat.js';
import { startManualTick } from '../../../src/runtime/tick-client.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { type Harness, quietLog, startHarness } from '../../builds/harness.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus } from '../../orchestration/fixtures.js';
import { type Engine, jobsSettled, startEngine } from '../../orchestration/harness.js';
import { assertInvariants } from './invariants.js';

const T = new Date('2024-03-04T09:00:00Z');

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A webhook receiver: `down` resets the connection, `unavailable` answers 503, `up` answers 200. */
function receiver() {
  const requests: Array<{
    key: string | undefined;
    answered: number | 'reset';
    body: { id?: string } | null;
    headers: IncomingHttpHeaders;
  }> = [];
  const state = { mode: 'down' as 'down' | 'unavailable' | 'up' };
  const server: Server = createServer((req, res) => {
    if (state.mode === 'down') {
      requests.push({ key: req.headers['idempotency-key'] as string | undefined, answered: 'reset', body: null, headers: req.headers });
      req.socket.resetAndDestroy();
      return;
    }
    let data = '';
    req.on('data', (d) => (data += d));
    req.on('end', () => {
      const answered = state.mode === 'up' ? 200 : 503;
      requests.push({ key: req.headers['idempotency-key'] as string | undefined, answered, body: JSON.parse(data), headers: req.headers });
      res.writeHead(answered).end();
    });
  });
  return { server, requests, state };
}

describe('the webhook down for an hour', () => {
  let h: Harness;
  const hook = receiver();
  let otherDeliverer: Loop;
  /** The database clock when the case starts: a day after the wall clock, so no deliverer waits on its own clock. */
  let S0: Date;
  const setClock = (at: Date) => h.db.pool.query('UPDATE reliability_clock SET at = $1', [at]);

  beforeAll(async () => {
    await new Promise<void>((r) => hook.server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(hook.server.address() as AddressInfo).port}/hook`;
    const defaults = loadNotificationConfig({});
    const sink: NotificationSink = webhookSink(url, 2000);
    // The default backoff; the outbox sweep every 50 ms (of wall time) notices each step of the clock.
    const notifications = { retryBaseMs: defaults.retryBaseMs, retryMaxMs: defaults.retryMaxMs, sweepIntervalMs: 50 };
    h = await startHarness({ noWorker: true, sink, notifications, provisioning: { simulatedDurationMs: 50 } });
    S0 = new Date(Math.floor(Date.now() / 1000) * 1000 + D);
    // The database clock, stepped by the test: every instant the database stamps or compares reads autobuild_now().
    await h.db.pool.query('CREATE TABLE reliability_clock (at timestamptz NOT NULL)');
    await h.db.pool.query('INSERT INTO reliability_clock VALUES ($1)', [S0]);
    await h.db.pool.query(
      `CREATE OR REPLACE FUNCTION autobuild_now() RETURNS timestamptz LANGUAGE sql STABLE AS $$ SELECT at FROM reliability_clock $$`,
    );
    await h.startWorker();
    otherDeliverer = startDeliverer({ pool: h.db.pool, databaseUrl: h.db.url, sink, config: h.notifications, log: quietLog });
  });
  afterAll(async () => {
    await otherDeliverer?.stop();
    await h?.close();
    await new Promise((r) => hook.server.close(r));
  });

  it('the tick’s builds stand; each notification is retried through the hour and delivered once afterwards, with its id as Idempotency-Key every time', async () => {
    const { pool } = h.db;
    const owner = await createUser(pool);
    const plain = await createTemplate(pool);
    const reminders = await createTemplate(pool, { autostopNotifyBeforeMs: 30 * MIN, activityBumpMs: 0 });
    const dormancy = await createTemplate(pool, { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const running = { transition: 'start' as const, createdAt: plus(T, -2 * H) };
    const ws = {
      reminded: await createWorkspace(pool, {
        ownerId: owner,
        template: reminders,
        lastUsedAt: plus(T, -H),
        build: { ...running, deadline: plus(T, 20 * MIN) },
      }),
      dormant: await createWorkspace(pool, { ownerId: owner, template: dormancy, lastUsedAt: plus(T, -8 * D), build: running }),
      autodeleted: await createWorkspace(pool, {
        ownerId: owner,
        template: dormancy,
        lastUsedAt: plus(T, -60 * D),
        dormantAt: plus(T, -31 * D),
        deletingAt: plus(T, -D),
        build: { transition: 'stop', createdAt: plus(T, -31 * D) },
      }),
      stopFails: await createWorkspace(pool, {
        ownerId: owner,
        template: plain,
        lastUsedAt: plus(T, -H),
        build: { ...running, deadline: plus(T, -MIN) },
      }),
      stops: await createWorkspace(pool, {
        ownerId: owner,
        template: plain,
        lastUsedAt: plus(T, -H),
        build: { ...running, deadline: plus(T, -MIN) },
      }),
    };
    await h.ops.workspaces.setSimulatedFailure(ws.stopFails, ['stop'], 'the cloud said no');

    const stats = await (await startManualTick(h.temporal.client, h.taskQueue, T)).result();
    // The webhook being down changes nothing the tick does: every build is made and runs.
    expect(stats.transitions).toEqual({ 'stop/autostop': 2, 'stop/dormancy': 1, 'delete/autodelete': 1 });
    expect(stats.marked).toEqual({ dormant: 1, reminded: 1 });
    expect(stats.errors).toBe(0);
    await until('the builds to finish', async () => {
      const { rows } = await pool.query('SELECT count(*)::int AS n FROM provisioner_jobs WHERE completed_at IS NULL');
      return rows[0].n === 0;
    });
    const jobs = await pool.query(
      `SELECT b.workspace_id, job_status(j.started_at, j.completed_at, j.canceled_at, j.error) AS status
         FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id WHERE b.build_number = 2`,
    );
    expect(Object.fromEntries(jobs.rows.map((r) => [r.workspace_id, r.status]))).toEqual({
      [ws.dormant]: 'succeeded',
      [ws.autodeleted]: 'succeeded',
      [ws.stopFails]: 'failed',
      [ws.stops]: 'succeeded',
    });

    // Four notifications, all written at S0 (the clock stands still between steps), each tried once at once.
    const outbox = async () =>
      (
        await pool.query<{
          id: string;
          kind: string;
          attempts: number;
          next_attempt_at: Date | null;
          delivered_at: Date | null;
          last_error: string | null;
        }>('SELECT id, kind, attempts, next_attempt_at, delivered_at, last_error FROM notifications ORDER BY kind')
      ).rows;
    await until('each notification’s first attempt', async () => {
      const rows = await outbox();
      return rows.length === 4 && rows.every((r) => r.attempts === 1);
    });
    expect((await outbox()).map((r) => r.kind)).toEqual([
      'autobuild_failed',
      'autostop_reminder',
      'workspace_autodeleted',
      'workspace_dormant',
    ]);

    // Step the database clock from one due retry to the next, for an hour; halfway the receiver's
    // host is back but its service answers 503; after the hour it accepts.
    const hourEnd = plus(S0, H);
    const step = async (to: Date) => {
      const before = new Map((await outbox()).map((r) => [r.id, r]));
      await setClock(to);
      const due = [...before.values()].filter((r) => r.delivered_at === null && r.next_attempt_at !== null && r.next_attempt_at <= to);
      await until(`the retries due at ${to.toISOString()}`, async () => {
        const now = new Map((await outbox()).map((r) => [r.id, r]));
        return due.every((r) => now.get(r.id)!.attempts === r.attempts + 1);
      });
    };
    for (;;) {
      const pending = (await outbox()).filter((r) => r.delivered_at === null);
      const next = new Date(Math.min(...pending.map((r) => r.next_attempt_at!.getTime())));
      if (next > hourEnd) break;
      if (next >= plus(S0, 30 * MIN)) hook.state.mode = 'unavailable';
      await step(next);
    }
    expect(hook.requests.filter((r) => r.answered === 200)).toEqual([]);
    await setClock(hourEnd);
    hook.state.mode = 'up';
    for (;;) {
      const pending = (await outbox()).filter((r) => r.delivered_at === null);
      if (pending.length === 0) break;
      await step(new Date(Math.min(...pending.map((r) => r.next_attempt_at!.getTime()))));
    }

    // The deliverers' schedule, from their own backoff: attempts at 0, 1, 3, 7, … s, 5 min apart from 511 s.
    let t = 0;
    let failedInTheHour = 0;
    while (t <= H) {
      failedInTheHour++;
      t += backoffMs(failedInTheHour, h.notifications.retryBaseMs, h.notifications.retryMaxMs);
    }
    const deliveredAt = plus(S0, t);
    for (const row of await outbox()) {
      expect(row).toMatchObject({ attempts: failedInTheHour + 1, delivered_at: deliveredAt, last_error: null, next_attempt_at: null });
      const mine = hook.requests.filter((r) => r.key === row.id);
      expect(mine).toHaveLength(failedInTheHour + 1);
      expect(mine.filter((r) => r.answered === 200)).toHaveLength(1);
      expect(mine.at(-1)!.answered).toBe(200);
      expect(mine.filter((r) => r.answered === 'reset').length).toBeGreaterThan(0);
      expect(mine.filter((r) => r.answered === 503).length).toBeGreaterThan(0);
      for (const r of mine.filter((x) => x.body !== null)) expect(r.body!.id).toBe(row.id);
    }
    expect(hook.requests.every((r) => r.key !== undefined)).toBe(true);
    expect(failedInTheHour).toBe(20);

    // The builds stand as the tick made them.
    for (const id of Object.values(ws)) {
      const all = await builds(pool, id);
      expect(all).toHaveLength(id === ws.reminded ? 1 : 2);
    }
    await assertInvariants({
      pool,
      client: h.temporal.client,
      taskQueue: h.taskQueue,
      ticks: [stats],
      expectOnce: [
        { workspaceId: ws.dormant, transition: 'stop', reason: 'dormancy' },
        { workspaceId: ws.autodeleted, transition: 'delete', reason: 'autodelete' },
        { workspaceId: ws.stopFails, transition: 'stop', reason: 'autostop' },
        { workspaceId: ws.stops, transition: 'stop', reason: 'autostop' },
      ],
      neverEligible: [ws.reminded],
    });
  }, 120_000);
});

describe('the hand-off to provisioning fails after the build committed', () => {
  let engine: Engine;
  let background: Background;
  /** Temporal as seen from a process that cannot reach it: the call fails at once (one attempt, connection refused). */
  let unreachable: Client;
  let unreachableConnection: Connection;
  let ops: Ops;
  let owner: string;
  let handOffWorks = false;
  let evaluations = 0;

  beforeAll(async () => {
    engine = await startEngine();
    unreachableConnection = Connection.lazy({
      address: `127.0.0.1:${await freePort()}`,
      interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 1 }))],
    });
    unreachable = new Client({ connection: unreachableConnection, namespace: 'default' });
    const cut = createEvaluateActivities({ pool: engine.db.pool, client: unreachable, taskQueue: engine.taskQueue });
    // The evaluation's hand-off fails until the test says the sweep has done its work.
    await engine.startWorker((a) => ({
      ...a,
      async evaluate(input) {
        evaluations++;
        return handOffWorks ? a.evaluate(input) : cut.evaluate(input);
      },
    }));
    // The worker's background tasks as `npm start` runs them, the recovery sweep every 200 ms for jobs 1 s old.
    background = startBackgroundTasks({
      pool: engine.db.pool,
      databaseUrl: engine.db.url,
      client: engine.temporal.client,
      taskQueue: engine.taskQueue,
      log: quietLog,
      provisioning: { ...loadProvisioningConfig({}), recoveryGraceMs: 1000, recoveryIntervalMs: 200 },
      notifications: loadNotificationConfig({}),
      sink: { name: 'memory', send: async () => {} },
      retention: loadRetentionConfig({}),
    });
    ops = new Ops({ pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue });
    owner = await createUser(engine.db.pool);
  });
  afterAll(async () => {
    await background?.stop();
    await unreachableConnection?.close();
    await engine?.close();
  });

  const job = async (jobId: string) =>
    (
      await engine.db.pool.query(
        'SELECT completed_at, job_status(started_at, completed_at, canceled_at, error) AS status FROM provisioner_jobs WHERE id = $1',
        [jobId],
      )
    ).rows[0] as { completed_at: Date | null; status: string };
  const runsOf = async (jobId: string) => {
    const ids: string[] = [];
    for await (const wf of engine.temporal.client.workflow.list({ query: `WorkflowId = '${buildWorkflowId(jobId)}'` })) ids.push(wf.runId);
    return ids;
  };

  it("a person's stop: the operation fails, the build stands pending, the sweep starts it and it runs once", async () => {
    const template = await createTemplate(engine.db.pool);
    const id = await createWorkspace(engine.db.pool, {
      ownerId: owner,
      template,
      lastUsedAt: plus(T, -H),
      build: { transition: 'start', createdAt: plus(T, -2 * H) },
    });
    const apiProcess = new Ops({ pool: engine.db.pool, client: unreachable, taskQueue: engine.taskQueue });
    await expect(apiProcess.workspaces.stop(id)).rejects.toThrow(/Failed to start Workflow/);

    const made = await builds(engine.db.pool, id);
    expect(made).toHaveLength(2);
    expect(made[1]).toMatchObject({ transition: 'stop', reason: 'initiator' });
    const jobId = made[1]!.jobId;
    expect((await job(jobId)).status).toBe('pending');
    await expect(engine.temporal.client.workflow.getHandle(buildWorkflowId(jobId)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    await until('the sweep to start the job and the job to end', async () => (await job(jobId)).completed_at !== null);
    expect((await job(jobId)).status).toBe('succeeded');
    // More sweeps come and go: still one run of the build, one build.
    await new Promise((r) => setTimeout(r, 1000));
    await until('the build run to be visible', async () => (await runsOf(jobId)).length > 0);
    expect(await runsOf(jobId)).toHaveLength(1);
    expect(await builds(engine.db.pool, id)).toHaveLength(2);
    await expect(ops.workspaces.stop(id)).rejects.toThrow(/already stopped/);
    await assertInvariants({ pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue });
  });

  it("the tick's build: the evaluation's retries cannot hand it off, the sweep does, and the retry that finally reaches Temporal reports the one build", async () => {
    const template = await createTemplate(engine.db.pool);
    const id = await createWorkspace(engine.db.pool, {
      ownerId: owner,
      template,
      lastUsedAt: plus(T, -H),
      build: { transition: 'start', createdAt: plus(T, -2 * H), deadline: plus(T, -MIN) },
    });
    handOffWorks = false;
    evaluations = 0;
    const running = engine.tick(T);
    let jobId = '';
    await until('the build to be committed', async () => {
      const all = await builds(engine.db.pool, id);
      jobId = all[1]?.jobId ?? '';
      return jobId !== '';
    });
    await until('the sweep to start the job and the job to end', async () => (await job(jobId)).completed_at !== null);
    expect(evaluations).toBeGreaterThanOrEqual(1);
    handOffWorks = true;
    const stats: TickStats = await running;
    expect(evaluations).toBeGreaterThanOrEqual(2);
    expect(stats.transitions).toEqual({ 'stop/autostop': 1 });
    expect(stats.errors).toBe(0);
    expect((await job(jobId)).status).toBe('succeeded');
    await until('the build run to be visible', async () => (await runsOf(jobId)).length > 0);
    expect(await runsOf(jobId)).toHaveLength(1);
    expect(await builds(engine.db.pool, id)).toHaveLength(2);

    const next = await engine.tick(plus(T, MIN));
    expect(next.transitions).toEqual({});
    await jobsSettled(engine, [id]);
    await assertInvariants({
      pool: engine.db.pool,
      client: engine.temporal.client,
      taskQueue: engine.taskQueue,
      ticks: [stats, next],
      expectOnce: [{ workspaceId: id, transition: 'stop', reason: 'autostop' }],
    });
  });
});
