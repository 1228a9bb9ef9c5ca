// No job stays pending for ever: a process that dies between committing a
// build and handing it off leaves a pending job without a workflow. The worker
// sweeps for jobs still active after a grace period: one without a workflow is
// handed off again; one whose workflow ended without ending it (terminated by
// an operator) is failed, so the workspace is not stuck behind it.
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { inTransaction, type Pool } from '../db/pool.js';
import { findStaleActiveJobs, lockJob, markJobCompleted } from '../db/sql/provisioner-jobs.js';
import type { Logger } from '../runtime/logger.js';
import { buildWorkflowId, startBuild } from './start-build.js';

export interface RecoveryReport {
  checked: number;
  handedOff: string[];
  failed: string[];
}

const LIMIT = 500;

export async function recoverStaleJobs(
  deps: { pool: Pool; client: Client; taskQueue: string; log: Logger },
  graceMs: number,
): Promise<RecoveryReport> {
  const { pool, client, taskQueue, log } = deps;
  const jobs = await findStaleActiveJobs(pool, graceMs, LIMIT);
  const report: RecoveryReport = { checked: jobs.length, handedOff: [], failed: [] };
  for (const job of jobs) {
    const workflowId = buildWorkflowId(job.id);
    let closed: string | null = null;
    try {
      const { status } = await client.workflow.getHandle(workflowId).describe();
      if (status.name === 'RUNNING') continue;
      closed = status.name;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    if (closed === null) {
      await startBuild(client, taskQueue, job.id, { summary: `Build job ${job.id} (recovered)` });
      log.warn('recovered a job without a build workflow', { jobId: job.id, status: job.status });
      report.handedOff.push(job.id);
      continue;
    }
    const error = `the build workflow ${workflowId} ended (${closed.toLowerCase()}) without completing the job`;
    const ended = await inTransaction(pool, async (c) => {
      const locked = await lockJob(c, job.id);
      if (locked === null || locked.completedAt !== null) return false;
      await markJobCompleted(c, job.id, { error, canceled: false });
      return true;
    });
    if (ended) {
      log.warn('failed a job whose build workflow ended', { jobId: job.id, workflowStatus: closed });
      report.failed.push(job.id);
    }
  }
  return report;
}
