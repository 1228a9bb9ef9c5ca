// The one way a build is created (SPEC §6), for a person's action and for the
// tick alike: a pending job and a build row numbered latest + 1. Run it inside
// a transaction that holds the workspace row lock; hand the job to
// provisioning (startBuild) only after that transaction commits.
import type { PoolClient } from './pool.js';
import type { Reason, Transition } from '../lifecycle/index.js';

export type BuildReason = Reason | 'initiator';

export interface InsertBuildInput {
  workspaceId: string;
  transition: Transition;
  reason: BuildReason;
  /** A person, or for autobuilds the workspace owner acting through the system. */
  initiatorId: string;
  /** The Temporal workflow that decided this build; null for a person's action. */
  workflowId: string | null;
  /** The tick's T (SPEC §2.2); null = the database clock. */
  createdAt: Date | null;
  /** Refuse if the latest build is no longer the one the decision was made on. */
  expectedLatestBuildNumber?: number;
}

export interface InsertedBuild {
  buildId: string;
  buildNumber: number;
  jobId: string;
  templateVersionId: string;
}

/** SPEC §3/§6: an action due while a build runs is refused; the next tick tries again. */
export class BuildActiveError extends Error {
  override readonly name = 'BuildActiveError';
}

/** Another actor changed the latest build first (SPEC §6): a no-op for the loser, not an error. */
export class BuildRaceError extends Error {
  override readonly name = 'BuildRaceError';
}

export class WorkspaceGoneError extends Error {
  override readonly name = 'WorkspaceGoneError';
}

export async function insertBuild(client: PoolClient, input: InsertBuildInput): Promise<InsertedBuild> {
  const { rows } = await client.query({
    name: 'insert-build-read',
    text: `SELECT w.deleted, w.automatic_updates, w.latest_build_number, w.latest_job_status,
            t.active_version_id, t.require_active_version, b.template_version_id
       FROM workspaces w
       JOIN templates t ON t.id = w.template_id
       LEFT JOIN workspace_builds b ON b.id = w.latest_build_id
      WHERE w.id = $1`,
    values: [input.workspaceId],
  });
  const w = rows[0];
  if (!w || w.deleted) throw new WorkspaceGoneError(`workspace ${input.workspaceId} does not exist or is deleted`);
  if (['pending', 'running', 'canceling'].includes(w.latest_job_status)) {
    throw new BuildActiveError(`a build is already active for workspace ${input.workspaceId} (job ${w.latest_job_status})`);
  }
  const latest: number = w.latest_build_number ?? 0;
  if (input.expectedLatestBuildNumber !== undefined && input.expectedLatestBuildNumber !== latest) {
    throw new BuildRaceError(`workspace ${input.workspaceId}: latest build is #${latest}, expected #${input.expectedLatestBuildNumber}`);
  }
  const useActiveVersion =
    w.template_version_id === null || (input.reason === 'autostart' && (w.require_active_version || w.automatic_updates === 'always'));
  const templateVersionId: string = useActiveVersion ? w.active_version_id : w.template_version_id;

  try {
    // The job and its build in one statement (one round trip).
    const build = await client.query<{ id: string; job_id: string }>({
      name: 'insert-build',
      text: `WITH job AS (INSERT INTO provisioner_jobs DEFAULT VALUES RETURNING id)
             INSERT INTO workspace_builds
               (workspace_id, build_number, transition, reason, template_version_id, initiator_id, job_id, workflow_id, created_at)
             SELECT $1, $2, $3, $4, $5, $6, job.id, $7, COALESCE($8, now()) FROM job
             RETURNING id, job_id`,
      values: [
        input.workspaceId,
        latest + 1,
        input.transition,
        input.reason,
        templateVersionId,
        input.initiatorId,
        input.workflowId,
        input.createdAt,
      ],
    });
    const row = build.rows[0]!;
    return { buildId: row.id, buildNumber: latest + 1, jobId: row.job_id, templateVersionId };
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new BuildRaceError(`workspace ${input.workspaceId}: build #${latest + 1} was created by another actor`);
    }
    throw err;
  }
}
