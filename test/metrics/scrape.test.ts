// The worker's two metrics ports as Prometheus sees them: `npm start`'s
// compiled service on the run's PostgreSQL and Temporal, one tick that starts
// two workspaces (one build succeeds, one fails and notifies), then a scrape
// of /metrics and of the Temporal SDK's exporter. The alert rules and the
// dashboard committed in deploy/ are checked against the names that scrape
// exports, not against a list kept by hand.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { setSimulatedFailure } from '../../src/db/sql/simulated-failure.js';
import { truncateToMinute } from '../../src/lifecycle/time.js';
import { type RuntimeInfo, readRuntimeInfo } from '../../src/runtime/runtime-file.js';
import { startManualTick } from '../../src/runtime/tick-client.js';
import { runCli } from '../cli/harness.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, PROJECT_ROOT, type Spawned, spawnMain } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';
import { createTemplate, createUser, createWorkspace, D, H, plus } from '../orchestration/fixtures.js';
import { type Exposition, metricNames, parseExposition, sampled } from './exposition.js';

const T = truncateToMinute(new Date());

let db: TestDatabase;
let temporal: TestTemporal;
let main: Spawned;
let dataDir: string;
let runtime: RuntimeInfo;
let worker: Exposition;
let sdk: Exposition;
let env: Record<string, string>;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const scrape = async (url: string) => parseExposition(await (await fetch(url)).text());

