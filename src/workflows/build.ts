// One build job, run durably to completion (SPEC §8): begin (the job becomes
// running), provision (heartbeating; retried on another worker if this one
// dies), complete (one transaction: deadlines, autostart cache, deleted flag,
// failure notification). Started only through startBuild, as `build/<jobId>`.
import {
  ActivityCancellationType,
  CancellationScope,
  isCancellation,
  proxyActivities,
  setCurrentDetails,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.js';
import type { JobOutcome } from '../builds/complete-job.js';
import { deliverNotificationsAfterCommit } from './notifications.js';
import { REASON, TRANSITION, WORKSPACE_ID } from './search-attributes.js';

export const BUILD_WORKFLOW_PREFIX = 'build/';

const { beginBuildJob, completeBuildJob } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
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
      upsertSearchAttributes([
        { key: WORKSPACE_ID, value: begun.workspaceId },
        { key: TRANSITION, value: begun.transition },
        { key: REASON, value: begun.reason },
      ]);
      setCurrentDetails(`Provisioning: ${begun.summary}`);
      const { runBuildProvisioner } = proxyActivities<Activities>({
        startToCloseTimeout: begun.timeoutMs + 60_000,
        heartbeatTimeout: begun.heartbeatTimeoutMs,
        cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
        retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 },
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
