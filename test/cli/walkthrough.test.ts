// The README walkthrough (docs/cli.md, "Walkthrough") as a test: the shell
// block a newcomer types in the second terminal runs here exactly as written,
// through bash and `npx autobuild`, against the test services and a worker in
// this process standing in for `npm start` in the first terminal.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cleanEnv, PROJECT_ROOT } from '../helpers/processes.js';
import { type CliHarness, startCliHarness } from './harness.js';

/** The fenced `sh` blocks of the "## Walkthrough" section, in order. */
function walkthroughBlocks(): string[] {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs/cli.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Walkthrough'));
  if (section === undefined) throw new Error('docs/cli.md has no "## Walkthrough" section');
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

let h: CliHarness;
beforeAll(async () => {
  h = await startCliHarness();
  await h.startWorker();
});
afterAll(async () => h?.close());

it('the walkthrough in docs/cli.md works as written', async () => {
  const [first, second] = walkthroughBlocks();
  expect(first!.trim()).toBe('npm start'); // stood in for by the worker this test started
  expect(second).toMatch(/npx autobuild tick --at/);

  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'bash',
      ['-euo', 'pipefail', '-c', second!],
      { cwd: PROJECT_ROOT, env: cleanEnv(h.env), timeout: 120_000 },
      (error, out, err) => resolve({ code: error ? Number(error.code ?? -1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
  expect(stderr).toBe('');

  // What the text of the walkthrough promises at each step.
  expect(stdout).toMatch(/user alice created/);
  expect(stdout).toMatch(/template dev created/);
  expect(stdout).toMatch(/build #1 \(start\) of alice\/dev succeeded/);
  expect(stdout).toMatch(/would do +nothing/);
  expect(stdout).toMatch(/rule: autostop: stops at the first tick strictly after the deadline/);
  expect(stdout).toMatch(/build #2 \(stop\) of alice\/dev succeeded/);
  expect(stdout).toMatch(/next autostart +(Mon|Tue|Wed|Thu|Fri) \S+ \S+ [+-]\d\d:\d\d \S+ \(in /);
  expect(stdout).toMatch(/transitions: +start\/autostart 1/);
  expect(stdout).toMatch(/^3 +start +autostart +alice +\S+ .* workspace\//m);

  const history = await h.cli(['history', 'alice/dev', '--json']);
  const builds = history.json();
  expect(builds.map((b: { buildNumber: number; transition: string; reason: string }) => [b.buildNumber, b.transition, b.reason])).toEqual([
    [3, 'start', 'autostart'],
    [2, 'stop', 'initiator'],
    [1, 'start', 'initiator'],
  ]);
  expect(builds[0].workflowId).toMatch(/^workspace\//);
  expect(new Date(builds[0].createdAt).getUTCMinutes() % 30).toBe(0); // stamped with the tick's minute, 08:30 Berlin
}, 180_000);
