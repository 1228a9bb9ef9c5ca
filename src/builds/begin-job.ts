// First step of a build: the job becomes running, unless it already ended
// (canceled while pending, or a finished run replayed).
import { inTransaction, type Pool } from '../db/pool.js';
import { lockJob, markJobStarted } from '../db/sql/provisioner-jobs.js';
import type { JobStatus } from '../lifecycle/index.js';

export type BeginResult =
  | { run: true; workspaceId: string }
  | { run: false; status: JobStatus | 'missing' };

export async function beginJob(pool: Pool, jobId: string): Promise<BeginResult> {
  return inTransaction(pool, async (client) => {
    const job = await lockJob(client, jobId);
    if (job === null) return { run: false, status: 'missing' };
    // Canceling: the person's cancel came before the provisioner ran; the workflow ends the job as canceled.
    if (job.status !== 'pending' && job.status !== 'running') return { run: false, status: job.status };
    await markJobStarted(client, jobId);
    return { run: true, workspaceId: job.workspaceId };
  });
}
