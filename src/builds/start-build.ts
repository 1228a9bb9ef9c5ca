// The hand-off (one path for every build): after the transaction that
// inserted a build and its pending job commits, start the durable build
// workflow `build/<jobId>`. Idempotent: a second call is a no-op whether the
// first run is still going or has finished.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { buildJob } from '../workflows/build.js';

export const buildWorkflowId = (jobId: string) => `build/${jobId}`;

export async function startBuild(client: Client, taskQueue: string, jobId: string, opts: { summary?: string } = {}): Promise<void> {
  try {
    await client.workflow.start<typeof buildJob>('buildJob', {
      workflowId: buildWorkflowId(jobId),
      taskQueue,
      args: [jobId],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: opts.summary ?? `Build job ${jobId}`,
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return; // it ran already
    throw err;
  }
}
