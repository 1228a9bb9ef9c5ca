// The outbox's backlog, for the metrics (autobuild_notifications_pending and
// …_oldest_pending_age_seconds): both figures from the partial index on
// undelivered rows (notifications_undelivered_idx), so a scrape costs the
// same however many delivered notifications the table keeps.
import type { Pool } from '../pool.js';

/** The notifications not yet delivered. */
export interface OutboxBacklog {
  pending: number;
  /** Age of the oldest one; 0 when none is pending. */
  oldestAgeSeconds: number;
}

export async function readOutboxBacklog(pool: Pool): Promise<OutboxBacklog> {
  const { rows } = await pool.query<{ pending: number; oldest_age_seconds: number | null }>({
    name: 'outbox-backlog',
    text: `SELECT count(*)::int AS pending, extract(epoch FROM autobuild_now() - min(created_at))::float8 AS oldest_age_seconds
             FROM notifications WHERE delivered_at IS NULL`,
  });
  const r = rows[0]!;
  return { pending: r.pending, oldestAgeSeconds: Math.max(0, r.oldest_age_seconds ?? 0) };
}
