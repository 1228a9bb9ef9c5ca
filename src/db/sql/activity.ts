// Activity reports, many workspaces at a time (docs/rules.md#activity-bump,
// docs/api.md#activity): one statement reads every reported workspace, one
// statement writes. The write coalesces: a workspace whose last_used_at moved
// less than a minute ago is not written again unless its deadline is bumped,
// so several API processes write each workspace at most about once a minute.
// The bump is a compare-and-set on the latest build and its deadline as read:
// a build that changed meanwhile (a stop, a new start) is left alone.

import type { QueryResultRow } from 'pg';
import type { Transition, Weekday } from '../../lifecycle/index.js';
import type { Pool, PoolClient } from '../pool.js';

/** A reported workspace: an id, or an owner's username and a workspace name. */
export type ActivityRef = { id: string } | { owner: string; name: string };

export interface ActivityRow {
  /** Index of the reference in the input. */
  index: number;
  id: string;
  ownerId: string;
  templateId: string;
  lastUsedAt: Date;
  buildId: string;
  transition: Transition;
  deadline: Date | null;
  maxDeadline: Date | null;
  jobCompleted: boolean;
  ttlMs: number | null;
  autostartSchedule: string | null;
  template: {
    activityBumpMs: number;
    allowUserAutostop: boolean;
    defaultTtlMs: number;
    allowUserAutostart: boolean;
    autostartAllowedDays: Weekday[];
  };
}

/** Exported for the test that every branch is an index lookup. */
export const READ_FOR_ACTIVITY = `
      SELECT i.ord - 1 AS index, w.id, w.owner_id, w.template_id, w.last_used_at, w.ttl_ms, w.autostart_schedule,
             b.id AS build_id, b.transition, b.deadline, b.max_deadline, w.latest_job_completed_at IS NOT NULL AS job_completed,
             t.activity_bump_ms, t.allow_user_autostop, t.default_ttl_ms, t.allow_user_autostart, t.autostart_allowed_days,
             autobuild_now() AS now
        FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS i(id, owner, name, ord)
        -- Two branches, each an index lookup: by id, or by owner and name. (One CASE over
        -- both forms cannot use an index, and scanned every workspace for every report.)
        JOIN LATERAL (
          SELECT w.* FROM workspaces w WHERE i.id IS NOT NULL AND w.id = i.id AND NOT w.deleted
          UNION ALL
          SELECT w.* FROM users u JOIN workspaces w ON w.owner_id = u.id
           WHERE i.id IS NULL AND u.username = i.owner AND lower(w.name) = lower(i.name) AND NOT w.deleted
        ) w ON true
        JOIN templates t ON t.id = w.template_id
        JOIN workspace_builds b ON b.id = w.latest_build_id`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The live workspaces among `refs` (a reference that names none is absent
 * from the answer) and the database clock, in one statement.
 */
export async function readForActivity(db: Pool | PoolClient, refs: readonly ActivityRef[]): Promise<{ rows: ActivityRow[]; now: Date }> {
  const ids: (string | null)[] = [];
  const owners: (string | null)[] = [];
  const names: (string | null)[] = [];
  for (const r of refs) {
    const byId = 'id' in r;
    // A malformed id names no workspace; it must not make the uuid cast fail the whole batch.
    ids.push(byId && UUID.test(r.id) ? r.id : null);
    owners.push(byId ? null : r.owner);
    names.push(byId ? null : r.name);
  }
  const { rows } = await db.query({
    name: 'read-for-activity',
    text: READ_FOR_ACTIVITY,
    values: [ids, owners, names],
  });
  const now = rows.length ? (rows[0].now as Date) : (await db.query<{ now: Date }>('SELECT autobuild_now() AS now')).rows[0]!.now;
  return { rows: rows.map(toActivityRow), now };
}

