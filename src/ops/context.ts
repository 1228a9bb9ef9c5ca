import type { Client } from '@temporalio/client';
import { inTransaction, type Pool, type PoolClient } from '../db/pool.js';

/** What every operation needs: the database, and Temporal for hand-offs after commit. */
export interface OpsDeps {
  pool: Pool;
  client: Client;
  /** The task queue the workers serve; build workflows are started on it. */
  taskQueue: string;
}

export const transaction = <T>(deps: OpsDeps, fn: (c: PoolClient) => Promise<T>) => inTransaction(deps.pool, fn);
