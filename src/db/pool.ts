import pg from 'pg';

/**
 * int8 (bigint) columns hold millisecond durations, far below 2^53: this
 * pool reads them as numbers (set per pool, not on pg's global parsers,
 * which every other client in the process shares).
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/**
 * Limits on every statement of the pool's connections (docs/operations.md#database-timeouts):
 * a statement that runs longer, or waits longer for a lock, is canceled by
 * PostgreSQL (SQLSTATE 57014, 55P03). Absent = no limit (tests, benchmarks' seeding).
 */
export interface PoolTimeouts {
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
}

export function createPool(connectionString: string, max = 10, timeouts: PoolTimeouts = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: 'autobuild',
    types,
    // Sent in the connection's start-up packet: set for the whole session, before its first statement.
    ...(timeouts.statementTimeoutMs ? { statement_timeout: timeouts.statementTimeoutMs } : {}),
    ...(timeouts.lockTimeoutMs ? { lock_timeout: timeouts.lockTimeoutMs } : {}),
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return pool;
}

/** Runs fn in a transaction; rolls back on any error. */
export async function inTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
  isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED',
): Promise<T> {
  const client = await pool.connect();
  // A checked-out client has no 'error' listener of the pool's: a connection lost mid-transaction
  // (a database restart, a reset) would emit one after the failed statement and end the process.
  // The failure reaches us through the statement in flight or the next one; the pool drops the client.
  const ignore = () => {};
  client.on('error', ignore);
  try {
    await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.removeListener('error', ignore);
    client.release();
  }
}
