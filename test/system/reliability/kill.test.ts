// Issue 23, case 1: kill mid-rush. A PostgreSQL cluster and a Temporal dev
// server of this file's own, an engine run as `npm start` runs it (`node
// dist/main.js`), and a rush: K of N seeded workspaces due for autostart at
// one tick T (bench/seed.ts). At a random point of the tick (a seeded share of
// the K builds committed), SIGKILL goes to the worker, to PostgreSQL, to the
// dev server, or to all three; what was killed starts again (PostgreSQL on
// its folder, the dev server on its SQLite file, the engine as `npm start`),
// Temporal carries the same tick on, and a tick a minute later catches up on
// whatever it could not do. Then every due workspace has been started once,
// nothing else was built, and I1–I5 hold (invariants.ts).
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seed, verifySeed } from '../../../bench/seed.js';
import type { Pool } from '../../../src/db/pool.js';
import { truncateToMinute } from '../../../src/lifecycle/index.js';
import { describeTickSchedule } from '../../../src/runtime/schedule.js';
import { startManualTick } from '../../../src/runtime/tick-client.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';
import { assertInvariants } from './invariants.js';
import {
  caseDir,
  caseSeed,
  connectClient,
  type Engine,
  type OwnDevServer,
  type OwnPostgres,
  pausedTickSchedule,
  poolOf,
  seededRandom,
  startEngine,
  startOwnDevServer,
  startOwnPostgres,
  waitUntil,
} from './own-stack.js';

/** Workspaces seeded, and how many of them are due at T (every other one). */
const N = 400;
const K = 200;
/** Small pages, so that the tick continues as new a few times and a kill may fall between two runs. */
const PAGE_SIZE = 100;
const MINUTE = 60_000;

/**
 * The engine's settings for a quick recovery: builds take a moment (so some are in flight at the
 * kill), a provisioner whose worker died is retried after 2 s, and the sweep re-hands a committed
 * job whose hand-off the kill prevented after 2 s.
 */
const ENGINE_ENV = {
  AUTOBUILD_SIMULATED_DURATION: '100ms',
  AUTOBUILD_PROVISIONER_HEARTBEAT_TIMEOUT: '2s',
  AUTOBUILD_RECOVERY_GRACE: '2s',
  AUTOBUILD_RECOVERY_INTERVAL: '2s',
};

const VICTIMS = ['worker', 'postgres', 'dev server', 'all'] as const;
type Victim = (typeof VICTIMS)[number];

