// The real Temporal server (scripts/temporal-server.mjs) on a PostgreSQL
// cluster of the operating system's, on free ports, with the namespace and
// the engine's search attributes registered: what the system suite and
// `npm run bench -- rush --server real` run the engine against.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import {
  buildTemporalServer,
  logTail,
  type RunningTemporalServer,
  registerNamespace,
  setupTemporalSchema,
  startTemporalServer,
  TEMPORAL_SERVER_VERSION,
  type TemporalServerPorts,
} from '../../scripts/temporal-server.mjs';
import { freePort, isPortInUse } from '../../src/runtime/ports.js';
import { registerSearchAttributes } from '../../src/runtime/temporal.js';
import { cpuSeconds, treeCpuSeconds } from './proc.js';
import { type SystemPostgres, startSystemPostgres } from './system-postgres.js';

export { TEMPORAL_SERVER_VERSION };

export interface RealTemporal {
  /** host:port of the frontend */
  address: string;
  namespace: string;
  version: string;
  /** The cluster holding Temporal's databases (temporal, temporal_visibility). */
  postgres: SystemPostgres;
  serverPid: number;
  /** CPU seconds of the server and of its PostgreSQL (the dev server keeps its SQLite in its own process). */
  cpuSeconds(): number | null;
  /** The last lines of the server's and its PostgreSQL's logs, for a failure report. */
  logTails(lines?: number): string;
  stop(): Promise<void>;
}

export interface RealTemporalOptions {
  /** Folder for the server's log and, unless `postgres` is given, its PostgreSQL cluster; must be reachable by the postgres user. */
  dir: string;
  namespace?: string;
  /** A cluster to put Temporal's databases in (the system suite shares one with the engine); default: a new one, stopped with the server. */
  postgres?: SystemPostgres;
  log?: (line: string) => void;
}

export async function startRealTemporal(opts: RealTemporalOptions): Promise<RealTemporal> {
  const log = opts.log ?? (() => {});
  const namespace = opts.namespace ?? 'default';
  await buildTemporalServer({ log });
  const ownPostgres = opts.postgres === undefined;
  const postgres = opts.postgres ?? (await startSystemPostgres({ dir: join(opts.dir, 'temporal-postgres') }));
  let server: RunningTemporalServer | null = null;
  const stop = async () => {
    await server?.stop();
    if (ownPostgres) await postgres.stop();
  };
  try {
    const role = await postgres.createRole('temporal', { createdb: true });
    const target = { host: postgres.host, port: postgres.port, ...role };
    await setupTemporalSchema({ ...target, log });
    // The server binds eight ports; one taken between choosing and binding fails the start: try again on others.
    for (let attempt = 1; server === null; attempt++) {
      const logFile = join(opts.dir, `temporal-server-${attempt}.log`);
      try {
        server = await startTemporalServer({ ...target, ports: await freePorts(), logFile });
      } catch (err) {
        log(`temporal server: start ${attempt} of 3 failed: ${(err as Error).message}`);
        if (attempt === 3) throw err;
      }
    }
    const running = server;
    log(`temporal server ${TEMPORAL_SERVER_VERSION}: serving on ${running.address}`);
    await registerNamespace({ address: running.address, namespace });
    await registerEngineSearchAttributes(running.address, namespace);
    return {
      address: running.address,
      namespace,
      version: TEMPORAL_SERVER_VERSION,
      postgres,
      serverPid: running.pid,
      cpuSeconds: () => {
        const s = cpuSeconds(running.pid);
        const p = treeCpuSeconds(postgres.pid);
        return s === null || p === null ? null : s + p;
      },
      logTails: (lines = 40) =>
        `--- Temporal server (${running.logFile}), last ${lines} lines\n${logTail(running.logFile, lines)}\n` +
        `--- its PostgreSQL, last ${lines} lines\n${postgres.logTail(lines)}`,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Free ports for the eight listeners. The membership ports stay below 32768:
 * the server records them in a smallint column, and the kernel's ephemeral
 * ports (freePort's) are above that.
 */
async function freePorts(): Promise<TemporalServerPorts> {
  const taken = new Set<number>();
  const next = async (membership: boolean) => {
    for (;;) {
      const p = membership ? 20_000 + randomInt(12_000) : await freePort();
      if (!taken.has(p) && !(await isPortInUse(p))) {
        taken.add(p);
        return p;
      }
    }
  };
  return {
    frontend: await next(false),
    frontendMembership: await next(true),
    history: await next(false),
    historyMembership: await next(true),
    matching: await next(false),
    matchingMembership: await next(true),
    worker: await next(false),
    workerMembership: await next(true),
  };
}

/**
 * The engine's search attributes, as its worker registers them at start, made
 * ahead of the workers and waited for: a query naming one works only once the
 * frontend's namespace cache has the new attributes (seconds).
 */
async function registerEngineSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    await registerSearchAttributes(connection, namespace);
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        await connection.workflowService.listWorkflowExecutions({
          namespace,
          pageSize: 1,
          query: 'WorkspaceId = "none" AND TickTime > "2000-01-01T00:00:00Z"',
        });
        return;
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`the search attributes did not become usable in ${namespace}: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  } finally {
    await connection.close();
  }
}
