// What a command's action receives: the output switches and lazily opened
// connections. A command opens only what it uses, so `user create` works
// without Temporal, and every connection failure becomes exit 2.
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { createOps, type Ops, openDatabase, type Pool, pingDatabase } from '../ops/index.js';
import { loadDefaultQuietHours, redactUrl } from '../runtime/config.js';
import { withTimeout } from '../runtime/timeout.js';
import { type Connections, resolveConnections, type TemporalTarget } from './connection.js';
import { firstLine, unavailable } from './errors.js';

const { TaskQueueType } = proto.temporal.api.enums.v1; // CommonJS package: default import

export interface Output {
  json: boolean;
  debug: boolean;
  /** How long to wait for a worker to take up work before giving up with exit 2. */
  workerTimeoutMs: number;
}

export interface Temporal {
  connection: Connection;
  client: Client;
  target: TemporalTarget;
}

export class CliContext {
  private pool: Promise<Pool> | undefined;
  private temporalConnection: Promise<Temporal> | undefined;
  private connected: Promise<Temporal> | undefined;
  private readonly closers: Array<() => Promise<void>> = [];
  private connections: Connections | undefined;

  constructor(readonly output: Output) {}

  get json(): boolean {
    return this.output.json;
  }

  /** The task queue the workers serve, as configured or recorded by `npm start`. */
  taskQueue(): string {
    return this.targets().temporal().taskQueue;
  }

  /** Resolved on first use, so that `--help` and parse errors never need a configuration. */
  private targets(): Connections {
    this.connections ??= resolveConnections();
    return this.connections;
  }

  db(): Promise<Pool> {
    this.pool ??= this.openDatabase();
    return this.pool;
  }

  /** Temporal, connected now: exit 2 when it does not answer. */
  temporal(): Promise<Temporal> {
    this.connected ??= this.lazyTemporal().then(async (t) => {
      try {
        await t.connection.ensureConnected();
      } catch (err) {
        throw unavailable(`cannot connect to Temporal at ${t.target.address} (from ${t.target.source}): ${firstLine(err)}`, err);
      }
      return t;
    });
    return this.connected;
  }

  /** A client that connects on its first call: for operations that may not need Temporal at all. */
  private lazyTemporal(): Promise<Temporal> {
    this.temporalConnection ??= Promise.resolve().then(() => this.openTemporal());
    return this.temporalConnection;
  }

  /**
   * The operations module. `temporal: 'connect'` checks Temporal before the
   * operation writes anything; `'worker'` also checks that a worker polls the
   * task queue; `'lazy'` connects only if the operation calls Temporal.
   */
  async ops(temporal: 'lazy' | 'connect' | 'worker' = 'lazy'): Promise<Ops> {
    const pool = await this.db();
    const t =
      temporal === 'worker' ? await this.requireWorker() : temporal === 'connect' ? await this.temporal() : await this.lazyTemporal();
    return createOps({ pool, client: t.client, taskQueue: t.target.taskQueue, defaultQuietHoursSchedule: loadDefaultQuietHours() });
  }

  private async openDatabase(): Promise<Pool> {
    const { url, source } = this.targets().database();
    const pool = openDatabase(url, 4);
    this.closers.push(() => pool.end());
    try {
      await withTimeout(pingDatabase(pool), 10_000, 'no answer within 10s');
    } catch (err) {
      throw unavailable(
        `cannot connect to the database at ${redactUrl(url)} (from ${source}): ${firstLine(err) || (err as { code?: string }).code}`,
        err,
      );
    }
    return pool;
  }

  private async openTemporal(): Promise<Temporal> {
    const target = this.targets().temporal();
    const { connectionOptions: o } = target;
    const connection = Connection.lazy({
      address: target.address,
      tls: o.tls,
      apiKey: o.apiKey,
      metadata: o.metadata,
      connectTimeout: 10_000,
    });
    this.closers.push(() => connection.close());
    return { connection, client: new Client({ connection, namespace: target.namespace }), target };
  }

  /**
   * Fails fast (exit 2) when no worker has polled the task queue recently: a
   * command that needs one would otherwise wait for nothing.
   */
  async requireWorker(): Promise<Temporal> {
    const temporal = await this.temporal();
    if ((await this.workerCount()) === 0) throw noWorker(temporal.target.taskQueue);
    return temporal;
  }

  /** Workers that polled the task queue for workflow tasks in the last minutes (the server's view). */
  async workerCount(): Promise<number> {
    const { client, target } = await this.temporal();
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: target.namespace,
      taskQueue: { name: target.taskQueue },
      taskQueueType: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return pollers?.length ?? 0;
  }

  /** The readiness URL of this checkout's running worker (runtime.json), or null. */
  readyUrl(): string | null {
    try {
      return this.targets().readyUrl();
    } catch {
      return null;
    }
  }

  /** The database URL in use, password hidden; null when none is configured. */
  databaseUrl(): string | null {
    try {
      return redactUrl(this.targets().database().url);
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    for (const close of this.closers.reverse()) await close().catch(() => {});
  }
}

export const noWorker = (taskQueue: string, waitedMs?: number) =>
  unavailable(
    `no worker ${waitedMs === undefined ? 'is polling' : `answered within ${Math.round(waitedMs / 1000)}s on`} task queue "${taskQueue}": start one with \`npm start\` (or \`npm run worker\`), or set AUTOBUILD_TASK_QUEUE to the queue your workers serve`,
  );
