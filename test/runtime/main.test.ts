// `npm start` as a user runs it: the embedded defaults, an external database,
// and every kind of bad configuration ending in one line and a non-zero exit.

import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort, isPortInUse } from '../../src/runtime/ports.js';
import { readRuntimeInfo } from '../../src/runtime/runtime-file.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, spawnMain } from '../helpers/processes.js';

const RUNNING = /autobuild is running/;

async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'autobuild-main-'));
  await chmod(dir, 0o755);
  return dir;
}

describe('npm start on the embedded defaults', () => {
  let dataDir: string;
  let ports: { pg: number; temporal: number; ui: number };
  beforeAll(async () => {
    dataDir = await tempDataDir();
    ports = { pg: await freePort(), temporal: await freePort(), ui: await freePort() };
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });
  const env = () =>
    cleanEnv({
      AUTOBUILD_DATA_DIR: dataDir,
      AUTOBUILD_PG_PORT: String(ports.pg),
      AUTOBUILD_TEMPORAL_PORT: String(ports.temporal),
      AUTOBUILD_TEMPORAL_UI_PORT: String(ports.ui),
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
    });

  it('brings up PostgreSQL, Temporal with its UI and the worker; Ctrl-C stops them all; a restart keeps the data', async () => {
    const first = spawnMain(env());
    const line = await first.waitFor(RUNNING, 120_000);
    expect(JSON.parse(line).temporalUI).toBe(`http://127.0.0.1:${ports.ui}`);
    const ui = await fetch(`http://127.0.0.1:${ports.ui}/`);
    expect(ui.status).toBe(200);

    const info = readRuntimeInfo(dataDir);
    expect(info?.temporalAddress).toBe(`127.0.0.1:${ports.temporal}`);
    const client = new pg.Client({ connectionString: info!.databaseUrl });
    await client.connect();
    await client.query(`INSERT INTO users (username) VALUES ('survivor')`);
    await client.end();

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/worker stopped/);
    for (const p of Object.values(ports)) expect(await isPortInUse(p)).toBe(false);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);

    const second = spawnMain(env());
    await second.waitFor(RUNNING, 120_000);
    expect(second.output()).toMatch(/"migrationsApplied":0/);
    const again = new pg.Client({ connectionString: readRuntimeInfo(dataDir)!.databaseUrl });
    await again.connect();
    const { rows } = await again.query(`SELECT username FROM users`);
    await again.end();
    expect(rows).toEqual([{ username: 'survivor' }]);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  }, 240_000);

  it('reuses its own servers left running by a killed run, and stops them on Ctrl-C', async () => {
    const killed = spawnMain(env());
    await killed.waitFor(RUNNING, 120_000);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(await isPortInUse(ports.temporal)).toBe(true); // orphans still hold the ports

    const next = spawnMain(env());
    await next.waitFor(RUNNING, 120_000);
    expect(next.output()).toMatch(/reusing the embedded PostgreSQL/);
    expect(next.output()).toMatch(/reusing the Temporal dev server/);
    next.child.kill('SIGINT');
    expect(await next.exited).toBe(0);
    expect(await isPortInUse(ports.pg)).toBe(false);
    expect(await isPortInUse(ports.temporal)).toBe(false);
  }, 240_000);
});

describe('npm start with an external database and Temporal', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => db?.drop());

  it('migrates the database named by DATABASE_URL and runs the worker against TEMPORAL_ADDRESS (the data folder made on the way)', async () => {
    const parent = await tempDataDir();
    const dataDir = join(parent, 'not-there-yet');
    const main = spawnMain(
      cleanEnv({
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: inject('temporalAddress'),
        AUTOBUILD_DATA_DIR: dataDir,
        AUTOBUILD_TASK_QUEUE: `ext-${db.name}`,
      }),
    );
    await main.waitFor(RUNNING);
    const { rows } = await db.pool.query('SELECT name FROM schema_migrations');
    expect(rows.map((r) => r.name)).toContain('001_init');
    expect(main.output()).not.toMatch(/initialising embedded PostgreSQL|Temporal dev server is serving/);
    expect(readRuntimeInfo(dataDir)?.taskQueue).toBe(`ext-${db.name}`); // what the CLI reads
    main.child.kill('SIGINT');
    expect(await main.exited).toBe(0);
    await rm(parent, { recursive: true, force: true });
  });
});

