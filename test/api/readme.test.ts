// The README's HTTP API block as a test: run through bash exactly as written
// (but for the API's address, a free port here), with `npx autobuild` and
// curl, against the API served on a real port over the test services.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ApiServer } from '../../src/api/server.js';
import { startApi } from '../../src/api/service.js';
import { DEFAULT_QUIET_HOURS_SCHEDULE } from '../../src/lifecycle/index.js';
import { quietLog } from '../builds/harness.js';
import { type CliHarness, startCliHarness } from '../cli/harness.js';
import { cleanEnv, PROJECT_ROOT } from '../helpers/processes.js';

const README_API = 'API=http://localhost:7080';

function apiBlock(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('HTTP API'));
  if (section === undefined) throw new Error('README.md has no "## HTTP API" section');
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('the HTTP API section has no sh block');
  return block;
}

let h: CliHarness;
let api: ApiServer;
beforeAll(async () => {
  h = await startCliHarness({ simulatedDurationMs: 0 });
  await h.startWorker();
  api = await startApi({
    pool: h.db.pool,
    client: h.temporal.client,
    taskQueue: h.taskQueue,
    log: quietLog,
    host: '127.0.0.1',
    port: 0,
    defaultQuietHours: DEFAULT_QUIET_HOURS_SCHEDULE,
  });
  // Where the README's walkthrough leaves things: alice/dev running, on an 8-hour TTL.
  for (const args of [
    ['user', 'create', 'alice'],
    ['template', 'create', 'dev', '--default-ttl', '8h', '--autostart-days', 'mon-fri'],
    ['workspace', 'create', 'alice/dev', '--template', 'dev', '--ttl', '8h'],
  ]) {
    const r = await h.cli(args);
    expect(r.code, r.stderr).toBe(0);
  }
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

it('the HTTP API block of the README works as written', async () => {
  const block = apiBlock();
  expect(block.split('\n')[0]).toBe(README_API);
  const script = block.replace(README_API, `API=${api.url}`);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', script], { cwd: PROJECT_ROOT, env: cleanEnv(h.env), timeout: 120_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
  // The token line goes to stderr ("will not be shown again"); nothing else does.
  expect(stderr).toMatch(/^[^\n]*not be shown again[^\n]*\n$/);

  // Four JSON answers, one per curl.
  const answers = stdout
    .replace(/}{/g, '}\n{')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  expect(answers).toHaveLength(4);
  const [activity, autostart, extend, explain] = answers;
  expect(activity).toMatchObject({ bumped: expect.any(Boolean), coalesced: expect.any(Boolean), lastUsedAt: expect.any(String) });
  expect(autostart).toMatchObject({ autostartSchedule: 'CRON_TZ=Europe/Berlin 0 9 * * mon-fri', autostartBlocked: null });
  expect(Date.parse(extend.deadline)).toBeGreaterThan(Date.now() + HOUR_AND_A_HALF);
  expect(explain).toMatchObject({
    workspace: 'alice/dev',
    deadline: extend.deadline,
    rules: { deadline: expect.stringMatching(/autostop/) },
  });
  expect(explain.nextAutostart.at).toEqual(autostart.nextStartAt);

  // The changes are in the audit log under alice's name.
  const audit = await h.cli(['audit', '--workspace', 'alice/dev', '--json']);
  expect(
    audit
      .json()
      .map((e: { action: string; actor: string }) => `${e.actor} ${e.action}`)
      .slice(0, 2),
  ).toEqual(['alice workspace.extend', 'alice workspace.autostart']);
});

const HOUR_AND_A_HALF = 90 * 60 * 1000;
