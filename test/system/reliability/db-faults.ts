// What the database-fault cases (pg-faults, db-timeouts) share:
//
// - an engine run as users run it: `node dist/main.js` (bench/lib/stack.ts), against a database
//   of its own and a Temporal namespace of its own on the suite's dev server, its per-minute
//   Schedule paused so that only the test's ticks, at explicit minutes, run;
// - faults that PostgreSQL itself raises, installed by the test in the engine's database: a
//   trigger that, for the workspaces a test names, raises an SQLSTATE (40001, 55P03, …) or
//   sleeps, the first N times a statement reaches it. The counter is a sequence, which a
//   rollback does not undo, so "the first N times" holds across the engine's retries. Nothing
//   in the engine knows about it.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { inject } from 'vitest';
import { type Stack, startStack, type WorkerProcess } from '../../../bench/lib/stack.js';
import { createPool, type Pool } from '../../../src/db/pool.js';
import { isProcessAlive } from '../../../src/runtime/ports.js';
import { TICK_SCHEDULE_ID } from '../../../src/runtime/schedule.js';
import { startManualTick } from '../../../src/runtime/tick-client.js';
import type { TickInput, tick } from '../../../src/workflows/tick.js';
import type { TickStats } from '../../../src/workflows/tick-stats.js';

export interface EngineProcess {
  /** A client of the engine's namespace. */
  client: Client;
  taskQueue: string;
  /** The engine's database, reached directly (never through a proxy the test put in the engine's way). */
  pool: Pool;
  databaseUrl: string;
  worker: WorkerProcess;
  startTick(at: Date, opts?: Pick<TickInput, 'batchSize' | 'pageSize'>): Promise<WorkflowHandle<typeof tick>>;
  tick(at: Date, opts?: Pick<TickInput, 'batchSize' | 'pageSize'>): Promise<TickStats>;
  /** The engine's process is still running. */
  alive(): boolean;
  /** The engine's log so far (JSON lines, info and above). */
  log(): string;
  stop(): Promise<void>;
}

export interface EngineProcessOptions {
  /** The PostgreSQL cluster the engine's database is made in. */
  pgAdminUrl: string;
  /** The URL the engine is given, from its database's direct URL (a proxy's port instead of the cluster's). */
  engineUrl?: (directUrl: string) => string;
  /** The engine's environment, on top of bench/lib/stack.ts's (simulated provisioner, no delay). */
  env?: Record<string, string>;
}

export async function startEngineProcess(o: EngineProcessOptions): Promise<EngineProcess> {
  const stack: Stack = await startStack({
    external: { pgAdminUrl: o.pgAdminUrl, temporalAddress: inject('temporalAddress'), temporalCliPath: inject('temporalCliPath') },
  });
  let pool: Pool | undefined;
  try {
    const dbName = `reliability_${randomBytes(5).toString('hex')}`;
    const databaseUrl = await stack.pg.createDatabase(dbName);
    pool = createPool(databaseUrl, 4);
    const taskQueue = `reliability-${randomUUID()}`;
    const worker = await stack.startEngineWorker({ databaseUrl: o.engineUrl?.(databaseUrl) ?? databaseUrl, taskQueue, env: o.env });
    // Only the test's ticks: the Schedule the service created would start one at every real minute.
    await stack.client.schedule.getHandle(TICK_SCHEDULE_ID).pause('reliability test: explicit ticks only');
    await waitFor('no scheduled tick running', async () => {
      const running = stack.client.workflow.list({ query: `WorkflowType = 'tick' AND ExecutionStatus = 'Running'` });
      for await (const _ of running) return false;
      return true;
    });
    const db = pool;
    const startTick = (at: Date, opts: Pick<TickInput, 'batchSize' | 'pageSize'> = {}) =>
      startManualTick(stack.client, taskQueue, at, opts);
    return {
      client: stack.client,
      taskQueue,
      pool: db,
      databaseUrl,
      worker,
      startTick,
      tick: async (at, opts) => (await startTick(at, opts)).result(),
      alive: () => isProcessAlive(worker.pid),
      log: () => readFileSync(join(stack.dir, 'engine-worker-1.log'), 'utf8'),
      async stop() {
        await stack.stop();
        await db.end();
        await stack.pg.dropDatabase(dbName).catch(() => {});
      },
    };
  } catch (err) {
    await stack.stop();
    await pool?.end();
    throw err;
  }
}

