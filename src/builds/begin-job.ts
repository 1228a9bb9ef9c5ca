// First step of a build: the job becomes running, unless it already ended
// (canceled while pending, or a finished run replayed).
import { inTransaction, type Pool } from '../db/pool.js';
import { loadProvisionJob, lockJob, markJobStarted, type ProvisionJobRow } from '../db/sql/provisioner-jobs.js';
import type { JobStatus } from '../lifecycle/index.js';

export type BeginResult =
  | { run: true; workspaceId: string; job: ProvisionJobRow }
  | { run: false; status: JobStatus | 'missing' };

export async function beginJob(pool: Pool, jobId: string): Promise<BeginResult> {
  return inTransaction(pool, async (client) => {
    const job = await lockJob(client, jobId);
    if (job === null) return { run: false, status: 'missing' };
    // Canceling: the person's cancel came before the provisioner ran; the workflow ends the job as canceled.
    if (job.status !== 'pending' && job.status !== 'running') return { run: false, status: job.status };
    await markJobStarted(client, jobId);
    // What the build is, for the workflow's summary and search attributes: read on the same connection.
    const row = await loadProvisionJob(client, jobId);
    if (row === null) return { run: false, status: 'missing' };
    return { run: true, workspaceId: job.workspaceId, job: row };
  });
}
