// The API wired to its dependencies: the operations module over a pool and a
// Temporal client, readiness probes, and the listening server, which also
// serves the web dashboard.

import { createRequire } from 'node:module';
import type { Client } from '@temporalio/client';
import { createOps, type Pool, pingDatabase } from '../ops/index.js';
import type { Logger } from '../runtime/logger.js';
import { type WebOptions, withDashboard } from '../web/serve.js';
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
  /** The web dashboard served beside the API (README.md#web-dashboard); default: a random session key, no Temporal UI link. */
  web?: WebOptions;
}

export async function startApi(o: ApiServiceOptions): Promise<ApiServer> {
  const ops = createOps({ pool: o.pool, client: o.client, taskQueue: o.taskQueue, defaultQuietHoursSchedule: o.defaultQuietHours });
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
  return listen(
    withDashboard(
      app,
      o.web ?? { sessionSecret: null, temporalUi: { url: null, namespace: 'default' } },
      o.log.child({ component: 'dashboard' }),
    ),
    o.host,
    o.port,
  );
}
