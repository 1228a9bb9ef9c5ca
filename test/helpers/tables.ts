// Every row of every table, to prove that a refused request changed nothing.
import type { Pool } from '../../src/db/pool.js';

/** Columns a request may write even when it is refused, per table: authenticating touches a token's last use. */
export const WRITTEN_BY_AUTHENTICATION = { api_tokens: ['last_used_at'] };

/** The tables of a database: migrated before its pool is handed out, so read once. */
const tablesOf = new WeakMap<Pool, Promise<string[]>>();

/**
 * Every table of the public schema, all rows as JSON (instants to the
 * microsecond), in a stable order, in one statement: cheap enough to take
 * before and after each of a thousand fuzzed calls. `omit` leaves columns out.
 */
export async function dumpTables(pool: Pool, omit: Record<string, readonly string[]> = {}): Promise<Record<string, unknown[]>> {
  let tables = tablesOf.get(pool);
  if (tables === undefined) {
    tables = pool
      .query<{ name: string }>(
        `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      )
      .then((r) => r.rows.map((row) => row.name));
    tablesOf.set(pool, tables);
  }
  const columns = (await tables).map((name) => {
    const row = (omit[name] ?? []).reduce((expr, column) => `${expr} - '${column}'`, 'to_jsonb(t)');
    return `(SELECT coalesce(jsonb_agg(${row} ORDER BY (${row})::text), '[]') FROM "${name}" t) AS "${name}"`;
  });
  const { rows } = await pool.query<Record<string, unknown[]>>(`SELECT ${columns.join(', ')}`);
  return rows[0]!;
}
