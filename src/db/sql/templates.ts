// Templates and their versions (docs/rules.md#entities), for the operations module.
// Durations are milliseconds, as in the table.

import type { QueryResultRow } from 'pg';
import type { TemplatePolicy, Weekday } from '../../lifecycle/index.js';
import type { Pool, PoolClient } from '../pool.js';

export interface TemplateRow {
  id: string;
  name: string;
  activeVersion: { id: string; name: string };
  policy: TemplatePolicy;
  createdAt: Date;
  updatedAt: Date;
}

export interface VersionRow {
  id: string;
  templateId: string;
  name: string;
  createdAt: Date;
  active: boolean;
}

/** Column of each policy option, in the order of TemplatePolicy. */
export const POLICY_COLUMNS: Record<keyof TemplatePolicy, string> = {
  defaultTtlMs: 'default_ttl_ms',
  activityBumpMs: 'activity_bump_ms',
  allowUserAutostart: 'allow_user_autostart',
  allowUserAutostop: 'allow_user_autostop',
  autostartAllowedDays: 'autostart_allowed_days',
  failureTtlMs: 'failure_ttl_ms',
  timeTilDormantMs: 'time_til_dormant_ms',
  timeTilDormantAutodeleteMs: 'time_til_dormant_autodelete_ms',
  autostopNotifyBeforeMs: 'autostop_notify_before_ms',
  requireActiveVersion: 'require_active_version',
  autostopRequirementDays: 'autostop_requirement_days',
  autostopRequirementWeeks: 'autostop_requirement_weeks',
  catchup: 'catchup',
  catchupWindowMs: 'catchup_window_ms',
  autodeleteNotifyBeforeMs: 'autodelete_notify_before_ms',
};
const POLICY_KEYS = Object.keys(POLICY_COLUMNS) as Array<keyof TemplatePolicy>;

const SELECT = `
  SELECT t.id, t.name, t.created_at, t.updated_at, v.id AS version_id, v.name AS version_name,
         ${POLICY_KEYS.map((k) => `t.${POLICY_COLUMNS[k]}`).join(', ')}
    FROM templates t JOIN template_versions v ON v.id = t.active_version_id`;

