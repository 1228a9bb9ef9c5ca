// Waiting for work a worker does: a build job, a tick, a re-evaluation. Each
// wait shows progress on a terminal, ends on Ctrl-C (exit 130, the work goes
// on), and gives up with exit 2 when no worker takes the work up within
// --worker-timeout (a worker that picked it up may take as long as it needs).
import type { WorkflowHandle } from '@temporalio/client';
import { type BuildRecord, type Ops, OpsError } from '../ops/index.js';
import type { CliContext } from './context.js';
import { noWorker } from './context.js';
import { unavailable } from './errors.js';
import { sleep, withProgress } from './progress.js';

export interface StartedBuild {
  workspace: string;
  workspaceId: string;
  buildNumber: number;
  jobId: string;
  transition: string;
}

/** Waits until the build's job finished; returns its record (any outcome). */
export async function waitForBuild(ctx: CliContext, ops: Ops, b: StartedBuild): Promise<BuildRecord> {
  const what = `build #${b.buildNumber} (${b.transition}) of ${b.workspace}`;
  const taskQueue = (await ctx.temporal()).target.taskQueue;
  return withProgress(
    `${what}: pending`,
    `${what} goes on; follow it with \`autobuild workspace show ${b.workspace}\``,
    async (progress) => {
      const pickupBy = Date.now() + ctx.output.workerTimeoutMs;
      let pickedUp = false;
      for (;;) {
        try {
          return await ops.waitForBuild(b.jobId, 1000);
        } catch (err) {
          if (!(err instanceof OpsError && err.code === 'timeout')) throw err;
        }
        if (progress.signal.aborted) throw progress.signal.reason;
        const status = (await ops.workspaces.buildOfJob(b.jobId)).job.status;
        progress.update(`${what}: ${status}`);
        pickedUp ||= status !== 'pending';
        if (!pickedUp && Date.now() > pickupBy) {
          throw unavailable(
            `${noWorker(taskQueue, ctx.output.workerTimeoutMs).message}; ${what} stays queued and runs when a worker starts`,
          );
        }
      }
    },
  );
}

/**
 * Waits for a workflow's result. A workflow whose first task no worker has
 * started within --worker-timeout means nobody serves the task queue: exit 2.
 */
export async function waitForWorkflow<T>(
  ctx: CliContext,
  handle: WorkflowHandle,
  label: string,
  onInterrupt: string,
  taskQueue: string,
): Promise<T> {
  return withProgress(label, onInterrupt, async (progress) => {
    const result = handle.result() as Promise<T>;
    const watchdog = (async () => {
      const pickupBy = Date.now() + ctx.output.workerTimeoutMs;
      for (;;) {
        const d = await handle.describe();
        // Started, task scheduled, then task started: a worker has it.
        if (d.historyLength > 2 || d.status.name !== 'RUNNING') return;
        if (Date.now() > pickupBy) throw noWorker(taskQueue, ctx.output.workerTimeoutMs);
        await sleep(250, progress.signal);
      }
    })();
    // The watchdog only ever rejects; the result wins once the workflow is picked up.
    return Promise.race([result, watchdog.then(() => result)]);
  });
}

/** An update or query that a worker must answer: exit 2 when none does within --worker-timeout. */
export async function withWorkerTimeout<T>(ctx: CliContext, label: string, onInterrupt: string, call: () => Promise<T>): Promise<T> {
  return withProgress(label, onInterrupt, async () => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(noWorker(ctx.taskQueue(), ctx.output.workerTimeoutMs)), ctx.output.workerTimeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  });
}
