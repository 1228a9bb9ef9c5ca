// The soak's own processes, each one killable with SIGKILL and restartable on
// the same data: an embedded PostgreSQL cluster, the Temporal dev server on
// its SQLite file, and the engine's worker as `npm start` runs it
// (`node dist/main.js`, against the two). Ports stay fixed across restarts, so
// every client reconnects to the same address.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig, projectRoot } from '../../src/runtime/config.js';
import { startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../src/runtime/logger.js';
import { freePort, isProcessAlive, stopChild } from '../../src/runtime/ports.js';
import { findTemporalCli } from '../../src/runtime/temporal-cli.js';
import { type RunningDevServer, startTemporalDevServer } from '../../src/runtime/temporal-dev-server.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../../src/workflows/search-attributes.js';
import { startScriptNodeFlags } from '../lib/start-script.js';

const quiet = createLogger({ level: 'error', format: 'json', write: (l) => process.stderr.write(`${l}\n`) });

export type ProcessKind = 'worker' | 'postgres' | 'temporal';

export interface SoakProcesses {
  databaseUrl: string;
  adminUrl: string;
  temporalAddress: string;
  taskQueue: string;
  /** Worker exits nobody asked for (each one is restarted). */
  unplannedWorkerExits: number;
  /** The last lines each of those workers logged. */
  unplannedExitLogs: string[];
  startWorker(): Promise<void>;
  /** SIGKILL to the real process (PostgreSQL: the postmaster and every backend). */
  kill(kind: ProcessKind): void;
  /** Starts a killed process again on the same data and port. */
  restart(kind: ProcessKind): Promise<void>;
  /** Lines the worker logged at warn level or above. */
  workerProblems(): string[];
  stop(): Promise<void>;
}

export async function startSoakProcesses(dir: string, database: string): Promise<SoakProcesses> {
  await mkdir(dir, { recursive: true });
  await chmod(dir, 0o755); // as root, PostgreSQL runs as "postgres" and must reach its folder
  const pgDir = join(dir, 'postgres');
  const pgPort = await freePort();
  const temporalPort = await freePort();
  const logFile = join(dir, 'worker.log');
  const taskQueue = 'autobuild-soak';
  const app = await snapshotDist(join(dir, 'app'));

  let pgStop: (() => Promise<void>) | null = null;
  let adminUrl = '';
  const startPostgres = async () => {
    const cluster = await startEmbeddedPostgres({ dir: pgDir, port: pgPort, log: quiet });
    pgStop = cluster.stop;
    adminUrl = cluster.adminUrl;
  };
  const postmasterPid = () => Number(readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);

  let temporal: RunningDevServer | null = null;
  const cliPath = findTemporalCli(loadConfig().temporalCliPath);
  const startTemporal = async () => {
    temporal = await startTemporalDevServer({
      cliPath,
      dataDir: join(dir, 'temporal'),
      ip: '127.0.0.1',
      port: temporalPort,
      uiPort: null,
      namespace: 'default',
      searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
      persistent: true,
      log: quiet,
    });
  };

  await startPostgres();
  await startTemporal();
  const databaseUrl = (() => {
    const u = new URL(adminUrl);
    u.pathname = `/${database}`;
    return u.toString();
  })();

  let worker: ChildProcess | null = null;
  let stopping = false;
  const processes: SoakProcesses = {
    databaseUrl,
    adminUrl,
    temporalAddress: `127.0.0.1:${temporalPort}`,
    taskQueue,
    unplannedWorkerExits: 0,
    unplannedExitLogs: [],
    async startWorker() {
      const from = fileSize(logFile);
      const fd = openSync(logFile, 'a');
      const child = spawn(process.execPath, [...startScriptNodeFlags(), 'dist/main.js'], {
        cwd: app,
        env: workerEnv({
          TEMPORAL_ADDRESS: processes.temporalAddress,
          TEMPORAL_NAMESPACE: 'default',
          DATABASE_URL: databaseUrl,
          AUTOBUILD_DATA_DIR: join(dir, 'worker'),
          AUTOBUILD_TASK_QUEUE: taskQueue,
          AUTOBUILD_API_HOST: '127.0.0.1',
          AUTOBUILD_API_PORT: '0',
          AUTOBUILD_METRICS_PORT: '0',
          AUTOBUILD_SDK_METRICS_PORT: '0',
          AUTOBUILD_PROVISIONER: 'simulated',
          AUTOBUILD_SIMULATED_DURATION: '0',
          LOG_LEVEL: 'info',
          LOG_FORMAT: 'json',
        }),
        stdio: ['ignore', fd, fd],
      });
      closeSync(fd);
      worker = child;
      let exited = false;
      child.once('exit', () => {
        exited = true;
        if (worker !== child || stopping) return;
        // Nobody killed it: count it, and start another (a worker that dies is restarted by its supervisor).
        processes.unplannedWorkerExits++;
        processes.unplannedExitLogs.push(
          readFrom(logFile, from)
            .split('\n')
            .filter(Boolean)
            .slice(-3)
            .map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l))
            .join('\n'),
        );
        worker = null;
        void processes.startWorker().catch((err) => process.stderr.write(`soak: the worker did not restart: ${err}\n`));
      });
      const deadline = Date.now() + 120_000;
      while (!/autobuild is running/.test(readFrom(logFile, from))) {
        if (exited) throw new Error(`the worker exited while starting; see ${logFile}`);
        if (Date.now() > deadline) throw new Error(`the worker did not become ready in 120 s; see ${logFile}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill(kind) {
      if (kind === 'worker') {
        const w = worker;
        worker = null;
        if (w?.pid !== undefined) process.kill(w.pid, 'SIGKILL');
      } else if (kind === 'postgres') {
        const pid = postmasterPid();
        const backends = childrenOf(pid);
        process.kill(pid, 'SIGKILL');
        for (const b of backends) signal(b, 'SIGKILL');
      } else {
        const pid = temporal?.pid;
        if (pid != null) process.kill(pid, 'SIGKILL');
      }
    },
    async restart(kind) {
      if (kind === 'worker') {
        if (worker === null) await processes.startWorker();
        return;
      }
      if (kind === 'postgres') {
        await waitForExit([postmasterPid(), ...childrenOf(postmasterPid())]);
        await startPostgres();
        return;
      }
      const pid = temporal?.pid;
      if (pid != null) await waitForExit([pid]);
      await startTemporal();
    },
    workerProblems() {
      return readFrom(logFile, 0)
        .split('\n')
        .filter((l) => /"level":"(warn|error)"|\b(WARN|ERROR)\b/.test(l))
        .slice(-50)
        .map((l) => (l.length > 300 ? `${l.slice(0, 300)}…` : l));
    },
    async stop() {
      stopping = true;
      if (worker !== null) await stopChild(worker, 40_000);
      await temporal?.stop().catch(() => {});
      await pgStop?.();
    },
  };
  return processes;
}

/**
 * A copy of dist/ that the run's workers start from: `npm run build` deletes and rewrites
 * dist/, and a restart during someone's build must still find the worker it killed.
 * Modules resolve from the project's node_modules, linked beside the copy.
 */
async function snapshotDist(app: string): Promise<string> {
  await cp(join(projectRoot, 'dist'), join(app, 'dist'), { recursive: true });
  await writeFile(join(app, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  await symlink(join(projectRoot, 'node_modules'), join(app, 'node_modules'), 'dir');
  for (const f of ['dist/main.js', 'dist/workflows.bundle.js', 'dist/db/migrations/008_clock.sql']) {
    if (!existsSync(join(app, f))) throw new Error(`dist/ is incomplete (no ${f}): run npm run build first`);
  }
  return app;
}

/** The worker's environment: ours minus anything that would point it at the user's services. */
function workerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (k.startsWith('TEMPORAL_') || k.startsWith('AUTOBUILD_') || k === 'DATABASE_URL' || k.startsWith('OTEL_')) delete env[k];
  }
  return { ...env, ...extra };
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function readFrom(file: string, offset: number): string {
  try {
    return readFileSync(file).subarray(offset).toString('utf8');
  } catch {
    return '';
  }
}

/** Processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitForExit(pids: number[]): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (pids.some((p) => isProcessAlive(p) && !isZombie(p))) {
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} did not exit after SIGKILL`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
