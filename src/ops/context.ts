import type { Client } from '@temporalio/client';
import { createPool, inTransaction, type Pool, type PoolClient } from '../db/pool.js';

export type { Pool } from '../db/pool.js';

/** What every operation needs: the database, and Temporal for hand-offs after commit. */
export interface OpsDeps {
  pool: Pool;
  client: Client;
  /** The task queue the workers serve; build workflows are started on it. */
  taskQueue: string;
}

export const transaction = <T>(deps: OpsDeps, fn: (c: PoolClient) => Promise<T>) => inTransaction(deps.pool, fn);

/** A connection pool for the operations module, for entry points that have none (the CLI). */
export const openDatabase = (url: string, size: number): Pool => createPool(url, size);

/** One round trip to the database. */
export async function pingDatabase(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}
