// The last step of a build, in one transaction (docs/rules.md#on-build-completion, docs/rules.md#applying-a-decision-the-build-transaction): the job ends,
// and on success the build gets its deadlines computed at the completion time
// (the database clock), the autostart cache is recomputed, and a delete marks
// the workspace deleted. A failed autobuild writes its notification to the
// outbox in the same transaction. Safe to run twice: an ended job is left alone.

import { LOCKED, type LoadedWorkspace, loadSnapshot } from '../db/load-snapshot.js';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.js';
import { markWorkspaceDeleted, setStartedBuild } from '../db/sql/complete-build.js';
import { lockJob, markJobCompleted } from '../db/sql/provisioner-jobs.js';
import { updateAutostartCache } from '../db/sql/update-autostart-cache.js';
import { autostartCache, computeAutostop, type JobStatus, type Transition } from '../lifecycle/index.js';
import { insertNotification } from '../notifications/outbox.js';

export type JobOutcome = { kind: 'succeeded' } | { kind: 'failed'; error: string } | { kind: 'canceled' };

export interface CompleteResult {
  status: JobStatus | 'missing';
}

/** The job a completeJob call ended (for the worker's metrics); null when it had ended already. */
export interface EndedJob {
  transition: Transition;
  status: Extract<JobStatus, 'succeeded' | 'failed' | 'canceled'>;
  /** Null when the job never started (canceled before it ran). */
  startedAt: Date | null;
  completedAt: Date;
}

export interface CompleteOptions {
  /** The quiet hours of owners who have none (AUTOBUILD_DEFAULT_QUIET_HOURS); default DEFAULT_QUIET_HOURS_SCHEDULE. */
  defaultQuietHoursSchedule?: string;
}

export async function completeJob(
  pool: Pool,
  jobId: string,
  outcome: JobOutcome,
  opts: CompleteOptions = {},
): Promise<CompleteResult & { ended: EndedJob | null }> {
  return inTransaction(pool, async (client) => {
    const job = await lockJob(client, jobId);
    if (job === null) return { status: 'missing', ended: null };
    if (job.completedAt !== null) return { status: job.status, ended: null };
    const loaded = await loadSnapshot(client, job.workspaceId);
    if (loaded === null || loaded === LOCKED) throw new Error(`workspace ${job.workspaceId} of job ${jobId} is gone`);
    const isLatest = loaded.latestBuild.jobId === jobId;

    // A cancel recorded in the database wins over a provisioner that finished anyway.
    const effective: JobOutcome = job.canceledAt !== null ? { kind: 'canceled' } : outcome;
    const end =
      effective.kind === 'succeeded'
        ? { error: null, canceled: false }
        : effective.kind === 'canceled'
          ? { error: null, canceled: true }
          : { error: effective.error || 'build failed', canceled: false };
    // Under the job's lock completed_at is still NULL, so this writes; completed_at is the database's clock, autobuild_now().
    const ended = await markJobCompleted(client, jobId, end);
    if (ended === null) return { status: job.status, ended: null };
    if (effective.kind === 'succeeded') {
      if (isLatest) await applySuccess(client, loaded, ended.completedAt, opts);
    } else if (effective.kind === 'failed' && isLatest) {
      await notifyAutobuildFailed(client, loaded, effective.error);
    }
    const status = ended.status as EndedJob['status']; // completed_at is set: an ended status
    return { status, ended: { transition: job.transition, status, startedAt: ended.startedAt, completedAt: ended.completedAt } };
  });
}

async function applySuccess(client: PoolClient, loaded: LoadedWorkspace, completedAt: Date, opts: CompleteOptions): Promise<void> {
  const { snapshot } = loaded;
  const workspaceId = snapshot.workspace.id;
  const transition = snapshot.latestBuild.transition;
  if (transition === 'delete') {
    // The autodelete notification is written by the engine with the delete build (src/engine/effects.ts).
    await markWorkspaceDeleted(client, workspaceId);
    return;
  }
  // With the pause, the skip and the holidays (docs/rules.md#holiday-calendars): the snapshot's.
  const cache = autostartCache(snapshot.workspace, snapshot.template, completedAt, snapshot.holidays);
  if (transition === 'start') {
    const { deadline, maxDeadline } = computeAutostop({
      completedAt,
      workspace: snapshot.workspace,
      template: snapshot.template,
      quietHoursSchedule: loaded.quietHoursSchedule,
      defaultQuietHoursSchedule: opts.defaultQuietHoursSchedule,
    });
    // The deadlines and the autostart cache in one statement (one round trip).
    await setStartedBuild(client, { buildId: loaded.latestBuild.id, deadline, maxDeadline, workspaceId, cache });
    return;
  }
  await updateAutostartCache(client, workspaceId, cache);
}

/** docs/rules.md#applying-a-decision-the-build-transaction: only builds the system made notify; a person sees their own build fail. */
async function notifyAutobuildFailed(client: PoolClient, loaded: LoadedWorkspace, error: string): Promise<void> {
  if (loaded.latestBuild.reason === 'initiator') return;
  await insertNotification(client, {
    kind: 'autobuild_failed',
    workspaceId: loaded.snapshot.workspace.id,
    userId: loaded.ownerId,
    payload: {
      workspaceName: loaded.workspaceName,
      owner: loaded.ownerName,
      template: loaded.templateName,
      buildNumber: loaded.snapshot.latestBuild.buildNumber,
      transition: loaded.snapshot.latestBuild.transition,
      reason: loaded.latestBuild.reason,
      jobId: loaded.latestBuild.jobId,
      error,
    },
    dedupeKey: `autobuild_failed:${loaded.latestBuild.jobId}`,
  });
}
