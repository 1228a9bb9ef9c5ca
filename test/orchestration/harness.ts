// A running engine for orchestration tests: a fresh database, the run's dev
// server, a worker on a queue of its own with the simulated provisioner at a
// short duration. `activities` lets a test wrap an activity to inject a fault.
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { type Activities, createActivities } from '../../src/activities/index.js';
import { metricsSinks } from '../../src/metrics/sinks.js';
import { loadProvisioningConfig } from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import { NO_TRACING } from '../../src/runtime/tracing.js';
import type { TickStats } from '../../src/workflows/tick-stats.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { connectTestTemporal, type TestTemporal, workflowBundle } from '../helpers/temporal.js';

export const quietLog = createLogger({ level: 'error', format: 'json' });

export interface Engine {
  db: TestDatabase;
  temporal: TestTemporal;
  taskQueue: string;
  startWorker(wrap?: (a: Activities) => Activities): Promise<RunningWorker>;
  tick(at: Date, opts?: { pageSize?: number; batchSize?: number }): Promise<TickStats>;
  close(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function startEngine(): Promise<Engine> {
  const [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  const taskQueue = temporal.taskQueue;
  const workers: RunningWorker[] = [];
  const engine: Engine = {
    db,
    temporal,
    taskQueue,
    async startWorker(wrap = (a) => a) {
      // A connection per worker: the SDK allows one worker per queue and connection (like separate
      // processes). Its activities' client shares it, as in src/main.ts, so builds start eagerly.
      const connection = await NativeConnection.connect({ address: temporal.address });
      const activities = wrap(
        createActivities({
          pool: db.pool,
          log: quietLog,
          client: new Client({ connection, namespace: 'default' }),
          eagerStart: true,
          taskQueue,
          provisioning: { ...loadProvisioningConfig({}), simulatedDurationMs: 20 },
        }),
      );
      const worker = await Worker.create({
        connection,
        namespace: 'default',
        taskQueue,
        activities,
        workflowBundle: await workflowBundle(),
        sinks: { ...NO_TRACING.sinks, ...metricsSinks(null) },
      });
      const running = worker.run();
      let stopped: Promise<void> | undefined;
      const handle: RunningWorker = {
        worker,
        stop: () =>
          (stopped ??= (async () => {
            if (worker.getState() === 'RUNNING') worker.shutdown();
            await running;
            await connection.close();
          })()),
      };
      workers.push(handle);
      return handle;
    },
    async tick(at, opts = {}) {
      const handle = await startManualTick(temporal.client, taskQueue, at, opts);
      return handle.result();
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await temporal.close();
      await db.drop();
    },
  };
  return engine;
}

/** Waits until every job of the workspace has completed (the simulated provisioner is quick). */
export async function jobsSettled(engine: Engine, workspaceIds: string[], timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await engine.db.pool.query(
      `SELECT count(*)::int AS n FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
        WHERE b.workspace_id = ANY($1) AND j.completed_at IS NULL`,
      [workspaceIds],
    );
    if (rows[0].n === 0) return;
    if (Date.now() > deadline) throw new Error(`${rows[0].n} job(s) still not completed after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
