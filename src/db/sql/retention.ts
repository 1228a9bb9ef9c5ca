// Retention (docs/operations.md#retention): each statement removes one batch
// of what is older than its setting, oldest first, through an index that holds
// only the rows it may take (migration 007); the batch's rows are then
// changed by their primary keys (`= ANY(ARRAY(…))`, never a join that a planner
// could turn into a read of the whole table). The rows are taken with SKIP
// LOCKED, so workers running the same statement at once take different rows,
// and none waits for a row that a build or a delivery holds. Ages are compared
// with the database clock.
import type { Pool, PoolClient } from '../pool.js';

type Db = Pool | PoolClient;

/** Notifications delivered more than `olderThanMs` ago, at most `limit`; undelivered ones are never taken. */
export async function removeDeliveredNotifications(db: Db, olderThanMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM notifications WHERE id = ANY(ARRAY(
       SELECT id FROM notifications
        WHERE delivered_at < autobuild_now() - $1 * interval '1 millisecond'
        ORDER BY delivered_at LIMIT $2
          FOR UPDATE SKIP LOCKED))`,
    [olderThanMs, limit],
  );
  return rowCount ?? 0;
}

/** Audit rows written more than `olderThanMs` ago, at most `limit`. */
export async function removeAuditEntries(db: Db, olderThanMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `DELETE FROM audit_log WHERE id = ANY(ARRAY(
       SELECT id FROM audit_log
        WHERE at < autobuild_now() - $1 * interval '1 millisecond'
        ORDER BY at LIMIT $2
          FOR UPDATE SKIP LOCKED))`,
    [olderThanMs, limit],
  );
  return rowCount ?? 0;
}

/** Where a walk through finished jobs continues: after this job. Opaque: pass back what `emptyJobLogs` returned. */
export interface JobLogCursor {
  completedAt: string;
  id: string;
}

/**
 * Empties the logs of jobs that finished more than `olderThanMs` ago, looking
 * at `limit` of them after `after` (from the oldest when null). A workspace's
 * latest job keeps its log: it explains the workspace's state, however old.
 * Such jobs stay where the walk finds them, so the walk resumes after the last
 * job it looked at instead of reading them again for every batch. `next` is
 * null when there is nothing more to look at.
 */
export async function emptyJobLogs(
  db: Db,
  olderThanMs: number,
  limit: number,
  after: JobLogCursor | null,
): Promise<{ emptied: number; next: JobLogCursor | null }> {
  const { rows } = await db.query<{ completed_at: string; id: string; examined: number; emptied: number }>(
    `WITH examined AS (
       SELECT id, completed_at FROM provisioner_jobs
        WHERE completed_at < autobuild_now() - $1 * interval '1 millisecond' AND log_removed_at IS NULL
          AND (completed_at, id) > (coalesce($3::timestamptz, '-infinity'), coalesce($4::uuid, '00000000-0000-0000-0000-000000000000'))
        ORDER BY completed_at, id LIMIT $2
          FOR UPDATE SKIP LOCKED),
     emptied AS (
       UPDATE provisioner_jobs j SET log = '', log_removed_at = autobuild_now()
        WHERE j.id = ANY(ARRAY(SELECT id FROM examined))
          AND NOT EXISTS (SELECT 1 FROM workspaces w WHERE w.latest_job_id = j.id)
       RETURNING j.id)
     SELECT e.completed_at::text AS completed_at, e.id,
            (SELECT count(*) FROM examined)::int AS examined, (SELECT count(*) FROM emptied)::int AS emptied
       FROM examined e ORDER BY e.completed_at DESC, e.id DESC LIMIT 1`,
    [olderThanMs, limit, after?.completedAt ?? null, after?.id ?? null],
  );
  const last = rows[0];
  if (last === undefined) return { emptied: 0, next: null };
  return { emptied: last.emptied, next: last.examined < limit ? null : { completedAt: last.completed_at, id: last.id } };
}

/**
 * Builds (with their jobs) of workspaces deleted more than `olderThanMs` ago,
 * at most `limit`, all but each workspace's last build: that one goes with the
 * workspace (`removeDeletedWorkspaces`), so the workspace reads the same until
 * then. A deleted workspace's time of deletion is its delete build's completion.
 */
export async function removeBuildsOfDeletedWorkspaces(db: Db, olderThanMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `WITH doomed AS (
       SELECT b.id FROM workspaces w
         JOIN workspace_builds b ON b.workspace_id = w.id
         JOIN provisioner_jobs j ON j.id = b.job_id
        WHERE w.deleted AND w.latest_job_completed_at < autobuild_now() - $1 * interval '1 millisecond'
          AND b.id <> w.latest_build_id AND j.completed_at IS NOT NULL
        ORDER BY w.latest_job_completed_at LIMIT $2
          FOR UPDATE OF b SKIP LOCKED),
     builds AS (
       DELETE FROM workspace_builds WHERE id = ANY(ARRAY(SELECT id FROM doomed)) RETURNING job_id)
     DELETE FROM provisioner_jobs WHERE id = ANY(ARRAY(SELECT job_id FROM builds))`,
    [olderThanMs, limit],
  );
  return rowCount ?? 0;
}

/**
 * Workspaces deleted more than `olderThanMs` ago whose other builds are gone,
 * at most `limit`, each with its last build and job, its notifications, its
 * evaluation records, its simulated-failure switch and its reminder-action links. A workspace stays while
 * one of its notifications is undelivered or an API token's scope names it.
 * One statement: the foreign keys are checked at its end, when every row that
 * referred to a removed one is gone too.
 */
export async function removeDeletedWorkspaces(db: Db, olderThanMs: number, limit: number): Promise<number> {
  const { rowCount } = await db.query(
    `WITH gone AS (
       SELECT w.id FROM workspaces w
        WHERE w.deleted AND w.latest_job_completed_at < autobuild_now() - $1 * interval '1 millisecond'
          AND NOT EXISTS (SELECT 1 FROM workspace_builds b WHERE b.workspace_id = w.id AND b.id <> w.latest_build_id)
          AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.workspace_id = w.id AND n.delivered_at IS NULL)
          AND NOT EXISTS (SELECT 1 FROM api_tokens k WHERE k.scope_workspace_id = w.id)
        ORDER BY w.latest_job_completed_at LIMIT $2
          FOR UPDATE SKIP LOCKED),
     notifications AS (DELETE FROM notifications n USING gone WHERE n.workspace_id = gone.id),
     evaluations AS (DELETE FROM evaluations e USING gone WHERE e.workspace_id = gone.id),
     failures AS (DELETE FROM simulated_failures f USING gone WHERE f.workspace_id = gone.id),
     actions AS (DELETE FROM reminder_actions a USING gone WHERE a.workspace_id = gone.id),
     builds AS (DELETE FROM workspace_builds b USING gone WHERE b.workspace_id = gone.id RETURNING b.job_id),
     jobs AS (DELETE FROM provisioner_jobs j USING builds WHERE j.id = builds.job_id)
     DELETE FROM workspaces w USING gone WHERE w.id = gone.id`,
    [olderThanMs, limit],
  );
  return rowCount ?? 0;
}
