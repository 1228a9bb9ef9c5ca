// Users (docs/rules.md#entities), for the operations module.
import type { QueryResultRow } from 'pg';
import type { Pool, PoolClient } from '../pool.js';

export type UserStatus = 'active' | 'suspended' | 'dormant';

export interface UserRow {
  id: string;
  username: string;
  status: UserStatus;
  quietHoursSchedule: string | null;
  createdAt: Date;
}

const COLUMNS = 'id, username, status, quiet_hours_schedule, created_at';

const toUser = (r: QueryResultRow): UserRow => ({
  id: r.id,
  username: r.username,
  status: r.status,
  quietHoursSchedule: r.quiet_hours_schedule,
  createdAt: r.created_at,
});

export async function insertUser(
  db: Pool | PoolClient,
  u: { username: string; status: UserStatus; quietHoursSchedule: string | null },
): Promise<UserRow | null> {
  const { rows } = await db.query(
    `INSERT INTO users (username, status, quiet_hours_schedule) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO NOTHING RETURNING ${COLUMNS}`,
    [u.username, u.status, u.quietHoursSchedule],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

/**
 * By id (first) or username; `lock: 'share'` keeps the row as read until the caller's transaction ends,
 * `lock: 'update'` also lets the caller change it.
 */
export async function findUser(db: Pool | PoolClient, ref: string, opts: { lock?: 'share' | 'update' } = {}): Promise<UserRow | null> {
  const lock = opts.lock === 'share' ? ' FOR SHARE' : opts.lock === 'update' ? ' FOR UPDATE' : '';
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM users WHERE username = $1 OR id::text = $1 ORDER BY id::text = $1 DESC LIMIT 1${lock}`,
    [ref],
  );
  return rows[0] ? toUser(rows[0]) : null;
}

/** Users by username, after `after` (a username), at most `limit`. */
export async function listUsers(db: Pool | PoolClient, page: { after: string | null; limit: number }): Promise<UserRow[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM users WHERE $1::text IS NULL OR username > $1 ORDER BY username LIMIT $2`, [
    page.after,
    page.limit,
  ]);
  return rows.map(toUser);
}

export async function updateUser(
  db: Pool | PoolClient,
  id: string,
  change: { status?: UserStatus; quietHoursSchedule?: string | null },
): Promise<UserRow> {
  const { rows } = await db.query(
    `UPDATE users
        SET status = CASE WHEN $2 THEN $3 ELSE status END,
            quiet_hours_schedule = CASE WHEN $4 THEN $5 ELSE quiet_hours_schedule END
      WHERE id = $1 RETURNING ${COLUMNS}`,
    [id, change.status !== undefined, change.status ?? null, change.quietHoursSchedule !== undefined, change.quietHoursSchedule ?? null],
  );
  return toUser(rows[0]);
}
