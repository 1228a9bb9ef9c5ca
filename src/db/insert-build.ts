// The one way a build is created (docs/rules.md#applying-a-decision-the-build-transaction),
// for a person's action and for the engine alike: a pending job and a build
// row numbered latest + 1, in one statement. Call it inside the transaction
// that holds the workspace's row lock and read the workspace in; hand the job
// to provisioning (startBuild) only after that transaction commits.
import { randomUUID } from 'node:crypto';
import { isJobActive, type Reason, type Transition, templateVersionForBuild } from '../lifecycle/index.js';
import type { LoadedWorkspace } from './load-snapshot.js';
import type { PoolClient } from './pool.js';

export type BuildReason = Reason | 'initiator';

export interface BuildRequest {
  transition: Transition;
  reason: BuildReason;
  /** A person, or for autobuilds the workspace owner acting through the system. */
  initiatorId: string;
  /** The Temporal workflow that decided this build; null for a person's action. */
  workflowId: string | null;
  /** The tick's T (docs/rules.md#time); null = the database clock. */
  createdAt: Date | null;
}

export interface InsertedBuild {
  buildId: string;
  buildNumber: number;
  jobId: string;
  templateVersionId: string;
}

/** An action due while a build runs is refused; the next tick (or the person) tries again. */
export class BuildActiveError extends Error {
  override readonly name = 'BuildActiveError';
}

/** Another actor created this build number first: a no-op for the loser, not an error. */
export class BuildRaceError extends Error {
  override readonly name = 'BuildRaceError';
}

/** The build that follows the latest one of a workspace read under its row lock. */
export async function insertNextBuild(client: PoolClient, w: LoadedWorkspace, b: BuildRequest): Promise<InsertedBuild> {
  const { snapshot: s } = w;
  if (isJobActive(s.latestJob.status)) {
    throw new BuildActiveError(`a build is already active for workspace ${w.ownerName}/${w.workspaceName} (job ${s.latestJob.status})`);
  }
  const templateVersionId = templateVersionForBuild(
    {
      latestVersionId: w.latestBuild.templateVersionId,
      activeVersionId: w.activeVersionId,
      requireActiveVersion: s.template.requireActiveVersion,
      automaticUpdates: s.workspace.automaticUpdates,
    },
    b.reason,
  );
  return insertBuild(client, { ...b, workspaceId: s.workspace.id, buildNumber: s.latestBuild.buildNumber + 1, templateVersionId });
}

/** Inserts build `buildNumber` with its pending job; a taken number is a BuildRaceError. */
export async function insertBuild(
  client: PoolClient,
  b: BuildRequest & { workspaceId: string; buildNumber: number; templateVersionId: string },
): Promise<InsertedBuild> {
  const buildId = randomUUID();
  const jobId = randomUUID();
  try {
    await client.query({
      name: 'insert-build',
      text: `WITH job AS (INSERT INTO provisioner_jobs (id) VALUES ($2) RETURNING id)
             INSERT INTO workspace_builds
               (id, job_id, workspace_id, build_number, transition, reason, template_version_id, initiator_id, workflow_id, created_at)
             SELECT $1, job.id, $3, $4, $5, $6, $7, $8, $9, COALESCE($10, autobuild_now()) FROM job`,
      values: [
        buildId,
        jobId,
        b.workspaceId,
        b.buildNumber,
        b.transition,
        b.reason,
        b.templateVersionId,
        b.initiatorId,
        b.workflowId,
        b.createdAt,
      ],
    });
  } catch (err) {
    if ((err as { code?: string }).code === '23505') {
      throw new BuildRaceError(`workspace ${b.workspaceId}: build #${b.buildNumber} was created by another actor`);
    }
    throw err;
  }
  return { buildId, buildNumber: b.buildNumber, jobId, templateVersionId: b.templateVersionId };
}
