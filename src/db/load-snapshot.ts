// Row <-> snapshot mapping: one read of a workspace with its owner, template,
// latest build and job, shaped as the pure core's WorkspaceSnapshot plus the
// ids and names that the I/O layers need.

import type { QueryResultRow } from 'pg';
import { AUTOSTART_SEARCH_DAYS, deriveJobStatus, type Weekday, type WorkspaceSnapshot } from '../lifecycle/index.js';
import type { Pool, PoolClient } from './pool.js';

export interface LoadedWorkspace {
  snapshot: WorkspaceSnapshot;
  /** The outcome (JSON) that an earlier attempt of the evaluation named by `evaluationKey` committed, or null. */
  earlier: unknown;
  /** The database clock (`autobuild_now()`) as of the reading transaction's start: never the worker's clock. */
  readAt: Date;
  workspaceName: string;
  deleted: boolean;
  autostartBlocked: string | null;
  ownerId: string;
  ownerName: string;
  quietHoursSchedule: string | null;
  templateId: string;
  templateName: string;
  activeVersionId: string;
  latestBuild: {
    id: string;
    jobId: string;
    reason: 'initiator' | 'autostart' | 'autostop' | 'dormancy' | 'autodelete';
    templateVersionId: string;
    initiatorId: string;
    workflowId: string | null;
    jobStartedAt: Date | null;
    jobError: string | null;
  };
}

export type LockMode = 'none' | 'wait' | 'skip';

/** Returned (lock 'skip' only) when another transaction holds the workspace row. */
export const LOCKED = 'locked' as const;

/** Holidays are read this far ahead of the database clock: the autostart search's reach (docs/rules.md#holiday-calendars). */
const HOLIDAY_LOOKAHEAD_DAYS = AUTOSTART_SEARCH_DAYS;

const SELECT_ROWS = `
  SELECT w.id, w.name, w.autostart_schedule, w.ttl_ms, w.last_used_at, w.dormant_at, w.deleting_at,
         w.next_start_at, w.automatic_updates, w.deleted, w.autostart_blocked,
         u.id AS owner_id, u.username, u.status AS owner_status, u.quiet_hours_schedule,
         t.id AS template_id, t.name AS template_name, t.active_version_id,
         t.default_ttl_ms, t.activity_bump_ms, t.allow_user_autostart, t.allow_user_autostop,
         t.autostart_allowed_days, t.failure_ttl_ms, t.time_til_dormant_ms, t.time_til_dormant_autodelete_ms,
         t.autostop_notify_before_ms, t.require_active_version, t.autostop_requirement_days,
         t.autostop_requirement_weeks, t.catchup, t.catchup_window_ms, t.autodelete_notify_before_ms,
         w.autostart_paused, w.autostart_paused_until, w.autostart_pause_note, w.autostart_paused_by,
         w.autostart_skip_at, w.notified_deleting_at,
         (SELECT json_agg(json_build_object('date', hd.date::text, 'name', hd.name, 'calendar', c.name) ORDER BY hd.date, c.name)
            FROM holiday_dates hd JOIN holiday_calendars c ON c.id = hd.calendar_id
           WHERE hd.calendar_id IN (SELECT tc.calendar_id FROM template_calendars tc WHERE tc.template_id = t.id
                                    UNION SELECT uc.calendar_id FROM user_calendars uc WHERE uc.user_id = u.id)
             AND hd.date BETWEEN (autobuild_now() - interval '2 days')::date
                             AND (autobuild_now() + ${HOLIDAY_LOOKAHEAD_DAYS + 2} * interval '1 day')::date) AS holidays,
         (SELECT et.last_completed_tick FROM engine_ticks et) AS last_completed_tick,
         b.id AS build_id, b.build_number, b.transition, b.reason, b.created_at AS build_created_at,
         b.deadline, b.max_deadline, b.notified_autostop_deadline, b.template_version_id,
         b.initiator_id, b.workflow_id,
         j.id AS job_id, j.started_at, j.completed_at, j.canceled_at, j.error,
         (SELECT e.outcome FROM evaluations e WHERE e.key = $2) AS earlier,
         autobuild_now() AS read_at
    FROM workspaces w
    JOIN users u ON u.id = w.owner_id
    JOIN templates t ON t.id = w.template_id
    JOIN workspace_builds b ON b.id = w.latest_build_id
    JOIN provisioner_jobs j ON j.id = b.job_id`;

const SELECT = `${SELECT_ROWS}
   WHERE w.id = $1`;

/**
 * Loads a workspace that has at least one build. Returns null when there is no
 * such workspace (or it has no build yet), and LOCKED when `lock: 'skip'` finds
 * the row held by another transaction. With a lock, call it inside a transaction.
 */
export async function loadSnapshot(
  db: Pool | PoolClient,
  workspaceId: string,
  opts: { lock?: LockMode; evaluationKey?: string | null } = {},
): Promise<LoadedWorkspace | null | typeof LOCKED> {
  const lock = opts.lock ?? 'none';
  if (lock === 'wait') {
    // The lock first, the read after it: a read that waited for the lock in the same statement
    // (READ COMMITTED) re-checks only the locked row, against the other rows as they were before
    // the wait, so a build committed meanwhile (the tick's) made the workspace vanish from it.
    const locked = await db.query({
      name: 'lock-workspace',
      text: 'SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE',
      values: [workspaceId],
    });
    if (locked.rowCount === 0) return null;
  }
  // Named: each connection plans this join once (a point lookup by id; the generic plan is the same).
  const { rows } = await db.query({
    name: lock === 'skip' ? 'load-snapshot-skip' : 'load-snapshot',
    text: lock === 'skip' ? `${SELECT} FOR UPDATE OF w SKIP LOCKED` : SELECT,
    values: [workspaceId, opts.evaluationKey ?? null],
  });
  const row = rows[0];
  if (!row) {
    if (lock !== 'skip') return null;
    const exists = await db.query('SELECT 1 FROM workspaces WHERE id = $1 AND latest_build_id IS NOT NULL', [workspaceId]);
    return exists.rowCount ? LOCKED : null;
  }
  return toLoadedWorkspace(row);
}

