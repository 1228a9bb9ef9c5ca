// docs/rules.md#concurrency-and-exactly-once: whatever runs twice or at once,
// each decision makes at most one build, and the transaction's read under the
// workspace's lock wins over the candidate query's.

import { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluateActivities } from '../../src/activities/evaluate.js';
import { insertNextBuild } from '../../src/db/insert-build.js';
import { LOCKED, loadSnapshot } from '../../src/db/load-snapshot.js';
import { evaluateWorkspace } from '../../src/engine/evaluate.js';
import { ensureTickSchedule } from '../../src/runtime/schedule.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';
import { builds, createTemplate, createUser, createWorkspace, H, MIN, plus, type Template } from './fixtures.js';
import { type Engine, jobsSettled, type RunningWorker, startEngine } from './harness.js';

const T = new Date('2024-03-05T18:00:00Z');

describe('exactly once', () => {
  let engine: Engine;
  let owner: string;
  let template: Template;

  beforeAll(async () => {
    engine = await startEngine();
    owner = await createUser(engine.db.pool);
    template = await createTemplate(engine.db.pool);
  });
  afterAll(async () => {
    await engine?.close();
  });

  /** n running workspaces whose deadline passed before T. */
  async function due(n: number, deadline = plus(T, -MIN)): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(
        await createWorkspace(engine.db.pool, {
          ownerId: owner,
          template,
          lastUsedAt: plus(T, -H),
          build: { transition: 'start', createdAt: plus(T, -2 * H), deadline },
        }),
      );
    }
    return ids;
  }

  async function buildCounts(ids: string[]): Promise<number[]> {
    return Promise.all(ids.map(async (id) => (await builds(engine.db.pool, id)).length));
  }

  const sum = (r: Record<string, number | undefined>) => Object.values(r).reduce<number>((a, b) => a + (b ?? 0), 0);

  describe('with one worker', () => {
    let worker: RunningWorker;
    beforeAll(async () => {
      worker = await engine.startWorker();
    });
    afterAll(async () => {
      await worker.stop();
    });

    it('a tick with more candidates than one page continues as new and evaluates each once', async () => {
      const ids = await due(7);
      const stats = await engine.tick(T, { pageSize: 3, batchSize: 2 });
      expect(stats.candidates).toBe(7);
      expect(stats.transitions).toEqual({ 'stop/autostop': 7 });
      expect(stats.continuedAsNew).toBe(2);
      expect(await buildCounts(ids)).toEqual(ids.map(() => 2));
      await jobsSettled(engine, ids);
    });

    it('the scheduled run and a manual run of the same minute at the same time: one build each', async () => {
      const ids = await due(6);
      // A schedule of this test's own, backfilled for T: the scheduled run learns T from
      // TemporalScheduledStartTime, exactly as in production.
      const scheduleId = `tick-test-${engine.taskQueue}`;
      await ensureTickSchedule(engine.temporal.client, engine.taskQueue, { scheduleId, batchSize: 2 });
      const schedule = engine.temporal.client.schedule.getHandle(scheduleId);
      await schedule.pause('test: backfill only');
      try {
        const manual = startManualTick(engine.temporal.client, engine.taskQueue, T, { batchSize: 2 });
        await schedule.backfill({ start: plus(T, -1000), end: plus(T, 1000), overlap: ScheduleOverlapPolicy.ALLOW_ALL });
        const manualStats = await (await manual).result();
        const scheduled = await waitForScheduledRun(scheduleId);
        expect(scheduled.tick).toBe(T.toISOString());
        const made = (manualStats.transitions['stop/autostop'] ?? 0) + (scheduled.transitions['stop/autostop'] ?? 0);
        expect(made).toBe(6);
        expect(manualStats.errors + scheduled.errors).toBe(0);
        expect(await buildCounts(ids)).toEqual(ids.map(() => 2));
        await jobsSettled(engine, ids);
      } finally {
        await schedule.delete();
      }
    });

    async function waitForScheduledRun(scheduleId: string): Promise<TickStats> {
      for (let i = 0; i < 100; i++) {
        const d = await engine.temporal.client.schedule.getHandle(scheduleId).describe();
        const run = d.info.recentActions.at(-1);
        if (run) return engine.temporal.client.workflow.getHandle(run.action.workflow.workflowId).result();
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('the backfilled run never started');
    }
  });

  it('a tick that overlaps a running tick neither duplicates nor drops a transition', async () => {
    // The T tick's evaluations are held in their build transaction while the T+1 tick runs.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const worker = await engine.startWorker((a) => ({
      ...a,
      async evaluate(input) {
        if (input.tick === T.toISOString()) await held;
        return a.evaluate(input);
      },
    }));
    try {
      const early = await due(4); // due at T
      const late = await due(4, T); // deadline at T: due from T+1 (strict)
      const first = await startManualTick(engine.temporal.client, engine.taskQueue, T, { batchSize: 4 });
      await waitFor(async () => {
        const states = await Promise.all(
          early.map((id) =>
            engine.temporal.client.workflow
              .getHandle(`workspace/${id}`)
              .describe()
              .then(
                (d) => d.status.name,
                () => 'NONE',
              ),
          ),
        );
        return states.every((s) => s === 'RUNNING');
      });
      const b = await engine.tick(plus(T, MIN), { batchSize: 4 });
      release();
      const a = await first.result();
      expect(a.transitions).toEqual({ 'stop/autostop': 4 });
      expect(b.candidates).toBe(8);
      expect(b.skipped).toEqual({ 'already running': 4 });
      expect(b.transitions).toEqual({ 'stop/autostop': 4 });
      // Nothing left over: the next tick finds nothing due.
      const c = await engine.tick(plus(T, 2 * MIN));
      expect(c.candidates).toBe(0);
      expect(await buildCounts([...early, ...late])).toEqual([...early, ...late].map(() => 2));
      await jobsSettled(engine, [...early, ...late]);
    } finally {
      release();
      await worker.stop();
    }
  });

  it('two workers on the same task queue: one build per workspace', async () => {
    const workers: RunningWorker[] = [];
    try {
      workers.push(await engine.startWorker(), await engine.startWorker());
      const ids = await due(12);
      const [a, b] = await Promise.all([engine.tick(T, { batchSize: 4 }), engine.tick(T, { batchSize: 4 })]);
      expect(sum(a.transitions) + sum(b.transitions)).toBe(12);
      expect(a.errors + b.errors).toBe(0);
      expect(await buildCounts(ids)).toEqual(ids.map(() => 2));
      await jobsSettled(engine, ids);
    } finally {
      await Promise.all(workers.map((w) => w.stop()));
    }
  });

  it('an evaluation retried after it committed (a crash after COMMIT) reports the same build', async () => {
    let crashes = 0;
    const worker = await engine.startWorker((a) => ({
      ...a,
      async evaluate(input) {
        const result = await a.evaluate(input);
        if (crashes++ === 0) throw new Error('simulated crash after commit');
        return result;
      },
    }));
    try {
      const [id] = await due(1);
      const stats = await engine.tick(T);
      expect(crashes).toBe(2);
      expect(stats.transitions).toEqual({ 'stop/autostop': 1 });
      expect(stats.errors).toBe(0);
      expect(await builds(engine.db.pool, id!)).toHaveLength(2);
      await jobsSettled(engine, [id!]); // the hand-off happened (again, idempotently)
    } finally {
      await worker.stop();
    }
  });

  it('a hand-off that failed after COMMIT is made by the retry, which reports the build once', async () => {
    // The first attempt commits, then cannot start the build workflow (a namespace that does not
    // exist stands in for an unreachable server); the retry finds its own build and hands it off.
    const unreachable = new Client({ connection: engine.temporal.client.connection, namespace: 'no-such-namespace' });
    const cut = createEvaluateActivities({ pool: engine.db.pool, client: unreachable, taskQueue: engine.taskQueue });
    let attempts = 0;
    const worker = await engine.startWorker((a) => ({
      ...a,
      async evaluate(input) {
        return attempts++ === 0 ? cut.evaluate(input) : a.evaluate(input);
      },
    }));
    try {
      const [id] = await due(1);
      const stats = await engine.tick(T);
      expect(attempts).toBe(2);
      expect(stats.transitions).toEqual({ 'stop/autostop': 1 });
      expect(stats.errors).toBe(0);
      expect(await builds(engine.db.pool, id!)).toHaveLength(2);
      await jobsSettled(engine, [id!]);
    } finally {
      await worker.stop();
    }
  });

  // The SDK schedules a local activity again under a new activity id once a retry's backoff
  // exceeds its localRetryThreshold (10 s here: the wait before attempt 6 is 16 s). The key
  // that recognizes the evaluation's own commit must not change with it.
  it('a retry after a backoff longer than the local retry threshold still finds its own commit and reports the build once', async () => {
    const unreachable = new Client({ connection: engine.temporal.client.connection, namespace: 'no-such-namespace' });
    const cut = createEvaluateActivities({ pool: engine.db.pool, client: unreachable, taskQueue: engine.taskQueue });
    let attempts = 0;
    const worker = await engine.startWorker((a) => ({
      ...a,
      async evaluate(input) {
        attempts++;
        if (attempts === 1) return cut.evaluate(input); // commits, then the hand-off fails
        if (attempts < 6) throw new Error('the database is unreachable'); // retried: 1 + 2 + 4 + 8 s of backoff
        return a.evaluate(input); // after a 16 s timer: a new activity id
      },
    }));
    try {
      const [id] = await due(1);
      const stats = await engine.tick(T);
      expect(attempts).toBe(6);
      expect(stats.transitions).toEqual({ 'stop/autostop': 1 });
      expect(stats.errors).toBe(0);
      expect(await builds(engine.db.pool, id!)).toHaveLength(2);
      await jobsSettled(engine, [id!]);
    } finally {
      await worker.stop();
    }
  }, 120_000);

  it('a retry that finds the workspace held by someone else still answers with its own committed build', async () => {
    const [id] = await due(1);
    const unreachable = new Client({ connection: engine.temporal.client.connection, namespace: 'no-such-namespace' });
    const input = { workspaceId: id!, tick: T.toISOString(), workflowId: `workspace/${id}`, key: `test/${id}/held` };
    await expect(evaluateWorkspace({ pool: engine.db.pool, client: unreachable, taskQueue: engine.taskQueue }, input)).rejects.toThrow();
    const person = await engine.db.pool.connect();
    try {
      await person.query('BEGIN');
      await loadSnapshot(person, id!, { lock: 'wait' });
      const retry = await evaluateWorkspace({ pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue }, input);
      expect(retry).toMatchObject({ kind: 'transition', transition: 'stop', reason: 'autostop', replayed: true });
    } finally {
      await person.query('ROLLBACK');
      person.release();
    }
    expect(await builds(engine.db.pool, id!)).toHaveLength(2);
  });

  it("a person's transaction holding the workspace: the evaluation skips it (lock held) and the next one sees the person's build", async () => {
    const [id] = await due(1);
    const deps = { pool: engine.db.pool, client: engine.temporal.client, taskQueue: engine.taskQueue };
    const input = { workspaceId: id!, tick: T.toISOString(), workflowId: `workspace/${id}`, key: `test/${id}/1` };
    const person = await engine.db.pool.connect();
    try {
      await person.query('BEGIN');
      const w = await loadSnapshot(person, id!, { lock: 'wait' });
      if (w === null || w === LOCKED) throw new Error('unreachable');
      await insertNextBuild(person, w, { transition: 'stop', reason: 'initiator', initiatorId: owner, workflowId: null, createdAt: null });
      expect(await evaluateWorkspace(deps, input)).toMatchObject({ kind: 'skipped', skipped: 'lock held', decision: null });
      await person.query('COMMIT');
    } finally {
      person.release();
    }
    const after = await evaluateWorkspace(deps, { ...input, key: `test/${id}/2` });
    expect(after).toMatchObject({ kind: 'unchanged', decision: { transition: null } });
    const all = await builds(engine.db.pool, id!);
    expect(all).toHaveLength(2);
    expect(all[1]).toMatchObject({ reason: 'initiator', workflowId: null });
  });

  it('rows changed between the candidate query and the transaction: the re-check wins both ways', async () => {
    const [stays] = await due(1);
    const [becomes] = [
      await createWorkspace(engine.db.pool, {
        ownerId: owner,
        template,
        lastUsedAt: plus(T, -H),
        autostartSchedule: '0 18 * * *',
        build: { transition: 'stop', createdAt: plus(T, -24 * H) },
      }),
    ];
    const worker = await engine.startWorker((a) => ({
      ...a,
      async findCandidatePage(input) {
        const page = await a.findCandidatePage(input);
        // After the query: one workspace's deadline is extended, the other's schedule becomes due.
        await engine.db.pool.query('UPDATE workspace_builds SET deadline = $2 WHERE workspace_id = $1', [stays, plus(T, H)]);
        await engine.db.pool.query('UPDATE workspaces SET next_start_at = $2 WHERE id = $1', [becomes, T]);
        return page;
      },
    }));
    try {
      const stats = await engine.tick(T);
      expect(stats.transitions).toEqual({ 'start/autostart': 1 });
      expect(await builds(engine.db.pool, stays!)).toHaveLength(1);
      expect((await builds(engine.db.pool, becomes)).at(-1)).toMatchObject({ transition: 'start', reason: 'autostart' });
      await jobsSettled(engine, [becomes]);
    } finally {
      await worker.stop();
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}
