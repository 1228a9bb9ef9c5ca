// A workflow that never yields is the SDK's to stop: its deadlock detection
// (the 5 s isolateExecutionTimeout) fails that workflow's task, and the same
// worker goes on serving everyone else (docs/orchestration.md#the-worker).
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProvisioningConfig } from '../../src/runtime/config.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import { createWorker } from '../../src/worker.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { connectTestTemporal, QUIET_LOGGER, type TestTemporal } from '../helpers/temporal.js';
import { createTemplate, createUser, createWorkspace, H, MIN, plus } from '../orchestration/fixtures.js';
import { quietLog } from '../orchestration/harness.js';

/** The SDK's default isolateExecutionTimeout, which the worker keeps. */
const DEADLOCK_TIMEOUT_MS = 5_000;
const T = new Date('2024-03-05T18:00:00Z');

describe('a workflow that never yields', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let connection: NativeConnection;
  let worker: Worker;
  let running: Promise<void>;
  beforeAll(async () => {
    [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
    connection = await NativeConnection.connect({ address: temporal.address });
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./fixtures/workflows.ts', import.meta.url)),
      logger: QUIET_LOGGER,
    });
    worker = await createWorker({
      connection,
      namespace: 'default',
      taskQueue: temporal.taskQueue,
      pool: db.pool,
      log: quietLog,
      client: new Client({ connection, namespace: 'default' }),
      provisioning: { ...loadProvisioningConfig({}), simulatedDurationMs: 20 },
      workflowBundle,
    });
    running = worker.run();
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection?.close();
    await temporal?.close();
    await db?.drop();
  });

  it('fails its own workflow task through the SDK deadlock detection, while the same worker evaluates other workspaces', async () => {
    const owner = await createUser(db.pool);
    const template = await createTemplate(db.pool);
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(
        await createWorkspace(db.pool, {
          ownerId: owner,
          template,
          lastUsedAt: plus(T, -H),
          build: { transition: 'start', createdAt: plus(T, -2 * H), deadline: plus(T, -MIN) },
        }),
      );
    }
    const spinner = await temporal.client.workflow.start('spinForever', {
      taskQueue: temporal.taskQueue,
      workflowId: `spin-${temporal.taskQueue}`,
    });
    try {
      // The spinner's first task is taken before the tick's: it holds the workflow thread first.
      await waitFor(async () => (await spinner.describe()).historyLength >= 3, 10_000);
      const tick = await startManualTick(temporal.client, temporal.taskQueue, T, { batchSize: 6 });
      const stats = await tick.result();
      expect(stats.transitions).toEqual({ 'stop/autostop': 6 });
      for (const id of ids) {
        const { startTime, closeTime } = await temporal.client.workflow.getHandle(`workspace/${id}`).describe();
        expect(closeTime!.getTime() - startTime.getTime(), `workspace/${id}`).toBeLessThan(2 * DEADLOCK_TIMEOUT_MS);
      }
      const history = await spinner.fetchHistory();
      const failed = history.events?.find((e) => e.workflowTaskFailedEventAttributes);
      expect(failed?.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/Script execution timed out after 5000ms/); // the SDK's deadlock detection
      expect((await spinner.describe()).status.name).toBe('RUNNING'); // failing its task, not the worker
      expect(worker.getState()).toBe('RUNNING');
    } finally {
      await spinner.terminate('test over');
    }
  }, 60_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
