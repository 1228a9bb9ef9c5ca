// Issue 23, case 9: several services starting at the same moment against a
// namespace that has none of the engine's search attributes register one set
// of them, and every one of them starts cleanly. Three real `npm start`
// processes (dist/main.js) on the run's dev server, in a fresh namespace of
// their own, sharing one fresh database.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import proto from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TICK_SCHEDULE_ID } from '../../../src/runtime/schedule.js';
import { registerSearchAttributes } from '../../../src/runtime/temporal.js';
import { startManualTick } from '../../../src/runtime/tick-client.js';
import { CUSTOM_SEARCH_ATTRIBUTES, REASON, TICK_TIME, TRANSITION, WORKSPACE_ID } from '../../../src/workflows/search-attributes.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/db.js';
import { cleanEnv, type Spawned, spawnMain } from '../../helpers/processes.js';
import { waitUntil } from './own-stack.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const INDEXED: Record<string, number> = {
  [SearchAttributeType.KEYWORD]: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.DATETIME]: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
};
const SERVICES = 3;
const RUNNING = /autobuild is running/;

describe('several services starting at once on a namespace without the search attributes', () => {
  let db: TestDatabase;
  let connection: Connection;
  let client: Client;
  let dataDir: string;
  const namespace = `sa-race-${randomBytes(4).toString('hex')}`;
  const taskQueue = `sa-race-${randomBytes(4).toString('hex')}`;
  const services: Spawned[] = [];

  beforeAll(async () => {
    // Migrated already, as after the first start of a release: the services' own migrations find
    // nothing to do and do not hold them apart, so they reach the registration together.
    db = await createTestDatabase();
    dataDir = await mkdtemp(join(tmpdir(), 'autobuild-sa-race-'));
    await chmod(dataDir, 0o755);
    connection = await Connection.connect({ address: inject('temporalAddress') });
    client = new Client({ connection, namespace });
    await registerNamespace(connection, namespace);
  });

  afterAll(async () => {
    await Promise.all(
      services.map(async (s) => {
        if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
        await s.exited;
      }),
    );
    // The services' tick schedule would otherwise start a tick a minute, with no worker left, until the run ends.
    await client?.schedule
      .getHandle(TICK_SCHEDULE_ID)
      .delete()
      .catch(() => {});
    await connection?.close();
    await db?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('registers each attribute once, and every service reaches ready with no error logged', async () => {
    const before = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    for (const key of CUSTOM_SEARCH_ATTRIBUTES) expect(before).not.toHaveProperty(key.name);

    for (let i = 0; i < SERVICES; i++) {
      services.push(
        spawnMain(
          cleanEnv({
            DATABASE_URL: db.url,
            TEMPORAL_ADDRESS: inject('temporalAddress'),
            TEMPORAL_NAMESPACE: namespace,
            AUTOBUILD_TASK_QUEUE: taskQueue,
            AUTOBUILD_DATA_DIR: join(dataDir, `service-${i + 1}`),
            // Several API processes share their dashboard sessions, as the README says to configure them.
            AUTOBUILD_SESSION_SECRET: 'search-attributes-test-shared-session-secret',
            LOG_LEVEL: 'info',
          }),
        ),
      );
    }
    const running = await Promise.all(services.map((s) => s.waitFor(RUNNING, 120_000)));

    // Every one is ready: its database, Temporal and its own worker answer.
    for (const line of running) {
      const metricsUrl = (JSON.parse(line) as { metrics: string }).metrics;
      const readyz = metricsUrl.replace(/\/metrics$/, '/readyz');
      await waitUntil(`${readyz} to answer 200`, async () => (await fetch(readyz)).status === 200, 60_000);
      expect(await (await fetch(readyz)).json()).toMatchObject({ status: 'ready' });
    }

    // The namespace has each attribute once, with the engine's type, mapped to one column of the dev server's visibility store.
    const after = (await connection.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    const ours = (names: string[]) => names.filter((name) => CUSTOM_SEARCH_ATTRIBUTES.some((k) => k.name === name));
    expect(Object.fromEntries(ours(Object.keys(after)).map((name) => [name, after[name]]))).toEqual(
      Object.fromEntries(CUSTOM_SEARCH_ATTRIBUTES.map((k) => [k.name, INDEXED[k.type]])),
    );
    const aliases = (await connection.workflowService.describeNamespace({ namespace })).config?.customSearchAttributeAliases ?? {};
    expect(ours(Object.values(aliases)).sort()).toEqual(CUSTOM_SEARCH_ATTRIBUTES.map((k) => k.name).sort());
    // The services registered them (whichever got there first; on the dev server the concurrent adds all succeed).
    const added = services.flatMap((s) =>
      logLines(s).flatMap((l) => (l.msg === 'registered search attributes' ? (l.added as string[]) : [])),
    );
    expect(new Set(added)).toEqual(new Set(CUSTOM_SEARCH_ATTRIBUTES.map((k) => k.name)));
    const adders = services.filter((s) => logLines(s).some((l) => l.msg === 'registered search attributes')).length;
    console.log(`search attributes: ${adders} of ${SERVICES} services added some (the others found them there)`);

    // The engine runs on them: a tick, which records its TickTime, ends and is found by it.
    const at = new Date('2030-01-07T09:00:00Z');
    const tick = await startManualTick(client, taskQueue, at);
    expect((await tick.result()).candidates).toBe(0);
    const around = `TickTime >= "2030-01-07T08:59:00Z" AND TickTime < "2030-01-07T09:01:00Z"`; // the dev server's = on a Datetime finds nothing
    await waitUntil('the tick to be found by its TickTime', async () => (await client.workflow.count(around)).count === 1, 60_000);
    // Each attribute filters: a run that carries all four (on a queue nobody polls) is found by each one.
    const probe = await client.workflow.start('probe', {
      workflowId: `probe-${taskQueue}`,
      taskQueue: `${taskQueue}-nobody`,
      typedSearchAttributes: [
        { key: WORKSPACE_ID, value: 'ws-probe' },
        { key: TRANSITION, value: 'start' },
        { key: REASON, value: 'autostart' },
        { key: TICK_TIME, value: new Date('2031-02-03T04:05:00Z') },
      ],
    });
    try {
      for (const query of [
        `WorkspaceId = "ws-probe"`,
        `Transition = "start" AND Reason = "autostart" AND WorkflowId = "${probe.workflowId}"`,
        `TickTime >= "2031-02-03T04:05:00Z" AND TickTime < "2031-02-03T04:06:00Z"`,
      ]) {
        await waitUntil(`one run for ${query}`, async () => (await client.workflow.count(query)).count === 1, 60_000);
      }
    } finally {
      await probe.terminate('search attribute probe');
    }

    // No service logged an error, or a warning other than the advice a fresh database gets, nor failed.
    for (const [i, s] of services.entries()) {
      const problems = logLines(s).filter(
        (l) => l.level === 'error' || l.level === undefined || (l.level === 'warn' && !l.msg?.startsWith('no owner API token exists yet')),
      );
      expect(problems, `service ${i + 1}`).toEqual([]);
      expect(s.child.exitCode, `service ${i + 1}`).toBeNull();
    }
  }, 180_000);
});

describe('the registration itself, by several services at the same instant', () => {
  it('all succeed, and the namespace gets one set of attributes', async () => {
    const address = inject('temporalAddress');
    const admin = await Connection.connect({ address });
    const namespace = `sa-race-${randomBytes(4).toString('hex')}`;
    // One connection each, as each service has its own.
    const connections = await Promise.all(Array.from({ length: 6 }, () => Connection.connect({ address })));
    try {
      await registerNamespace(admin, namespace);
      const results = await Promise.allSettled(connections.map((c) => registerSearchAttributes(c, namespace)));
      expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
      const added = results.flatMap((r) => (r.status === 'fulfilled' ? r.value : []));
      expect(new Set(added)).toEqual(new Set(CUSTOM_SEARCH_ATTRIBUTES.map((k) => k.name)));
      const aliases = (await admin.workflowService.describeNamespace({ namespace })).config?.customSearchAttributeAliases ?? {};
      expect(Object.values(aliases).sort()).toEqual(CUSTOM_SEARCH_ATTRIBUTES.map((k) => k.name).sort());
      // A later start finds them all and adds nothing.
      expect(await registerSearchAttributes(admin, namespace)).toEqual([]);
    } finally {
      await Promise.all([admin, ...connections].map((c) => c.close()));
    }
  });
});

type LogLine = { level?: string; msg?: string; [field: string]: unknown };

/** The JSON log lines of a service; a line that is not JSON (a crash's stack) counts with no level. */
function logLines(s: Spawned): LogLine[] {
  return s
    .output()
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        return { msg: l };
      }
    });
}

/** A new namespace on the run's dev server, usable once the frontend's cache has it. */
async function registerNamespace(connection: Connection, namespace: string): Promise<void> {
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: proto.google.protobuf.Duration.fromObject({ seconds: 86_400 }),
  });
  await waitUntil(
    `namespace ${namespace} to be usable`,
    async () => {
      await connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 });
      return true;
    },
    60_000,
  );
}
