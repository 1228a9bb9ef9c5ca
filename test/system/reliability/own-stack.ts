// Services of a reliability case's own, for the cases that kill or stop them
// (issue 23, cases 1 and 3): an embedded PostgreSQL cluster and a Temporal dev
// server in a temporary folder, each restartable on the same data (the same
// cluster folder and port; the same SQLite file and port, so the dev server
// keeps its history), and engines run as `npm start` runs them (`node
// dist/main.js`, test/helpers/processes.ts) against them. "Kill" is SIGKILL to
// the real processes: PostgreSQL's postmaster with every backend, the dev
// server's one process, the engine's node process.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import pg from 'pg';
import { inject } from 'vitest';
import { migrate } from '../../../src/db/migrate.js';
import { createPool, type Pool } from '../../../src/db/pool.js';
import { startEmbeddedPostgres } from '../../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../../src/runtime/logger.js';
import { freePort, isProcessAlive } from '../../../src/runtime/ports.js';
import { ensureTickSchedule, pauseTickSchedule, TICK_SCHEDULE_ID } from '../../../src/runtime/schedule.js';
import { type RunningDevServer, startTemporalDevServer } from '../../../src/runtime/temporal-dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../../src/workflows/search-attributes.js';
import { cleanEnv, type Spawned, spawnMain } from '../../helpers/processes.js';

const quiet = createLogger({ level: 'error', format: 'json' });

/** A temporary folder PostgreSQL (run as "postgres" when we are root) can reach. */
export async function caseDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `autobuild-${prefix}-`));
  await chmod(dir, 0o755);
  return dir;
}

/** Sends SIGKILL to a process and all its descendants at once (children found through /proc). */
export function killTree(pid: number): number[] {
  const all = [pid, ...descendants(pid)];
  for (const p of all) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  return all;
}

