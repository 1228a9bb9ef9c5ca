// Records real workflow histories from a Temporal dev server, one per outcome,
// for the replay test (test/orchestration/replay.test.ts), into
// test/histories/<hash>/ with a manifest naming the workflow code they were
// recorded from (scripts/workflow-sources.ts). Run it whenever src/workflows/
// changed (the replay test fails until the current code has a recording), and
// keep the folders of earlier code: they are the runs an older release may
// still have open (README, "Release procedure"):
//
//   npm run histories:record     (builds dist/ first: it records with the worker's own bundle)
//
// It starts its own PostgreSQL and dev server on free ports in a temporary
// folder (never .data/), runs one manual tick over a workspace per outcome
// with a small page size (so the tick continues as new), plus an evaluateNow,
// and writes each history as `temporal workflow show --output json` prints it
// (the Temporal UI's download format), plus the build workflow of one build.
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../src/activities/index.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { metricsSinks } from '../src/metrics/sinks.js';
import { loadConfig, loadProvisioningConfig, projectRoot } from '../src/runtime/config.js';
import { ensureDatabase, startEmbeddedPostgres } from '../src/runtime/embedded-postgres.js';
import { evaluateNow } from '../src/runtime/evaluate-client.js';
import { createLogger } from '../src/runtime/logger.js';
import { freePort } from '../src/runtime/ports.js';
import { findTemporalCli } from '../src/runtime/temporal-cli.js';
import { startTemporalDevServer } from '../src/runtime/temporal-dev-server.js';
import { startManualTick } from '../src/runtime/tick-client.js';
import { NO_TRACING } from '../src/runtime/tracing.js';
import { prebuiltBundle } from '../src/workflow-bundle.js';
import { CUSTOM_SEARCH_ATTRIBUTES } from '../src/workflows/search-attributes.js';
import { createTemplate, createUser, createWorkspace, D, H, MIN, plus } from '../test/orchestration/fixtures.js';
import { currentWorkflowSources, MANIFEST, type RecordingManifest, recordingDir } from './workflow-sources.js';

const sources = currentWorkflowSources();
const OUT = recordingDir(sources);
const shown = relative(projectRoot, OUT);
const T = new Date('2024-03-04T09:00:00Z'); // a Monday