/** Polls `check` until it holds; fails after `timeoutMs` naming what it waited for. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Where in the engine's work a fault hits. */
export type FaultPoint =
  /** The evaluation's (or a person's) insert of a build row, inside its transaction. */
  | 'build insert'
  /** A build job's hand-off updates: the job begins (started_at) or ends (completed_at). */
  | 'job update'
  /** The COMMIT of an evaluation that wrote something (a deferred trigger on its `evaluations` row). */
  | 'commit';

export interface Fault {
  workspaceId: string;
  at: FaultPoint;
  /** How many times, from the first, the fault hits; 0 only counts the statements that reach it. */
  times: number;
  /** The SQLSTATE raised, e.g. '40001' (serialization failure), '55P03' (lock not available); none = no error. */
  errcode?: string;
  /** Seconds the statement sleeps first (past a statement timeout, or to hold a COMMIT open). */
  sleepSeconds?: number;
}

/** Installs the fault trigger in a database (once); faults are then added per workspace. */
export async function installFaultTriggers(pool: Pool): Promise<void> {
  await pool.query(`
    CREATE TABLE test_faults (
      workspace_id uuid NOT NULL, at text NOT NULL, times int NOT NULL,
      errcode text, sleep_s float8 NOT NULL DEFAULT 0, seq regclass NOT NULL);
    CREATE FUNCTION test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      ws uuid;
      f record;
    BEGIN
      IF TG_TABLE_NAME = 'provisioner_jobs' THEN
        SELECT b.workspace_id INTO ws FROM workspace_builds b WHERE b.job_id = NEW.id;
      ELSE
        ws := NEW.workspace_id;
      END IF;
      FOR f IN SELECT * FROM test_faults WHERE workspace_id = ws AND at = TG_ARGV[0] LOOP
        IF nextval(f.seq) <= f.times THEN
          IF f.sleep_s > 0 THEN PERFORM pg_sleep(f.sleep_s); END IF;
          IF f.errcode IS NOT NULL THEN
            RAISE EXCEPTION 'fault injected by the test at %', TG_ARGV[0] USING ERRCODE = f.errcode;
          END IF;
        END IF;
      END LOOP;
      RETURN NEW;
    END $$;
    CREATE TRIGGER test_fault_build_insert BEFORE INSERT ON workspace_builds
      FOR EACH ROW EXECUTE FUNCTION test_fault('build insert');
    CREATE TRIGGER test_fault_job_update BEFORE UPDATE ON provisioner_jobs
      FOR EACH ROW WHEN (OLD.started_at IS DISTINCT FROM NEW.started_at OR OLD.completed_at IS DISTINCT FROM NEW.completed_at)
      EXECUTE FUNCTION test_fault('job update');
    CREATE CONSTRAINT TRIGGER test_fault_commit AFTER INSERT ON evaluations
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_fault('commit');
  `);
}

/** Adds a fault; returns a function that reads how many statements have reached it so far. */
export async function addFault(pool: Pool, f: Fault): Promise<() => Promise<number>> {
  const seq = `test_fault_${randomBytes(6).toString('hex')}`;
  await pool.query(`CREATE SEQUENCE ${seq}`);
  await pool.query('INSERT INTO test_faults (workspace_id, at, times, errcode, sleep_s, seq) VALUES ($1, $2, $3, $4, $5, $6)', [
    f.workspaceId,
    f.at,
    f.times,
    f.errcode ?? null,
    f.sleepSeconds ?? 0,
    seq,
  ]);
  return async () => {
    const { rows } = await pool.query<{ n: string }>(`SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS n FROM ${seq}`);
    return Number(rows[0]!.n);
  };
}