function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parentOf.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const found: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const p = queue.shift()!;
    for (const [child, parent] of parentOf) {
      if (parent === p) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

async function waitGone(pids: number[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(isProcessAlive)) {
    if (Date.now() > deadline) throw new Error(`processes ${pids.filter(isProcessAlive).join(', ')} still alive after SIGKILL`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface OwnPostgres {
  adminUrl: string;
  /** The postmaster's pid. */
  pid(): number;
  /** A new migrated database in the cluster; its URL. */
  createDatabase(prefix: string): Promise<string>;
  /** SIGKILL to the postmaster and every backend, as a crash of its machine would end them. */
  kill(): Promise<void>;
  /** Starts the cluster again on the same folder and port (crash recovery replays its WAL). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnPostgres(dir: string): Promise<OwnPostgres> {
  const clusterDir = join(dir, 'postgres');
  const port = await freePort();
  let cluster = await startEmbeddedPostgres({ dir: clusterDir, port, log: quiet });
  let killed = false;
  const pid = () => Number(readFileSync(join(clusterDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const urlFor = (name: string) => {
    const u = new URL(cluster.adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return {
    adminUrl: cluster.adminUrl,
    pid,
    async createDatabase(prefix) {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: cluster.adminUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const pool = createPool(urlFor(name), 1);
      try {
        await migrate(pool);
      } finally {
        await pool.end();
      }
      return urlFor(name);
    },
    async kill() {
      await waitGone(killTree(pid()));
      killed = true;
    },
    async restart() {
      // The killed cluster's own stop would wait for an exit that already happened: it is dropped.
      cluster = await startEmbeddedPostgres({ dir: clusterDir, port, log: quiet });
      killed = false;
    },
    async stop() {
      if (!killed) await cluster.stop();
    },
  };
}

export interface OwnDevServer {
  address: string;
  pid(): number;
  /** SIGKILL to the dev server. */
  kill(): Promise<void>;
  /** Stops it as an operator would (SIGTERM). */
  stop(): Promise<void>;
  /** Starts it again on the same SQLite file and port: its namespaces, workflows and schedules are kept. */
  restart(): Promise<void>;
}

export async function startOwnDevServer(dir: string): Promise<OwnDevServer> {
  const port = await freePort();
  const start = () =>
    startTemporalDevServer({
      cliPath: inject('temporalCliPath'),
      dataDir: join(dir, 'temporal'),
      ip: '127.0.0.1',
      port,
      uiPort: null,
      namespace: 'default',
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
      persistent: true,
      log: quiet,
    });
  let server: RunningDevServer | null = await start();
  return {
    address: server.address,
    pid: () => server?.pid ?? 0,
    async kill() {
      const pid = server?.pid;
      if (!pid) return;
      await waitGone(killTree(pid));
      server = null;
    },
    async stop() {
      await server?.stop();
      server = null;
    },
    async restart() {
      server = await start();
    },
  };
}

export interface Engine {
  pid: number;
  process: Spawned;
  alive(): boolean;
  /** Lines the engine logged at warn or error level, or that are not JSON (a crash). */
  problems(): string[];
  kill(): Promise<void>;
  /** SIGTERM: the worker drains and the process ends. */
  stop(): Promise<void>;
}

export interface EngineOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  dataDir: string;
  env?: Record<string, string>;
}

/** `npm start` against the case's services: its API and metrics on free ports, the simulated provisioner. */
export async function startEngine(o: EngineOptions): Promise<Engine> {
  await mkdir(o.dataDir, { recursive: true });
  const spawned = spawnMain(
    cleanEnv({
      DATABASE_URL: o.databaseUrl,
      TEMPORAL_ADDRESS: o.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      AUTOBUILD_TASK_QUEUE: o.taskQueue,
      AUTOBUILD_DATA_DIR: o.dataDir,
      AUTOBUILD_PROVISIONER: 'simulated',
      LOG_LEVEL: 'info',
      ...o.env,
    }),
  );
  await spawned.waitFor(/autobuild is running/, 120_000);
  const pid = spawned.child.pid!;
  const alive = () => spawned.child.exitCode === null && spawned.child.signalCode === null;
  return {
    pid,
    process: spawned,
    alive,
    problems: () =>
      spawned
        .output()
        .split('\n')
        .filter((l) => l.trim() !== '' && (!l.startsWith('{') || /"level":"(warn|error)"/.test(l)))
        .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)),
    async kill() {
      if (!alive()) return;
      process.kill(pid, 'SIGKILL');
      await spawned.exited;
    },
    async stop() {
      if (!alive()) return;
      spawned.child.kill('SIGTERM');
      const timer = setTimeout(() => spawned.child.kill('SIGKILL'), 40_000);
      await spawned.exited;
      clearTimeout(timer);
    },
  };
}

/** A client of the dev server's default namespace. */
export async function connectClient(address: string): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: 'default' }), close: () => connection.close() };
}

/**
 * Creates the engine's tick Schedule paused, before any engine runs: the
 * engine's own start then only updates it (a restart keeps a pause), and no
 * tick at a real minute ever runs besides the test's explicit ones.
 */
export async function pausedTickSchedule(client: Client, taskQueue: string): Promise<void> {
  await ensureTickSchedule(client, taskQueue);
  await pauseTickSchedule(client, 'reliability test: explicit ticks only');
  // A run the Schedule started between its creation and the pause has no worker yet: it is ended.
  const d = await client.schedule.getHandle(TICK_SCHEDULE_ID).describe();
  for (const run of d.info.runningActions) await client.workflow.getHandle(run.workflow.workflowId).terminate('before the test');
}

/** A pool of the case's own to the engine's database (its errors while PostgreSQL is down are the queries'). */
export const poolOf = (url: string): Pool => createPool(url, 4);

/** Waits until `condition` holds, polling; errors meanwhile (a service restarting) count as "not yet". */
export async function waitUntil(what: string, condition: () => Promise<boolean>, timeoutMs = 120_000, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await condition()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** A seeded generator (mulberry32): the same seed draws the same kill points. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RELIABILITY_SEED when set (to rerun a failure), else a random seed; printed either way. */
export function caseSeed(name: string): number {
  const given = process.env.RELIABILITY_SEED;
  if (given !== undefined && given !== '' && !/^\d+$/.test(given)) {
    throw new Error(`RELIABILITY_SEED must be a whole number (the seed a previous run printed), got "${given}"`);
  }
  const seed = given ? Number(given) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  console.log(`${name}: seed ${seed} (rerun with RELIABILITY_SEED=${seed})`);
  return seed;
}
