// Wires activities and workflows into a Temporal worker.
import { type NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { type ActivityDeps, createActivities } from './activities/index.js';
import { countActivityErrors } from './metrics/activity-errors.js';
import { metricsSinks } from './metrics/sinks.js';
import { NO_TRACING, type Tracing } from './runtime/tracing.js';
import { prebuiltBundle } from './workflow-bundle.js';

/**
 * Workflow runs kept in the worker's cache (sticky execution). The SDK's
 * default follows the heap limit — about 2,300 on a machine with a 4 GB heap
 * limit — and every cached run holds its state in the workflow thread's heap
 * and its history in the core. Every workflow here is short: a tick's page,
 * its at most 100 (AUTOBUILD_TICK_BATCH_SIZE ≤ 500) children in flight, each
 * done in one or two workflow tasks, and a build workflow per build. 200
 * covers the tick, its window and the workflow tasks in progress (40 at most,
 * the SDK default); a run evicted anyway is replayed from its short history.
 * Measured on the 9:00 rush (K = 1,000, bundle made apart, a loaded machine):
 * peak worker RSS 348–471 MB with the default, 319–394 MB with 50–200.
 */
export const MAX_CACHED_WORKFLOWS = 200;

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  /** Default: the bundle `npm run build` made (src/workflow-bundle.ts); tests bundle the sources once per file. */
  workflowBundle?: WorkflowBundleOption;
  /** The activity interceptors and the workflow spans' sink (docs/operations.md#tracing); default NO_TRACING. */
  tracing?: Tracing;
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  const tracing = opts.tracing ?? NO_TRACING;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts),
    workflowBundle: opts.workflowBundle ?? prebuiltBundle({ traced: tracing.enabled }),
    interceptors: {
      ...tracing.workerInterceptors,
      activity: [...(tracing.workerInterceptors.activity ?? []), ...(opts.metrics ? [countActivityErrors(opts.metrics)] : [])],
    },
    sinks: { ...tracing.sinks, ...metricsSinks(opts.metrics ?? null) },
    maxCachedWorkflows: MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: '30 seconds',
  });
}
