// Safe deploys of changed workflow code with patched() (docs/orchestration.md#changing-workflow-code),
// on the fixture workflow `greeting` in four versions (fixtures/versioning/):
// v1 greets plainly; v2 greets formally behind patched(); v3 deprecates the
// patch; v4 drops the call (the change as it would look without a patch).
// Each run greets, waits for a signal, and says goodbye, so that a deploy can
// happen while runs are half-way; its result shows which path it took.
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { temporal as proto } from '@temporalio/proto';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundle } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectTestTemporal, QUIET_LOGGER, type TestTemporal } from '../helpers/temporal.js';
import { type GreetingActivities, PATCH_ID, releaseSignal, stageQuery } from './fixtures/versioning/shared.js';

type Version = 'v1' | 'v2' | 'v3' | 'v4';
type History = proto.api.history.v1.IHistory;

const activities: GreetingActivities = {
  greet: async (name) => `hello ${name}`,
  greetFormally: async (name) => `good day, ${name}`,
  farewell: async (name) => `bye ${name}`,
  farewellFormally: async (name) => `farewell, ${name}`,
};
const plain = (name: string) => [`hello ${name}`, `bye ${name}`];
const formal = (name: string) => [`good day, ${name}`, `farewell, ${name}`];

/** Set by the SDK on a run when it records a patch marker: what a visibility query finds runs of new code by. */
const CHANGE_VERSION = defineSearchAttributeKey('TemporalChangeVersion', SearchAttributeType.KEYWORD_LIST);

