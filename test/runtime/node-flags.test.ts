// The worker's Node flags (a small young generation and a 1.4× heap growing
// factor, which keep its RSS down: docs/benchmarks.md#the-workers-memory) live
// in package.json's start script. `npm run worker`, the Docker image, the
// benchmark and the tests' `npm start` processes run compiled JavaScript with
// the same flags, and Node must accept them (an unknown V8 flag makes node
// exit 9 before running anything).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startScriptNodeFlags } from '../../bench/lib/start-script.js';
import { PROJECT_ROOT } from '../helpers/processes.js';

const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
const flags = startScriptNodeFlags();

describe('the worker process runs compiled, with the same Node flags wherever it starts', () => {
  it('npm start runs dist/main.js with plain node and the memory flags, and npm run worker is the same command', () => {
    expect(pkg.scripts.start).toBe('node --max-semi-space-size=2 --heap-growing-percent=40 dist/main.js');
    expect(flags).toEqual(['--max-semi-space-size=2', '--heap-growing-percent=40']);
    expect(pkg.scripts.worker).toBe(pkg.scripts.start);
  });

  it("the Docker image's command is npm start's", () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(join(PROJECT_ROOT, 'Dockerfile'), 'utf8'))?.[1];
    expect(cmd && JSON.parse(cmd)).toEqual(['node', ...flags, 'dist/main.js']);
  });

  it('docs/benchmarks.md shows the command npm start runs', () => {
    const doc = readFileSync(join(PROJECT_ROOT, 'docs', 'benchmarks.md'), 'utf8').replace(/\s+/g, ' ');
    expect(doc).toContain(`\`${pkg.scripts.start}\``);
  });

  it('this Node accepts the flags', () => {
    const r = spawnSync(process.execPath, [...flags, '-e', 'process.stdout.write("ok")'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('ok');
  });
});
