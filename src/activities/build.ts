// The build workflow's activities: begin, provision, complete. Each re-checks
// the job inside its transaction, so running one twice changes nothing more.
import { activityInfo, CancelledFailure, cancellationSignal, heartbeat } from '@temporalio/activity';
import { beginJob } from '../builds/begin-job.js';
import { type CompleteResult, completeJob, type JobOutcome } from '../builds/complete-job.js';
import type { Provisioner } from '../builds/provisioner.js';
import { runJob } from '../builds/run-job.js';
import type { Pool } from '../db/pool.js';
import type { JobStatus } from '../lifecycle/index.js';
import type { Metrics } from '../metrics/metrics.js';
import type { ProvisioningConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';

export interface BuildActivityDeps {
  pool: Pool;
  log: Logger;
  provisioner: Provisioner;
  provisioning: Pick<ProvisioningConfig, 'timeoutMs' | 'heartbeatTimeoutMs'>;
  /** The quiet hours of owners who have none, for the max deadline at completion (Config.defaultQuietHoursSchedule). */
  defaultQuietHoursSchedule?: string;
  metrics?: Metrics;
}

export type BeginBuildJobResult =
  | {
      run: true;
      workspaceId: string;
      /** e.g. `start of alice/dev (build #3, initiator)`, for the Temporal UI. */
      summary: string;
      transition: string;
      reason: string;
      /** The worker's provisioning settings, so the workflow's activity timeouts follow configuration. */
      timeoutMs: number;
      heartbeatTimeoutMs: number;
    }
  | { run: false; status: JobStatus | 'missing' };

export function createBuildActivities(deps: BuildActivityDeps) {
  const { pool, log, provisioner, provisioning, defaultQuietHoursSchedule, metrics } = deps;
  return {
    async beginBuildJob(jobId: string): Promise<BeginBuildJobResult> {
      const begun = await beginJob(pool, jobId);
      if (!begun.run) return begun;
      const { job } = begun;
      return {
        run: true,
        workspaceId: job.workspace.id,
        summary: `${job.transition} of ${job.owner.username}/${job.workspace.name} (build #${job.buildNumber}, ${job.reason})`,
        transition: job.transition,
        reason: job.reason,
        timeoutMs: provisioning.timeoutMs,
        heartbeatTimeoutMs: provisioning.heartbeatTimeoutMs,
      };
    },

    async runBuildProvisioner(jobId: string): Promise<JobOutcome> {
      const cancellation = cancellationSignal();
      const outcome = await runJob(
        { pool, provisioner, log, heartbeatIntervalMs: Math.min(provisioning.heartbeatTimeoutMs / 3, 2000) },
        jobId,
        { attempt: activityInfo().attempt, heartbeat: () => heartbeat(), cancellation },
      );
      // Report a Temporal cancel as one, so the workflow sees the activity canceled.
      if (cancellation.aborted) throw new CancelledFailure('build canceled');
      return outcome;
    },

    async completeBuildJob(jobId: string, outcome: JobOutcome): Promise<CompleteResult> {
      const { status, ended } = await completeJob(pool, jobId, outcome, { defaultQuietHoursSchedule });
      if (ended !== null) metrics?.buildEnded(ended);
      log.info('build job completed', { jobId, status, ...(outcome.kind === 'failed' ? { error: outcome.error } : {}) });
      return { status };
    },
  };
}
