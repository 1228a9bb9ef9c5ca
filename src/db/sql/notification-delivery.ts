// The outbox's delivery statements: claim due rows under a lease, then record
// each send's outcome. Claiming with SKIP LOCKED and a lease means concurrent
// deliverers (one per worker, woken by NOTIFY or by its sweep) never send the
// same notification at the same moment; a crashed deliverer's lease expires.
import type { Pool } from '../pool.js';
import { storableText } from '../text.js';

export interface OutboxRow {
  id: string;
  kind: string;
  workspaceId: string;
  userId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  attempts: number;
}

export async function claimDueNotifications(pool: Pool, limit: number, leaseMs: number): Promise<OutboxRow[]> {
  const { rows } = await pool.query(
    `UPDATE notifications n
        SET next_attempt_at = autobuild_now() + $2 * interval '1 millisecond'
      WHERE n.id IN (
              SELECT id FROM notifications
               WHERE delivered_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= autobuild_now())
               ORDER BY created_at
               LIMIT $1
               FOR UPDATE SKIP LOCKED)
      RETURNING n.id, n.kind, n.workspace_id, n.user_id, n.payload, n.created_at, n.attempts`,
    [limit, leaseMs],
  );
  return rows
    .map((r) => ({
      id: r.id,
      kind: r.kind,
      workspaceId: r.workspace_id,
      userId: r.user_id,
      payload: r.payload,
      createdAt: r.created_at,
      attempts: r.attempts,
    }))
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
}

export async function markNotificationDelivered(pool: Pool, id: string): Promise<void> {
  await pool.query(
    `UPDATE notifications SET delivered_at = autobuild_now(), attempts = attempts + 1, last_error = NULL, next_attempt_at = NULL
      WHERE id = $1 AND delivered_at IS NULL`,
    [id],
  );
}

/** Records a failed send and when to try again (the database clock plus `retryInMs`). */
export async function markNotificationFailed(pool: Pool, id: string, error: string, retryInMs: number): Promise<void> {
  await pool.query(
    `UPDATE notifications
        SET attempts = attempts + 1, last_error = $2, next_attempt_at = autobuild_now() + $3 * interval '1 millisecond'
      WHERE id = $1 AND delivered_at IS NULL`,
    [id, storableText(error).slice(0, 2000), retryInMs],
  );
}

/**
 * How long until the earliest undelivered notification becomes due (0 when
 * one is due now), or null when none is waiting. Measured by the database
 * clock, which stamped the due instants: the worker's own clock may differ.
 */
export async function msUntilNextNotification(pool: Pool): Promise<number | null> {
  const { rows } = await pool.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM min(COALESCE(next_attempt_at, created_at)) - autobuild_now()) * 1000)::float8 AS ms
       FROM notifications WHERE delivered_at IS NULL`,
  );
  const ms = rows[0]?.ms ?? null;
  return ms === null ? null : Math.max(0, ms);
}