describe('kill mid-rush (issue 23, case 1)', () => {
  let dir: string;
  let postgres: OwnPostgres;
  let temporal: OwnDevServer;
  let temporalClient: { client: Client; close(): Promise<void> };
  let runSeed: number;
  const engines: Engine[] = [];
  const pools: Pool[] = [];

  beforeAll(async () => {
    runSeed = caseSeed('kill mid-rush');
    dir = await caseDir('kill');
    [postgres, temporal] = await Promise.all([startOwnPostgres(dir), startOwnDevServer(dir)]);
    temporalClient = await connectClient(temporal.address);
    await pausedTickSchedule(temporalClient.client, 'kill-not-started');
  }, 180_000);

  afterAll(async () => {
    for (const e of engines) await e.stop().catch(() => {});
    for (const p of pools) await p.end().catch(() => {});
    await temporalClient?.close();
    await temporal?.stop();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  async function builtAt(pool: Pool, T: Date): Promise<number> {
    const { rows } = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM workspace_builds WHERE created_at >= $1', [T]);
    return rows[0]!.n;
  }

  /**
   * The tick's statistics (its last run's), asked again while the dev server restarts; an engine
   * that exits meanwhile (its worker would never end the tick) fails the test at once.
   */
  async function tickResult(workflowId: string, engine: Engine): Promise<TickStats> {
    let stats: TickStats | undefined;
    let waiting = true;
    const died = engine.process.exited.then((code) => {
      if (waiting)
        throw new Error(`the engine exited (${code}) before the tick ${workflowId} ended:\n${engine.problems().slice(-20).join('\n')}`);
    });
    const ended = waitUntil(`the tick ${workflowId} to end`, async () => {
      stats = await temporalClient.client.workflow.getHandle<() => Promise<TickStats>>(workflowId).result();
      return true;
    });
    ended.catch(() => {}); // reported through the race; not again if the engine died first
    try {
      await Promise.race([ended, died]);
    } finally {
      waiting = false;
    }
    return stats!;
  }

  async function rushAndKill(victim: Victim, onTestFailed: (fn: () => void) => void) {
    const started = Date.now();
    const step = (what: string) => console.log(`kill mid-rush (${victim}) +${((Date.now() - started) / 1000).toFixed(1)} s: ${what}`);
    const T = truncateToMinute(new Date());
    const databaseUrl = await postgres.createDatabase('kill');
    const pool = poolOf(databaseUrl);
    pools.push(pool);
    await seed(pool, { workspaces: N, due: K, at: T, salt: `kill-${victim}-${randomBytes(4).toString('hex')}` });
    // Exactly K due at T, and nothing else due within the hour after it (bench/seed.ts).
    expect(await verifySeed(pool, T)).toEqual({
      inconsistentSummaries: 0,
      dueAtT: K,
      startingWithinHour: 0,
      nearDeadlines: 0,
      inactiveWithinHour: 0,
    });
    const { rows } = await pool.query<{ id: string; due: boolean }>(
      `SELECT id, next_start_at = $1 AND latest_transition = 'stop' AND NOT deleted AS due FROM workspaces`,
      [T],
    );
    const due = rows.filter((r) => r.due).map((r) => r.id);
    const notDue = rows.filter((r) => !r.due).map((r) => r.id);
    expect(due).toHaveLength(K);

    const taskQueue = `kill-${victim.replace(' ', '-')}-${randomBytes(4).toString('hex')}`;
    const engineOptions = { databaseUrl, temporalAddress: temporal.address, taskQueue, env: ENGINE_ENV };
    step(`seeded ${N} workspaces, ${K} due at ${T.toISOString()}; starting the engine`);
    let engine = await startEngine({ ...engineOptions, dataDir: join(dir, `${taskQueue}-1`) });
    engines.push(engine);
    onTestFailed(() => console.log(`the engine's last warnings and errors:\n${engine.problems().slice(-30).join('\n')}`));
    expect((await describeTickSchedule(temporalClient.client))?.paused).toBe(true); // only the test's ticks run

    const tick = await startManualTick(temporalClient.client, taskQueue, T, { pageSize: PAGE_SIZE });
    // Each victim draws from its own stream of the seed: one test rerun alone (-t) kills at the same point.
    const random = seededRandom(runSeed + VICTIMS.indexOf(victim));
    const killAt = 1 + Math.floor(random() * (K - 2));
    await waitUntil(`${killAt} builds committed`, async () => (await builtAt(pool, T)) >= killAt, 120_000, 10);

    const killed = victim === 'all' ? ['worker', 'postgres', 'dev server'] : [victim];
    await Promise.all([
      killed.includes('worker') ? engine.kill() : null,
      killed.includes('postgres') ? postgres.kill() : null,
      killed.includes('dev server') ? temporal.kill() : null,
    ]);
    step(`SIGKILL ${killed.join(', ')} after ${killAt} of ${K} builds committed`);

    await Promise.all([killed.includes('postgres') ? postgres.restart() : null, killed.includes('dev server') ? temporal.restart() : null]);
    if (killed.includes('worker')) {
      engine = await startEngine({ ...engineOptions, dataDir: join(dir, `${taskQueue}-2`) });
      engines.push(engine);
    }

    step('restarted; waiting for the tick');
    const ticks = [await tickResult(tick.workflowId, engine)];
    const catchUp = await startManualTick(temporalClient.client, taskQueue, new Date(T.getTime() + MINUTE), { pageSize: PAGE_SIZE });
    ticks.push(await tickResult(catchUp.workflowId, engine));

    const made = (t: TickStats) => Object.values(t.transitions).reduce((a, b) => a + b, 0);
    step(
      `the tick at T made ${made(ticks[0]!)} builds (skipped ${JSON.stringify(ticks[0]!.skipped)}), ` +
        `the catch-up ${made(ticks[1]!)}; the engine logged ${engine.problems().length} warnings or errors since its start`,
    );
    const report = await assertInvariants({
      pool,
      client: temporalClient.client,
      taskQueue,
      since: T,
      expectOnce: due.map((workspaceId) => ({ workspaceId, transition: 'start' as const, reason: 'autostart' })),
      neverEligible: notDue,
      ticks,
    });
    // What a user sees: every due workspace running, its one new build succeeded.
    const { rows: states } = await pool.query<{ state: string; n: number }>(
      `SELECT latest_transition || '/' || latest_job_status AS state, count(*)::int AS n FROM workspaces WHERE id = ANY($1) GROUP BY 1`,
      [due],
    );
    expect(states).toEqual([{ state: 'start/succeeded', n: K }]);
    expect(report.automaticBuilds - (await automaticBefore(pool, T))).toBe(K);
    expect(engine.alive(), `the engine stopped:\n${engine.problems().slice(-20).join('\n')}`).toBe(true);
    step(`invariants hold (${report.builds} builds); stopping the engine`);
    await engine.stop();
  }

  it('SIGKILL of the worker', async ({ onTestFailed }) => rushAndKill('worker', onTestFailed), 240_000);
  it('SIGKILL of PostgreSQL', async ({ onTestFailed }) => rushAndKill('postgres', onTestFailed), 240_000);
  it('SIGKILL of the dev server', async ({ onTestFailed }) => rushAndKill('dev server', onTestFailed), 240_000);
  it('SIGKILL of all of them at once', async ({ onTestFailed }) => rushAndKill('all', onTestFailed), 240_000);
});

/** Automatic builds seeded before T (the seed's own history). */
async function automaticBefore(pool: Pool, T: Date): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM workspace_builds WHERE reason <> 'initiator' AND created_at < $1`,
    [T],
  );
  return rows[0]!.n;
}
