// The worker of the bench-only workflows, run as its own process (like the
// engine's worker) so that its CPU and memory are measured the same way.
// Environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, BENCH_TASK_QUEUE.
import { fileURLToPath } from 'node:url';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { registerSearchAttributes } from '../src/runtime/temporal.js';
import { createShapeActivities, trivial } from './workflows/activities.js';

const address = process.env.TEMPORAL_ADDRESS;
const taskQueue = process.env.BENCH_TASK_QUEUE;
if (!address || !taskQueue) throw new Error('TEMPORAL_ADDRESS and BENCH_TASK_QUEUE are required');
const namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';

const connection = await NativeConnection.connect({ address });
// The shape scenario's workflows carry the engine's search attributes (idempotent, as at the engine's start).
await registerSearchAttributes(connection, namespace);
// Over the worker's own connection, as the engine's (src/main.ts): eager starts need it.
const client = new Client({ connection, namespace });
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue,
  workflowsPath: fileURLToPath(new URL('./workflows/index.ts', import.meta.url)),
  activities: { trivial, ...createShapeActivities(client, taskQueue) },
});
process.stdout.write('bench worker ready\n');
await worker.run(); // until SIGTERM
await connection.close();
