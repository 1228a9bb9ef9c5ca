// Starts the embedded services that the configuration does not point elsewhere:
// PostgreSQL when DATABASE_URL is unset, the Temporal dev server when
// TEMPORAL_ADDRESS is unset.
import { join } from 'node:path';
import pg from 'pg';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../workflows/search-attributes.js';
import { type Config, redactUrl, type TemporalTarget } from './config.js';
import { EMBEDDED_DATABASE, ensureDatabase, startEmbeddedPostgres } from './embedded-postgres.js';
import type { Logger } from './logger.js';
import { findTemporalCli } from './temporal-cli.js';
import { startTemporalDevServer } from './temporal-dev-server.js';

export interface Services {
  databaseUrl: string;
  temporal: TemporalTarget;
  uiUrl: string | null;
  stop(): Promise<void>;
}

export async function startServices(config: Config, log: Logger): Promise<Services> {
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  };
  try {
    let databaseUrl = config.databaseUrl;
    if (databaseUrl === null) {
      const cluster = await startEmbeddedPostgres({
        dir: join(config.dataDir, 'postgres'),
        port: config.embeddedPostgresPort,
        log,
      });
      stops.push(cluster.stop);
      await ensureDatabase(cluster.adminUrl, EMBEDDED_DATABASE);
      databaseUrl = cluster.urlFor(EMBEDDED_DATABASE);
    }
    await checkDatabase(databaseUrl);

    let temporal = config.temporal;
    let uiUrl: string | null = null;
    if (temporal === null) {
      const server = await startTemporalDevServer({
        cliPath: findTemporalCli(config.temporalCliPath),
        dataDir: config.dataDir,
        ip: config.devServer.ip,
        port: config.devServer.port,
        uiPort: config.devServer.uiPort,
        namespace: config.temporalNamespace,
        searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
        log,
      });
      stops.push(server.stop);
      temporal = { connectionOptions: { address: server.address }, namespace: config.temporalNamespace };
      uiUrl = server.uiUrl;
    }
    return { databaseUrl, temporal, uiUrl, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Fails with one line naming the (redacted) URL when the database cannot be reached. */
export async function checkDatabase(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (err) {
    throw new Error(`cannot connect to the database at ${redactUrl(url)}: ${(err as Error).message || (err as { code?: string }).code}`);
  } finally {
    await client.end().catch(() => {});
  }
}