Runtime.install({ logger: new DefaultLogger('WARN') });
const log = createLogger({ level: 'warn', format: 'pretty' });
const dir = await mkdtemp(join(tmpdir(), 'autobuild-histories-'));
await chmod(dir, 0o755);
const postgres = await startEmbeddedPostgres({ dir: join(dir, 'postgres'), port: await freePort(), log });
const cliPath = findTemporalCli(loadConfig().temporalCliPath);
const temporal = await startTemporalDevServer({
  cliPath,
  dataDir: join(dir, 'temporal'),
  ip: '127.0.0.1',
  port: await freePort(),
  uiPort: null,
  namespace: 'default',
  searchAttributes: CUSTOM_SEARCH_ATTRIBUTES,
  persistent: false,
  log,
});
try {
  await mkdir(OUT, { recursive: true });
  await ensureDatabase(postgres.adminUrl, 'histories');
  const pool = createPool(postgres.urlFor('histories'));
  await migrate(pool);
  const connection = await Connection.connect({ address: temporal.address });
  const client = new Client({ connection, namespace: 'default' });
  const nativeConnection = await NativeConnection.connect({ address: temporal.address });
  const taskQueue = 'record-histories';
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: 'default',
    taskQueue,
    // The worker's own bundle, as `npm run build` made it.
    workflowBundle: prebuiltBundle(),
    sinks: { ...NO_TRACING.sinks, ...metricsSinks(null) },
    activities: createActivities({
      pool,
      log,
      client,
      taskQueue,
      provisioning: { ...loadProvisioningConfig({}), simulatedDurationMs: 0 },
    }),
  });

  await worker.runUntil(async () => {
    // One workspace per outcome of docs/rules.md#the-decision, all due at T.
    const owner = await createUser(pool);
    const plain = await createTemplate(pool);
    const dormancy = await createTemplate(pool, { timeTilDormantMs: 7 * D, timeTilDormantAutodeleteMs: 30 * D });
    const failure = await createTemplate(pool, { failureTtlMs: H });
    const base = { ownerId: owner, template: plain, lastUsedAt: plus(T, -H), buildNumber: 3 };
    const running = { transition: 'start' as const, createdAt: plus(T, -2 * H) };
    const stopped = { transition: 'stop' as const, createdAt: plus(T, -D) };
    const ws = {
      autostop: await createWorkspace(pool, { ...base, build: { ...running, deadline: plus(T, -MIN) } }),
      autostart: await createWorkspace(pool, { ...base, autostartSchedule: '0 9 * * *', nextStartAt: T, build: stopped }),
      'failed-cleanup': await createWorkspace(pool, {
        ...base,
        template: failure,
        build: { ...running, job: 'failed', completedAt: plus(T, -2 * H) },
      }),
      'dormancy-with-build': await createWorkspace(pool, { ...base, template: dormancy, lastUsedAt: plus(T, -8 * D), build: running }),
      'dormancy-without-build': await createWorkspace(pool, { ...base, template: dormancy, lastUsedAt: plus(T, -8 * D), build: stopped }),
      autodelete: await createWorkspace(pool, {
        ...base,
        template: dormancy,
        lastUsedAt: plus(T, -60 * D),
        dormantAt: plus(T, -31 * D),
        deletingAt: plus(T, -D),
        build: stopped,
      }),
      'no-op': await createWorkspace(pool, { ...base, autostartSchedule: '30 9 * * *', build: stopped }),
      'invalid-schedule': await createWorkspace(pool, { ...base, autostartSchedule: '0 9 * * 7', build: stopped }),
    };
    const tick = await startManualTick(client, taskQueue, T, { pageSize: 3, batchSize: 2 });
    const stats = await tick.result();
    console.log('tick', JSON.stringify({ transitions: stats.transitions, continuedAsNew: stats.continuedAsNew, errors: stats.errors }));

    const reevaluated = await createWorkspace(pool, {
      ...base,
      autostartSchedule: '* * * * *',
      nextStartAt: plus(new Date(), -2 * MIN),
      build: { transition: 'stop', createdAt: plus(new Date(), -D) },
    });
    const answer = await evaluateNow(client, taskQueue, reevaluated);
    console.log('evaluateNow', JSON.stringify({ decision: answer.decision?.transition, buildNumber: answer.buildNumber }));

    // The Temporal CLI writes the history JSON (the SDK's converter for it is not public API).
    const save = async (name: string, workflowId: string, runId?: string) => {
      const args = ['workflow', 'show', '--address', temporal.address, '--workflow-id', workflowId, '--output', 'json'];
      const out = execFileSync(cliPath, runId ? [...args, '--run-id', runId] : args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      const history = JSON.parse(out) as { events: unknown[] };
      await writeFile(join(OUT, `${name}.json`), `${JSON.stringify(history, null, 1)}\n`);
      console.log(`wrote ${shown}/${name}.json (${history.events.length} events)`);
    };
    for (const [name, id] of Object.entries(ws)) await save(`workspace-${name}`, `workspace/${id}`);
    await save('workspace-reevaluate', `workspace/${reevaluated}`);
    // One build run to completion by its workflow (the autostart's).
    const { rows } = await pool.query('SELECT job_id FROM workspace_builds WHERE workspace_id = $1 ORDER BY build_number DESC LIMIT 1', [
      ws.autostart,
    ]);
    const jobId: string = rows[0].job_id;
    await client.workflow.getHandle(`build/${jobId}`).result();
    await save('build-job', `build/${jobId}`);
    // The tick's runs, first to last: each continued as new after a full page.
    let runId: string | undefined = tick.firstExecutionRunId;
    for (let page = 1; runId; page++) {
      const history = await client.workflow.getHandle(tick.workflowId, runId).fetchHistory();
      await save(`tick-page-${page}`, tick.workflowId, runId);
      runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
  });
  const manifest: RecordingManifest = {
    workflowSources: sources.sha256,
    files: sources.files,
    recordedAt: new Date().toISOString(),
    commit: gitCommit(),
  };
  await writeFile(join(OUT, MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  console.log(`wrote ${shown}/${MANIFEST}: the recording of workflow code ${sources.sha256.slice(0, 12)}; keep the other folders`);
  await nativeConnection.close();
  await connection.close();
  await pool.end();
} finally {
  await temporal.stop();
  await postgres.stop();
  await rm(dir, { recursive: true, force: true });
}

function gitCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: projectRoot, encoding: 'utf8' }).trim();
  try {
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src/workflows') ? '+dirty' : ''}`;
  } catch {
    return 'unknown';
  }
}
