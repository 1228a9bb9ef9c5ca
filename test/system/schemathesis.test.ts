// Schemathesis (property-based OpenAPI testing) against the API as users run
// it: `node dist/main.js` on the test run's PostgreSQL and Temporal, with a few
// users, templates and workspaces so that the operations have data, and an
// owner token. `st run` generates requests from /openapi.json with every check
// on and a fixed seed; its JUnit report gives one test here per API operation,
// which fails with Schemathesis' own text for that operation. The settings
// that differ from Schemathesis' defaults, and why, are in schemathesis.toml;
// docs/api.md#checking-the-api-with-schemathesis says how to run it by hand.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schemathesisBinary } from '../../scripts/schemathesis.mjs';
import { createApp } from '../../src/api/app.js';
import { Ops } from '../../src/ops/index.js';
import type { Logger } from '../../src/runtime/logger.js';
import { freePort, stopChild } from '../../src/runtime/ports.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { cleanEnv, PROJECT_ROOT, type Spawned, spawnMain } from '../helpers/processes.js';
import { connectTestTemporal, type TestTemporal } from '../helpers/temporal.js';

/** Test cases per operation and phase: the whole file takes about a minute on a 2-core machine. */
const MAX_EXAMPLES = 100;
const SEED = 1;
/** Where the JUnit report, Schemathesis' output and the service's log are kept after the run. */
const REPORT_DIR = join(PROJECT_ROOT, '.data', 'schemathesis');
const ST_TIMEOUT_MS = 8 * 60_000;
/** Schemathesis names the stateful phase's test case so in its JUnit report. */
const STATEFUL = 'Stateful tests';

/**
 * "METHOD /path" of every operation, as Schemathesis labels them, from the
 * same code the service runs (nothing is served or asked: the handlers never run).
 */
function documentedOperations(): string[] {
  const app = createApp({
    ops: {} as Ops,
    log: {} as Logger,
    ready: async () => {},
    defaultQuietHours: 'CRON_TZ=UTC 0 0 * * *',
    version: '0.0.0',
  });
  const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'autobuild API', version: '0.0.0' } });
  const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    methods.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((m) => `${m.toUpperCase()} ${path}`),
  );
}
const OPERATIONS = documentedOperations();

interface CaseResult {
  /** The text of each <failure> and <error>: Schemathesis' report of what it found. */
  problems: string[];
  skipped: string | null;
}

const unescapeXml = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#[0-9]+|lt|gt|amp|quot|apos);/gi, (_, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[e.toLowerCase()]!;
  });

/** The test cases of Schemathesis' JUnit report (its own fixed shape: testsuites > testsuite > testcase). */
function parseJunit(xml: string): Map<string, CaseResult> {
  const cases = new Map<string, CaseResult>();
  const testcase = /<testcase\s+name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const [, name, body = ''] of xml.matchAll(testcase)) {
    const problems: string[] = [];
    for (const [, kind, attrs, text = ''] of body.matchAll(/<(failure|error)\b([^>]*?)(?:\/>|>([\s\S]*?)<\/\1>)/g)) {
      const message = /message="([^"]*)"/.exec(attrs ?? '')?.[1];
      const content = unescapeXml(text.replace(/^<!\[CDATA\[|\]\]>$/g, '')).trim();
      problems.push(content || `${kind}: ${unescapeXml(message ?? '(no message)')}`);
    }
    const skip = /<skipped\b([^>]*?)(?:\/>|>([\s\S]*?)<\/skipped>)/.exec(body);
    const skipped = skip ? unescapeXml(skip[2] || /message="([^"]*)"/.exec(skip[1] ?? '')?.[1] || 'skipped') : null;
    cases.set(unescapeXml(name!), { problems, skipped });
  }
  return cases;
}

/** Schemathesis' failure text, with its very long lines (generated strings of many KiB) cut. */
function shown(problems: string[]): string {
  const text = problems
    .join('\n\n')
    .split('\n')
    .map((l) => (l.length > 600 ? `${l.slice(0, 600)}… (${l.length - 600} more characters; the full text is in ${REPORT_DIR})` : l))
    .join('\n');
  return text.length > 30_000 ? `${text.slice(0, 30_000)}\n… (cut; the full text is in ${REPORT_DIR})` : text;
}

