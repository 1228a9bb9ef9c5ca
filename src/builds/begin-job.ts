// First step of a build: the job becomes running, unless it already ended
// (canceled while pending, or a finished run replayed) or is canceling.
import type { Pool } from '../db/pool.js';
import { findJob, type ProvisionJobRow, startJobToRun } from '../db/sql/provisioner-jobs.js';
import type { JobStatus } from '../lifecycle/index.js';

export type BeginResult = { run: true; workspaceId: string; job: ProvisionJobRow } | { run: false; status: JobStatus | 'missing' };

/**
 * One statement when the job runs (the common case): the update and the read
 * of what the build is happen together (src/db/sql/provisioner-jobs.ts). A job
 * that did not start is read again, fresh, for its status: a cancel that
 * committed meanwhile is seen (canceling: the workflow ends the job as canceled).
 */
export async function beginJob(pool: Pool, jobId: string): Promise<BeginResult> {
  const job = await startJobToRun(pool, jobId);
  if (job !== null) return { run: true, workspaceId: job.workspace.id, job };
  const found = await findJob(pool, jobId);
  if (found === null) return { run: false, status: 'missing' };
  // Still pending or running: the statement's snapshot missed a row it joins. Retried (the activity's policy).
  if (found.status === 'pending' || found.status === 'running') throw new Error(`job ${jobId} is ${found.status} but could not begin`);
  return { run: false, status: found.status };
}
