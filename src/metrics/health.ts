// The worker's readiness (docs/operations.md#metrics-and-health): what /readyz
// answers and `autobuild status` shows. Ready means the database answers,
// Temporal answers, and this process's own Worker runs — not merely that some
// worker polls the task queue, which another process could be doing.
import type { NativeConnection, State, Worker } from '@temporalio/worker';
import type { Pool } from '../db/pool.js';
import { withTimeout } from '../runtime/timeout.js';

export interface Check {
  ok: boolean;
  /** Why not, in one line. */
  error?: string;
}

export interface Readiness {
  status: 'ready' | 'unready';
  checks: {
    database: Check;
    temporal: Check;
    /** The Worker's state as the SDK names it (`RUNNING`, `DRAINING`, …), or `NOT_CREATED` while the process starts. */
    worker: Check & { state: State | 'NOT_CREATED' };
  };
}

export interface ReadinessProbe {
  pool: Pool;
  connection: NativeConnection;
  /** The process's Worker once it is made. */
  worker(): Worker | undefined;
}

/** Within a container's health check timeout (5 s in the Dockerfile and the compose file), with room to spare. */
const CHECK_TIMEOUT_MS = 3000;

export async function checkReadiness(probe: ReadinessProbe): Promise<Readiness> {
  const [database, temporal] = await Promise.all([
    check(() => withTimeout(probe.pool.query('SELECT 1'), CHECK_TIMEOUT_MS, `no answer within ${CHECK_TIMEOUT_MS} ms`)),
    check(() => probe.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => probe.connection.workflowService.getSystemInfo({}))),
  ]);
  const state: State | 'NOT_CREATED' = probe.worker()?.getState() ?? 'NOT_CREATED';
  const worker = { ok: state === 'RUNNING', state, ...(state === 'RUNNING' ? {} : { error: `the worker is ${state}, not RUNNING` }) };
  const ready = database.ok && temporal.ok && worker.ok;
  return { status: ready ? 'ready' : 'unready', checks: { database, temporal, worker } };
}

async function check(answer: () => Promise<unknown>): Promise<Check> {
  try {
    await answer();
    return { ok: true };
  } catch (err) {
    const message = (err as Error)?.message || String((err as { code?: unknown })?.code ?? err);
    return { ok: false, error: message.split('\n')[0]!.slice(0, 300) };
  }
}
