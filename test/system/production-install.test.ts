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
      }),
    );
    try {
      await main.waitFor(/autobuild is running/, 60_000);
      const ops = new Ops({ pool: db.pool, client: temporal.client, taskQueue: temporal.taskQueue });
      await ops.users.create({ username: 'alice' });
      await ops.templates.create({ name: 'dev' });
      const created = await ops.workspaces.create({ owner: 'alice', template: 'dev', name: 'box' });
      expect((await ops.waitForBuild(created.jobId, 30_000)).job.status).toBe('succeeded');
    } catch (err) {
      main.child.kill('SIGKILL'); // never leave a worker behind a failed test
      throw err;
    }
    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    expect(main.output()).toMatch(/worker stopped/);
  }, 120_000);
});
