// docs/benchmarks.md measures the worker's memory with bench/lib/memlog.mjs;
// the preload must keep producing the lines it describes, in the main thread
// and in a worker thread started from a file (as the SDK's workflow thread is).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { PROJECT_ROOT } from '../helpers/processes.js';

test('bench/lib/memlog.mjs reports RSS and each isolate’s heap every 2 s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'memlog-'));
  try {
    const thread = join(dir, 'thread.cjs');
    writeFileSync(thread, 'setTimeout(() => {}, 2600);\n');
    const main = `new (require('node:worker_threads').Worker)(${JSON.stringify(thread)}); setTimeout(() => {}, 2600);`;
    const r = spawnSync(process.execPath, ['--import=./bench/lib/memlog.mjs', '-e', main], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => l.startsWith('MEMLOG '));
    expect(lines.map((l) => /thread=(\d+)/.exec(l)?.[1]).sort()).toEqual(['0', '1']);
    for (const l of lines) expect(l).toMatch(/rss=\d+ anon=\d+ file=\d+ heapTotal=\d+ heapUsed=\d+ external=\d+ \| PEAK /);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
