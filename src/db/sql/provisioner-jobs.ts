// The provisioner job's own statements: what a provisioner is given, and the
// job's state changes. Callers that change a job hold its workspace row lock
// first (the same order as every build transaction), then the job's.

import type { QueryResultRow } from 'pg';
import { deriveJobStatus, type JobStatus, type Transition } from '../../lifecycle/index.js';
import type { BuildReason } from '../insert-build.js';
import type { Pool, PoolClient } from '../pool.js';
import { storableText } from '../text.js';

export interface JobRow {
  id: string;
  workspaceId: string;
  buildId: string;
  transition: Transition;
  status: JobStatus;
  startedAt: Date | null;
  completedAt: Date | null;
  canceledAt: Date | null;
  error: string | null;
}

const JOB_COLUMNS = `j.id, b.workspace_id, b.id AS build_id, b.transition, j.started_at, j.completed_at, j.canceled_at, j.error`;

function toJobRow(r: QueryResultRow): JobRow {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    buildId: r.build_id,
    transition: r.transition,
    status: deriveJobStatus({ startedAt: r.started_at, completedAt: r.completed_at, canceledAt: r.canceled_at, error: r.error }),
    startedAt: r.started_at,
    completedAt: r.completed_at,
    canceledAt: r.canceled_at,
    error: r.error,
  };
}

export async function findJob(db: Pool | PoolClient, jobId: string): Promise<JobRow | null> {
  const { rows } = await db.query(
    `SELECT ${JOB_COLUMNS} FROM provisioner_jobs j JOIN workspace_builds b ON b.job_id = j.id WHERE j.id = $1`,
    [jobId],
  );
  return rows[0] ? toJobRow(rows[0]) : null;
}

/** Locks the job's workspace row, then the job row (in a transaction): two round trips. */
export async function lockJob(client: PoolClient, jobId: string): Promise<JobRow | null> {
  const ws = await client.query({
    name: 'lock-job-workspace',
    text: 'SELECT 1 FROM workspaces WHERE id = (SELECT workspace_id FROM workspace_builds WHERE job_id = $1) FOR UPDATE',
    values: [jobId],
  });
  if (ws.rowCount === 0) return null; // no such job (or no build for it)
  const { rows } = await client.query({
    name: 'lock-job',
    text: `SELECT ${JOB_COLUMNS} FROM provisioner_jobs j JOIN workspace_builds b ON b.job_id = j.id WHERE j.id = $1 FOR UPDATE OF j`,
    values: [jobId],
  });
  return rows[0] ? toJobRow(rows[0]) : null;
}

/**
 * Ends the job: `error` set = failed; else canceled when `canceled` (or already canceling); else succeeded.
 * Returns the job's times as written (completed_at is the database clock, autobuild_now()), or null when it had already ended.
 */
export async function markJobCompleted(
  client: PoolClient,
  jobId: string,
  end: { error: string | null; canceled: boolean },
): Promise<{ status: JobStatus; startedAt: Date | null; completedAt: Date } | null> {
  const { rows } = await client.query({
    name: 'mark-job-completed',
    text: `UPDATE provisioner_jobs
        SET completed_at = autobuild_now(), error = $2,
            canceled_at = CASE WHEN $3 THEN COALESCE(canceled_at, autobuild_now()) ELSE canceled_at END
      WHERE id = $1 AND completed_at IS NULL
      RETURNING started_at, completed_at, canceled_at, error`,
    values: [jobId, end.error === null ? null : storableText(end.error), end.canceled],
  });
  const r = rows[0];
  if (!r) return null;
  return {
    status: deriveJobStatus({ startedAt: r.started_at, completedAt: r.completed_at, canceledAt: r.canceled_at, error: r.error }),
    startedAt: r.started_at,
    completedAt: r.completed_at,
  };
}

/** A person cancels: a pending job ends at once (docs/rules.md#entities), a running one becomes canceling. */
export async function markJobCanceled(client: PoolClient, jobId: string): Promise<void> {
  await client.query(
    `UPDATE provisioner_jobs
        SET canceled_at = autobuild_now(),
            completed_at = CASE WHEN started_at IS NULL THEN autobuild_now() ELSE completed_at END
      WHERE id = $1 AND completed_at IS NULL AND canceled_at IS NULL`,
    [jobId],
  );
}

