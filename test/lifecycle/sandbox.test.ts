// Issue 4: the pure core runs inside a workflow, bundled by the Temporal worker,
// with no sandbox warnings and the same answers as in plain Node.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { snapshotToJson } from '../../src/lifecycle/index.js';
import { PRELOADED_MODULES, QUIET_LOGGER } from '../../src/workflow-bundle.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';
import { snapshot } from './fixtures.js';
import { coreInSandbox } from './sandbox/workflows.js';

describe('the lifecycle core inside the workflow sandbox', () => {
  let temporal: TestTemporal;
  beforeAll(async () => {
    temporal = await connectTestTemporal();
  });
  afterAll(async () => temporal?.close());

  it('bundles without warnings and computes decide, schedules and deadlines as in Node', async () => {
    const warnings: string[] = [];
    const noop = () => {};
    const logger = {
      log: noop,
      trace: noop,
      debug: noop,
      info: noop,
      error: (m: string) => warnings.push(m),
      warn: (m: string) => warnings.push(m),
    };
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./sandbox/workflows.ts', import.meta.url)),
      logger,
    });
    expect(warnings).toEqual([]);
    const worker = await Worker.create({ connection: temporal.nativeConnection, taskQueue: temporal.taskQueue, workflowBundle });
    const s = snapshot({ latestBuild: { transition: 'start', deadline: new Date('2024-01-01T18:00:00Z') } });
    const tick = '2024-01-01T18:01:30Z';
    const result = await worker.runUntil(
      temporal.client.workflow.execute(coreInSandbox, {
        taskQueue: temporal.taskQueue,
        workflowId: `sandbox-${temporal.taskQueue}`,
        args: [{ snapshot: snapshotToJson(s), tick }],
      }),
    );
    expect(result.decision).toMatchObject({ transition: 'stop', reason: 'autostop' });
    expect(result.springForward).toBe('2024-03-10T08:30:00.000Z'); // 02:30 in the gap fires at 03:30 CDT (§4.2)
    expect(result.nextAllowed).toBe('2024-03-11T07:30:00.000Z');
    expect(result.maxDeadline).toBe('2023-02-10T13:00:00.000Z'); // Sat 00:00 Sydney (§5.1 worked example)
    expect(result.shared).toBe(false);
  });

  it('gives the same answers, run after run, when the core is preloaded and shared between runs as the engine bundles it', async () => {
    const workflowBundle = await bundleWorkflowCode({
      workflowsPath: fileURLToPath(new URL('./sandbox/workflows.ts', import.meta.url)),
      preloadModules: PRELOADED_MODULES,
      logger: QUIET_LOGGER,
    });
    const worker = await Worker.create({
      connection: temporal.nativeConnection,
      taskQueue: `${temporal.taskQueue}-preloaded`,
      workflowBundle,
    });
    const s = snapshot({ latestBuild: { transition: 'start', deadline: new Date('2024-01-01T18:00:00Z') } });
    const run = (n: number) =>
      temporal.client.workflow.execute(coreInSandbox, {
        taskQueue: `${temporal.taskQueue}-preloaded`,
        workflowId: `sandbox-preloaded-${n}-${temporal.taskQueue}`,
        args: [{ snapshot: snapshotToJson(s), tick: '2024-01-01T18:01:30Z' }],
      });
    // One after the other: the second run finds the first one's memoised time zones.
    const results = await worker.runUntil(async () => [await run(1), await run(2)]);
    for (const result of results) {
      expect(result).toMatchObject({
        decision: { transition: 'stop', reason: 'autostop' },
        springForward: '2024-03-10T08:30:00.000Z',
        nextAllowed: '2024-03-11T07:30:00.000Z',
        maxDeadline: '2023-02-10T13:00:00.000Z',
        shared: true,
      });
    }
    expect(results[1]).toEqual(results[0]);
  });
});
