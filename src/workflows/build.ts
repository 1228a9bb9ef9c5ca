// One build job, run durably to completion (SPEC §8): begin (the job becomes
// running), provision (heartbeating; retried on another worker if this one
// dies), complete (one transaction: deadlines, autostart cache, deleted flag,
// failure notification). Started only through startBuild, as `build/<jobId>`.
// With a quick provisioner (the simulated one at ≤ 1 s) begin runs it and
// completes the job itself: the whole build is one local activity.
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
import { deliverNotificationsAfterCommit } from './notifications.js';
import { REASON, TRANSITION, WORKSPACE_ID } from './search-attributes.js';

export const BUILD_WORKFLOW_PREFIX = 'build/';

// Begin and complete are one short transaction each: local activities, like the
// evaluation's (docs/provisioning.md). Each re-checks the job under its lock, so
// the re-run a lost workflow task causes changes nothing more. The provisioner
// stays a regular activity: it is long, heartbeats and must survive worker loss.
const { beginBuildJob, completeBuildJob } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  localRetryThreshold: '10 seconds',
  // These must eventually happen: a job must not stay running for ever.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

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
      // The engine's hand-off sets them at start; each upsert is one more event and visibility write.
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
      if (begun.completed) {
        // A quick provisioner ran within begin and the job is complete: the whole build was one local activity.
        const done = begun.completed;
        setCurrentDetails(`Job ${done.status}`);
        if (done.notified) await CancellationScope.nonCancellable(() => deliverNotificationsAfterCommit());
        return { jobId, status: done.status };
      }
      setCurrentDetails(`Provisioning: ${begun.summary}`);
      // maximumAttempts: PROVISION_ATTEMPTS in src/activities/build.ts.
      const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 };
      // Runs recorded before begin ran quick provisioners itself: a quick provisioner as a local
      // activity in this workflow task. Any other one is a regular activity that heartbeats and
      // moves to another worker when this one dies.
      const { runBuildProvisioner } = begun.local
        ? proxyLocalActivities<Activities>({
            startToCloseTimeout: begun.timeoutMs + 60_000,
            localRetryThreshold: '10 seconds',
            cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            retry,
          })
        : proxyActivities<Activities>({
            startToCloseTimeout: begun.timeoutMs + 60_000,
            heartbeatTimeout: begun.heartbeatTimeoutMs,
            cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
            retry,
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
  if (done.notified) await CancellationScope.nonCancellable(() => deliverNotificationsAfterCommit());
  return { jobId, status: done.status };
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: { message?: string } }).cause;
  return cause?.message ?? (err as Error).message ?? String(err);
}
