// `npx tsx bench/cpuprofile.ts <file>` (docs/benchmarks.md) sums a real
// `node --cpu-prof` profile: the busy function leads both lists.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';

test('names where a profiled process spent its time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cpuprofile-'));
  try {
    const busy =
      'function spinForAWhile() { const end = Date.now() + 300; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; } spinForAWhile();';
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

test('bad input: one line saying what is wrong, exit 2', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cpuprofile-'));
  try {
    const notProfile = join(dir, 'not.cpuprofile');
    await writeFile(notProfile, '{"hello": 1}');
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'bench/cpuprofile.ts', ...args], { encoding: 'utf8' });
    const cases: Array<[string[], RegExp]> = [
      [[], /^usage: npx tsx bench\/cpuprofile\.ts/],
      [[join(dir, 'missing.cpuprofile')], /^cannot read .*missing\.cpuprofile: ENOENT$/],
      [[notProfile], /is not a V8 CPU profile/],
      [[notProfile, 'ten'], /^top N must be a positive whole number, got "ten"$/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
