import type { Client } from '@temporalio/client';
import { createPool, inTransaction, type Pool, type PoolClient } from '../db/pool.js';
import { findLastCompletedTick } from '../db/sql/engine-ticks.js';
import { type Actor, cliActor } from './actor.js';

export type { Pool } from '../db/pool.js';

/** What every operation needs: the database, and Temporal for hand-offs after commit. */
export interface OpsDeps {
  pool: Pool;
  client: Client;
  /** The task queue the workers serve; build workflows are started on it. */
  taskQueue: string;
  /** Who the changes are audited under (docs/operations.md#audit-log); default `cli:<operating-system user>`. */
  actor?: Actor;
  /** AUTOBUILD_DEFAULT_QUIET_HOURS, for projections (docs/rules.md#policy-dry-run-and-timeline); absent = the core's default. */
  defaultQuietHoursSchedule?: string;
}

/** The actor that changes made with these dependencies are audited under. */
export const actorOf = (deps: OpsDeps): Actor => deps.actor ?? cliActor();

export const transaction = <T>(deps: OpsDeps, fn: (c: PoolClient) => Promise<T>) => inTransaction(deps.pool, fn);

/** A connection pool for the operations module, for entry points that have none (the CLI). */
export const openDatabase = (url: string, size: number): Pool => createPool(url, size);

/** One round trip to the database. */
export async function pingDatabase(pool: Pool): Promise<void> {
  await pool.query('SELECT 1');
}

/** The last tick the engine completed (docs/rules.md#catch-up-after-downtime), or null before the first. */
export async function lastCompletedTick(pool: Pool): Promise<Date | null> {
  return (await findLastCompletedTick(pool))?.tick ?? null;
}
