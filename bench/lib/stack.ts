// The benchmark's own stack, configured as `npm start` runs it but in a data
// folder of its own: the embedded PostgreSQL, the Temporal dev server (SQLite
// file with the WAL pragmas), workers and the API (`npm run api`) as separate
// child processes, so that each one's CPU and memory can be read from /proc.
// With `external`, it uses services that are already running (the test
// suite's) instead.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import pg from 'pg';
import { migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { loadConfig, projectRoot } from '../../src/runtime/config.js';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../src/runtime/logger.js';
import { freePort, stopChild } from '../../src/runtime/ports.js';
import { findTemporalCli } from '../../src/runtime/temporal-cli.js';
import { startTemporalDevServer } from '../../src/runtime/temporal-dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';
import { cpuSeconds, peakRssMb, resetPeakRss, rssMb, treeCpuSeconds } from './proc.js';
import { type RealTemporal, startRealTemporal } from './real-temporal.js';
import { apiScriptNodeFlags, startScriptNodeFlags } from './start-script.js';

export const BENCH_DATA_DIR = join(projectRoot, 'bench', 'data');

const quiet = createLogger({ level: 'warn', format: 'json', write: (l) => process.stderr.write(`${l}\n`) });

export interface BenchPostgres {
  dir: string;
  adminUrl: string;
  /** The postmaster's pid (null for an external cluster). */
  pid: number | null;
  /** Creates (or, with keep, reuses) a migrated database and returns its URL. */
  createDatabase(name: string, opts?: { keep?: boolean }): Promise<string>;
  dropDatabase(name: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startBenchPostgres(opts: { dir?: string; adminUrl?: string } = {}): Promise<BenchPostgres> {
  let adminUrl = opts.adminUrl;
  let stop = async () => {};
  const dir = opts.dir ?? join(BENCH_DATA_DIR, 'seed-cluster');
  let pid: number | null = null;
  if (!adminUrl) {
    await mkdir(dir, { recursive: true });
    await chmod(dir, 0o755); // as root, PostgreSQL runs as "postgres" and must reach its folder
    const cluster = await startEmbeddedPostgres({ dir: join(dir, 'postgres'), port: await freePort(), log: quiet });
    adminUrl = cluster.adminUrl;
    stop = cluster.stop;
    pid = Number(readFileSync(join(dir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  }
  const admin = adminUrl;
  const urlFor = (name: string) => {
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return u.toString();
  };
  return {
    dir,
    adminUrl: admin,
    pid,
    async createDatabase(name, o = {}) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        const exists = (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
        if (exists && !o.keep) await c.query(`DROP DATABASE "${name}" WITH (FORCE)`);
        if (!exists || !o.keep) await c.query(`CREATE DATABASE "${name}"`);
      } finally {
        await c.end();
      }
      const url = urlFor(name);
      const pool = createPool(url, 1);
      try {
        await migrate(pool);
      } finally {
        await pool.end();
      }
      return url;
    },
    async dropDatabase(name) {
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
    stop,
  };
}

export interface WorkerProcess {
  pid: number;
  /** CPU seconds used so far (user + system). */
  cpuSeconds(): number | null;
  peakRssMb(): number | null;
  /** Resident set size now (VmRSS), MB. */
  rssMb(): number | null;
  resetPeakRss(): boolean;
  /** Lines the worker wrote at warn level or above (for the report when something fails). */
  problems(): string[];
  stop(): Promise<void>;
}

export interface ApiProcess extends WorkerProcess {
  /** `http://127.0.0.1:<port>` */
  url: string;
}

export interface Versions {
  node: string;
  temporalSdk: string;
  temporalCli: string | null;
  temporalServer: string | null;
  /** The PostgreSQL of the real Temporal server (null on the dev server, which keeps SQLite). */
  temporalPostgres: string | null;
  postgres: string;
  cpus: number;
  cpuModel: string;
  memoryGb: number;
}

export interface Stack {
  dir: string;
  pg: BenchPostgres;
  temporalAddress: string;
  namespace: string;
  /** The server's pid (dev or real), null for an external server. */
  temporalPid: number | null;
  client: Client;
  /** Server CPU seconds so far (the dev server; the real server and its PostgreSQL), null when external. */
  serverCpuSeconds(): number | null;
  /** PostgreSQL CPU seconds so far (postmaster and its backends), null when external. */
  postgresCpuSeconds(): number | null;
  /** Which Temporal server: the CLI's dev server, or the real one (scripts/temporal-server.mjs) on PostgreSQL. */
  server: BenchServer;
  /** Starts the engine's worker as `npm start` does, against `databaseUrl`. */
  startEngineWorker(opts: EngineWorkerOptions): Promise<WorkerProcess>;
  /** Starts `count` engine workers on one task queue and database at once, read and stopped as one (CPU summed, RSS the largest). */
  startEngineWorkers(count: number, opts: EngineWorkerOptions): Promise<WorkerProcess>;
  /** Starts the worker of the bench-only workflows (floor, naive). */
  startBenchWorker(opts: { taskQueue: string }): Promise<WorkerProcess>;
  /** Starts the HTTP API alone as `npm run api` does (dist/api-main.js), against `databaseUrl`, on a free loopback port. */
  startApi(opts: { databaseUrl: string; taskQueue: string; env?: Record<string, string> }): Promise<ApiProcess>;
  versions(): Promise<Versions>;
  stop(): Promise<void>;
}

export type BenchServer = 'dev' | 'real';
export const BENCH_SERVERS: readonly BenchServer[] = ['dev', 'real'];

export interface EngineWorkerOptions {
  databaseUrl: string;
  taskQueue: string;
  env?: Record<string, string>;
}

export interface StackOptions {
  /** The Temporal dev server (default), or the real server built from source on a PostgreSQL 15 of its own. */
  server?: BenchServer;
  /** Data folder of this run (removed by stop unless keepData). Default bench/data/run-<time> (a temp folder with `external`). */
  dir?: string;
  keepData?: boolean;
  /** Already running services (the test suite's); nothing is started then. */
  external?: { pgAdminUrl: string; temporalAddress: string; temporalCliPath?: string };
  /** Extra environment for every engine worker (experiments: AUTOBUILD_TICK_BATCH_SIZE, NODE_OPTIONS, …). */
  engineEnv?: Record<string, string>;
  /** Extra Node options for every engine worker (profiling: --cpu-prof, --cpu-prof-dir=…). */
  engineNodeArgs?: string[];
  /** Extra Node options for the API process (the activity scenario), e.g. --cpu-prof. */
  apiNodeArgs?: string[];
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  // Worker logs (and, when we start them, the PostgreSQL cluster and the SQLite file) live here.
  const dir =
    opts.dir ??
    (opts.external
      ? await mkdtemp(join(tmpdir(), 'autobuild-bench-'))
      : join(BENCH_DATA_DIR, `run-${new Date().toISOString().replace(/[:.]/g, '-')}`));
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755);
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
    if (!opts.keepData) await rm(dir, { recursive: true, force: true });
  };
  try {
    let cliPath: string | null = opts.external?.temporalCliPath ?? null;
    const pgStack = await startBenchPostgres(opts.external ? { adminUrl: opts.external.pgAdminUrl, dir } : { dir });
    stops.push(pgStack.stop);
    let temporalAddress: string;
    let temporalPid: number | null = null;
    let real: RealTemporal | null = null;
    const server = opts.server ?? 'dev';
    if (opts.external) {
      if (server !== 'dev') throw new Error('the real Temporal server runs only on a stack of its own, not on external services');
      temporalAddress = opts.external.temporalAddress;
    } else if (server === 'real') {
      real = await startRealTemporal({ dir, log: (line) => quiet.info(line) });
      stops.push(real.stop);
      temporalAddress = real.address;
      temporalPid = real.serverPid;
    } else {
      cliPath = findTemporalCli(loadConfig().temporalCliPath);
      const server = await startTemporalDevServer({
        cliPath,
        dataDir: join(dir, 'temporal'),
        ip: '127.0.0.1',
        port: await freePort(),
        uiPort: null,
        namespace: 'default',
        searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
        persistent: true,
        log: quiet,
      });
      stops.push(server.stop);
      temporalAddress = server.address;
      temporalPid = server.pid;
    }
    const connection = await Connection.connect({ address: temporalAddress });
    stops.push(() => connection.close());
    // On shared services (the test suite's), a namespace of our own keeps the
    // engine's tick schedule and workflows apart from everyone else's.
    const namespace = opts.external ? `autobuild-bench-${randomBytes(4).toString('hex')}` : 'default';
    if (opts.external) await registerNamespace(connection, namespace);
    const client = new Client({ connection, namespace });
    const workers = new Set<WorkerProcess>();
    // Worker processes spawned but not ready yet: a stop (Ctrl-C) in that window must end them too.
    const starting = new Set<ChildProcess>();
    stops.push(async () => {
      for (const w of workers) await w.stop();
      await Promise.all([...starting].map((child) => endChild(child)));
    });
    const baseEnv = (extra: Record<string, string>) =>
      workerEnv({ TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_NAMESPACE: namespace, ...extra });
    let workerCount = 0;

    const stack: Stack = {
      dir,
      pg: pgStack,
      temporalAddress,
      namespace,
      temporalPid,
      server,
      client,
      serverCpuSeconds: () => (real ? real.cpuSeconds() : temporalPid === null ? null : cpuSeconds(temporalPid)),
      postgresCpuSeconds: () => (pgStack.pid === null ? null : treeCpuSeconds(pgStack.pid)),
      async startEngineWorker(o) {
        const n = ++workerCount;
        const dataDir = join(dir, `engine-worker-${n}`);
        await mkdir(dataDir, { recursive: true });
        const w = await spawnWorker({
          starting,
          script: 'dist/main.js',
          nodeArgs: [...startScriptNodeFlags(), ...(opts.engineNodeArgs ?? [])],
          logFile: join(dir, `engine-worker-${n}.log`),
          ready: /autobuild is running/,
          env: baseEnv({
            DATABASE_URL: o.databaseUrl,
            AUTOBUILD_DATA_DIR: dataDir,
            AUTOBUILD_TASK_QUEUE: o.taskQueue,
            // npm start serves the API too: on a free port of its own, never the default 7080 a user's service may hold.
            AUTOBUILD_API_HOST: '127.0.0.1',
            AUTOBUILD_API_PORT: String(await freePort()),
            AUTOBUILD_METRICS_PORT: '0',
            AUTOBUILD_SDK_METRICS_PORT: '0',
            AUTOBUILD_PROVISIONER: 'simulated',
            AUTOBUILD_SIMULATED_DURATION: '0',
            LOG_LEVEL: 'info',
            LOG_FORMAT: 'json',
            ...opts.engineEnv,
            ...o.env,
          }),
        });
        workers.add(w);
        const stopW = w.stop;
        w.stop = async () => {
          workers.delete(w);
          await stopW();
        };
        return w;
      },
      async startEngineWorkers(count, o) {
        const started = await Promise.allSettled(Array.from({ length: count }, () => stack.startEngineWorker(o)));
        const ok = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
        const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
        if (failed) {
          await Promise.all(ok.map((w) => w.stop()));
          throw failed.reason;
        }
        return workerGroup(ok);
      },
      async startBenchWorker(o) {
        const n = ++workerCount;
        const w = await spawnWorker({
          starting,
          script: 'bench/worker.ts',
          logFile: join(dir, `bench-worker-${n}.log`),
          ready: /bench worker ready/,
          env: baseEnv({ BENCH_TASK_QUEUE: o.taskQueue }),
        });
        workers.add(w);
        const stopW = w.stop;
        w.stop = async () => {
          workers.delete(w);
          await stopW();
        };
        return w;
      },
      async startApi(o) {
        const n = ++workerCount;
        const dataDir = join(dir, `api-${n}`);
        await mkdir(dataDir, { recursive: true });
        const port = await freePort();
        const w = await spawnWorker({
          starting,
          script: 'dist/api-main.js',
          nodeArgs: [...apiScriptNodeFlags(), ...(opts.apiNodeArgs ?? [])],
          logFile: join(dir, `api-${n}.log`),
          ready: /autobuild API is serving/,
          env: baseEnv({
            DATABASE_URL: o.databaseUrl,
            AUTOBUILD_DATA_DIR: dataDir,
            AUTOBUILD_TASK_QUEUE: o.taskQueue,
            AUTOBUILD_API_HOST: '127.0.0.1',
            AUTOBUILD_API_PORT: String(port),
            LOG_LEVEL: 'info',
            LOG_FORMAT: 'json',
            ...o.env,
          }),
        });
        workers.add(w);
        const stopW = w.stop;
        const api: ApiProcess = {
          ...w,
          url: `http://127.0.0.1:${port}`,
          stop: async () => {
            workers.delete(w);
            await stopW();
          },
        };
        w.stop = api.stop;
        return api;
      },
      async versions() {
        const c = new pg.Client({ connectionString: pgStack.adminUrl });
        await c.connect();
        const { rows } = await c.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
        await c.end();
        const cli = cliPath ? spawnSync(cliPath, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
        const m = /temporal version ([^\s,()]+) \(Server ([^\s,()]+)/.exec(cli);
        const os = await import('node:os');
        const require = createRequire(import.meta.url);
        return {
          node: process.version,
          temporalSdk: (require('@temporalio/worker/package.json') as { version: string }).version,
          temporalCli: m?.[1] ?? null,
          temporalServer: real?.version ?? m?.[2] ?? null,
          temporalPostgres: real?.postgres.version ?? null,
          postgres: rows[0]!.v,
          cpus: os.cpus().length,
          cpuModel: os.cpus()[0]?.model ?? 'unknown',
          memoryGb: Math.round(os.totalmem() / 1e9),
        };
      },
      stop: stopAll,
    };
    return stack;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Several worker processes read and stopped as one: CPU summed, memory the largest's, problems of all. */
function workerGroup(workers: WorkerProcess[]): WorkerProcess {
  const sum = (read: (w: WorkerProcess) => number | null) => {
    const values = workers.map(read);
    return values.some((v) => v === null) ? null : (values as number[]).reduce((a, b) => a + b, 0);
  };
  const max = (read: (w: WorkerProcess) => number | null) => {
    const values = workers.map(read);
    return values.some((v) => v === null) ? null : Math.max(...(values as number[]));
  };
  if (workers.length === 1) return workers[0]!;
  return {
    pid: workers[0]!.pid,
    cpuSeconds: () => sum((w) => w.cpuSeconds()),
    peakRssMb: () => max((w) => w.peakRssMb()),
    rssMb: () => max((w) => w.rssMb()),
    resetPeakRss: () => workers.map((w) => w.resetPeakRss()).every(Boolean),
    problems: () => workers.flatMap((w, i) => w.problems().map((l) => `worker ${i + 1}: ${l}`)),
    stop: async () => {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

/** The environment of a child worker: ours minus anything that would point it at the user's services. */
function workerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('TEMPORAL_') || k.startsWith('AUTOBUILD_') || k === 'DATABASE_URL' || k.startsWith('BENCH_')) delete env[k];
  }
  return { ...env, ...extra };
}

async function spawnWorker(o: {
  /** Holds the child from spawn until it is ready (or failed), so that the stack's stop can end it meanwhile. */
  starting: Set<ChildProcess>;
  script: string;
  nodeArgs?: string[];
  logFile: string;
  ready: RegExp;
  env: NodeJS.ProcessEnv;
}): Promise<WorkerProcess> {
  // Output goes straight to a file: the worker logs a line or more per
  // workspace at info level, and relaying that through this process would
  // cost CPU on the cores being measured.
  const fd = openSync(o.logFile, 'a');
  // The engine's worker runs compiled, as users run it; the bench-only worker is TypeScript.
  const loader = o.script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const child: ChildProcess = spawn(process.execPath, [...(o.nodeArgs ?? []), ...loader, o.script], {
    cwd: projectRoot,
    env: o.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  o.starting.add(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let exitCode: number | null | undefined;
  void exited.then((code) => (exitCode = code));
  const readLog = () => readFileSync(o.logFile, 'utf8');
  const problems = () =>
    stripVTControlCharacters(readLog()) // the Temporal core colours its lines
      .split('\n')
      // Warnings, errors, and the one line a failed start ends with (src/runtime/run-main.ts).
      .filter((l) => /"level":"(warn|error)"|\b(WARN|ERROR)\b|Error:|^autobuild: /.test(l))
      .slice(-200)
      .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
  const deadline = Date.now() + 120_000;
  try {
    while (!o.ready.test(readLog())) {
      if (exitCode !== undefined || Date.now() > deadline) {
        child.kill('SIGKILL');
        const why = exitCode !== undefined ? `exited (${exitCode})` : 'did not become ready in 120 s';
        throw new Error(`${o.script} ${why}; see ${o.logFile}:\n${problems().slice(-5).join('\n')}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    o.starting.delete(child);
  }
  const pid = child.pid!;
  return {
    pid,
    cpuSeconds: () => cpuSeconds(pid),
    peakRssMb: () => peakRssMb(pid),
    rssMb: () => rssMb(pid),
    resetPeakRss: () => resetPeakRss(pid),
    problems,
    stop: () => endChild(child),
  };
}

/** SIGTERM (a worker drains: its shutdown grace is 30 s), SIGKILL after 40 s. */
const endChild = (child: ChildProcess) => stopChild(child, 40_000);

async function registerNamespace(connection: Connection, namespace: string): Promise<void> {
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: proto.google.protobuf.Duration.fromObject({ seconds: 86_400 }),
  });
  // The frontend learns of a new namespace from its cache refresh (seconds).
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      await connection.operatorService.listSearchAttributes({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`namespace ${namespace} did not become usable: ${(err as Error).message}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
