// Everything a workflow asks of the outside world. Workflows import only the
// *type* of this object (import type), never the module.
import type { Client } from '@temporalio/client';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../runtime/logger.js';
import { createProbeActivities } from './probe.js';

export interface ActivityDeps {
  pool: Pool;
  log: Logger;
  /** For hand-offs after commit (starting build workflows). */
  client: Client;
  /** The queue this worker serves; workflows it starts run here too. */
  taskQueue: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createProbeActivities(deps.pool),
  };
}

export type Activities = ReturnType<typeof createActivities>;
