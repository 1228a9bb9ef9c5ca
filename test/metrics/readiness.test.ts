// /readyz follows the worker's database: `npm start`'s compiled service on a
// PostgreSQL of this test's own, which the test stops and starts again. The
// worker goes unready (503, the database check failing, the others passing)
// while it is down and ready again when it is back; /healthz answers 200
// throughout; `autobuild status` and the container health check's one-liner
// see the same.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import type { Readiness } from '../../src/metrics/health.js';
import { EMBEDDED_DATABASE, ensureDatabase, type RunningPostgres, startEmbeddedPostgres } from '../../src/runtime/embedded-postgres.js';
import { createLogger } from '../../src/runtime/logger.js';
import { freePort } from '../../src/runtime/ports.js';
import { type RuntimeInfo, readRuntimeInfo } from '../../src/runtime/runtime-file.js';
import { runCli } from '../cli/harness.js';
import { cleanEnv, PROJECT_ROOT, type Spawned, spawnMain } from '../helpers/processes.js';

const log = createLogger({ level: 'error', format: 'json' });

let dir: string;
let pgPort: number;
let postgres: RunningPostgres | null = null;
let main: Spawned;
let runtime: RuntimeInfo;
let env: Record<string, string>;

const startPostgres = async () => {
  postgres = await startEmbeddedPostgres({ dir: join(dir, 'postgres'), port: pgPort, log });
};

async function readiness(): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(runtime.readyUrl);
  return { status: res.status, body: (await res.json()) as Readiness };
}

/** Polls /readyz until it answers `status`; /healthz must answer 200 at every poll on the way. */
async function readyzBecomes(status: number, timeoutMs = 60_000): Promise<Readiness> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    expect((await fetch(runtime.healthUrl)).status).toBe(200);
    const r = await readiness();
    if (r.status === status) return r.body;
    if (Date.now() > deadline) throw new Error(`/readyz still answers ${r.status}: ${JSON.stringify(r.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** The health check of the Dockerfile and of docker-compose.yml, as the container runs it: `node -e <script>`. */
const healthCheckScript = () => {
  const compose = parse(readFileSync(join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: { worker: { healthcheck: { test: string[] } } };
  };
  const [cmd, node, flag, script] = compose.services.worker.healthcheck.test;
  expect([cmd, node, flag]).toEqual(['CMD', 'node', '-e']);
  const dockerfile = readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(`CMD ["node", "-e", ${JSON.stringify(script)}]`);
  return script!;
};

const runHealthCheck = (script: string) =>
  new Promise<number>((resolve) => {
    const port = new URL(runtime.readyUrl).port;
    execFile(process.execPath, ['-e', script], { env: { ...process.env, AUTOBUILD_METRICS_PORT: port }, timeout: 10_000 }, (err) =>
      resolve(err ? (typeof err.code === 'number' ? err.code : -1) : 0),
    );
  });

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autobuild-readyz-'));
  await chmod(dir, 0o755); // as root, PostgreSQL runs as the "postgres" user and must reach its folder
  pgPort = await freePort();
  await startPostgres();
  await ensureDatabase(postgres!.adminUrl, EMBEDDED_DATABASE);
  env = {
    DATABASE_URL: postgres!.urlFor(EMBEDDED_DATABASE),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    AUTOBUILD_TASK_QUEUE: `readyz-${pgPort}`,
    AUTOBUILD_DATA_DIR: join(dir, 'data'),
  };
  main = spawnMain(cleanEnv(env));
  await main.waitFor(/autobuild is running/, 120_000);
  runtime = readRuntimeInfo(env.AUTOBUILD_DATA_DIR!)!;
}, 180_000);

afterAll(async () => {
  if (main) {
    main.child.kill('SIGINT');
    await main.exited;
  }
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('/readyz follows the database down and up; /healthz stays 200', () => {
  it('is ready while the database, Temporal and the worker answer', async () => {
    expect(await readyzBecomes(200)).toEqual({
      status: 'ready',
      checks: { database: { ok: true }, temporal: { ok: true }, worker: { ok: true, state: 'RUNNING' } },
    });
    expect(await runHealthCheck(healthCheckScript())).toBe(0);
  });

  it('goes unready when PostgreSQL stops, naming the database as the failing check', async () => {
    await postgres!.stop();
    postgres = null;
    const unready = await readyzBecomes(503);
    expect(unready).toMatchObject({
      status: 'unready',
      checks: { database: { ok: false }, temporal: { ok: true }, worker: { ok: true, state: 'RUNNING' } },
    });
    expect(unready.checks.database.error).toBeTruthy();
    expect(await runHealthCheck(healthCheckScript())).toBe(1);

    const status = await runCli(['status', '--json'], cleanEnv(env));
    expect(status.code).toBe(2);
    expect(status.json()).toMatchObject({
      ok: false,
      database: { ok: false },
      readiness: { url: runtime.readyUrl, status: 'unready', checks: { database: { ok: false }, worker: { ok: true } } },
    });
  }, 90_000);

  it('is ready again once PostgreSQL is back', async () => {
    await startPostgres();
    expect((await readyzBecomes(200)).status).toBe('ready');
    expect(await runHealthCheck(healthCheckScript())).toBe(0);
  }, 90_000);

  it('ends with the process on Ctrl-C: it exits 0 and nothing answers on its port', async () => {
    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    await expect(fetch(runtime.healthUrl)).rejects.toThrow();
  }, 60_000);
});