function toActivityRow(r: QueryResultRow): ActivityRow {
  return {
    index: Number(r.index),
    id: r.id,
    ownerId: r.owner_id,
    templateId: r.template_id,
    lastUsedAt: r.last_used_at,
    buildId: r.build_id,
    transition: r.transition,
    deadline: r.deadline,
    maxDeadline: r.max_deadline,
    jobCompleted: r.job_completed,
    ttlMs: r.ttl_ms === null ? null : Number(r.ttl_ms),
    autostartSchedule: r.autostart_schedule,
    template: {
      activityBumpMs: Number(r.activity_bump_ms),
      allowUserAutostop: r.allow_user_autostop,
      defaultTtlMs: Number(r.default_ttl_ms),
      allowUserAutostart: r.allow_user_autostart,
      autostartAllowedDays: r.autostart_allowed_days as Weekday[],
    },
  };
}

export interface ActivityWrite {
  workspaceId: string;
  /** The new last-used time (never earlier than the stored one: the statement keeps the later). */
  lastUsedAt: Date;
  /** The latest build as read, and its deadline then. */
  buildId: string;
  readDeadline: Date | null;
  /** The bumped deadline, or null for no bump. */
  deadline: Date | null;
}

/** What the statement did to one workspace; absent from the answer = coalesced (nothing written). */
export interface ActivityWritten {
  workspaceId: string;
  lastUsedAt: Date;
  /** True when the deadline was moved (the build was still the one read, with the deadline read). */
  bumped: boolean;
}

/** One statement for the whole batch (one row per workspace; the caller merges duplicates). */
export async function writeActivity(db: Pool | PoolClient, writes: readonly ActivityWrite[]): Promise<ActivityWritten[]> {
  if (writes.length === 0) return [];
  const { rows } = await db.query({
    name: 'write-activity',
    text: `
      WITH r AS (
        SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::timestamptz[], $5::timestamptz[])
                   AS r(workspace_id, last_used_at, build_id, read_deadline, deadline)
      ), touched AS (
        -- The bump's compare-and-set is evaluated on the locked row: the build and deadline
        -- still those read. The summary column moves here, in the same row version, so the
        -- summary trigger that the build's update fires finds nothing left to write.
        UPDATE workspaces w SET
               last_used_at = GREATEST(w.last_used_at, r.last_used_at),
               latest_deadline = CASE WHEN r.deadline IS NOT NULL AND w.latest_build_id = r.build_id
                                           AND w.latest_deadline IS NOT DISTINCT FROM r.read_deadline
                                      THEN r.deadline ELSE w.latest_deadline END
          FROM r
         WHERE w.id = r.workspace_id AND NOT w.deleted
           AND (w.last_used_at < r.last_used_at - interval '1 minute'
                OR (r.deadline IS NOT NULL AND w.latest_build_id = r.build_id
                    AND w.latest_deadline IS NOT DISTINCT FROM r.read_deadline))
        RETURNING w.id, w.last_used_at, r.deadline IS NOT NULL AND w.latest_build_id = r.build_id
                  AND w.latest_deadline = r.deadline AS bump
      ), bumped AS (
        UPDATE workspace_builds b SET deadline = r.deadline
          FROM r JOIN touched t ON t.id = r.workspace_id
         WHERE t.bump AND b.id = r.build_id AND b.deadline IS NOT DISTINCT FROM r.read_deadline
        RETURNING b.workspace_id
      )
      SELECT t.id, t.last_used_at, bb.workspace_id IS NOT NULL AS bumped
        FROM touched t LEFT JOIN bumped bb ON bb.workspace_id = t.id`,
    values: [
      writes.map((w) => w.workspaceId),
      writes.map((w) => w.lastUsedAt),
      writes.map((w) => w.buildId),
      writes.map((w) => w.readDeadline),
      writes.map((w) => w.deadline),
    ],
  });
  return rows.map((r) => ({ workspaceId: r.id, lastUsedAt: r.last_used_at, bumped: r.bumped }));
}
