// Wires activities and workflows into a Temporal worker.
import { fileURLToPath } from 'node:url';
import { Worker, type NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from './activities/index.js';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

export interface WorkerOptions extends ActivityDeps {
  connection: NativeConnection;
  namespace: string;
  /** A prebuilt bundle (tests bundle once per file); default: bundle WORKFLOWS_PATH. */
  workflowBundle?: WorkflowBundle;
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: '30 seconds',
  });
}
