// src/runtime/workflow-thread.mjs, loaded by npm start's Node flags,
// replaces Node's thread-per-call timeout of the SDK's workflow sandbox with one
// check from the main thread, keeps Node's source maps off there, and formats
// the SDK's promise stacks only when the stack-trace query reads them.
// Workflows must run as before, the Temporal UI's stack-trace queries must
// answer as with the SDK as it ships, and a workflow that never yields must
// still be caught: the worker stops, with the reason logged.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startScriptNodeFlags } from '../../bench/lib/start-script.js';
import { cleanEnv, spawnEntry, type Spawned } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';
import type { blocked, quick, spin } from './workflow-thread/workflows.js';

describe("the workflow thread's watchdog (npm start's flags)", () => {
  let temporal: TestTemporal;
  let worker: Spawned;
  /** The same workflows under the SDK as it ships (no npm start flags), to compare with. */
  let plain: Spawned;
  const taskQueue = `workflow-thread-${randomUUID()}`;
  const plainQueue = `${taskQueue}-plain`;

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    worker = spawnEntry(
      'test/runtime/workflow-thread/worker.ts',
      [],
      cleanEnv({ TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: taskQueue }),
      [...startScriptNodeFlags(), '--import=./test/runtime/workflow-thread/thread-probe.mjs'],
    );
    plain = spawnEntry(
      'test/runtime/workflow-thread/worker.ts',
      [],
      cleanEnv({ TEMPORAL_ADDRESS: temporal.address, TASK_QUEUE: plainQueue }),
    );
    await Promise.all([worker.waitFor(/^ready$/), plain.waitFor(/^ready$/)]);
  });
  afterAll(async () => {
    worker?.child.kill('SIGKILL');
    plain?.child.kill('SIGKILL');
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

  it("keeps Node's source maps off in the workflow thread once the worker runs (tsx turns them on late on Node 20)", async () => {
    await temporal.client.workflow.execute<typeof quick>('quick', { taskQueue, workflowId: `quick-sm-${taskQueue}`, args: [1] });
    // A report made after the workflow ran, by then every loader in the thread has registered.
    const from = worker.output().length;
    const deadline = Date.now() + 10_000;
    let report: string | undefined;
    while (report === undefined && Date.now() < deadline) {
      report = worker
        .output()
        .slice(from)
        .split('\n')
        .find((l) => /^probe \d+: source maps in the workflow thread: (true|false)$/.test(l));
      if (report === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(report).toMatch(/: false$/);
  });

  it("answers the Temporal UI's stack-trace queries as the SDK's own promise hook does", async () => {
    expect(await worker.waitFor(/^probe: promise hook/)).toBe('probe: promise hook formats on demand');
    const answers = async (queue: string) => {
      const handle = await temporal.client.workflow.start<typeof blocked>('blocked', { taskQueue: queue, workflowId: `blocked-${queue}` });
      // Blocked: its first workflow task is done once the timer is in the history.
      for (let i = 0; i < 100 && !(await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes); i++) {
        await new Promise((r) => setTimeout(r, 50));
      }
      const stack = await handle.query<string>('__stack_trace');
      const enhanced = await handle.query<{ stacks: unknown[] }>('__enhanced_stack_trace');
      await handle.signal('release');
      return { stack, stacks: enhanced.stacks, result: await handle.result() };
    };
    const ours = await answers(taskQueue);
    const sdk = await answers(plainQueue);
    expect(ours.stack).toContain('at nested (');
    expect(ours.stack).toContain('at all (');
    expect(ours.stacks.length).toBeGreaterThan(3);
    expect(ours).toEqual(sdk);
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
