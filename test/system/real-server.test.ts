// The production topology, for real: the Temporal server built from its Go
// module (scripts/temporal-server.mjs, kept in ~/.cache/autobuild between
// runs; the first build takes about 4 minutes) on the operating system's
// PostgreSQL 15, and the engine as `node dist/main.js`, pointed at them
// through TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE and an external DATABASE_URL
// in the same cluster. On it: the README walkthrough, and a rush of 1,000
// due workspaces served by three worker processes on one task queue.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RealTemporal, startRealTemporal } from '../../bench/lib/real-temporal.js';
import { type SystemPostgres, startSystemPostgres } from '../../bench/lib/system-postgres.js';
import { rushOutcome } from '../../bench/scenarios/rush.js';
import { seed } from '../../bench/seed.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { truncateToMinute } from '../../src/lifecycle/index.js';
import { stopChild } from '../../src/runtime/ports.js';
import { TICK_SCHEDULE_ID } from '../../src/runtime/schedule.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import { TEST_TZ } from '../cli/harness.js';
import { cleanEnv, type Spawned, spawnMain } from '../helpers/processes.js';
import { runWalkthrough } from '../helpers/walkthrough.js';

const TASK_QUEUE = 'autobuild';
const NAMESPACE = 'default';

const log = (line: string) => process.stderr.write(`real server: ${line}\n`);

