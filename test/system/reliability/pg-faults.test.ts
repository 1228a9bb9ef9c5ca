// Issue 23, case 2: PostgreSQL faults without a crash of the engine. A real
// engine process (`node dist/main.js`) reaches a PostgreSQL cluster of this
// file's own through a TCP proxy; the cluster restarts mid-tick, PostgreSQL
// raises serialization failures and lock timeouts in evaluations and build
// hand-offs (a trigger the test installs), and the proxy resets every
// connection, once while an evaluation's COMMIT is in flight. The engine's
// activities retry; every due workspace is built once, and the invariants
// I1–I5 hold after each fault.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningPostgres, startEmbeddedPostgres } from '../../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { freePort } from '../../../src/runtime/ports.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';
import { builds, createTemplate, createUser, createWorkspace, H, MIN, plus, type Template } from '../../orchestration/fixtures.js';
import { addFault, type EngineProcess, type Fault, installFaultTriggers, startEngineProcess, waitFor } from './db-faults.js';
import { assertInvariants } from './invariants.js';

const T = new Date('2024-03-05T18:00:00Z');
const quiet = createLogger({ level: 'error', format: 'json' });

describe('PostgreSQL faults without a crash (issue 23, case 2)', () => {
  let dir: string;
  let clusterDir: string;
  let port: number;
  let cluster: RunningPostgres;
  let proxy: TcpProxy;
  let engine: EngineProcess;
  let template: Template;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-pg-faults-'));
    await chmod(dir, 0o755); // as root, PostgreSQL runs as "postgres" and must reach its folder
    // A free port can be taken before the cluster binds it (other files start processes too): try again on another.
    for (let n = 1; ; n++) {
      clusterDir = join(dir, `postgres-${n}`);
      port = await freePort();
      try {
        cluster = await startEmbeddedPostgres({ dir: clusterDir, port, log: quiet });
        break;
      } catch (err) {
        if (n === 3) throw err;
      }
    }
    proxy = await startTcpProxy({ port });
    engine = await startEngineProcess({
      pgAdminUrl: cluster.adminUrl,
      engineUrl: (url) => {
        const u = new URL(url);
        u.port = String(proxy.port);
        return u.toString();
      },
      env: {
        // Builds take a moment, so that faults also meet running build workflows.
        AUTOBUILD_SIMULATED_DURATION: '100ms',
        // The restart case holds evaluations in a lock wait until PostgreSQL goes down.
        AUTOBUILD_DB_LOCK_TIMEOUT: '1m',
      },
    });
    await installFaultTriggers(engine.pool);
    template = await createTemplate(engine.pool);
  }, 240_000);

  afterEach((ctx) => {
    // What the engine logged at warn and above says why a case failed.
    if (ctx.task.result?.state === 'fail')
      process.stderr.write(`engine log (warn and above):\n${engine.worker.problems().slice(-40).join('\n')}\n`);
  });

  afterAll(async () => {
    await engine?.stop();
    await proxy?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  /** n running workspaces of `owner` whose deadline passed before T. */
  async function due(owner: string, n: number, deadline = plus(T, -MIN)): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      ids.push(
        await createWorkspace(engine.pool, {
          ownerId: owner,
          template,
          lastUsedAt: plus(T, -H),
          build: { transition: 'start', createdAt: plus(T, -2 * H), deadline },
        }),
      );
    }
    return ids;
  }

  async function builtAt(ids: string[]): Promise<number> {
    const { rows } = await engine.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM workspace_builds WHERE workspace_id = ANY($1) AND created_at = $2',
      [ids, T],
    );
    return rows[0]!.n;
  }

  async function jobStatuses(ids: string[]): Promise<Record<string, number>> {
    const { rows } = await engine.pool.query<{ status: string; n: number }>(
      `SELECT job_status(j.started_at, j.completed_at, j.canceled_at, j.error) AS status, count(*)::int AS n
         FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
        WHERE b.workspace_id = ANY($1) AND b.created_at = $2 GROUP BY 1`,
      [ids, T],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async function invariants(ids: string[], ticks: TickStats[], neverEligible: string[] = []) {
    const report = await assertInvariants({
      pool: engine.pool,
      client: engine.client,
      taskQueue: engine.taskQueue,
      since: T,
      expectOnce: ids.map((workspaceId) => ({ workspaceId, transition: 'stop', reason: 'autostop' })),
      neverEligible,
      ticks,
    });
    expect(await jobStatuses(ids)).toEqual({ succeeded: ids.length });
    expect(engine.alive(), `the engine process died:\n${engine.worker.problems().join('\n')}`).toBe(true);
    return report;
  }

  it('a PostgreSQL restart mid-tick, with evaluations inside their transactions: each due workspace is built once', async () => {
    const [free, held] = [await createUser(engine.pool), await createUser(engine.pool)];
    const freeIds = await due(free, 16);
    const heldIds = await due(held, 6);
    const notDue = await due(free, 4, plus(T, H));
    // A person's transaction holds the second owner's row: the builds of that owner's workspaces
    // wait for it (their insert checks the owner), inside their evaluation's transaction.
    const holder = new pg.Client({ connectionString: engine.databaseUrl });
    holder.on('error', () => {}); // the restart ends this session too
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM users WHERE id = $1 FOR UPDATE', [held]);

    const handle = await engine.startTick(T);
    await waitFor('the first owner’s workspaces built and the second owner’s evaluations waiting', async () => {
      const { rows } = await engine.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return (await builtAt(freeIds)) === freeIds.length && rows[0]!.n > 0;
    });
    expect(await builtAt(heldIds)).toBe(0);

    // Fast shutdown (every session is terminated), then the same cluster on the same port.
    await cluster.stop();
    cluster = await startEmbeddedPostgres({ dir: clusterDir, port, log: quiet });
    await holder.end().catch(() => {});

    const stats = await handle.result();
    expect(stats.transitions).toEqual({ 'stop/autostop': freeIds.length + heldIds.length });
    expect(stats.errors).toBe(0);
    await invariants([...freeIds, ...heldIds], [stats], notDue);
  }, 180_000);

  it('serialization failures and lock timeouts raised in evaluations and build hand-offs are retried: each due workspace is built once', async () => {
    const owner = await createUser(engine.pool);
    const ids = await due(owner, 8);
    const plan: Fault[] = [
      // Within the evaluation's own immediate re-reads (three attempts).
      { workspaceId: ids[0]!, at: 'build insert', errcode: '40001', times: 1 },
      { workspaceId: ids[1]!, at: 'build insert', errcode: '40P01', times: 2 },
      // Beyond them: the activity fails and Temporal retries it.
      { workspaceId: ids[2]!, at: 'build insert', errcode: '40001', times: 4 },
      { workspaceId: ids[3]!, at: 'build insert', errcode: '55P03', times: 2 },
      // The build's hand-off: the job cannot begin, then cannot end, the first times.
      { workspaceId: ids[4]!, at: 'job update', errcode: '40001', times: 2 },
      { workspaceId: ids[5]!, at: 'job update', errcode: '55P03', times: 3 },
    ];
    const reached = await Promise.all(plan.map((f) => addFault(engine.pool, f)));

    const stats = await engine.tick(T);
    expect(stats.transitions).toEqual({ 'stop/autostop': ids.length });
    expect(stats.errors).toBe(0);
    await invariants(ids, [stats]);
    // Each fault was raised as many times as planned, and then the statement went through.
    for (const [i, f] of plan.entries()) {
      expect(await reached[i]!(), `${f.errcode} at ${f.at}`).toBeGreaterThan(f.times);
    }
    for (const id of ids) expect(await builds(engine.pool, id)).toHaveLength(2);
  }, 180_000);

  it('every connection reset while an evaluation’s COMMIT is in flight: the committed evaluation is answered from its record, not made twice', async () => {
    const owner = await createUser(engine.pool);
    const ids = await due(owner, 10);
    const stalled = ids[0]!;
    // That evaluation's COMMIT is held open for a few seconds (a deferred trigger), long enough to cut it.
    const commits = await addFault(engine.pool, { workspaceId: stalled, at: 'commit', times: 1, sleepSeconds: 3 });

    const handle = await engine.startTick(T, { batchSize: 4 });
    const inCommit = async () => {
      const { rows } = await engine.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event = 'PgSleep' AND query = 'COMMIT'`,
      );
      return rows[0]!.n;
    };
    await waitFor('the evaluation in its COMMIT', async () => (await inCommit()) === 1);
    proxy.refuse(true);
    expect(proxy.resetAll()).toBeGreaterThan(0);
    // The server finishes the COMMIT it was given; the engine only saw its connection reset.
    await waitFor('the held COMMIT to end', async () => (await inCommit()) === 0);
    const refused = proxy.refused();
    await waitFor('the engine to try again (refused)', async () => proxy.refused() > refused);
    proxy.refuse(false);

    const stats = await handle.result();
    expect(stats.transitions).toEqual({ 'stop/autostop': ids.length });
    expect(stats.samples.transitions['stop/autostop']).toContain(stalled);
    expect(stats.errors).toBe(0);
    // Its retry committed nothing: the first COMMIT had taken effect, and the retry found its record.
    expect(await commits()).toBe(1);
    await invariants(ids, [stats]);
  }, 180_000);

  it('every connection reset mid-tick and new ones refused for a while: each due workspace is built once', async () => {
    const owner = await createUser(engine.pool);
    const ids = await due(owner, 30);
    const handle = await engine.startTick(T, { batchSize: 5 });
    await waitFor('the first builds', async () => (await builtAt(ids)) > 0, 60_000, 10);
    proxy.refuse(true);
    const reset = proxy.resetAll();
    const refused = proxy.refused();
    await waitFor('three connections refused', async () => proxy.refused() >= refused + 3);
    proxy.refuse(false);

    const stats = await handle.result();
    expect(reset).toBeGreaterThan(0);
    expect(stats.transitions).toEqual({ 'stop/autostop': ids.length });
    expect(stats.errors).toBe(0);
    await invariants(ids, [stats]);
    // And the engine goes on: the next minute finds nothing left to do.
    const next = await engine.tick(plus(T, MIN));
    expect(next.transitions).toEqual({});
    expect(next.errors).toBe(0);
  }, 180_000);
});
