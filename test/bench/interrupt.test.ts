// Ctrl-C during `npm run bench` stops everything the benchmark started
// (docs/benchmarks.md), even when it comes twice — a terminal's Ctrl-C can
// reach the process once directly and once relayed by tsx — and even while
// an engine worker is still starting.
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { cleanEnv, spawnEntry } from '../helpers/processes.js';

/** pid → parent pid of every process on the machine. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendants(root: number): number[] {
  const all = parents();
  const found: number[] = [];
  const queue = [root];
  while (queue.length) {
    const p = queue.shift()!;
    for (const [pid, ppid] of all) {
      if (ppid !== p) continue;
      found.push(pid);
      queue.push(pid);
    }
  }
  return found;
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Running (not a zombie waiting to be reaped). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

test('two SIGINTs while the engine worker starts: the benchmark exits 130 and leaves no process behind', async () => {
  const out = await mkdtemp(join(tmpdir(), 'bench-interrupt-'));
  const bench = spawnEntry('bench/run.ts', ['rush', '--profile', 'tiny', '--out', out], cleanEnv({ BENCH_TRACE: '1' }));
  const seen = new Set<number>();
  try {
    // Its own PostgreSQL and dev server first, then a seed, then the engine's worker (dist/main.js).
    const deadline = Date.now() + 150_000;
    for (;;) {
      const now = descendants(bench.child.pid!);
      for (const pid of now) seen.add(pid);
      if (now.some((pid) => commandLine(pid).includes('dist/main.js'))) break;
      if (Date.now() > deadline) throw new Error(`no engine worker started; output:\n${bench.output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...seen].map(commandLine).join('\n')).toMatch(/temporal server start-dev/);
    bench.child.kill('SIGINT');
    bench.child.kill('SIGINT');
    expect(await bench.exited).toBe(130);
    expect(bench.output()).toContain('stopping the benchmark');
    expect([...seen].filter(alive).map((pid) => `${pid} ${commandLine(pid)}`)).toEqual([]);
  } finally {
    for (const pid of [...seen].filter(alive)) process.kill(pid, 'SIGKILL');
    bench.child.kill('SIGKILL');
    await rm(out, { recursive: true, force: true });
  }
}, 240_000);
