// Rows for orchestration tests, written straight to the tables so each test
// starts from exactly the state it names. Times are relative to a chosen T.
import type { Pool } from '../../src/db/pool.js';

export const MIN = 60_000;
export const H = 60 * MIN;
export const D = 24 * H;
export const plus = (date: Date, ms: number): Date => new Date(date.getTime() + ms);

let seq = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(seq++).toString(36)}`;

export interface TemplateOptions {
  defaultTtlMs?: number;
  activityBumpMs?: number;
  allowUserAutostart?: boolean;
  allowUserAutostop?: boolean;
  autostartAllowedDays?: string[];
  failureTtlMs?: number;
  timeTilDormantMs?: number;
  timeTilDormantAutodeleteMs?: number;
  autostopNotifyBeforeMs?: number;
  requireActiveVersion?: boolean;
}

export interface Template {
  id: string;
  versionId: string;
}

export async function createTemplate(pool: Pool, o: TemplateOptions = {}): Promise<Template> {
  const { rows } = await pool.query<{ id: string; version_id: string }>(
    `WITH ids AS (SELECT gen_random_uuid() AS id, gen_random_uuid() AS version_id),
     t AS (
       INSERT INTO templates (id, active_version_id, name, default_ttl_ms, activity_bump_ms, allow_user_autostart,
         allow_user_autostop, autostart_allowed_days, failure_ttl_ms, time_til_dormant_ms, time_til_dormant_autodelete_ms,
         autostop_notify_before_ms, require_active_version)
       SELECT id, version_id, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM ids),
     v AS (INSERT INTO template_versions (id, template_id, name) SELECT version_id, id, 'v1' FROM ids)
     SELECT id, version_id FROM ids`,
    [
      unique('tpl'),
      o.defaultTtlMs ?? 0,
      o.activityBumpMs ?? H,
      o.allowUserAutostart ?? true,
      o.allowUserAutostop ?? true,
      o.autostartAllowedDays ?? ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'],
      o.failureTtlMs ?? 0,
      o.timeTilDormantMs ?? 0,
      o.timeTilDormantAutodeleteMs ?? 0,
      o.autostopNotifyBeforeMs ?? 0,
      o.requireActiveVersion ?? false,
    ],
  );
  return { id: rows[0]!.id, versionId: rows[0]!.version_id };
}

export async function createUser(pool: Pool, status: 'active' | 'suspended' | 'dormant' = 'active'): Promise<string> {
  const { rows } = await pool.query<{ id: string }>('INSERT INTO users (username, status) VALUES ($1, $2) RETURNING id', [
    unique('u'),
    status,
  ]);
  return rows[0]!.id;
}

export type JobOutcome = 'succeeded' | 'failed' | 'pending' | 'running' | 'canceled';

export interface BuildOptions {
  transition: 'start' | 'stop' | 'delete';
  reason?: string;
  createdAt: Date;
  deadline?: Date | null;
  maxDeadline?: Date | null;
  notifiedAutostopDeadline?: Date | null;
  job?: JobOutcome;
  /** When the job completed (succeeded, failed, canceled); default createdAt + 1 min. */
  completedAt?: Date;
  /** Default: the template's first version. */
  versionId?: string;
}

export interface WorkspaceOptions {
  ownerId: string;
  template: Template;
  autostartSchedule?: string | null;
  ttlMs?: number | null;
  lastUsedAt: Date;
  dormantAt?: Date | null;
  deletingAt?: Date | null;
  nextStartAt?: Date | null;
  automaticUpdates?: 'always' | 'never';
  /** The latest build; builds 1..n-1 are implied only by the number. */
  build: BuildOptions;
  buildNumber?: number;
}

export async function createWorkspace(pool: Pool, o: WorkspaceOptions): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO workspaces (owner_id, template_id, name, autostart_schedule, ttl_ms, last_used_at, dormant_at,
       deleting_at, next_start_at, automatic_updates)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
    [
      o.ownerId,
      o.template.id,
      unique('ws'),
      o.autostartSchedule ?? null,
      o.ttlMs ?? null,
      o.lastUsedAt,
      o.dormantAt ?? null,
      o.deletingAt ?? null,
      o.nextStartAt ?? null,
      o.automaticUpdates ?? 'never',
    ],
  );
  const id = rows[0]!.id;
  await addBuild(pool, id, o.ownerId, o.build.versionId ?? o.template.versionId, o.buildNumber ?? 1, o.build);
  return id;
}

export async function addBuild(
  pool: Pool,
  workspaceId: string,
  initiatorId: string,
  versionId: string,
  buildNumber: number,
  b: BuildOptions,
): Promise<{ buildId: string; jobId: string }> {
  const job = b.job ?? 'succeeded';
  const completedAt = b.completedAt ?? new Date(b.createdAt.getTime() + MIN);
  const started = job === 'pending' ? null : b.createdAt;
  const completed = job === 'pending' || job === 'running' ? null : completedAt;
  const canceled = job === 'canceled' ? completedAt : null;
  const error = job === 'failed' ? 'simulated failure' : null;
  const { rows } = await pool.query<{ build_id: string; job_id: string }>(
    `WITH j AS (
       INSERT INTO provisioner_jobs (created_at, started_at, completed_at, canceled_at, error)
       VALUES ($1, $2, $3, $4, $5) RETURNING id)
     INSERT INTO workspace_builds (workspace_id, build_number, transition, reason, template_version_id, initiator_id,
       job_id, deadline, max_deadline, notified_autostop_deadline, created_at)
     SELECT $6, $7, $8, $9, $10, $11, j.id, $12, $13, $14, $1 FROM j
     RETURNING id AS build_id, job_id`,
    [
      b.createdAt,
      started,
      completed,
      canceled,
      error,
      workspaceId,
      buildNumber,
      b.transition,
      b.reason ?? 'initiator',
      versionId,
      initiatorId,
      b.deadline ?? null,
      b.maxDeadline ?? null,
      b.notifiedAutostopDeadline ?? null,
    ],
  );
  return { buildId: rows[0]!.build_id, jobId: rows[0]!.job_id };
}

export interface BuildRow {
  buildNumber: number;
  transition: string;
  reason: string;
  templateVersionId: string;
  createdAt: Date;
  workflowId: string | null;
  jobId: string;
}

export async function builds(pool: Pool, workspaceId: string): Promise<BuildRow[]> {
  const { rows } = await pool.query(
    `SELECT build_number AS "buildNumber", transition, reason, template_version_id AS "templateVersionId",
            created_at AS "createdAt", workflow_id AS "workflowId", job_id AS "jobId"
       FROM workspace_builds WHERE workspace_id = $1 ORDER BY build_number`,
    [workspaceId],
  );
  return rows as BuildRow[];
}

export async function workspaceRow(pool: Pool, workspaceId: string) {
  const { rows } = await pool.query(
    `SELECT dormant_at AS "dormantAt", deleting_at AS "deletingAt", next_start_at AS "nextStartAt",
            autostart_blocked AS "autostartBlocked", deleted
       FROM workspaces WHERE id = $1`,
    [workspaceId],
  );
  return rows[0] as {
    dormantAt: Date | null;
    deletingAt: Date | null;
    nextStartAt: Date | null;
    autostartBlocked: string | null;
    deleted: boolean;
  };
}
