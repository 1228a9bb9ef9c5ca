// `npx tsx bench/cpuprofile.ts <file>` (docs/benchmarks.md) sums a real
// `node --cpu-prof` profile: the busy function leads both lists.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

test('names where a profiled process spent its time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cpuprofile-'));
  try {
    const busy = 'function spinForAWhile() { const end = Date.now() + 300; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } spinForAWhile();';
    execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '-e', busy]);
    const [file] = await readdir(dir);
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/cpuprofile.ts', join(dir, file!), '15'], { encoding: 'utf8' });
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^total +[\d.]+ s, idle +[\d.]+ s, active +[\d.]+ s/);
    const self = lines.slice(lines.indexOf('--- self') + 1, lines.indexOf('--- inclusive'));
    expect(self[0]).toMatch(/spinForAWhile/);
    expect(lines.slice(lines.indexOf('--- inclusive') + 1).some((l) => /spinForAWhile/.test(l))).toBe(true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