describe('a change of workflow code behind patched(), across a rolling deploy', () => {
  let temporal: TestTemporal;
  const bundles = {} as Record<Version, WorkflowBundle>;
  const running = new Set<{ stop(): Promise<void> }>();

  beforeAll(async () => {
    temporal = await connectTestTemporal();
    for (const v of ['v1', 'v2', 'v3', 'v4'] as const) {
      bundles[v] = await bundleWorkflowCode({
        workflowsPath: fileURLToPath(new URL(`./fixtures/versioning/${v}/workflows.ts`, import.meta.url)),
        logger: QUIET_LOGGER,
      });
    }
  });
  afterEach(async () => {
    for (const w of running) await w.stop();
  });
  afterAll(async () => {
    await temporal?.close();
  });

  /**
   * A worker of one version on a task queue, as one process of a deploy: its
   * own connection (the SDK refuses two workers of one build on one queue
   * over one connection), running until stopped (what SIGTERM does to the
   * service's worker: it finishes its tasks in hand and stops polling).
   */
  async function startWorker(version: Version, taskQueue: string) {
    const connection = await NativeConnection.connect({ address: temporal.address });
    const worker = await Worker.create({
      connection,
      namespace: 'default',
      taskQueue,
      workflowBundle: bundles[version],
      activities,
    });
    const run = worker.run();
    const handle = {
      stop: async () => {
        running.delete(handle);
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await run;
        await connection.close();
      },
    };
    running.add(handle);
    return handle;
  }

  const start = (taskQueue: string, name: string) =>
    temporal.client.workflow.start('greeting', { taskQueue, workflowId: `${taskQueue}/${name}`, args: [name] });

  /** Until the run has greeted and waits for its signal. */
  const waiting = (run: WorkflowHandle) => waitFor(async () => (await run.query(stageQuery).catch(() => null)) === 'waiting');

  const workflowTaskFailures = async (run: WorkflowHandle) =>
    ((await run.fetchHistory()).events ?? []).flatMap((e) => e.workflowTaskFailedEventAttributes?.failure?.message ?? []);

  it('runs begun on the old worker finish on the new one on the old path, new runs take the new path, and no workflow task fails', async () => {
    const queue = `${temporal.taskQueue}-rolling`;
    const old = await startWorker('v1', queue);
    const oldRuns = await Promise.all(['old-1', 'old-2', 'old-3'].map((n) => start(queue, n)));
    await Promise.all(oldRuns.map(waiting));

    // The new build comes up beside the old one; runs started now may begin on either.
    await startWorker('v2', queue);
    const eitherRuns = await Promise.all(['either-1', 'either-2'].map((n) => start(queue, n)));
    await Promise.all(eitherRuns.map(waiting));
    await oldRuns[0]!.signal(releaseSignal); // one old run goes on while its worker is still up

    // The old worker drains and stops; everything left is the new worker's.
    await old.stop();
    for (const run of [...oldRuns.slice(1), ...eitherRuns]) await run.signal(releaseSignal);
    const newRuns = await Promise.all(['new-1', 'new-2', 'new-3'].map((n) => start(queue, n)));
    await Promise.all(newRuns.map(waiting));
    for (const run of newRuns) await run.signal(releaseSignal);

    for (const [i, run] of oldRuns.entries()) expect(await run.result()).toEqual(plain(`old-${i + 1}`));
    for (const [i, run] of newRuns.entries()) expect(await run.result()).toEqual(formal(`new-${i + 1}`));
    for (const [i, run] of eitherRuns.entries())
      expect([plain(`either-${i + 1}`), formal(`either-${i + 1}`)]).toContainEqual(await run.result());
    for (const run of [...oldRuns, ...eitherRuns, ...newRuns]) expect(await workflowTaskFailures(run), run.workflowId).toEqual([]);
    for (const run of oldRuns) expect((await run.describe()).typedSearchAttributes.get(CHANGE_VERSION), run.workflowId).toBeUndefined();
    for (const run of newRuns) expect((await run.describe()).typedSearchAttributes.get(CHANGE_VERSION), run.workflowId).toEqual([PATCH_ID]);
  }, 120_000);

  it('without the patch, a run begun by the old code does not replay on the new code: a non-determinism error', async () => {
    const queue = `${temporal.taskQueue}-unpatched`;
    await startWorker('v1', queue);
    const run = await start(queue, 'old');
    await waiting(run);
    // What a new worker replays when this run's next task reaches it.
    const halfWay = await run.fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: bundles.v4 }, halfWay)).rejects.toThrow(DeterminismViolationError);
    await expect(Worker.runReplayHistory({ workflowBundle: bundles.v4 }, halfWay)).rejects.toThrow(
      /Activity type of scheduled event 'greet' does not match activity type of activity command 'greetFormally'/,
    );
    await expect(Worker.runReplayHistory({ workflowBundle: bundles.v2 }, halfWay)).resolves.toBeUndefined();
    await run.terminate('test over');
  }, 60_000);

  it('an old worker that takes a task of a run the new code began fails that task, and the run goes on once a new worker takes it', async () => {
    const queue = `${temporal.taskQueue}-late-old-worker`;
    const fresh = await startWorker('v2', queue);
    const run = await start(queue, 'new');
    await waiting(run);
    await expect(Worker.runReplayHistory({ workflowBundle: bundles.v1 }, await run.fetchHistory())).rejects.toThrow(
      /Non-deprecated patch marker encountered for change formal-greeting, but there is no corresponding change command/,
    );

    // Only an old worker polls when the run's next task comes (its sticky worker is gone).
    await fresh.stop();
    const old = await startWorker('v1', queue);
    await run.signal(releaseSignal);
    await waitFor(async () => (await workflowTaskFailures(run)).length > 0);
    expect(await workflowTaskFailures(run)).toEqual([expect.stringMatching(/Nondeterminism error: .*patch marker .*formal-greeting/)]);
    expect((await run.describe()).status.name).toBe('RUNNING'); // the task failed, not the run

    await old.stop();
    await startWorker('v2', queue);
    expect(await run.result()).toEqual(formal('new'));
  }, 120_000);

  it('the three steps: patched(), then deprecatePatch() once no run of v1 is open, then no call once no run of v2 is open', async () => {
    // One finished run of each version, released from its start.
    const histories = {} as Record<Exclude<Version, 'v4'>, History>;
    for (const v of ['v1', 'v2', 'v3'] as const) {
      const queue = `${temporal.taskQueue}-steps-${v}`;
      const worker = await startWorker(v, queue);
      const run = await temporal.client.workflow.signalWithStart('greeting', {
        taskQueue: queue,
        workflowId: `${queue}/${v}`,
        args: [v],
        signal: releaseSignal,
      });
      await run.result();
      histories[v] = await run.fetchHistory();
      await worker.stop();
    }
    const replays = async (code: Version, history: History) =>
      Worker.runReplayHistory({ workflowBundle: bundles[code] }, history).then(
        () => 'replays',
        (err) => (err instanceof DeterminismViolationError ? 'non-determinism' : `${err}`),
      );
    expect({
      'v1 code, v1 run': await replays('v1', histories.v1),
      'v1 code, v2 run': await replays('v1', histories.v2),
      'v2 code, v1 run': await replays('v2', histories.v1),
      'v2 code, v2 run': await replays('v2', histories.v2),
      'v3 code, v1 run': await replays('v3', histories.v1),
      'v3 code, v2 run': await replays('v3', histories.v2),
      'v3 code, v3 run': await replays('v3', histories.v3),
      'v4 code, v1 run': await replays('v4', histories.v1),
      'v4 code, v2 run': await replays('v4', histories.v2),
      'v4 code, v3 run': await replays('v4', histories.v3),
    }).toEqual({
      'v1 code, v1 run': 'replays',
      'v1 code, v2 run': 'non-determinism', // an old worker cannot take over a run the new code began
      'v2 code, v1 run': 'replays', // step 1: both paths
      'v2 code, v2 run': 'replays',
      'v3 code, v1 run': 'non-determinism', // so step 2 waits until no v1 run is open
      'v3 code, v2 run': 'replays',
      'v3 code, v3 run': 'replays',
      'v4 code, v1 run': 'non-determinism',
      'v4 code, v2 run': 'non-determinism', // so step 3 waits until no v2 run is open
      'v4 code, v3 run': 'replays',
    });
  }, 120_000);
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}
