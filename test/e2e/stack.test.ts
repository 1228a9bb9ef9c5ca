import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations } from '../../src/db/migrate.js';
import { createLogger } from '../../src/runtime/logger.js';
import { createWorker } from '../../src/worker.js';
import { probe } from '../../src/workflows/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { connectTestTemporal, type TestTemporal, workflowBundle } from '../helpers/temporal.js';

describe('the stack end to end', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  beforeAll(async () => {
    [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  });
  afterAll(async () => {
    await temporal?.close();
    await db?.drop();
  });

  it('a worker on the dev server runs a workflow whose activity reads the migrated database', async () => {
    const worker = await createWorker({
      connection: temporal.nativeConnection,
      namespace: 'default',
      taskQueue: temporal.taskQueue,
      pool: db.pool,
      log: createLogger({ level: 'error', format: 'json' }),
      client: temporal.client,
      workflowBundle: await workflowBundle(),
    });
    const result = await worker.runUntil(
      temporal.client.workflow.execute(probe, { taskQueue: temporal.taskQueue, workflowId: `probe-${temporal.taskQueue}` }),
    );
    expect(result).toBe((await loadMigrations()).at(-1)!.name);
  });
});
