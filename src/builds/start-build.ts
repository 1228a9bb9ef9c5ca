// The hand-off (one path for every build): after the transaction that
// inserted a build and its pending job commits, start the durable build
// workflow `build/<jobId>`. Idempotent: a second call is a no-op whether the
// first run is still going or has finished.
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { buildJob } from '../workflows/build.js';
import { REASON, TICK_TIME, TRANSITION, WORKSPACE_ID } from '../workflows/search-attributes.js';

export const buildWorkflowId = (jobId: string) => `build/${jobId}`;

export interface StartBuildOptions {
  summary?: string;
  /**
   * What the caller knows of the build: set as the run's search attributes at
   * start, so the workflow need not upsert them (one event and one visibility
   * write fewer per build). Without it the workflow sets them itself.
   */
  build?: { workspaceId: string; transition: string; reason: string; tick?: string };
  /**
   * Ask the server to hand the run's first workflow task back in the start
   * response (eager workflow start), to this process's worker on `taskQueue`:
   * no task-queue dispatch and poll for it. Only for a client over the
   * worker's own NativeConnection (the SDK refuses it otherwise); the server
   * falls back to a normal start when it or the worker cannot take it.
   */
  eager?: boolean;
}

export async function startBuild(client: Client, taskQueue: string, jobId: string, opts: StartBuildOptions = {}): Promise<void> {
  const b = opts.build;
  try {
    await client.workflow.start<typeof buildJob>('buildJob', {
      workflowId: buildWorkflowId(jobId),
      taskQueue,
      args: [jobId],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      staticSummary: opts.summary ?? `Build job ${jobId}`,
      ...(opts.eager && { requestEagerStart: true }),
      ...(b && {
        typedSearchAttributes: [
          { key: WORKSPACE_ID, value: b.workspaceId },
          { key: TRANSITION, value: b.transition },
          { key: REASON, value: b.reason },
          // The engine's builds carry the minute that decided them: `TickTime` finds a tick's builds.
          ...(b.tick !== undefined ? [{ key: TICK_TIME, value: new Date(b.tick) }] : []),
        ],
      }),
    });
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return; // it ran already
    throw err;
  }
}
