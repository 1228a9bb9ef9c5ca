// The API wired to its dependencies: the operations module over a pool and a
// Temporal client, readiness probes, and the listening server.

import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { createOps, type Pool, pingDatabase } from '../ops/index.js';
import type { Logger } from '../runtime/logger.js';
import { createApp } from './app.js';
import { type ApiServer, listen } from './server.js';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface ApiServiceOptions {
  pool: Pool;
  client: Client;
  taskQueue: string;
  log: Logger;
  host: string;
  port: number;
  defaultQuietHours: string;
}

export async function startApi(o: ApiServiceOptions): Promise<ApiServer> {
  const ops = createOps({ pool: o.pool, client: o.client, taskQueue: o.taskQueue });
  const app = createApp({
    ops,
    log: o.log,
    defaultQuietHours: o.defaultQuietHours,
    version,
    async ready() {
      await pingDatabase(o.pool);
      await o.client.connection.workflowService.getSystemInfo({});
    },
  });
  return listen(app, o.host, o.port);
}
