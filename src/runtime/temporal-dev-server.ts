// The Temporal CLI dev server used when TEMPORAL_ADDRESS is not set: persistent
// SQLite file with WAL pragmas (about 3x the throughput of the defaults,
// docs/benchmarks.md#temporal-on-this-machine), the Web UI, and the project's
// search attributes.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { type defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ConfigError } from './config.js';
import type { Logger } from './logger.js';
import { isPortInUse, isProcessAlive, processCommandLine, stopChild, terminateProcess } from './ports.js';

export interface DevServerOptions {
  cliPath: string;
  dataDir: string;
  ip: string;
  port: number;
  /** null = headless (tests). */
  uiPort: number | null;
  namespace: string;
  searchAttributes: readonly ReturnType<typeof defineSearchAttributeKey>[];
  /** false = in-memory (tests that want speed); default true. */
  persistent?: boolean;
  log: Logger;
}

export interface RunningDevServer {
  address: string;
  uiUrl: string | null;
  pid: number | null;
  stop(): Promise<void>;
}

const SA_TYPE: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

export async function startTemporalDevServer(opts: DevServerOptions): Promise<RunningDevServer> {
  const { ip, port, uiPort, log } = opts;
  const address = `${ip}:${port}`;
  const uiUrl = uiPort === null ? null : `http://${ip === '0.0.0.0' ? 'localhost' : ip}:${uiPort}`;
  const dbFile = join(opts.dataDir, 'temporal.db');
  const pidFile = join(opts.dataDir, 'temporal.pid');

  for (const p of uiPort === null ? [port] : [port, uiPort]) {
    if (!(await isPortInUse(p, ip))) continue;
    const leftover = leftoverServer(pidFile, dbFile);
    if (leftover !== null && p === port) {
      log.info('reusing the Temporal dev server left running on this data folder', { pid: leftover, address });
      await waitUntilServing(address, null, []);
      return {
        address,
        uiUrl,
        pid: leftover,
        stop: async () => {
          await terminateProcess(leftover);
          await rm(pidFile, { force: true });
        },
      };
    }
    if (leftover === null) {
      throw new ConfigError(
        `port ${p} is already in use by another program (not this project's Temporal dev server on ${opts.dataDir}); ` +
          `stop it or set ${p === port ? 'AUTOBUILD_TEMPORAL_PORT' : 'AUTOBUILD_TEMPORAL_UI_PORT'} to a free port`,
      );
    }
  }

  await mkdir(opts.dataDir, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    opts.namespace,
    '--log-level',
    'warn',
    '--log-format',
    'json',
    // The server hands an activity task back in the reply to the workflow task that scheduled it,
    // to the worker that asked (the SDK's default allowEagerDispatch): no task-queue round trip
    // for the build's provisioner activity. Measured in docs/benchmarks.md.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
  ];
  if (opts.persistent !== false) {
    args.push('--db-filename', dbFile, '--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-disable-news-fetch');
  for (const key of opts.searchAttributes) args.push('--search-attribute', `${key.name}=${SA_TYPE[key.type]}`);

  const child = spawn(opts.cliPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr.push(...chunk.split('\n').filter(Boolean));
    if (stderr.length > 50) stderr.splice(0, stderr.length - 50);
  });
  if (opts.persistent !== false) await writeFile(pidFile, JSON.stringify({ pid: child.pid, port, dbFile }));

  try {
    await waitUntilServing(address, child, stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  log.info('Temporal dev server is serving', { address, ui: uiUrl ?? 'headless' });
  return {
    address,
    uiUrl,
    pid: child.pid ?? null,
    stop: async () => {
      await stopChild(child, 10_000);
      await rm(pidFile, { force: true });
    },
  };
}

/** pid of a dev server started by this project on this data folder, still alive, or null. */
function leftoverServer(pidFile: string, dbFile: string): number | null {
  if (!existsSync(pidFile)) return null;
  try {
    const { pid } = JSON.parse(readFileSync(pidFile, 'utf8')) as { pid: number };
    return isProcessAlive(pid) && processCommandLine(pid).includes(dbFile) ? pid : null;
  } catch {
    return null;
  }
}

async function waitUntilServing(address: string, child: ChildProcess | null, stderr: string[], timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      const cause = stderr.find((l) => /address already in use|error|fatal/i.test(l)) ?? stderr.at(-1) ?? `exit code ${child.exitCode}`;
      throw new Error(`the Temporal dev server exited during start: ${cause}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        const res = await connection.healthService.check({});
        if (res.status === 1 /* SERVING */) return;
        lastError = `health status ${res.status}`;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Temporal dev server at ${address} did not report SERVING within ${timeoutMs / 1000}s (${lastError})`);
}