function toTemplate(r: QueryResultRow): TemplateRow {
  const policy = Object.fromEntries(POLICY_KEYS.map((k) => [k, r[POLICY_COLUMNS[k]]])) as unknown as TemplatePolicy;
  policy.autostartAllowedDays = r.autostart_allowed_days as Weekday[];
  policy.autostopRequirementDays = r.autostop_requirement_days as Weekday[];
  return {
    id: r.id,
    name: r.name,
    activeVersion: { id: r.version_id, name: r.version_name },
    policy,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Row locks a reader may take: `update` to change the row, `share` to keep it as read until commit. */
export type RowLock = 'update' | 'share';
const BY_REF = 'WHERE t.name = $1 OR t.id::text = $1 ORDER BY t.id::text = $1 DESC LIMIT 1';

/** By id (first) or name. */
export async function findTemplate(db: Pool | PoolClient, ref: string, opts: { lock?: RowLock } = {}): Promise<TemplateRow | null> {
  if (opts.lock === undefined) {
    const { rows } = await db.query(`${SELECT} ${BY_REF}`, [ref]);
    return rows[0] ? toTemplate(rows[0]) : null;
  }
  // The lock first, the read after it: a read that waited for the lock in the same statement
  // (READ COMMITTED) re-checks only the locked row, against its version as it was before the wait,
  // so a promotion committed meanwhile (a new active version) made the template vanish from it.
  const locked = await db.query<{ id: string }>(
    `SELECT t.id FROM templates t ${BY_REF} FOR ${opts.lock === 'update' ? 'UPDATE' : 'SHARE'}`,
    [ref],
  );
  if (locked.rows.length === 0) return null;
  const { rows } = await db.query(`${SELECT} WHERE t.id = $1`, [locked.rows[0]!.id]);
  return rows[0] ? toTemplate(rows[0]) : null;
}

/** Templates by name, after `after` (a name), at most `limit`. */
export async function listTemplates(db: Pool | PoolClient, page: { after: string | null; limit: number }): Promise<TemplateRow[]> {
  const { rows } = await db.query(`${SELECT} WHERE $1::text IS NULL OR t.name > $1 ORDER BY t.name LIMIT $2`, [page.after, page.limit]);
  return rows.map(toTemplate);
}

/** A template with its first version, active (the FK to the version is deferred to commit). */
export async function insertTemplate(
  client: PoolClient,
  t: { name: string; versionName: string; policy: Partial<TemplatePolicy> },
): Promise<string | null> {
  const keys = POLICY_KEYS.filter((k) => t.policy[k] !== undefined);
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO templates (name${keys.map((k) => `, ${POLICY_COLUMNS[k]}`).join('')})
     VALUES ($1${keys.map((_, i) => `, $${i + 2}`).join('')})
     ON CONFLICT (name) DO NOTHING RETURNING id`,
    [t.name, ...keys.map((k) => t.policy[k])],
  );
  const id = rows[0]?.id;
  if (id === undefined) return null;
  const version = await insertVersion(client, id, t.versionName);
  await setActiveVersion(client, id, version!.id);
  return id;
}

export async function updateTemplatePolicy(client: PoolClient, id: string, policy: Partial<TemplatePolicy>): Promise<void> {
  const keys = POLICY_KEYS.filter((k) => policy[k] !== undefined);
  if (keys.length === 0) return;
  await client.query(
    `UPDATE templates SET ${keys.map((k, i) => `${POLICY_COLUMNS[k]} = $${i + 2}`).join(', ')}, updated_at = autobuild_now() WHERE id = $1`,
    [id, ...keys.map((k) => policy[k])],
  );
}

export async function insertVersion(client: PoolClient, templateId: string, name: string): Promise<VersionRow | null> {
  const { rows } = await client.query(
    `INSERT INTO template_versions (template_id, name) VALUES ($1, $2)
     ON CONFLICT (template_id, name) DO NOTHING RETURNING id, template_id, name, created_at`,
    [templateId, name],
  );
  const r = rows[0];
  return r ? { id: r.id, templateId: r.template_id, name: r.name, createdAt: r.created_at, active: false } : null;
}

export async function setActiveVersion(client: PoolClient, templateId: string, versionId: string): Promise<void> {
  await client.query('UPDATE templates SET active_version_id = $2, updated_at = autobuild_now() WHERE id = $1', [templateId, versionId]);
}

/** Versions oldest first; with a page, those after the version `after` (an id), at most `limit`. */
export async function listVersions(
  db: Pool | PoolClient,
  templateId: string,
  page: { after: string | null; limit: number | null } = { after: null, limit: null },
): Promise<VersionRow[]> {
  const { rows } = await db.query(
    `SELECT v.id, v.template_id, v.name, v.created_at, v.id = t.active_version_id AS active
       FROM template_versions v JOIN templates t ON t.id = v.template_id
      WHERE v.template_id = $1
        AND ($2::uuid IS NULL OR (v.created_at, v.name) > (SELECT a.created_at, a.name FROM template_versions a WHERE a.id = $2))
      ORDER BY v.created_at, v.name
      LIMIT $3`,
    [templateId, page.after, page.limit],
  );
  return rows.map((r) => ({ id: r.id, templateId: r.template_id, name: r.name, createdAt: r.created_at, active: r.active }));
}

/** docs/rules.md#other-changes: a changed autodelete setting moves every dormant workspace's deletion date. */
export async function recomputeDeletingAt(client: PoolClient, templateId: string, autodeleteMs: number): Promise<number> {
  const { rowCount } = await client.query(
    `UPDATE workspaces
        SET deleting_at = CASE WHEN $2::bigint > 0 THEN dormant_at + $2::bigint * interval '1 millisecond' END
      WHERE template_id = $1 AND dormant_at IS NOT NULL AND NOT deleted`,
    [templateId, autodeleteMs],
  );
  return rowCount ?? 0;
}

/**
 * docs/rules.md#policy-dry-run-and-timeline: every live workspace of the template last used now (the
 * database clock; never backwards), so that a tighter dormancy threshold counts from now.
 */
export async function resetInactivity(client: PoolClient, templateId: string): Promise<number> {
  const { rowCount } = await client.query(
    `UPDATE workspaces SET last_used_at = greatest(last_used_at, autobuild_now())
      WHERE template_id = $1 AND NOT deleted`,
    [templateId],
  );
  return rowCount ?? 0;
}

/** Workspaces whose autostart cache depends on this template's autostart options, locked. */
export async function lockScheduledWorkspaces(
  client: PoolClient,
  templateId: string,
): Promise<Array<{ id: string; autostartSchedule: string; dormantAt: Date | null }>> {
  const { rows } = await client.query(
    `SELECT id, autostart_schedule, dormant_at FROM workspaces
      WHERE template_id = $1 AND autostart_schedule IS NOT NULL AND NOT deleted
      ORDER BY id FOR UPDATE`,
    [templateId],
  );
  return rows.map((r) => ({ id: r.id, autostartSchedule: r.autostart_schedule, dormantAt: r.dormant_at }));
}
