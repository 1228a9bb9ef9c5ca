// Tracing as an operator sees it: `npm start` with OTEL_EXPORTER_OTLP_ENDPOINT
// pointing at a collector (here an in-process OTLP/HTTP receiver) sends one
// trace per tick, from the Schedule's tick through the workspace's workflow,
// its evaluate activity and that activity's SQL statements, to the build; and
// without the variable it sends nothing.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTickSchedule } from '../../src/runtime/schedule.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, spawnMain } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';
import { builds, createTemplate, createUser, createWorkspace, H, MIN, plus } from '../orchestration/fixtures.js';

interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  service: unknown;
  attributes: Record<string, unknown>;
}

/** An OTLP/HTTP trace receiver (JSON, as @opentelemetry/exporter-trace-otlp-http sends it). */
async function startCollector() {
  const spans: Span[] = [];
  const bodies: string[] = [];
  let requests = 0;
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method === 'POST' && req.url === '/v1/traces') {
      requests++;
      bodies.push(body);
      for (const rs of JSON.parse(body).resourceSpans ?? []) {
        const service = attributes(rs.resource?.attributes)['service.name'];
        for (const ss of rs.scopeSpans ?? []) {
          for (const s of ss.spans ?? []) {
            spans.push({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              service,
              attributes: attributes(s.attributes),
            });
          }
        }
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    bodies,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number };
function attributes(list: { key: string; value: OtlpValue }[] = []): Record<string, unknown> {
  return Object.fromEntries(
    list.map(({ key, value }) => [key, value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue]),
  );
}

describe('tracing of `npm start`', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let dataDir: string;
  beforeAll(async () => {
    [db, temporal, collector] = await Promise.all([createTestDatabase(), connectTestTemporal(), startCollector()]);
    dataDir = await mkdtemp(join(tmpdir(), 'autobuild-tracing-'));
  });
  afterAll(async () => {
    await Promise.all([collector?.close(), temporal?.close(), db?.drop()]);
    await rm(dataDir, { recursive: true, force: true });
  });

  /**
   * Seeds a workspace whose autostop is due, runs `npm start` with `env`, lets a tick started by
   * a Schedule of the test's own stop it and the build finish, and stops the process (Ctrl-C).
   */
  async function oneTick(env: Record<string, string>) {
    const now = new Date();
    const workspaceId = await createWorkspace(db.pool, {
      ownerId: await createUser(db.pool),
      template: await createTemplate(db.pool),
      lastUsedAt: plus(now, -H),
      build: { transition: 'start', createdAt: plus(now, -2 * H), deadline: plus(now, -MIN) },
    });
    const taskQueue = `tracing-${randomUUID()}`;
    const main = spawnMain(
      cleanEnv({
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        AUTOBUILD_DATA_DIR: join(dataDir, taskQueue),
        AUTOBUILD_TASK_QUEUE: taskQueue,
        AUTOBUILD_SIMULATED_DURATION: '0',
        ...env,
      }),
    );
    const scheduleId = `tracing-test-${taskQueue}`;
    try {
      await main.waitFor(/autobuild is running/);
      await ensureTickSchedule(temporal.client, taskQueue, { scheduleId });
      const schedule = temporal.client.schedule.getHandle(scheduleId);
      await schedule.trigger();
      let tickWorkflowId: string | undefined;
      await expect
        .poll(async () => (tickWorkflowId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId), {
          timeout: 30_000,
        })
        .toBeTruthy();
      await temporal.client.workflow.getHandle(tickWorkflowId!).result();
      let stop: Awaited<ReturnType<typeof builds>>[number] | undefined;
      await expect
        .poll(
          async () => {
            stop = (await builds(db.pool, workspaceId)).find((b) => b.transition === 'stop');
            if (stop === undefined) return false;
            const { rows } = await db.pool.query('SELECT completed_at FROM provisioner_jobs WHERE id = $1', [stop.jobId]);
            return rows[0].completed_at !== null;
          },
          { timeout: 30_000 },
        )
        .toBe(true);
      main.child.kill('SIGINT');
      expect(await main.exited).toBe(0);
      return { workspaceId, jobId: stop!.jobId, output: main.output() };
    } finally {
      main.child.kill('SIGKILL');
      await temporal.client.schedule
        .getHandle(scheduleId)
        .delete()
        .catch(() => {});
    }
  }

  it('one tick is one trace: the tick, the workspace workflow, its evaluate activity and its SQL statements, and the build', async () => {
    const { workspaceId, jobId } = await oneTick({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
    const spans = collector.spans;
    const named = (name: string, workflowId: string) =>
      spans.filter((s) => s.name === name && (s.attributes.workflowId ?? s.attributes.temporalWorkflowId) === workflowId);

    const [build] = named('RunWorkflow:buildJob', `build/${jobId}`);
    expect(build).toBeDefined();
    const trace = spans.filter((s) => s.traceId === build!.traceId);
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const ancestors = (span: Span): string[] => {
      const parent = byId.get(span.parentSpanId);
      return parent === undefined ? [] : [parent.name, ...ancestors(parent)];
    };

    // One root, a tick a Schedule started (the test's, or the one `npm start` keeps if its minute came
    // first), and every other span's parent in the trace.
    const roots = trace.filter((s) => s.parentSpanId === '');
    expect(roots.map((s) => s.name)).toEqual(['RunWorkflow:tick']);
    const tickWorkflowId = roots[0]!.attributes.workflowId;
    expect(tickWorkflowId).toMatch(/^tick\/scheduled-/);
    expect(trace.filter((s) => s.parentSpanId !== '' && !byId.has(s.parentSpanId))).toEqual([]);
    expect(ancestors(build!)).toEqual([
      'StartWorkflow:buildJob',
      'RunActivity:evaluate',
      'StartActivity:evaluate',
      'RunWorkflow:evaluateWorkspace',
      'StartChildWorkflow:evaluateWorkspace',
      'RunWorkflow:tick',
    ]);
    const [workspace] = named('RunWorkflow:evaluateWorkspace', `workspace/${workspaceId}`).filter((s) => s.traceId === build!.traceId);
    expect(workspace).toBeDefined();

    // The evaluation's statements, under its activity: the build it inserted among them.
    const [evaluate] = trace.filter(
      (s) => s.name === 'RunActivity:evaluate' && s.attributes.temporalWorkflowId === `workspace/${workspaceId}`,
    );
    const statements = trace.filter((s) => s.parentSpanId === evaluate!.spanId && s.name.startsWith('pg.query'));
    expect(statements.map((s) => s.attributes['db.statement'])).toEqual(
      expect.arrayContaining([expect.stringMatching(/^BEGIN/), expect.stringMatching(/INSERT INTO workspace_builds/), 'COMMIT']),
    );
    // The build's own activities and their statements are in the trace too.
    expect(trace.filter((s) => s.name.startsWith('pg.query') && ancestors(s).includes('RunWorkflow:buildJob')).length).toBeGreaterThan(0);

    // Nothing of that tick, its workspace's run or the build went to another trace.
    const runs = new Set(trace.map((s) => s.attributes.runId ?? s.attributes.run_id).filter(Boolean));
    const elsewhere = spans.filter(
      (s) =>
        s.traceId !== build!.traceId &&
        ((s.attributes.workflowId ?? s.attributes.temporalWorkflowId) === tickWorkflowId ||
          runs.has(s.attributes.runId ?? s.attributes.run_id) ||
          (s.attributes.workflowId ?? s.attributes.temporalWorkflowId) === `build/${jobId}`),
    );
    expect(elsewhere).toEqual([]);
    expect(new Set(trace.map((s) => s.service))).toEqual(new Set(['autobuild']));
    // The database's address is on the statements' spans; its password is not.
    const password = decodeURIComponent(new URL(db.url).password);
    expect(password).not.toBe('');
    expect(collector.bodies.join('\n')).not.toContain(password);
  });

  it('sends nothing without OTEL_EXPORTER_OTLP_ENDPOINT (a traces-only endpoint alone does not turn it on), and the workflows run as before', async () => {
    const before = collector.requests();
    const { output } = await oneTick({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces` });
    expect(collector.requests()).toBe(before);
    // The bundle's workflow interceptors still hand their spans to a sink, which drops them.
    expect(output).not.toMatch(/unregistered external sink|External sink function threw/);
  });
});
