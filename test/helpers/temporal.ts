import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { inject } from 'vitest';
import { WORKFLOW_BUNDLE_OPTIONS } from '../../src/workflow-bundle.js';

/** A logger for the bundler and the tests' SDK runtimes that says nothing. */
export const QUIET_LOGGER = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

let bundle: Promise<WorkflowBundle> | undefined;
/** Bundling takes about a second: once per test file. */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: QUIET_LOGGER });
  return bundle;
}

export interface TestTemporal {
  address: string;
  client: Client;
  nativeConnection: NativeConnection;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const nativeConnection = await NativeConnection.connect({ address });
  return {
    address,
    client: new Client({ connection, namespace: 'default' }),
    nativeConnection,
    taskQueue: `test-${randomUUID()}`,
    close: async () => {
      await connection.close();
      await nativeConnection.close();
    },
  };
}
