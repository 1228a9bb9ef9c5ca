// A real worker (this process) on the run's Temporal dev server and a fresh
// database, plus the operations module: what every build and ops test needs.
import { randomUUID } from 'node:crypto';
import type { Worker } from '@temporalio/worker';
import { type Background, startBackgroundTasks } from '../../src/builds/background.js';
import type { Provisioner } from '../../src/builds/provisioner.js';
import type { NotificationSink, OutgoingNotification } from '../../src/notifications/sinks.js';
import { Ops } from '../../src/ops/index.js';
import {
  loadNotificationConfig,
  loadProvisioningConfig,
  loadRetentionConfig,
  type NotificationConfig,
  type ProvisioningConfig,
} from '../../src/runtime/config.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createWorker } from '../../src/worker.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { dumpTables as dumpAllTables } from '../helpers/tables.js';
import { connectTestTemporal, type TestTemporal, workflowBundle } from '../helpers/temporal.js';

export interface HarnessOptions {
  provisioning?: Partial<ProvisioningConfig>;
  notifications?: Partial<NotificationConfig>;
  provisioner?: Provisioner;
  sink?: NotificationSink;
  /** Start without a worker (call startWorker later). */
  noWorker?: boolean;
}

export interface Harness {
  db: TestDatabase;
  temporal: TestTemporal;
  ops: Ops;
  taskQueue: string;
  provisioning: ProvisioningConfig;
  notifications: NotificationConfig;
  /** Notifications the default in-memory sink received. */
  delivered: OutgoingNotification[];
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  close(): Promise<void>;
}

export const quietLog = createLogger({ level: 'error', format: 'json' });

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  const taskQueue = `builds-${randomUUID()}`;
  const provisioning: ProvisioningConfig = {
    ...loadProvisioningConfig({}),
    simulatedDurationMs: 100,
    heartbeatTimeoutMs: 2000,
    ...opts.provisioning,
  };
  const notifications: NotificationConfig = { ...loadNotificationConfig({}), retryBaseMs: 50, retryMaxMs: 500, ...opts.notifications };
  const delivered: OutgoingNotification[] = [];
  const sink: NotificationSink = opts.sink ?? { name: 'memory', send: async (n) => void delivered.push(n) };
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  let background: Background | undefined;
  const h: Harness = {
    db,
    temporal,
    taskQueue,
    provisioning,
    notifications,
    delivered,
    ops: new Ops({ pool: db.pool, client: temporal.client, taskQueue }),
    async startWorker() {
      worker = await createWorker({
        connection: temporal.nativeConnection,
        namespace: 'default',
        taskQueue,
        pool: db.pool,
        log: quietLog,
        client: temporal.client,
        workflowBundle: await workflowBundle(),
        provisioning,
        provisioner: opts.provisioner,
      });
      running = worker.run();
      // As `npm start` runs them beside the worker: the recovery sweep and the notification deliverer.
      background = startBackgroundTasks({
        pool: db.pool,
        databaseUrl: db.url,
        client: temporal.client,
        taskQueue,
        log: quietLog,
        provisioning,
        notifications,
        sink,
        retention: loadRetentionConfig({}),
      });
    },
    async stopWorker() {
      await background?.stop();
      background = undefined;
      if (worker && worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      worker = undefined;
    },
    async close() {
      await h.stopWorker();
      await temporal.close();
      await db.drop();
    },
  };
  if (!opts.noWorker) await h.startWorker();
  return h;
}

/** A job's log, read as the CLI and the API read it: by its build. */
export async function jobLog(h: Harness, jobId: string): Promise<string> {
  const build = await h.ops.workspaces.buildOfJob(jobId);
  return (await h.ops.workspaces.buildLog(build.workspaceId, build.buildNumber)).log;
}

/** A user, a template with the given options, and nothing else. */
export async function seed(h: Harness, template: Parameters<Ops['templates']['create']>[0] = { name: 'dev' }, username = 'alice') {
  const user = await h.ops.users.create({ username });
  const tpl = await h.ops.templates.create(template);
  return { user, template: tpl };
}

/** Every row of every table, to prove an operation changed nothing. */
export const dumpTables = (h: Harness): Promise<Record<string, unknown[]>> => dumpAllTables(h.db.pool);

export const waitUntil = async (what: string, check: () => Promise<boolean>, timeoutMs = 20_000, everyMs = 50) => {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};
