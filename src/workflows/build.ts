// One build job, run durably to completion (docs/provisioning.md): begin (the
// job becomes running), provision (heartbeating; retried on another worker if
// this one dies), complete (one transaction: deadlines, autostart cache,
// deleted flag, failure notification). Started only through startBuild, as
// `build/<jobId>`.
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { JobOutcome } from '../builds/complete-job.js';
import { REASON, TRANSITION, WORKSPACE_ID } from './search-attributes.js';

export const BUILD_WORKFLOW_PREFIX = 'build/';

// Begin and complete are one short transaction each: local activities, like
// the evaluation's. Each re-checks the job under its lock, so the re-run a
// lost workflow task causes changes nothing more.
const { beginBuildJob, completeBuildJob } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  // These must eventually happen: a job must not stay running for ever.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Runs of a provisioner before the job fails (its own failures are results, not these). */
const PROVISION_ATTEMPTS = 10;

export interface BuildJobResult {
  jobId: string;
  status: string;
}

export async function buildJob(jobId: string): Promise<BuildJobResult> {
  let outcome: JobOutcome;
  try {
    const begun = await beginBuildJob(jobId);
    if (!begun.run) {
      // Canceled before it ran (canceling = a cancel found the job already marked running): end it as canceled.
      if (begun.status !== 'canceling') return { jobId, status: begun.status };
      outcome = { kind: 'canceled' };
    } else {
      // The engine's and the operations module's hand-offs set them at start; each upsert is one more event.
      const attrs = workflowInfo().typedSearchAttributes;
      if (
        attrs.get(WORKSPACE_ID) !== begun.workspaceId ||
        attrs.get(TRANSITION) !== begun.transition ||
        attrs.get(REASON) !== begun.reason
      ) {
        upsertSearchAttributes([
          { key: WORKSPACE_ID, value: begun.workspaceId },
          { key: TRANSITION, value: begun.transition },
          { key: REASON, value: begun.reason },
        ]);
      }
      setCurrentDetails(`Provisioning: ${begun.summary}`);
      // A regular activity: it heartbeats, and moves to another worker when this one dies.
      const { runBuildProvisioner } = proxyActivities<Activities>({
        startToCloseTimeout: begun.timeoutMs + 60_000,
        heartbeatTimeout: begun.heartbeatTimeoutMs,
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: PROVISION_ATTEMPTS },
      });
      try {
        outcome = await runBuildProvisioner(jobId);
      } catch (err) {
        if (isCancellation(err)) throw err;
        outcome = { kind: 'failed', error: `provisioning could not run: ${messageOf(err)}` };
      }
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    outcome = { kind: 'canceled' };
  }
  const done = await CancellationScope.nonCancellable(() => completeBuildJob(jobId, outcome));
  setCurrentDetails(`Job ${done.status}`);
  return { jobId, status: done.status };
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message ?? String(err);
}
