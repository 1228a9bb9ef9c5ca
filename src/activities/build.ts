// The build workflow's activities: begin, provision, complete. Each re-checks
// the job inside its transaction, so running one twice changes nothing more.
import { activityInfo, cancellationSignal, heartbeat } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import { beginJob } from '../builds/begin-job.js';
import { completeJob, type CompleteResult, type JobOutcome } from '../builds/complete-job.js';
import { runJob } from '../builds/run-job.js';
import { appendJobLog } from '../db/sql/append-job-log.js';
import type { Provisioner } from '../builds/provisioner.js';
import type { Pool } from '../db/pool.js';
import type { JobStatus } from '../lifecycle/index.js';
import type { ProvisioningConfig } from '../runtime/config.js';
import type { Logger } from '../runtime/logger.js';

/** Attempts of a provisioner run before the job fails (the build workflow's retry policy says the same). */
export const PROVISION_ATTEMPTS = 10;

export interface BuildActivityDeps {
  pool: Pool;
  log: Logger;
  provisioner: Provisioner;
  provisioning: Pick<ProvisioningConfig, 'timeoutMs' | 'heartbeatTimeoutMs'>;
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
      /** The provisioner is quick (Provisioner.quick): run it as a local activity. */
      local?: boolean;
      /**
       * A quick provisioner already ran within this activity and the job is
       * complete: the whole build was one local activity (one marker, one
       * activation, instead of three). Absent in runs recorded before.
       */
      completed?: CompleteResult;
    }
  | { run: false; status: JobStatus | 'missing' };

export function createBuildActivities(deps: BuildActivityDeps) {
  const { pool, log, provisioner, provisioning } = deps;
  return {
    async beginBuildJob(jobId: string): Promise<BeginBuildJobResult> {
      const begun = await beginJob(pool, jobId);
      if (!begun.run) return begun;
      const { job } = begun;
      const started = {
        run: true as const,
        workspaceId: job.workspace.id,
        summary: `${job.transition} of ${job.owner.username}/${job.workspace.name} (build #${job.buildNumber}, ${job.reason})`,
        transition: job.transition,
        reason: job.reason,
        timeoutMs: provisioning.timeoutMs,
        heartbeatTimeoutMs: provisioning.heartbeatTimeoutMs,
      };
      if (!provisioner.quick) return started;
      // A quick provisioner runs here, and the job completes here: each step re-checks the job under
      // its lock, so the re-run of a lost workflow task (or a retry) changes nothing more.
      const info = activityInfo();
      const cancellation = cancellationSignal();
      let outcome: JobOutcome;
      let finalLog = '';
      try {
        outcome = await runJob(
          { pool, provisioner, log, heartbeatIntervalMs: Math.min(provisioning.heartbeatTimeoutMs / 3, 2000) },
          jobId,
          { attempt: info.attempt, heartbeat: () => undefined, cancellation, takeFinalLog: (text) => (finalLog = text) },
          job,
        );
      } catch (err) {
        // As for runBuildProvisioner's retry policy: retried, then the job fails.
        if (info.attempt < PROVISION_ATTEMPTS) {
          await writeLog(jobId, finalLog);
          throw err;
        }
        outcome = { kind: 'failed', error: `provisioning could not run: ${(err as Error).message}` };
      }
      if (cancellation.aborted) {
        await writeLog(jobId, finalLog);
        throw new CancelledFailure('build canceled');
      }
      const completed = await completeJob(pool, jobId, outcome, finalLog);
      logCompleted(jobId, completed, outcome);
      return { ...started, local: true, completed };
    },

    async runBuildProvisioner(jobId: string): Promise<JobOutcome> {
      const cancellation = cancellationSignal();
      const info = activityInfo();
      const outcome = await runJob(
        { pool, provisioner, log, heartbeatIntervalMs: Math.min(provisioning.heartbeatTimeoutMs / 3, 2000) },
        jobId,
        // A local activity (a quick provisioner) has no heartbeat; the database cancel check still runs.
        { attempt: info.attempt, heartbeat: () => (info.isLocal ? undefined : heartbeat()), cancellation },
      );
      // Report a Temporal cancel as one, so the workflow sees the activity canceled.
      if (cancellation.aborted) throw new CancelledFailure('build canceled');
      return outcome;
    },

    async completeBuildJob(jobId: string, outcome: JobOutcome): Promise<CompleteResult> {
      const result = await completeJob(pool, jobId, outcome);
      logCompleted(jobId, result, outcome);
      return result;
    },
  };

  /** The output of a run that does not complete the job here still goes to its log. */
  async function writeLog(jobId: string, text: string): Promise<void> {
    await appendJobLog(pool, jobId, text).catch((err) => log.warn('could not write the job log', { jobId, error: err as Error }));
  }

  function logCompleted(jobId: string, result: CompleteResult, outcome: JobOutcome): void {
    log.info('build job completed', { jobId, status: result.status, ...(outcome.kind === 'failed' ? { error: outcome.error } : {}) });
  }
}