export async function isJobCancelRequested(pool: Pool, jobId: string): Promise<boolean> {
  const { rows } = await pool.query(
    'SELECT canceled_at IS NOT NULL OR completed_at IS NOT NULL AS stop FROM provisioner_jobs WHERE id = $1',
    [jobId],
  );
  return rows[0]?.stop === true;
}

export interface ProvisionJobRow {
  jobId: string;
  buildId: string;
  buildNumber: number;
  transition: Transition;
  reason: BuildReason;
  workspace: { id: string; name: string };
  owner: { id: string; username: string };
  template: { id: string; name: string };
  templateVersion: { id: string; name: string };
}

const PROVISION_JOB_SQL = `
  SELECT b.job_id, b.id AS build_id, b.build_number, b.transition, b.reason,
         w.id AS workspace_id, w.name AS workspace_name, u.id AS owner_id, u.username,
         t.id AS template_id, t.name AS template_name, v.id AS version_id, v.name AS version_name,
         (j.canceled_at IS NOT NULL OR j.completed_at IS NOT NULL) AS stop
    FROM workspace_builds b
    JOIN provisioner_jobs j ON j.id = b.job_id
    JOIN workspaces w ON w.id = b.workspace_id
    JOIN users u ON u.id = w.owner_id
    JOIN templates t ON t.id = w.template_id
    JOIN template_versions v ON v.id = b.template_version_id
   WHERE b.job_id = $1`;

function toProvisionJobRow(r: QueryResultRow): ProvisionJobRow {
  return {
    jobId: r.job_id,
    buildId: r.build_id,
    buildNumber: r.build_number,
    transition: r.transition,
    reason: r.reason,
    workspace: { id: r.workspace_id, name: r.workspace_name },
    owner: { id: r.owner_id, username: r.username },
    template: { id: r.template_id, name: r.template_name },
    templateVersion: { id: r.version_id, name: r.version_name },
  };
}

/**
 * The first step of a run, in one statement (one round trip, no explicit
 * transaction): a pending or running job becomes running (started_at kept
 * if set) and comes back with what its provisioner is told. Null when the
 * job did not start: it is missing, ended, or canceling; read its status
 * then with findJob. Only the job row is locked (by the UPDATE); callers
 * that also lock the workspace lock it first, so no lock cycle can form.
 */
export async function startJobToRun(db: Pool | PoolClient, jobId: string): Promise<ProvisionJobRow | null> {
  const { rows } = await db.query({
    name: 'start-job-to-run',
    text: `WITH started AS (
       UPDATE provisioner_jobs SET started_at = COALESCE(started_at, autobuild_now())
        WHERE id = $1 AND completed_at IS NULL AND canceled_at IS NULL
       RETURNING id
     )
     ${PROVISION_JOB_SQL} AND EXISTS (SELECT 1 FROM started)`,
    values: [jobId],
  });
  return rows[0] ? toProvisionJobRow(rows[0]) : null;
}

/** The job for a provisioner run, and whether it must not run (canceled or already ended): one round trip. */
export async function loadJobToRun(db: Pool | PoolClient, jobId: string): Promise<{ job: ProvisionJobRow; stopRequested: boolean } | null> {
  const { rows } = await db.query(PROVISION_JOB_SQL, [jobId]);
  const r = rows[0];
  return r ? { job: toProvisionJobRow(r), stopRequested: r.stop === true } : null;
}

/** Jobs still active (pending, running, canceling) that were created before the grace period: the recovery sweep checks them. */
export async function findStaleActiveJobs(pool: Pool, graceMs: number, limit: number): Promise<Array<{ id: string; status: JobStatus }>> {
  const { rows } = await pool.query(
    `SELECT id, started_at, completed_at, canceled_at, error FROM provisioner_jobs
      WHERE completed_at IS NULL AND created_at < autobuild_now() - $1 * interval '1 millisecond'
      ORDER BY created_at
      LIMIT $2`,
    [graceMs, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    status: deriveJobStatus({ startedAt: r.started_at, completedAt: r.completed_at, canceledAt: r.canceled_at, error: r.error }),
  }));
}
