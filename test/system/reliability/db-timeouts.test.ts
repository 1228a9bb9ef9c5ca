// Issue 23, case 7: database timeouts and a provisioner that is down. A real
// engine process (`node dist/main.js`) with short database limits
// (AUTOBUILD_DB_STATEMENT_TIMEOUT=1s, AUTOBUILD_DB_LOCK_TIMEOUT=200ms) and the
// command provisioner, whose backend the test takes down (it fails at once)
// or makes unresponsive (it does not answer). Every tick is run at an explicit
// minute. A statement or lock wait past its limit fails that attempt of the
// evaluation cleanly (rolled back, retried, no stuck workflow); a failed
// autodelete waits 24 hours; builds made while the provisioner is down fail or
// wait, and once it is back each due transition has exactly one build more.
//
// Every test leaves its workspaces where no rule can fire again (stopped
// without a schedule, started without a deadline, or deleted): each tick
// evaluates the whole database, at minutes that other tests' ticks do not
// expect.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { builds, createTemplate, createUser, createWorkspace, D, H, MIN, plus, type Template } from '../../orchestration/fixtures.js';
import { addFault, type EngineProcess, installFaultTriggers, startEngineProcess, waitFor } from './db-faults.js';
import { assertInvariants, type InvariantInput } from './invariants.js';

const T = new Date('2024-03-05T18:00:00Z');
const floorMinute = (d: Date) => new Date(Math.floor(d.getTime() / MIN) * MIN);