interface StRun {
  command: string;
  exitCode: number | null;
  signal: string | null;
  output: string;
  cases: Map<string, CaseResult> | null;
  elapsedMs: number;
}

describe('Schemathesis against the running API', () => {
  let work: string;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let main: Spawned | undefined;
  let run: StRun;

  beforeAll(async () => {
    const st = schemathesisBinary({ log: (line) => process.stdout.write(`${line}\n`) });
    work = await mkdtemp(join(tmpdir(), 'autobuild-schemathesis-'));
    await rm(REPORT_DIR, { recursive: true, force: true });
    await mkdir(REPORT_DIR, { recursive: true });
    [db, temporal] = await Promise.all([createTestDatabase(), connectTestTemporal()]);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    main = spawnMain(
      cleanEnv({
        DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: temporal.address,
        AUTOBUILD_TASK_QUEUE: temporal.taskQueue,
        AUTOBUILD_DATA_DIR: join(work, 'data'),
        AUTOBUILD_API_PORT: String(port),
        AUTOBUILD_SIMULATED_DURATION: '0',
      }),
    );
    await main.waitFor(/autobuild is running/, 60_000);
    for (let i = 0; ; i++) {
      const ready = await fetch(`${base}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) break;
      if (i === 100) throw new Error(`${base}/readyz did not answer 200 within 10 s; output:\n${main.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }

    // Data for the operations to find: the OpenAPI examples name `me`, the
    // template `dev` and the workspace `alice/dev`, so those exist.
    const ops = new Ops({ pool: db.pool, client: temporal.client, taskQueue: temporal.taskQueue });
    for (const username of ['admin', 'alice', 'bob', 'carol']) await ops.users.create({ username });
    await ops.templates.create({
      name: 'dev',
      defaultTtl: '8h',
      activityBump: '1h',
      timeTilDormant: '30d',
      timeTilDormantAutodelete: '30d',
    });
    await ops.templates.createVersion('dev', 'v2');
    await ops.templates.create({ name: 'locked', allowUserAutostart: false, allowUserAutostop: false, autostopRequirementDays: 'mon-fri' });
    const builds = [
      await ops.workspaces.create({
        owner: 'alice',
        template: 'dev',
        name: 'dev',
        autostartSchedule: 'CRON_TZ=Europe/Berlin 30 8 * * mon-fri',
      }),
      await ops.workspaces.create({ owner: 'bob', template: 'locked', name: 'box' }),
      await ops.workspaces.create({ owner: 'carol', template: 'dev', name: 'spare', ttl: '2h' }),
    ];
    for (const b of builds) expect((await ops.waitForBuild(b.jobId, 30_000)).job.status).toBe('succeeded');
    const stopped = await ops.workspaces.stop('bob/box');
    await ops.waitForBuild(stopped.jobId, 30_000);
    const { token } = await ops.tokens.create({ user: 'admin', role: 'owner', name: 'schemathesis' });
    // The targets of the two operations that could lock the run out (see schemathesis.toml).
    const spare = await ops.tokens.create({ user: 'carol', role: 'member', name: 'revoked-by-schemathesis' });

    const args = [
      '--config-file',
      join(PROJECT_ROOT, 'schemathesis.toml'),
      'run',
      `${base}/openapi.json`,
      '--checks',
      'all',
      '--seed',
      String(SEED),
      '--max-examples',
      String(MAX_EXAMPLES),
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--header',
      `Authorization: Bearer ${token}`,
      '--report',
      'junit',
      '--report-junit-path',
      join(REPORT_DIR, 'junit.xml'),
      '--no-color',
    ];
    const command = `st ${args.map((a) => (a.startsWith('Authorization:') ? "'Authorization: Bearer abk_…'" : a)).join(' ')}`;
    const started = Date.now();
    const outputFile = join(REPORT_DIR, 'output.txt');
    const { exitCode, signal, output } = await new Promise<{ exitCode: number | null; signal: string | null; output: string }>(
      (resolve, reject) => {
        const child = spawn(st, args, {
          cwd: work, // Hypothesis and Schemathesis write their own folders in the working directory
          env: {
            ...process.env,
            NO_COLOR: '1',
            AUTOBUILD_ST_SPARE_USER: 'carol',
            AUTOBUILD_ST_SPARE_TOKEN_ID: spare.record.id,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const file = createWriteStream(outputFile);
        let out = '';
        const take = (d: Buffer) => {
          out += d.toString();
          file.write(d);
        };
        child.stdout.on('data', take);
        child.stderr.on('data', take);
        const timer = setTimeout(() => child.kill('SIGKILL'), ST_TIMEOUT_MS);
        child.once('error', reject);
        child.once('close', (code, sig) => {
          clearTimeout(timer);
          file.end();
          resolve({ exitCode: code, signal: sig, output: out });
        });
      },
    );
    const xml = await readFile(join(REPORT_DIR, 'junit.xml'), 'utf8').catch(() => null);
    run = { command, exitCode, signal, output, cases: xml === null ? null : parseJunit(xml), elapsedMs: Date.now() - started };
    await writeFile(join(REPORT_DIR, 'command.txt'), `${command}\n`);
    const at = output.lastIndexOf(' SUMMARY ');
    const summary = at < 0 ? output.split('\n').slice(-40).join('\n') : output.slice(output.lastIndexOf('\n', at) + 1);
    // Every line of Schemathesis' own summary is quoted behind a prefix: its last line
    // ("==== 2 warnings in 35.46s ====") reads like a pytest closing line that ran no
    // test, and CI's log is judged by such lines.
    const quoted = summary
      .split('\n')
      .map((line) => `schemathesis | ${line.replace(/^=+ | =+$/g, '')}`)
      .join('\n');
    process.stdout.write(`schemathesis: ${command}\nexit ${exitCode} in ${(run.elapsedMs / 1000).toFixed(1)} s\n${quoted}\n`);
  }, 15 * 60_000);

  afterAll(async () => {
    if (main) {
      await stopChild(main.child, 15_000);
      await writeFile(join(REPORT_DIR, 'service.log'), main.output()).catch(() => {});
    }
    await temporal?.close();
    await db?.drop();
    if (work) await rm(work, { recursive: true, force: true });
  }, 60_000);

  it('Schemathesis loads the schema and runs to the end without an error of its own', () => {
    const tail = run.output.split('\n').slice(-80).join('\n');
    // Exit 0: nothing found; 1: failures found (each fails its operation's test below); anything else: an error.
    if (run.exitCode !== 0 && run.exitCode !== 1) {
      throw new Error(`${run.command}\nexited with ${run.exitCode ?? run.signal}; its output ends:\n${shown([tail])}`);
    }
    if (run.cases === null) throw new Error(`${run.command}\nwrote no JUnit report; its output ends:\n${shown([tail])}`);
    const unknown = [...run.cases.keys()].filter((name) => name !== STATEFUL && !OPERATIONS.includes(name));
    expect(unknown, 'operations in the JUnit report that the OpenAPI document does not have').toEqual([]);
  });

  it.each(OPERATIONS)('%s', (operation) => {
    const result = run.cases?.get(operation);
    if (result === undefined) throw new Error(`Schemathesis' JUnit report has no test case for ${operation}`);
    if (result.problems.length) throw new Error(`Schemathesis (seed ${SEED}) found:\n\n${shown(result.problems)}`);
    if (result.skipped !== null) throw new Error(`Schemathesis did not test ${operation}: ${result.skipped}`);
  });

  it('stateful phase: sequences of operations along the links Schemathesis infers', () => {
    const result = run.cases?.get(STATEFUL);
    if (result === undefined) throw new Error(`Schemathesis' JUnit report has no "${STATEFUL}" test case`);
    if (result.problems.length) throw new Error(`Schemathesis (seed ${SEED}) found:\n\n${shown(result.problems)}`);
  });
});
