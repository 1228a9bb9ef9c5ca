// A diagnostic preload for the engine's worker: every 2 s it writes one line
// to stderr (the worker's log file under bench/data/) with the process's RSS,
// its anonymous and file-backed parts (/proc/self/smaps_rollup), and this V8
// isolate's heap. An `--import` also runs in the SDK's workflow thread, so the
// two isolates each write their own lines; the PEAK part repeats the sample
// with the highest RSS so far.
//   npm run bench -- rush --sizes k1000 --repetitions 1 --keep-data --worker-node-arg=--import=./bench/lib/memlog.mjs
import { readFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

const started = Date.now();
const MB = 1048576;
let peak = null;

function smaps() {
  const text = readFileSync('/proc/self/smaps_rollup', 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { anon: kb('Anonymous') / 1024, file: (kb('Rss') - kb('Anonymous')) / 1024 };
}

const format = (sample) =>
  Object.entries(sample)
    .map(([k, v]) => `${k}=${Math.round(v)}`)
    .join(' ');

setInterval(() => {
  const m = process.memoryUsage();
  const sample = {
    thread: threadId,
    t: (Date.now() - started) / 1000,
    rss: m.rss / MB,
    ...smaps(),
    heapTotal: m.heapTotal / MB,
    heapUsed: m.heapUsed / MB,
    external: m.external / MB,
  };
  if (!peak || sample.rss > peak.rss) peak = sample;
  process.stderr.write(`MEMLOG ${format(sample)} | PEAK ${format(peak)}\n`);
}, 2000).unref();
