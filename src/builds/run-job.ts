// Runs the configured provisioner for one job: output goes to the job's log,
// a heartbeat proves the worker is alive, and a cancel — from Temporal (the
// build workflow was canceled) or from the database (canceled_at set) — stops
// the provisioner.
import type { Pool } from '../db/pool.js';
import { appendJobLog, JOB_LOG_LIMIT } from '../db/sql/append-job-log.js';
import { isJobCancelRequested, loadJobToRun } from '../db/sql/provisioner-jobs.js';
import type { Logger } from '../runtime/logger.js';
import type { JobOutcome } from './complete-job.js';
import type { Provisioner } from './provisioner.js';

export interface RunJobDeps {
  pool: Pool;
  provisioner: Provisioner;
  log: Logger;
  /** How often to heartbeat, flush the log and look for a cancel in the database. */
  heartbeatIntervalMs: number;
}

export interface RunJobContext {
  attempt: number;
  heartbeat(): void;
  /** Aborted when Temporal cancels the activity. */
  cancellation: AbortSignal;
}

export async function runJob(deps: RunJobDeps, jobId: string, ctx: RunJobContext): Promise<JobOutcome> {
  const { pool, provisioner, log } = deps;
  // The job and its cancel check in one read.
  const loaded = await loadJobToRun(pool, jobId);
  if (loaded === null) return { kind: 'failed', error: `job ${jobId} has no build` };
  if (loaded.stopRequested) return { kind: 'canceled' };
  const { job } = loaded;

  const stop = new AbortController();
  const onCancel = () => stop.abort();
  ctx.cancellation.addEventListener('abort', onCancel, { once: true });
  let pending = ctx.attempt > 1 ? `\n[autobuild] attempt ${ctx.attempt}: the previous run of this job was interrupted\n` : '';
  const flush = async () => {
    const text = pending;
    pending = '';
    try {
      await appendJobLog(pool, jobId, text);
    } catch (err) {
      pending = (text + pending).slice(-JOB_LOG_LIMIT); // kept for the next flush
      throw err;
    }
  };
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      ctx.heartbeat();
      await flush();
      if (await isJobCancelRequested(pool, jobId)) stop.abort();
    } catch (err) {
      log.warn('build job housekeeping failed', { jobId, error: err as Error });
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), deps.heartbeatIntervalMs);
  log.info('provisioning', {
    jobId,
    provisioner: provisioner.name,
    transition: job.transition,
    workspace: job.workspace.name,
    attempt: ctx.attempt,
  });
  try {
    const result = await provisioner.provision(
      { ...job, attempt: ctx.attempt },
      {
        signal: stop.signal,
        output: (text) => {
          pending = (pending + text).slice(-JOB_LOG_LIMIT);
        },
      },
    );
    if (stop.signal.aborted) return { kind: 'canceled' };
    return result.ok ? { kind: 'succeeded' } : { kind: 'failed', error: result.error };
  } finally {
    clearInterval(timer);
    ctx.cancellation.removeEventListener('abort', onCancel);
    await flush().catch((err) => log.warn('could not write the job log', { jobId, error: err as Error }));
  }
}
