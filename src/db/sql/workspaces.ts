// Workspaces and their build history, for the operations module. Changes to
// one workspace run in a transaction that holds its row lock (loadSnapshot
// with lock 'wait'), the same lock the tick and build completion take.

import type { QueryResultRow } from 'pg';
import { deriveJobStatus, type JobStatus, type Transition } from '../../lifecycle/index.js';
import type { BuildReason } from '../insert-build.js';
import type { Pool, PoolClient } from '../pool.js';

export async function insertWorkspace(
  client: PoolClient,
  w: {
    ownerId: string;
    templateId: string;
    name: string;
    autostartSchedule: string | null;
    ttlMs: number | null;
    automaticUpdates: 'always' | 'never';
    nextStartAt: Date | null;
    autostartBlocked: string | null;
  },
): Promise<string | null> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO workspaces (owner_id, template_id, name, autostart_schedule, ttl_ms, automatic_updates, next_start_at, autostart_blocked)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (owner_id, lower(name)) WHERE NOT deleted DO NOTHING
     RETURNING id`,
    [w.ownerId, w.templateId, w.name, w.autostartSchedule, w.ttlMs, w.automaticUpdates, w.nextStartAt, w.autostartBlocked],
  );
  return rows[0]?.id ?? null;
}

/**
 * `owner/name` or an id. Among workspaces of that name the live one wins;
 * with `includeDeleted`, the latest deleted one is found when none is live.
 */
export async function resolveWorkspaceId(db: Pool | PoolClient, ref: string, opts: { includeDeleted: boolean }): Promise<string | null> {
  const slash = ref.indexOf('/');
  const { rows } =
    slash < 0
      ? await db.query<{ id: string }>(`SELECT id FROM workspaces WHERE id::text = $1 AND (NOT deleted OR $2)`, [ref, opts.includeDeleted])
      : await db.query<{ id: string }>(
          `SELECT w.id FROM workspaces w JOIN users u ON u.id = w.owner_id
          WHERE u.username = $1 AND lower(w.name) = lower($2) AND (NOT w.deleted OR $3)
          ORDER BY w.deleted, w.created_at DESC LIMIT 1`,
          [ref.slice(0, slash), ref.slice(slash + 1), opts.includeDeleted],
        );
  return rows[0]?.id ?? null;
}

/** Who owns the workspace (deleted ones too) and its template: what an API caller may do with it depends on them. */
export async function workspaceScope(
  db: Pool | PoolClient,
  id: string,
): Promise<{ id: string; ownerId: string; templateId: string } | null> {
  const { rows } = await db.query<{ id: string; owner_id: string; template_id: string }>(
    'SELECT id, owner_id, template_id FROM workspaces WHERE id = $1',
    [id],
  );
  return rows[0] ? { id: rows[0].id, ownerId: rows[0].owner_id, templateId: rows[0].template_id } : null;
}

export async function updateWorkspaceFields(
  client: PoolClient,
  id: string,
  change: Partial<{
    autostartSchedule: string | null;
    ttlMs: number | null;
    lastUsedAt: Date;
    dormantAt: Date | null;
    deletingAt: Date | null;
    nextStartAt: Date | null;
    autostartBlocked: string | null;
  }>,
): Promise<void> {
  const columns: Record<string, string> = {
    autostartSchedule: 'autostart_schedule',
    ttlMs: 'ttl_ms',
    lastUsedAt: 'last_used_at',
    dormantAt: 'dormant_at',
    deletingAt: 'deleting_at',
    nextStartAt: 'next_start_at',
    autostartBlocked: 'autostart_blocked',
  };
  const keys = Object.keys(change).filter((k) => k in columns);
  if (keys.length === 0) return;
  await client.query(`UPDATE workspaces SET ${keys.map((k, i) => `${columns[k]} = $${i + 2}`).join(', ')} WHERE id = $1`, [
    id,
    ...keys.map((k) => (change as Record<string, unknown>)[k]),
  ]);
}

export async function setLatestBuildDeadline(client: PoolClient, buildId: string, deadline: Date | null): Promise<void> {
  await client.query('UPDATE workspace_builds SET deadline = $2 WHERE id = $1', [buildId, deadline]);
}

export interface WorkspaceListRow {
  id: string;
  name: string;
  owner: string;
  template: string;
  transition: Transition | null;
  jobStatus: JobStatus | null;
  deadline: Date | null;
  nextStartAt: Date | null;
  dormantAt: Date | null;
  deletingAt: Date | null;
  autostartSchedule: string | null;
  deleted: boolean;
  createdAt: Date;
}

/** docs/api.md#workspaces: the status a person sees (ops workspaceStatus), as SQL over the latest-build summary. */
const STATUS_SQL = `CASE
    WHEN w.deleted THEN 'deleted'
    WHEN w.latest_transition IS NULL OR w.latest_job_status IS NULL THEN 'pending'
    WHEN w.latest_job_status = 'running' THEN CASE w.latest_transition WHEN 'start' THEN 'starting' WHEN 'stop' THEN 'stopping' ELSE 'deleting' END
    WHEN w.latest_job_status = 'succeeded' THEN CASE w.latest_transition WHEN 'start' THEN 'running' WHEN 'stop' THEN 'stopped' ELSE 'deleted' END
    ELSE w.latest_job_status END`;

/** Workspaces by owner, name and id, after `after` (those three), at most `limit`. */
export async function listWorkspaces(
  db: Pool | PoolClient,
  filter: { ownerId?: string; templateId?: string; includeDeleted: boolean; status?: string; dormant?: boolean },
  page: { after: string[] | null; limit: number },
): Promise<WorkspaceListRow[]> {
  const [owner, name, id] = page.after ?? [null, null, null];
  const { rows } = await db.query(
    `SELECT w.id, w.name, u.username, t.name AS template_name, w.latest_transition, w.latest_job_status,
            w.latest_deadline, w.next_start_at, w.dormant_at, w.deleting_at, w.autostart_schedule, w.deleted, w.created_at
       FROM workspaces w JOIN users u ON u.id = w.owner_id JOIN templates t ON t.id = w.template_id
      WHERE ($1::uuid IS NULL OR w.owner_id = $1) AND ($2::uuid IS NULL OR w.template_id = $2) AND (NOT w.deleted OR $3)
        AND ($4::text IS NULL OR (u.username, w.name, w.id) > ($4, $5, $6::uuid))
        AND ($8::text IS NULL OR ${STATUS_SQL} = $8)
        AND ($9::boolean IS NULL OR (w.dormant_at IS NOT NULL) = $9)
      ORDER BY u.username, w.name, w.id
      LIMIT $7`,
    [
      filter.ownerId ?? null,
      filter.templateId ?? null,
      filter.includeDeleted,
      owner,
      name,
      id,
      page.limit,
      filter.status ?? null,
      filter.dormant ?? null,
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    owner: r.username,
    template: r.template_name,
    transition: r.latest_transition,
    jobStatus: r.latest_job_status,
    deadline: r.latest_deadline,
    nextStartAt: r.next_start_at,
    dormantAt: r.dormant_at,
    deletingAt: r.deleting_at,
    autostartSchedule: r.autostart_schedule,
    deleted: r.deleted,
    createdAt: r.created_at,
  }));
}

export interface JobRecord {
  id: string;
  status: JobStatus;
  createdAt: Date;
  startedAt: Date | null;
  completedAt: Date | null;
  canceledAt: Date | null;
  error: string | null;
}

export interface BuildRecord {
  id: string;
  workspaceId: string;
  buildNumber: number;
  transition: Transition;
  reason: BuildReason;
  initiator: string;
  templateVersion: string;
  deadline: Date | null;
  maxDeadline: Date | null;
  notifiedAutostopDeadline: Date | null;
  /** The Temporal workflow that decided it (the tick's evaluation); null for a person's action. */
  workflowId: string | null;
  createdAt: Date;
  job: JobRecord;
}

const BUILD_SELECT = `
  SELECT b.id, b.workspace_id, b.build_number, b.transition, b.reason, u.username AS initiator, v.name AS version_name,
         b.deadline, b.max_deadline, b.notified_autostop_deadline, b.workflow_id, b.created_at,
         j.id AS job_id, j.created_at AS job_created_at, j.started_at, j.completed_at, j.canceled_at, j.error
    FROM workspace_builds b
    JOIN provisioner_jobs j ON j.id = b.job_id
    JOIN users u ON u.id = b.initiator_id
    JOIN template_versions v ON v.id = b.template_version_id`;

function toBuild(r: QueryResultRow): BuildRecord {
  return {
    id: r.id,
    workspaceId: r.workspace_id,
    buildNumber: r.build_number,
    transition: r.transition,
    reason: r.reason,
    initiator: r.initiator,
    templateVersion: r.version_name,
    deadline: r.deadline,
    maxDeadline: r.max_deadline,
    notifiedAutostopDeadline: r.notified_autostop_deadline,
    workflowId: r.workflow_id,
    createdAt: r.created_at,
    job: {
      id: r.job_id,
      status: deriveJobStatus({ startedAt: r.started_at, completedAt: r.completed_at, canceledAt: r.canceled_at, error: r.error }),
      createdAt: r.job_created_at,
      startedAt: r.started_at,
      completedAt: r.completed_at,
      canceledAt: r.canceled_at,
      error: r.error,
    },
  };
}

/** Builds newest first; with `before`, those numbered below it (the next page). */
export async function buildHistory(
  db: Pool | PoolClient,
  workspaceId: string,
  limit: number,
  before: number | null = null,
): Promise<BuildRecord[]> {
  const { rows } = await db.query(
    `${BUILD_SELECT} WHERE b.workspace_id = $1 AND ($3::integer IS NULL OR b.build_number < $3) ORDER BY b.build_number DESC LIMIT $2`,
    [workspaceId, limit, before],
  );
  return rows.map(toBuild);
}

export async function buildByNumber(db: Pool | PoolClient, workspaceId: string, buildNumber: number): Promise<BuildRecord | null> {
  const { rows } = await db.query(`${BUILD_SELECT} WHERE b.workspace_id = $1 AND b.build_number = $2`, [workspaceId, buildNumber]);
  return rows[0] ? toBuild(rows[0]) : null;
}

export async function buildOfJob(db: Pool | PoolClient, jobId: string): Promise<BuildRecord | null> {
  const { rows } = await db.query(`${BUILD_SELECT} WHERE b.job_id = $1`, [jobId]);
  return rows[0] ? toBuild(rows[0]) : null;
}

export async function jobLog(db: Pool | PoolClient, jobId: string): Promise<string | null> {
  const { rows } = await db.query<{ log: string }>('SELECT log FROM provisioner_jobs WHERE id = $1', [jobId]);
  return rows[0]?.log ?? null;
}
