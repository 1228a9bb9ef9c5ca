// What every scenario gets: the stack, the profile, the progress line and the
// benchmark's databases (created in the stack's cluster, dropped at the end).
import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '../../src/db/pool.js';
import type { BenchProfile } from '../profile.js';
import type { Progress } from './progress.js';
import type { Stack, WorkerProcess } from './stack.js';

export interface BenchDatabase {
  name: string;
  url: string;
  /** A small pool for the harness's own reads (not the engine's). */
  pool: Pool;
}

export interface BenchContext {
  stack: Stack;
  profile: BenchProfile;
  progress: Progress;
  /** Engine worker processes the rush runs on one task queue (`--workers`). */
  workers: number;
  /** Unique per run: prefixes database names, task queues and workflow ids. */
  runId: string;
  /** A migrated database of this run, created on first use. */
  database(purpose: string, poolSize?: number): Promise<BenchDatabase>;
  /** The worker of the bench-only workflows (floor, naive): one per run, started on first use. */
  benchWorker(): Promise<{ worker: WorkerProcess; taskQueue: string }>;
  /** Seeding times, by database purpose. */
  seeds: Record<string, { workspaces: number; due: number; seconds: number }>;
  close(): Promise<void>;
}

export function createContext(stack: Stack, profile: BenchProfile, progress: Progress, workers = 1): BenchContext {
  const runId = randomBytes(3).toString('hex');
  const dbs = new Map<string, BenchDatabase>();
  let shapes: Promise<{ worker: WorkerProcess; taskQueue: string }> | undefined;
  return {
    stack,
    profile,
    progress,
    workers,
    runId,
    seeds: {},
    async database(purpose, poolSize = 4) {
      let db = dbs.get(purpose);
      if (!db) {
        const name = `bench_${runId}_${purpose}`;
        const url = await stack.pg.createDatabase(name);
        db = { name, url, pool: createPool(url, poolSize) };
        dbs.set(purpose, db);
      }
      return db;
    },
    benchWorker() {
      const taskQueue = `bench-shapes-${runId}`;
      shapes ??= stack.startBenchWorker({ taskQueue }).then((worker) => ({ worker, taskQueue }));
      return shapes;
    },
    async close() {
      if (shapes) await (await shapes.catch(() => null))?.worker.stop();
      for (const db of dbs.values()) {
        await db.pool.end().catch(() => {});
        await stack.pg.dropDatabase(db.name).catch(() => {});
      }
      dbs.clear();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const seconds = (fromMs: number, toMs = Date.now()) => (toMs - fromMs) / 1000;
