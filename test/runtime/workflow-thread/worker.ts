// A worker process for test/runtime/workflow-thread.test.ts, started
// with npm start's Node flags: serves that test's workflows on
// TASK_QUEUE until the worker stops, then exits 3 with the reason on stderr.
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { QUIET_LOGGER } from '../../../src/workflow-bundle.js';

Runtime.install({ logger: QUIET_LOGGER });

const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! });
const worker = await Worker.create({
  connection,
  taskQueue: process.env.TASK_QUEUE!,
  workflowBundle: await bundleWorkflowCode({
    workflowsPath: fileURLToPath(new URL('./workflows.ts', import.meta.url)),
    logger: QUIET_LOGGER,
  }),
});
process.stdout.write('ready\n');
try {
  await worker.run();
  process.stdout.write('stopped\n');
} catch (err) {
  process.stderr.write(`worker failed: ${(err as Error).message}\n`);
  process.exitCode = 3;
} finally {
  await connection.close();
}
