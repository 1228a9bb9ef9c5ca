// What a deployment runs: package.json, the lock file and dist/ in an empty
// folder, production dependencies only (no TypeScript, no tsx, no build), and
// `node dist/main.js` against an external PostgreSQL and Temporal. It serves
// the engine's workflows and activities: a workspace's build runs to the end.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ops } from '../../src/ops/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, PROJECT_ROOT, spawnEntry } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';

const run = promisify(execFile);

describe('a production install', () => {
  let dir: string;
  let db: TestDatabase;
  let temporal: TestTemporal;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autobuild-install-'));
    for (const f of ['package.json', 'package-lock.json', 'dist']) await cp(join(PROJECT_ROOT, f), join(dir, f), { recursive: true });
    await run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
    [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
  }, 300_000);
  afterAll(async () => {
    await temporal?.close();
    await db?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has no development dependency: no compiler, no loader, no bundler of our own', () => {
    for (const dev of ['typescript', 'tsx', 'vitest', '@biomejs/biome'])
      expect(existsSync(join(dir, 'node_modules', dev)), dev).toBe(false);
  });

  it('node dist/main.js runs the worker on external services, and a build runs to the end on it', async () => {
    const main = spawnEntry(
      join(dir, 'dist', 'main.js'),
      [],
      cleanEnv({
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        AUTOBUILD_TASK_QUEUE: temporal.taskQueue,
        AUTOBUILD_DATA_DIR: join(dir, '.data'),
        AUTOBUILD_SIMULATED_DURATION: '100ms',
        AUTOBUILD_API_PORT: '0',
        AUTOBUILD_METRICS_PORT: '0',
        AUTOBUILD_SDK_METRICS_PORT: '0',
      }),
    );
    try {
      const running = JSON.parse(await main.waitFor(/autobuild is running/, 60_000));
      // No owner token yet: the start says how to make the first one.
      expect(main.output()).toMatch(/no owner API token exists yet: .*autobuild token create admin --role owner/);
      const ops = new Ops({ pool: db.pool, client: temporal.client, taskQueue: temporal.taskQueue });
      await ops.users.create({ username: 'alice' });
      await ops.templates.create({ name: 'dev' });
      const { token } = await ops.tokens.create({ user: 'alice', role: 'member' });
      // The API the production install serves: a workspace created through it runs its build to the end.
      const res = await fetch(`${running.api}/api/v1/workspaces`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ template: 'dev', name: 'box' }),
      });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { jobId: string };
      expect((await ops.waitForBuild(created.jobId, 30_000)).job.status).toBe('succeeded');
      expect((await fetch(`${running.api}/readyz`)).status).toBe(200);
    } catch (err) {
      main.child.kill('SIGKILL'); // never leave a worker behind a failed test
      throw err;
    }
    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    expect(main.output()).toMatch(/worker stopped/);
  }, 120_000);

  it('node dist/api-main.js serves the API alone (npm run api)', async () => {
    const api = spawnEntry(
      join(dir, 'dist', 'api-main.js'),
      [],
      cleanEnv({
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        AUTOBUILD_TASK_QUEUE: temporal.taskQueue,
        AUTOBUILD_DATA_DIR: join(dir, '.data'),
        AUTOBUILD_API_PORT: '0',
      }),
    );
    try {
      const serving = JSON.parse(await api.waitFor(/autobuild API is serving/, 60_000));
      expect((await fetch(`${serving.api}/healthz`)).status).toBe(200);
      expect((await fetch(`${serving.api}/readyz`)).status).toBe(200);
      const unauthenticated = await fetch(`${serving.api}/api/v1/workspaces`);
      expect(unauthenticated.status).toBe(401);
    } catch (err) {
      api.child.kill('SIGKILL');
      throw err;
    }
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(api.output()).toMatch(/API stopped/);
  }, 120_000);
});