beforeAll(async () => {
  [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  dataDir = await mkdtemp(join(tmpdir(), 'autobuild-metrics-'));
  env = {
    DATABASE_URL: db.url,
    TEMPORAL_ADDRESS: temporal.address,
    AUTOBUILD_TASK_QUEUE: temporal.taskQueue,
    AUTOBUILD_DATA_DIR: dataDir,
  };
  main = spawnMain(cleanEnv({ ...env, AUTOBUILD_SIMULATED_DURATION: '100ms' }));
  await main.waitFor(/autobuild is running/, 120_000);
  runtime = readRuntimeInfo(dataDir)!;

  // Two stopped workspaces whose autostart is due at T; the second's start is set to fail.
  const { pool } = db;
  const owner = await createUser(pool);
  const template = await createTemplate(pool);
  const due = {
    ownerId: owner,
    template,
    autostartSchedule: `${T.getUTCMinutes()} ${T.getUTCHours()} * * *`,
    nextStartAt: T,
    lastUsedAt: plus(T, -H),
    buildNumber: 2,
    build: { transition: 'stop' as const, createdAt: plus(T, -D) },
  };
  const ok = await createWorkspace(pool, due);
  const failing = await createWorkspace(pool, due);
  await setSimulatedFailure(pool, failing, { transitions: ['start'], message: 'simulated: the cloud refused' });

  await (await startManualTick(temporal.client, temporal.taskQueue, T)).result();
  await until('both autostart builds to end', async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM workspace_builds b JOIN provisioner_jobs j ON j.id = b.job_id
        WHERE b.workspace_id = ANY($1) AND b.reason = 'autostart' AND j.completed_at IS NOT NULL`,
      [[ok, failing]],
    );
    return rows[0].n === 2;
  });
  await until('the failure notification to be delivered', async () => {
    const { rows } = await pool.query(
      `SELECT count(*)::int AS n FROM notifications WHERE kind = 'autobuild_failed' AND delivered_at IS NOT NULL`,
    );
    return rows[0].n === 1;
  });
  [worker, sdk] = await Promise.all([scrape(runtime.metricsUrl), scrape(runtime.sdkMetricsUrl)]);
}, 180_000);

afterAll(async () => {
  if (main) {
    main.child.kill('SIGINT');
    await main.exited;
  }
  await temporal?.close();
  await db?.drop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe("the worker's metrics after one tick", () => {
  it('records where they are in runtime.json and in the start line', () => {
    expect(runtime.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(runtime.healthUrl).toBe(runtime.metricsUrl.replace(/metrics$/, 'healthz'));
    expect(runtime.readyUrl).toBe(runtime.metricsUrl.replace(/metrics$/, 'readyz'));
    expect(runtime.sdkMetricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect(runtime.sdkMetricsUrl).not.toBe(runtime.metricsUrl);
    expect(main.output()).toContain(`"metrics":"${runtime.metricsUrl}"`);
  });

  it('counts the transitions by transition and reason, and the evaluations by outcome', () => {
    expect(sampled(worker, 'autobuild_transitions_total', { transition: 'start', reason: 'autostart' })).toBeGreaterThanOrEqual(2);
    expect(sampled(worker, 'autobuild_evaluations_total', { outcome: 'transition' })).toBeGreaterThanOrEqual(2);
  });

  it("observes the tick's duration, its candidates and the lag of each evaluation after its minute", () => {
    expect(sampled(worker, 'autobuild_tick_duration_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(sampled(worker, 'autobuild_tick_duration_seconds_bucket', { le: '+Inf' })).toBeGreaterThanOrEqual(1);
    expect(sampled(worker, 'autobuild_tick_candidates_count')).toBeGreaterThanOrEqual(1);
    expect(sampled(worker, 'autobuild_tick_candidates_sum')).toBeGreaterThanOrEqual(2);
    expect(sampled(worker, 'autobuild_tick_lag_seconds_count')).toBeGreaterThanOrEqual(2);
  });

  it('counts the builds by transition and outcome, with their durations', () => {
    expect(sampled(worker, 'autobuild_builds_total', { transition: 'start', outcome: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(sampled(worker, 'autobuild_builds_total', { transition: 'start', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(sampled(worker, 'autobuild_builds_total', { transition: 'delete', outcome: 'canceled' })).toBe(0); // present from the start
    expect(sampled(worker, 'autobuild_build_duration_seconds_count', { transition: 'start', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
  });

  it('counts the delivered notification by kind, and reads the outbox backlog from the database', () => {
    expect(sampled(worker, 'autobuild_notifications_delivered_total', { kind: 'autobuild_failed' })).toBe(1);
    expect(sampled(worker, 'autobuild_notifications_pending')).toBe(0);
    expect(sampled(worker, 'autobuild_notifications_oldest_pending_age_seconds')).toBe(0);
    for (const family of ['autobuild_notifications_failed_total', 'autobuild_errors_total', 'autobuild_evaluations_skipped_total']) {
      expect(worker.names, family).toContain(family); // declared, with no sample until one happens
    }
  });

  it("exports the process's own metrics", () => {
    expect(sampled(worker, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(worker.names).toContain('nodejs_eventloop_lag_p99_seconds');
  });

  it("serves the Temporal SDK's worker metrics on the second port, for this worker's task queue", () => {
    const tq = { task_queue: temporal.taskQueue };
    expect(sampled(sdk, 'temporal_worker_task_slots_available', { ...tq, worker_type: 'WorkflowWorker' })).toBeGreaterThan(0);
    expect(sampled(sdk, 'temporal_worker_task_slots_available', { ...tq, worker_type: 'ActivityWorker' })).toBeGreaterThan(0);
    expect(sampled(sdk, 'temporal_num_pollers', { ...tq, poller_type: 'workflow_task' })).toBeGreaterThan(0);
    expect(sampled(sdk, 'temporal_workflow_completed_total', { ...tq, workflow_type: 'tick' })).toBeGreaterThanOrEqual(1);
    expect(sampled(sdk, 'temporal_workflow_completed_total', { ...tq, workflow_type: 'buildJob' })).toBeGreaterThanOrEqual(2);
  });

  it('answers /healthz and /readyz, whose checks `autobuild status` reports', async () => {
    expect((await fetch(runtime.healthUrl)).status).toBe(200);
    const ready = await fetch(runtime.readyUrl);
    expect(ready.status).toBe(200);
    const checks = { database: { ok: true }, temporal: { ok: true }, worker: { ok: true, state: 'RUNNING' } };
    expect(await ready.json()).toEqual({ status: 'ready', checks });
    const status = await runCli(['status', '--json', '--ticks', '1'], cleanEnv(env));
    expect(status.code).toBe(0);
    expect(status.json().readiness).toEqual({ url: runtime.readyUrl, status: 'ready', checks });
  });
});

const alerts = parse(readFileSync(join(PROJECT_ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as {
  groups: Array<{
    name: string;
    rules: Array<{ alert: string; expr: string; for: string; labels: { severity: string }; annotations: { summary: string } }>;
  }>;
};
const dashboard = JSON.parse(readFileSync(join(PROJECT_ROOT, 'deploy/grafana/autobuild-dashboard.json'), 'utf8')) as {
  panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }>;
};
const exported = () => new Set([...worker.names, ...sdk.names]);

describe('the alert rules (deploy/prometheus/alerts.yml)', () => {
  const rules = alerts.groups.flatMap((g) => g.rules);

  it('alert on tick lag, no worker polling, the outbox backlog age and the build failure rate', () => {
    expect(rules.map((r) => r.alert)).toEqual(
      expect.arrayContaining([
        'AutobuildTickLagHigh',
        'AutobuildNoWorkerPolling',
        'AutobuildOutboxBacklogOld',
        'AutobuildBuildFailureRateHigh',
      ]),
    );
    for (const r of rules) {
      expect(r.for, r.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], r.alert).toContain(r.labels.severity);
      expect(r.annotations.summary, r.alert).toBeTruthy();
    }
  });

  it('each names only metrics the worker exports, and at least one', () => {
    for (const r of rules) {
      const names = metricNames(r.expr);
      expect(names.length, r.alert).toBeGreaterThan(0);
      expect(
        names.filter((n) => !exported().has(n)),
        r.alert,
      ).toEqual([]);
    }
  });
});

describe('the Grafana dashboard (deploy/grafana/autobuild-dashboard.json)', () => {
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

  it('has a query for each series the worker exports under autobuild_', () => {
    const queried = new Set(queries.flatMap((q) => metricNames(q.expr)));
    const families = [...worker.names].filter((n) => n.startsWith('autobuild_') && !/_(bucket|sum|count)$/.test(n));
    const histogram = (n: string) => ['_bucket', '_sum', '_count'].some((s) => queried.has(n + s));
    expect(families.filter((n) => !queried.has(n) && !histogram(n))).toEqual([]);
  });

  it('asks in every query only for metrics the worker exports', () => {
    expect(queries.length).toBeGreaterThan(10);
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, q.panel).toBeGreaterThan(0);
      expect(
        names.filter((n) => !exported().has(n)),
        `${q.panel}: ${q.expr}`,
      ).toEqual([]);
    }
  });
});

describe('the metric names a query asks for', () => {
  it('leave out functions, keywords, label names and values, ranges and numbers', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, transition) (rate(autobuild_build_duration_seconds_bucket{outcome="failed"}[$__rate_interval])))',
      ),
    ).toEqual(['autobuild_build_duration_seconds_bucket']);
    expect(metricNames('sum(x_total) / sum(y_total) > 0.2 and on (job) z < 1e3 or absent(w{a="b"})')).toEqual([
      'x_total',
      'y_total',
      'z',
      'w',
    ]);
  });
});