describe('bad configuration ends with one line and a non-zero exit', () => {
  let held: Server;
  let heldPort: number; // something listens here
  let deadPort: number; // nothing listens here
  let db: TestDatabase;
  beforeAll(async () => {
    heldPort = await freePort();
    deadPort = await freePort();
    held = createServer((socket) => socket.destroy()).listen(heldPort, '127.0.0.1');
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await new Promise<void>((r) => held.close(() => r()));
    await db?.drop();
  });

  const cases: Array<{ name: string; env: () => Record<string, string>; message: RegExp }> = [
    {
      name: 'unreachable DATABASE_URL',
      env: () => ({ DATABASE_URL: `postgres://u:secret@127.0.0.1:${deadPort}/nope`, TEMPORAL_ADDRESS: inject('temporalAddress') }),
      message: /^autobuild: cannot connect to the database at postgres:\/\/u:\*\*\*@127\.0\.0\.1:\d+\/nope/,
    },
    {
      name: 'DATABASE_URL that is not a URL',
      env: () => ({ DATABASE_URL: 'not a url' }),
      message: /^autobuild: DATABASE_URL is not a valid URL/,
    },
    {
      name: 'unreachable TEMPORAL_ADDRESS',
      env: () => ({ DATABASE_URL: '__DB__', TEMPORAL_ADDRESS: `127.0.0.1:${deadPort}` }),
      message: /^autobuild: cannot connect to Temporal at 127\.0\.0\.1:\d+/,
    },
    {
      name: 'embedded PostgreSQL port already taken',
      env: () => ({ AUTOBUILD_PG_PORT: String(heldPort) }),
      message: /^autobuild: port \d+ is already in use by another program; stop it or set AUTOBUILD_PG_PORT/,
    },
    {
      name: 'Temporal port already taken',
      env: () => ({ DATABASE_URL: '__DB__', AUTOBUILD_TEMPORAL_PORT: String(heldPort) }),
      message: /^autobuild: port \d+ is already in use by another program .*AUTOBUILD_TEMPORAL_PORT/,
    },
    {
      name: 'Temporal SDK metrics port already taken',
      env: () => ({ AUTOBUILD_SDK_METRICS_PORT: String(heldPort) }),
      message: /^autobuild: the Temporal SDK metrics port 127\.0\.0\.1:\d+ is taken: set AUTOBUILD_SDK_METRICS_PORT to a free port$/,
    },
    {
      // Found after Temporal connected: the start must still end, not hang on the open connection.
      name: 'metrics port already taken',
      env: () => ({ DATABASE_URL: '__DB__', TEMPORAL_ADDRESS: inject('temporalAddress'), AUTOBUILD_METRICS_PORT: String(heldPort) }),
      message: /^autobuild: the metrics port 127\.0\.0\.1:\d+ is taken: set AUTOBUILD_METRICS_PORT to a free port$/,
    },
    {
      name: 'missing Temporal CLI',
      env: () => ({ DATABASE_URL: '__DB__', TEMPORAL_CLI_PATH: '/nonexistent/temporal' }),
      message: /^autobuild: TEMPORAL_CLI_PATH=\/nonexistent\/temporal is not a working temporal binary/,
    },
    {
      // Found after Temporal connected: the start must still end, not hang on the open connection.
      name: 'a data folder that cannot be made',
      env: () => ({ DATABASE_URL: '__DB__', TEMPORAL_ADDRESS: inject('temporalAddress'), AUTOBUILD_DATA_DIR: '/dev/null/data' }),
      message: /^autobuild: ENOTDIR: not a directory, mkdir '\/dev\/null\/data'/,
    },
    {
      name: 'a port that is not a number',
      env: () => ({ AUTOBUILD_PG_PORT: 'eighty' }),
      message: /^autobuild: AUTOBUILD_PG_PORT must be a port number between 1 and 65535, got "eighty"/,
    },
    {
      name: 'default quiet hours that are not a daily schedule',
      env: () => ({ AUTOBUILD_DEFAULT_QUIET_HOURS: 'CRON_TZ=Asia/Tokyo 0 3 * * mon-fri' }),
      message:
        /^autobuild: AUTOBUILD_DEFAULT_QUIET_HOURS must be a daily schedule .*got "CRON_TZ=Asia\/Tokyo 0 3 \* \* mon-fri": .*day-of-week/,
    },
    {
      // Read before anything else loads (src/runtime/start-tracing.ts), yet reported like the rest.
      name: 'a trace collector endpoint that is not an http(s) URL',
      env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }),
      message: /^autobuild: OTEL_EXPORTER_OTLP_ENDPOINT must be an http:\/\/ or https:\/\/ URL of an OTLP\/HTTP collector/,
    },
    {
      // The value is never repeated: only its variable and the rule.
      name: 'a webhook secret shorter than 32 characters',
      env: () => ({ AUTOBUILD_NOTIFY_WEBHOOK_SECRET: 'hunter2-hunter2' }),
      message: /^autobuild: AUTOBUILD_NOTIFY_WEBHOOK_SECRET must be at least 32 characters \(e\.g\. openssl rand -hex 32\)$/,
    },
  ];

  it.each(cases)('$name', async ({ env, message }) => {
    const dataDir = await tempDataDir();
    const vars = Object.fromEntries(Object.entries(env()).map(([k, v]) => [k, v === '__DB__' ? db.url : v]));
    const main = spawnMain(cleanEnv({ AUTOBUILD_DATA_DIR: dataDir, ...vars }));
    const code = await main.exited;
    const stderrLines = main
      .output()
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('autobuild:'));
    expect(code).toBe(1);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toMatch(message);
    expect(main.output()).not.toMatch(/^\s+at /m); // no stack trace
    expect(main.output()).not.toMatch(/secret|hunter2/);
    await rm(dataDir, { recursive: true, force: true });
  });
});
