// The last tick the engine completed (migration 009, one row): "down" is
// measured from it (docs/rules.md#catch-up-after-downtime).
import type { Pool, PoolClient } from '../pool.js';

/**
 * Records that the tick at `at` completed: the stored instant only moves
 * forward, so recording a tick twice, or an older manual tick after a newer
 * one, changes nothing.
 */
export async function recordTickCompleted(db: Pool | PoolClient, at: Date): Promise<void> {
  await db.query({
    name: 'record-tick-completed',
    text: `INSERT INTO engine_ticks (id, last_completed_tick) VALUES (true, $1)
           ON CONFLICT (id) DO UPDATE
             SET last_completed_tick = GREATEST(engine_ticks.last_completed_tick, EXCLUDED.last_completed_tick),
                 updated_at = autobuild_now()`,
    values: [at],
  });
}

/** The last completed tick and when it was recorded (database clock), or null before the first. */
export async function findLastCompletedTick(db: Pool | PoolClient): Promise<{ tick: Date; recordedAt: Date } | null> {
  const { rows } = await db.query<{ last_completed_tick: Date; updated_at: Date }>(
    'SELECT last_completed_tick, updated_at FROM engine_ticks',
  );
  const r = rows[0];
  return r === undefined ? null : { tick: r.last_completed_tick, recordedAt: r.updated_at };
}