/**
 * Every live workspace of a template that has a build, in id order, in one statement (one consistent
 * snapshot): the policy dry-run (docs/rules.md#policy-dry-run-and-timeline) reads what the engine reads.
 */
export async function loadTemplateSnapshots(db: Pool | PoolClient, templateId: string): Promise<LoadedWorkspace[]> {
  const { rows } = await db.query({
    name: 'load-template-snapshots',
    text: `${SELECT_ROWS}
   WHERE w.template_id = $1 AND NOT w.deleted
   ORDER BY w.id`,
    values: [templateId, null],
  });
  return rows.map(toLoadedWorkspace);
}

/**
 * The inputs of what autobuild does beyond Coder, each only when it is in use,
 * so a workspace that uses none of it reads exactly as before.
 */
function beyondCoder(r: QueryResultRow): Pick<WorkspaceSnapshot, 'holidays' | 'lastCompletedTick'> & {
  workspace: Pick<WorkspaceSnapshot['workspace'], 'autostartPause' | 'autostartSkipAt' | 'notifiedDeletingAt'>;
  template: Pick<WorkspaceSnapshot['template'], 'catchup' | 'catchupWindowMs' | 'autodeleteNotifyBeforeMs'>;
} {
  const workspace: ReturnType<typeof beyondCoder>['workspace'] = {};
  if (r.autostart_paused) {
    workspace.autostartPause = { until: r.autostart_paused_until, note: r.autostart_pause_note, by: r.autostart_paused_by };
  }
  if (r.autostart_skip_at !== null) workspace.autostartSkipAt = r.autostart_skip_at;
  if (r.notified_deleting_at !== null) workspace.notifiedDeletingAt = r.notified_deleting_at;
  const template: ReturnType<typeof beyondCoder>['template'] = {};
  if (r.catchup !== 'all') {
    template.catchup = r.catchup;
    template.catchupWindowMs = r.catchup_window_ms;
  }
  if (r.autodelete_notify_before_ms > 0) template.autodeleteNotifyBeforeMs = r.autodelete_notify_before_ms;
  const out: ReturnType<typeof beyondCoder> = { workspace, template };
  if (r.holidays !== null) out.holidays = r.holidays;
  if (r.last_completed_tick !== null) out.lastCompletedTick = r.last_completed_tick;
  return out;
}

function toLoadedWorkspace(r: QueryResultRow): LoadedWorkspace {
  const extra = beyondCoder(r);
  return {
    snapshot: {
      workspace: {
        id: r.id,
        autostartSchedule: r.autostart_schedule,
        ttlMs: r.ttl_ms,
        lastUsedAt: r.last_used_at,
        dormantAt: r.dormant_at,
        deletingAt: r.deleting_at,
        nextStartAt: r.next_start_at,
        automaticUpdates: r.automatic_updates,
        ...extra.workspace,
      },
      owner: { status: r.owner_status },
      template: {
        defaultTtlMs: r.default_ttl_ms,
        activityBumpMs: r.activity_bump_ms,
        allowUserAutostart: r.allow_user_autostart,
        allowUserAutostop: r.allow_user_autostop,
        autostartAllowedDays: r.autostart_allowed_days as Weekday[],
        failureTtlMs: r.failure_ttl_ms,
        timeTilDormantMs: r.time_til_dormant_ms,
        timeTilDormantAutodeleteMs: r.time_til_dormant_autodelete_ms,
        autostopNotifyBeforeMs: r.autostop_notify_before_ms,
        requireActiveVersion: r.require_active_version,
        autostopRequirementDays: r.autostop_requirement_days as Weekday[],
        autostopRequirementWeeks: r.autostop_requirement_weeks,
        ...extra.template,
      },
      latestBuild: {
        buildNumber: r.build_number,
        transition: r.transition,
        createdAt: r.build_created_at,
        deadline: r.deadline,
        maxDeadline: r.max_deadline,
        notifiedAutostopDeadline: r.notified_autostop_deadline,
      },
      latestJob: {
        status: deriveJobStatus({ startedAt: r.started_at, completedAt: r.completed_at, canceledAt: r.canceled_at, error: r.error }),
        completedAt: r.completed_at,
        canceledAt: r.canceled_at,
      },
      ...(extra.holidays !== undefined && { holidays: extra.holidays }),
      ...(extra.lastCompletedTick !== undefined && { lastCompletedTick: extra.lastCompletedTick }),
    },
    earlier: r.earlier,
    readAt: r.read_at,
    workspaceName: r.name,
    deleted: r.deleted,
    autostartBlocked: r.autostart_blocked,
    ownerId: r.owner_id,
    ownerName: r.username,
    quietHoursSchedule: r.quiet_hours_schedule,
    templateId: r.template_id,
    templateName: r.template_name,
    activeVersionId: r.active_version_id,
    latestBuild: {
      id: r.build_id,
      jobId: r.job_id,
      reason: r.reason,
      templateVersionId: r.template_version_id,
      initiatorId: r.initiator_id,
      workflowId: r.workflow_id,
      jobStartedAt: r.started_at,
      jobError: r.error,
    },
  };
}
