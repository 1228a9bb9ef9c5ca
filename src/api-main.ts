// `npm run api`: the HTTP API alone, for deployments that scale it apart from
// the worker (docs/api.md#running-it). It finds the database and Temporal as
// the CLI does: DATABASE_URL and TEMPORAL_ADDRESS (…), else the addresses a
// running `npm start` in this checkout recorded. It applies pending
// migrations (under the migration lock, as the worker does) and serves
// until SIGINT/SIGTERM.
import { once } from 'node:events';
import { Client, Connection } from '@temporalio/client';
import { adviseFirstToken } from './api/first-token.js';
import { startApi } from './api/service.js';
import { resolveConnections } from './cli/connection.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';
import { loadConfig } from './runtime/config.js';
import { createLogger } from './runtime/logger.js';
import { runMain } from './runtime/run-main.js';

await runMain(async () => {
  const config = loadConfig();
  const log = createLogger(config.log);
  const targets = resolveConnections();
  const database = targets.database();
  const temporal = targets.temporal();
  const pool = createPool(database.url, 10, config.database);
  const connection = await Connection.connect({
    address: temporal.address,
    tls: temporal.connectionOptions.tls,
    apiKey: temporal.connectionOptions.apiKey,
    metadata: temporal.connectionOptions.metadata,
  }).catch((err: Error) => {
    throw new Error(`cannot connect to Temporal at ${temporal.address} (from ${temporal.source}): ${err.message}`);
  });
  try {
    await migrate(pool);
    const client = new Client({ connection, namespace: temporal.namespace });
    const api = await startApi({
      pool,
      client,
      taskQueue: temporal.taskQueue,
      log: log.child({ component: 'api' }),
      ...config.api,
      defaultQuietHours: config.defaultQuietHoursSchedule,
      web: { sessionSecret: config.web.sessionSecret, temporalUi: { url: config.web.temporalUiUrl, namespace: temporal.namespace } },
    });
    await adviseFirstToken(pool, log, api.url);
    log.info(`autobuild API is serving; open the dashboard at ${api.url}/ ; press Ctrl-C to stop`, {
      dashboard: `${api.url}/`,
      api: api.url,
      temporal: temporal.address,
      taskQueue: temporal.taskQueue,
    });
    await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
    await api.close();
    log.info('API stopped');
  } finally {
    await connection.close();
    await pool.end();
  }
}, 'autobuild-api');