describe('database timeouts and a provisioner that is down (issue 23, case 7)', () => {
  let dir: string;
  let engine: EngineProcess;
  let template: Template;
  const down = () => join(dir, 'down');
  const hang = () => join(dir, 'hang');

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-db-timeouts-'));
    // The provisioner's backend: refused while `down` exists, silent while `hang` exists.
    await writeFile(
      join(dir, 'provisioner.sh'),
      [
        '#!/bin/sh',
        `while [ -e '${hang()}' ]; do sleep 0.1; done`,
        `if [ -e '${down()}' ]; then echo 'provisioner backend unreachable: connection refused' >&2; exit 1; fi`,
        'echo "$AUTOBUILD_TRANSITION of $AUTOBUILD_WORKSPACE_NAME done"',
        '',
      ].join('\n'),
    );
    engine = await startEngineProcess({
      pgAdminUrl: inject('pgAdminUrl'),
      env: {
        AUTOBUILD_DB_STATEMENT_TIMEOUT: '1s',
        AUTOBUILD_DB_LOCK_TIMEOUT: '200ms',
        AUTOBUILD_PROVISIONER: 'command',
        AUTOBUILD_PROVISIONER_COMMAND: `sh '${join(dir, 'provisioner.sh')}'`,
      },
    });
    await installFaultTriggers(engine.pool);
    template = await createTemplate(engine.pool);
  }, 240_000);

  afterEach(async (ctx) => {
    await rm(down(), { force: true });
    await rm(hang(), { force: true });
    // What the engine logged at warn and above says why a case failed.
    if (ctx.task.result?.state === 'fail')
      process.stderr.write(`engine log (warn and above):\n${engine.worker.problems().slice(-40).join('\n')}\n`);
  });

  afterAll(async () => {
    await engine?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  /** A running workspace of `owner` whose deadline passed a minute before `at`. */
  const dueForAutostop = (owner: string, at: Date, tpl = template) =>
    createWorkspace(engine.pool, {
      ownerId: owner,
      template: tpl,
      lastUsedAt: plus(at, -H),
      build: { transition: 'start', createdAt: plus(at, -2 * H), deadline: plus(at, -MIN) },
    });

  /** The database's clock, to the minute: completion times come from it, and the ticks are set from them. */
  async function databaseMinute(): Promise<Date> {
    const { rows } = await engine.pool.query<{ t: Date }>(`SELECT date_trunc('minute', now()) AS t`);
    return rows[0]!.t;
  }

  async function settled(ids: string[]): Promise<void> {
    await waitFor(`the jobs of ${ids.length} workspaces to end`, async () => {
      const { rows } = await engine.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
          WHERE b.workspace_id = ANY($1) AND j.completed_at IS NULL`,
        [ids],
      );
      return rows[0]!.n === 0;
    });
  }

  /** Each build of the workspace as `#n transition/reason status`. */
  async function history(id: string): Promise<string[]> {
    const { rows } = await engine.pool.query<{ line: string }>(
      `SELECT '#' || b.build_number || ' ' || b.transition || '/' || b.reason || ' '
              || job_status(j.started_at, j.completed_at, j.canceled_at, j.error) AS line
         FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id WHERE b.workspace_id = $1 ORDER BY b.build_number`,
      [id],
    );
    return rows.map((r) => r.line);
  }

  async function notifications(id: string): Promise<Record<string, number>> {
    const { rows } = await engine.pool.query<{ kind: string; n: number }>(
      'SELECT kind, count(*)::int AS n FROM notifications WHERE workspace_id = $1 GROUP BY kind',
      [id],
    );
    return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
  }

  /** The failures of the `evaluate` activity of a workspace's evaluation that the engine logged (warn), by message. */
  function loggedEvaluateFailures(workspaceId: string): string[] {
    return engine
      .log()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; activityType?: string; workflowId?: string; error?: { message?: string } })
      .filter((e) => e.level === 'warn' && e.activityType === 'evaluate' && e.workflowId === `workspace/${workspaceId}`)
      .map((e) => e.error?.message ?? '');
  }

  const invariants = (input: Omit<InvariantInput, 'pool' | 'client' | 'taskQueue'>) =>
    assertInvariants({ pool: engine.pool, client: engine.client, taskQueue: engine.taskQueue, ...input });

  it('a statement running past the statement timeout is canceled and rolled back; the retry builds once', async () => {
    const id = await dueForAutostop(await createUser(engine.pool), T);
    // The build's insert takes 5 s the first time: far past the 1 s statement timeout.
    const reached = await addFault(engine.pool, { workspaceId: id, at: 'build insert', times: 1, sleepSeconds: 5 });

    const stats = await engine.tick(T);
    expect(stats.transitions).toEqual({ 'stop/autostop': 1 });
    expect(stats.errors).toBe(0);
    // Two attempts reached the insert: the first was canceled, the second went through.
    expect(await reached()).toBe(2);
    expect(loggedEvaluateFailures(id)).toEqual(['canceling statement due to statement timeout']);
    await settled([id]);
    expect(await history(id)).toEqual(['#1 start/initiator succeeded', '#2 stop/autostop succeeded']);
    await invariants({ since: T, expectOnce: [{ workspaceId: id, transition: 'stop', reason: 'autostop' }], ticks: [stats] });
  }, 180_000);

  it('a lock wait past the lock timeout gives up and is retried; a tick meanwhile skips the workspace as already running; one build once the lock is free', async () => {
    const owner = await createUser(engine.pool);
    const id = await dueForAutostop(owner, T);
    const reached = await addFault(engine.pool, { workspaceId: id, at: 'build insert', times: 0 }); // counts attempts only
    // A person's transaction holds the owner's row: the build's insert must check the owner, and waits.
    const holder = new pg.Client({ connectionString: engine.databaseUrl });
    await holder.connect();
    const ticks: TickStats[] = [];
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [owner]);
      const first = await engine.startTick(T);
      // Each attempt gives up its wait after the lock timeout, rolls back and is tried again.
      await waitFor('three attempts to reach the insert', async () => (await reached()) >= 3);
      expect(await builds(engine.pool, id)).toHaveLength(1);
      const meanwhile = await engine.tick(plus(T, MIN));
      expect(meanwhile.skipped).toEqual({ 'already running': 1 });
      expect(meanwhile.transitions).toEqual({});
      ticks.push(meanwhile);
      await holder.query('ROLLBACK');
      const stats = await first.result();
      expect(stats.transitions).toEqual({ 'stop/autostop': 1 });
      expect(stats.errors).toBe(0);
      ticks.push(stats);
    } finally {
      await holder.end();
    }
    const after = await engine.tick(plus(T, 2 * MIN));
    expect(after.transitions).toEqual({});
    ticks.push(after);
    await settled([id]);
    expect(await history(id)).toEqual(['#1 start/initiator succeeded', '#2 stop/autostop succeeded']);
    const failures = loggedEvaluateFailures(id);
    expect(failures.length).toBeGreaterThanOrEqual(2);
    expect(new Set(failures)).toEqual(new Set(['canceling statement due to lock timeout']));
    await invariants({ since: T, expectOnce: [{ workspaceId: id, transition: 'stop', reason: 'autostop' }], ticks });
  }, 180_000);

  it('a failed autodelete is not tried again within 24 hours of its failure, even with the provisioner back; then once', async () => {
    const tpl = await createTemplate(engine.pool, { timeTilDormantAutodeleteMs: D });
    const T0 = await databaseMinute();
    const id = await createWorkspace(engine.pool, {
      ownerId: await createUser(engine.pool),
      template: tpl,
      lastUsedAt: plus(T0, -30 * D),
      dormantAt: plus(T0, -2 * D),
      deletingAt: plus(T0, -D),
      build: { transition: 'stop', createdAt: plus(T0, -3 * D) },
    });
    await writeFile(down(), '');
    const ticks = [await engine.tick(T0)];
    expect(ticks[0]!.transitions).toEqual({ 'delete/autodelete': 1 });
    await settled([id]);
    expect(await history(id)).toEqual(['#1 stop/initiator succeeded', '#2 delete/autodelete failed']);
    const { rows } = await engine.pool.query<{ completed_at: Date }>(
      `SELECT j.completed_at FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
        WHERE b.workspace_id = $1 AND b.build_number = 2`,
      [id],
    );
    const failedAt = rows[0]!.completed_at;
    await rm(down()); // the provisioner is back

    // Within 24 hours of the failure (the last of these is at most exactly 24 h after it): nothing.
    for (const at of [plus(floorMinute(failedAt), MIN), floorMinute(plus(failedAt, H)), floorMinute(plus(failedAt, D))]) {
      const stats = await engine.tick(at);
      expect(stats.transitions, `tick at ${at.toISOString()}`).toEqual({});
      expect(stats.errors).toBe(0);
      ticks.push(stats);
    }
    expect(await history(id)).toHaveLength(2);
    // The first minute more than 24 hours after it: one delete, which succeeds this time.
    const retryAt = plus(floorMinute(plus(failedAt, D)), MIN);
    const retry = await engine.tick(retryAt);
    expect(retry.transitions).toEqual({ 'delete/autodelete': 1 });
    ticks.push(retry);
    await settled([id]);
    ticks.push(await engine.tick(plus(retryAt, MIN)));
    expect(ticks.at(-1)!.transitions).toEqual({});
    expect(await history(id)).toEqual(['#1 stop/initiator succeeded', '#2 delete/autodelete failed', '#3 delete/autodelete succeeded']);
    expect((await engine.pool.query('SELECT deleted FROM workspaces WHERE id = $1', [id])).rows[0].deleted).toBe(true);
    // The owner heard of each delete, and of the failure, once.
    expect(await notifications(id)).toEqual({ workspace_autodeleted: 2, autobuild_failed: 1 });
    await invariants({ since: T0, ticks });
  }, 180_000);

  it('a provisioner that is down fails the due builds, nothing piles up while it is down, and once back failed cleanup and autostart build once each', async () => {
    const tpl = await createTemplate(engine.pool, { failureTtlMs: 10 * MIN });
    const owner = await createUser(engine.pool);
    const T0 = await databaseMinute();
    const stopping = await dueForAutostop(owner, T0, tpl);
    // Autostart every day at T0 − 5 min (UTC), due now.
    const startAt = plus(T0, -5 * MIN);
    const starting = await createWorkspace(engine.pool, {
      ownerId: owner,
      template: tpl,
      autostartSchedule: `CRON_TZ=UTC ${startAt.getUTCMinutes()} ${startAt.getUTCHours()} * * *`,
      nextStartAt: startAt,
      lastUsedAt: plus(T0, -D),
      build: { transition: 'stop', createdAt: plus(T0, -D - H) },
    });
    const ids = [stopping, starting];
    await writeFile(down(), '');
    const ticks = [await engine.tick(T0)];
    expect(ticks[0]!.transitions).toEqual({ 'stop/autostop': 1, 'start/autostart': 1 });
    await settled(ids);
    expect(await history(stopping)).toEqual(['#1 start/initiator succeeded', '#2 stop/autostop failed']);
    expect(await history(starting)).toEqual(['#1 stop/initiator succeeded', '#2 start/autostart failed']);
    const { rows } = await engine.pool.query<{ t: Date }>(
      `SELECT max(j.completed_at) AS t FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id WHERE b.workspace_id = ANY($1)`,
      [ids],
    );
    const failedAt = rows[0]!.t;

    // While it is down, and within the failure TTL: no build more, and nothing is an error.
    for (const at of [plus(T0, MIN), plus(floorMinute(failedAt), 5 * MIN)]) {
      const stats = await engine.tick(at);
      expect(stats.transitions, `tick at ${at.toISOString()}`).toEqual({});
      expect(stats.errors).toBe(0);
      ticks.push(stats);
    }
    await rm(down()); // back
    // Past the failure TTL: the failed stop is made again, the failed start is cleaned up with a stop.
    const cleanup = await engine.tick(plus(floorMinute(plus(failedAt, 10 * MIN)), MIN));
    expect(cleanup.transitions).toEqual({ 'stop/autostop': 2 });
    ticks.push(cleanup);
    await settled(ids);
    // The workspace whose autostart failed starts at its next occurrence, once.
    const next = (await engine.pool.query<{ t: Date }>('SELECT next_start_at AS t FROM workspaces WHERE id = $1', [starting])).rows[0]!.t;
    expect(next).toEqual(plus(startAt, D));
    const autostart = await engine.tick(next);
    expect(autostart.transitions).toEqual({ 'start/autostart': 1 });
    ticks.push(autostart);
    await settled(ids);
    ticks.push(await engine.tick(plus(next, MIN)));
    expect(ticks.at(-1)!.transitions).toEqual({});

    expect(await history(stopping)).toEqual(['#1 start/initiator succeeded', '#2 stop/autostop failed', '#3 stop/autostop succeeded']);
    expect(await history(starting)).toEqual([
      '#1 stop/initiator succeeded',
      '#2 start/autostart failed',
      '#3 stop/autostop succeeded',
      '#4 start/autostart succeeded',
    ]);
    for (const id of ids) expect(await notifications(id)).toEqual({ autobuild_failed: 1 });
    await invariants({ since: T0, ticks });
  }, 180_000);

  it('a provisioner that does not answer keeps its jobs running; ticks meanwhile build nothing more (a due delete is refused and counted); once back, one build per due transition', async () => {
    const tpl = await createTemplate(engine.pool, { timeTilDormantAutodeleteMs: D });
    const owner = await createUser(engine.pool);
    const stopping = await dueForAutostop(owner, T, tpl);
    // Dormant and still running, past its deletion date: deleted directly.
    const deleting = await createWorkspace(engine.pool, {
      ownerId: owner,
      template: tpl,
      lastUsedAt: plus(T, -30 * D),
      dormantAt: plus(T, -2 * D),
      deletingAt: plus(T, -H),
      build: { transition: 'start', createdAt: plus(T, -3 * D) },
    });
    const ids = [stopping, deleting];
    await writeFile(hang(), '');
    const ticks = [await engine.tick(T)];
    expect(ticks[0]!.transitions).toEqual({ 'stop/autostop': 1, 'delete/autodelete': 1 });
    await waitFor('both jobs running', async () => {
      const { rows } = await engine.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
          WHERE b.workspace_id = ANY($1) AND b.build_number = 2 AND j.started_at IS NOT NULL AND j.completed_at IS NULL`,
        [ids],
      );
      return rows[0]!.n === 2;
    });
    // The stopped workspace has nothing due; the delete is still due and refused while its build runs.
    for (const at of [plus(T, MIN), plus(T, 2 * MIN)]) {
      const stats = await engine.tick(at);
      expect(stats.transitions, `tick at ${at.toISOString()}`).toEqual({});
      expect(stats.samples.errors).toEqual([
        { workspaceId: deleting, message: expect.stringMatching(/a build is already active .*\(job running\)/) },
      ]);
      ticks.push(stats);
    }
    await rm(hang()); // back
    await settled(ids);
    ticks.push(await engine.tick(plus(T, 3 * MIN)));
    expect(ticks.at(-1)!.transitions).toEqual({});
    expect(ticks.at(-1)!.errors).toBe(0);
    expect(await history(stopping)).toEqual(['#1 start/initiator succeeded', '#2 stop/autostop succeeded']);
    expect(await history(deleting)).toEqual(['#1 start/initiator succeeded', '#2 delete/autodelete succeeded']);
    await invariants({
      since: T,
      expectOnce: [
        { workspaceId: stopping, transition: 'stop', reason: 'autostop' },
        { workspaceId: deleting, transition: 'delete', reason: 'autodelete' },
      ],
      ticks,
      expectedErrors: 2,
    });
  }, 180_000);
});
