// The README walkthrough (docs/cli.md, "Walkthrough"): its shell blocks, run as
// a newcomer types them, and what its text promises at each step. Run by
// test/cli/walkthrough.test.ts on the dev server and by
// test/system/real-server.test.ts on the real Temporal server.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { cleanEnv, PROJECT_ROOT } from './processes.js';

/** The fenced `sh` blocks of the "## Walkthrough" section, in order. */
export function walkthroughBlocks(): string[] {
  const doc = readFileSync(join(PROJECT_ROOT, 'docs/cli.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith('Walkthrough'));
  if (section === undefined) throw new Error('docs/cli.md has no "## Walkthrough" section');
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * Runs the second block (the first is `npm start`, stood in for by the caller's
 * worker) through bash and `npx autobuild`, with `env` pointing the CLI at the
 * caller's services, and checks what the walkthrough's text promises.
 */
export async function runWalkthrough(env: Record<string, string>): Promise<void> {
  const [first, second] = walkthroughBlocks();
  expect(first!.trim()).toBe('npm start');
  expect(second).toMatch(/npx autobuild tick --at/);

  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile('bash', ['-euo', 'pipefail', '-c', second!], { cwd: PROJECT_ROOT, env: cleanEnv(env), timeout: 120_000 }, (error, out, err) =>
      resolve({ code: error ? Number(error.code ?? -1) : 0, stdout: out, stderr: err }),
    );
  });
  expect(code, `stdout:\n${stdout}\nstderr:\n${stderr}`).toBe(0);
  expect(stderr).toBe('');

  expect(stdout).toMatch(/user alice created/);
  expect(stdout).toMatch(/template dev created/);
  expect(stdout).toMatch(/build #1 \(start\) of alice\/dev succeeded/);
  expect(stdout).toMatch(/would do +nothing/);
  expect(stdout).toMatch(/rule: autostop: stops at the first tick strictly after the deadline/);
  expect(stdout).toMatch(/build #2 \(stop\) of alice\/dev succeeded/);
  expect(stdout).toMatch(/next autostart +(Mon|Tue|Wed|Thu|Fri) \S+ \S+ [+-]\d\d:\d\d \S+ \(in /);
  expect(stdout).toMatch(/transitions: +start\/autostart 1/);
  expect(stdout).toMatch(/^3 +start +autostart +alice +\S+ .* workspace\//m);

  const history = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['bin/autobuild.mjs', 'history', 'alice/dev', '--json'],
      { cwd: PROJECT_ROOT, env: cleanEnv(env) },
      (error, out) => (error ? reject(error) : resolve(out)),
    ),
  );
  const builds = JSON.parse(history) as Array<{
    buildNumber: number;
    transition: string;
    reason: string;
    workflowId: string;
    createdAt: string;
  }>;
  expect(builds.map((b) => [b.buildNumber, b.transition, b.reason])).toEqual([
    [3, 'start', 'autostart'],
    [2, 'stop', 'initiator'],
    [1, 'start', 'initiator'],
  ]);
  expect(builds[0]!.workflowId).toMatch(/^workspace\//);
  expect(new Date(builds[0]!.createdAt).getUTCMinutes() % 30).toBe(0); // stamped with the tick's minute, 08:30 Berlin
}