describe('the real Temporal server on PostgreSQL 15', () => {
  let dir: string;
  let postgres: SystemPostgres | undefined;
  let temporal: RealTemporal | undefined;
  let client: Client;
  let engineRole: { user: string; password: string };
  /** Every engine process started, so that afterAll ends whatever a failure left running. */
  const mains: Array<{ name: string; process: Spawned }> = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-real-server-'));
    await chmod(dir, 0o755); // as root, PostgreSQL runs as the postgres user and must reach its folder
    try {
      postgres = await startSystemPostgres({ dir: join(dir, 'postgres') });
      // One cluster holds Temporal's databases (temporal, temporal_visibility) and the engine's.
      temporal = await startRealTemporal({ dir, postgres, namespace: NAMESPACE, log });
    } catch (err) {
      if (postgres) process.stderr.write(`--- PostgreSQL log\n${postgres.logTail(40)}\n`);
      throw err;
    }
    engineRole = await postgres.createRole('autobuild');
    client = new Client({ connection: await Connection.connect({ address: temporal.address }), namespace: NAMESPACE });
  }, 15 * 60_000); // a first build of the server is about 4 minutes on 2 cores

  afterAll(async () => {
    await Promise.all(mains.map((m) => stopChild(m.process.child, 20_000)));
    await client?.connection.close();
    await temporal?.stop();
    await postgres?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  }, 120_000);

  /** The engine as `npm start` runs it, on the real server and the external database. */
  function startMain(name: string, databaseUrl: string): Spawned {
    const main = spawnMain(cleanEnv({ ...engineEnv(databaseUrl, join(dir, name)), AUTOBUILD_SIMULATED_DURATION: '100ms' }));
    mains.push({ name, process: main });
    return main;
  }

  function engineEnv(databaseUrl: string, dataDir: string): Record<string, string> {
    return {
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporal!.address,
      TEMPORAL_NAMESPACE: NAMESPACE,
      AUTOBUILD_TASK_QUEUE: TASK_QUEUE,
      AUTOBUILD_DATA_DIR: dataDir,
    };
  }

  /** On failure: what the server, its PostgreSQL and every engine process said last. */
  function printLogs(): void {
    const parts = [temporal?.logTails(60) ?? ''];
    for (const m of mains) parts.push(`--- ${m.name}, last 30 lines\n${m.process.output().trimEnd().split('\n').slice(-30).join('\n')}`);
    console.error(parts.join('\n'));
  }

  it('runs the README walkthrough: a build, a stop, and the autostart made by a tick', async ({ onTestFailed }) => {
    onTestFailed(printLogs);
    const databaseUrl = await postgres!.createDatabase('autobuild_walkthrough', engineRole);
    const main = startMain('walkthrough', databaseUrl);
    await main.waitFor(/autobuild is running/, 120_000);

    // The worker created the per-minute Schedule on the server, for its task queue.
    const schedule = await client.schedule.getHandle(TICK_SCHEDULE_ID).describe();
    expect(schedule.action).toMatchObject({ type: 'startWorkflow', workflowType: 'tick', taskQueue: TASK_QUEUE });

    await runWalkthrough({ ...engineEnv(databaseUrl, join(dir, 'walkthrough')), TZ: TEST_TZ });

    // The visibility store on PostgreSQL answers queries by the engine's search attributes
    // (docs/orchestration.md): the workspace's runs, and the build its autostart made.
    const pool = createPool(databaseUrl, 1);
    try {
      const { rows } = await pool.query<{ id: string; job_id: string }>(
        `SELECT w.id, b.job_id FROM workspaces w JOIN workspace_builds b ON b.workspace_id = w.id
          WHERE w.name = 'dev' AND b.reason = 'autostart'`,
      );
      const { id: workspaceId, job_id: jobId } = rows[0]!;
      const list = async (query: string) => {
        const ids: string[] = [];
        for await (const run of client.workflow.list({ query })) ids.push(run.workflowId);
        return ids.sort();
      };
      const every = { timeout: 30_000, interval: 1000 };
      await expect
        .poll(() => list(`WorkspaceId = "${workspaceId}" AND WorkflowType = "evaluateWorkspace"`), every)
        .toEqual([`workspace/${workspaceId}`]);
      await expect
        .poll(
          () =>
            list(
              `WorkflowType = "buildJob" AND WorkspaceId = "${workspaceId}" AND Reason = "autostart" AND TickTime > "2000-01-01T00:00:00Z"`,
            ),
          every,
        )
        .toEqual([`build/${jobId}`]);
    } finally {
      await pool.end();
    }

    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    expect(main.output()).toMatch(/worker stopped/);
  }, 240_000);

  it(
    'a rush of 1,000 due workspaces on three worker processes: each built once, none missed, every build finished',
    async ({ onTestFailed }) => {
      onTestFailed(printLogs);
      const K = 1_000;
      const databaseUrl = await postgres!.createDatabase('autobuild_rush', engineRole);
      const pool = createPool(databaseUrl, 2);
      try {
        await migrate(pool);
        // 1,000 of 2,500 workspaces due for autostart at T; the others have nothing due in the hour after it.
        const T = truncateToMinute(new Date());
        await seed(pool, { workspaces: 2_500, due: K, at: T });
        const { rows } = await pool.query<{ id: string }>(
          `SELECT id FROM workspaces WHERE next_start_at = $1 AND latest_transition = 'stop'`,
          [T],
        );
        const due = rows.map((r) => r.id);
        expect(due).toHaveLength(K);

        const workers = [1, 2, 3].map((n) => startMain(`rush-worker-${n}`, databaseUrl));
        await Promise.all(workers.map((w) => w.waitFor(/autobuild is running/, 120_000)));
        const started = Date.now();
        const since = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

        // A tick of T now; the Schedule's own ticks of the following minutes meet it, as in production.
        const tick = await startManualTick(client, TASK_QUEUE, T);
        const deadline = Date.now() + 8 * 60_000;
        let reported = Date.now();
        for (;;) {
          const { rows: progress } = await pool.query<{ completed: number }>(
            `SELECT count(*)::int AS completed FROM workspaces
            WHERE id = ANY($1::uuid[]) AND latest_transition = 'start' AND latest_job_completed_at IS NOT NULL`,
            [due],
          );
          if (progress[0]!.completed === K) break;
          if (Date.now() - reported >= 15_000) {
            reported = Date.now();
            log(`rush: ${progress[0]!.completed} of ${K} started and built after ${since()}`);
          }
          if (Date.now() > deadline)
            throw new Error(`after 8 minutes ${progress[0]!.completed} of ${K} due workspaces have a finished start`);
          await new Promise((r) => setTimeout(r, 2000));
        }
        log(`rush: all ${K} built after ${since()}`);
        const stats = await tick.result();
        expect(stats.errors).toBe(0);
        log(`rush: the tick of T ended after ${since()}: ${JSON.stringify(stats.transitions)}, skipped ${JSON.stringify(stats.skipped)}`);
        // Scheduled ticks still running may yet evaluate a due workspace again: let them end before counting.
        await expect
          .poll(async () => (await client.schedule.getHandle(TICK_SCHEDULE_ID).describe()).info.runningActions.length, {
            timeout: 120_000,
            interval: 1000,
          })
          .toBe(0);

        log(`rush: no scheduled tick running after ${since()}`);
        const outcome = await rushOutcome(pool, due, T);
        expect(outcome).toMatchObject({ committed: K, completed: K, failed: 0, duplicates: 0, missing: 0, unexpected: 0, unfinished: 0 });
        // The three processes shared the work: each ran builds.
        for (const w of workers) expect(w.output().match(/build job completed/g)?.length ?? 0).toBeGreaterThan(0);

        for (const w of workers) w.child.kill('SIGINT');
        expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0, 0]);
      } finally {
        await pool.end();
      }
    },
    12 * 60_000,
  );
});
