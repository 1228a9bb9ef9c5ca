// src/runtime/workflow-thread.mjs, loaded by npm start's Node flags,
// replaces Node's thread-per-call timeout of the SDK's workflow sandbox with one
// check from the main thread. Workflows must run as before, and a workflow that
// never yields must still be caught: the worker stops, with the reason logged.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptNodeFlags } from '../../bench/lib/start-script.js';
import { cleanEnv, spawnEntry, type Spawned } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';
import type { quick, spin } from './workflow-thread/workflows.js';

describe("the workflow thread's watchdog (npm start's flags)", () => {
  let temporal: TestTemporal;
  let worker: Spawned;
  const taskQueue = `workflow-thread-${randomUUID()}`;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    worker = spawnEntry(
      'test/runtime/workflow-thread/worker.ts',
      [],
      cleanEnv({ TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: taskQueue }),
      startScriptNodeFlags(),
    );
    await worker.waitFor(/^ready$/);
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    await temporal?.close();
  });

  it('runs workflows as before', async () => {
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        temporal.client.workflow.execute<typeof quick>('quick', { taskQueue, workflowId: `quick-${n}-${taskQueue}`, args: [n] }),
      ),
    );
    expect(results).toEqual([2, 3, 4]);
  });

  it('stops the worker, saying why, when workflow code does not yield within the SDK’s 5 s', async () => {
    const started = Date.now();
    await temporal.client.workflow.start<typeof spin>('spin', { taskQueue, workflowId: `spin-${taskQueue}` });
    const line = await worker.waitFor(/without yielding/, 30_000);
    expect(JSON.parse(line)).toMatchObject({ level: 'error', component: 'workflow-thread-watchdog' });
    expect(line).toContain('the limit is 5000 ms');
    expect(await worker.exited).toBe(3);
    expect(worker.output()).toMatch(/worker failed: .*Workflow Worker Thread/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5000);
  }, 60_000);
});
