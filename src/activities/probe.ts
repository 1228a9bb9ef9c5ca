import type { Pool } from '../db/pool.js';

/** Proves the worker reaches the migrated database: the latest applied migration. */
export function createProbeActivities(pool: Pool) {
  return {
    async latestMigration(): Promise<string> {
      const { rows } = await pool.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY version DESC LIMIT 1');
      return rows[0]?.name ?? 'none';
    },
  };
}
