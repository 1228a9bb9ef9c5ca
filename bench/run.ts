// `npm run bench [-- <scenario>…] [--profile full|tiny] [--repetitions N] [--sizes k100,k1000] [--keep-data]`
// `npm run bench -- rush [--server dev|real] [--workers N]`
// `npm run bench -- activity [--activity-workspaces 100000] [--activity-minutes 5] [--activity-idle-minutes 3] [--activity-clients 10]`
//
// Starts the benchmark's own stack (bench/data/run-<time>/, removed at the end),
// runs the scenarios, and writes bench/results/latest.json and latest.md
// (a run of some scenarios replaces those sections and keeps the others).
// `rush` includes its same-run references: the floor, the naive shape and the
// direct executor. `shape` pairs a floor run with the engine's Temporal shape
// (two workflows per transition, no database): about the most engine ÷ floor
// can be. `attributes` (run only when named) pairs a floor run with the shape
// with and without its search attributes. `activity` (run only when named)
// reports activity for running workspaces through the HTTP API, once a minute
// each, in batches of 1,000, against one API process, with the tick schedule
// running. `--server real` runs everything on the real Temporal server (built
// from source, on a PostgreSQL of its own) instead of the dev server;
// `--workers N` runs the rush on N engine worker processes. Each server and
// worker count writes to a folder of its own (resultsDir). Importable:
// runBench() is what the test suite calls.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { projectRoot } from '../src/runtime/config.js';
import { createContext } from './lib/context.js';
import { createProgress, type Progress } from './lib/progress.js';
import { BENCH_SERVERS, type BenchServer, type StackOptions, startStack } from './lib/stack.js';
import { type BenchProfile, FULL, PROFILES } from './profile.js';
import {
  buildResults,
  DEFAULT_TOPOLOGY,
  type Measurements,
  mergeResults,
  type Results,
  sameTopology,
  type Topology,
  toMarkdown,
} from './report.js';
import { runActivity } from './scenarios/activity.js';
import { runDirect } from './scenarios/direct.js';
import { runDryRun } from './scenarios/dry-run.js';
import { runIdle } from './scenarios/idle.js';
import { runRush } from './scenarios/rush.js';
import { prepareScaling, runScaling } from './scenarios/scaling.js';
import { runShape, SHAPE_VARIANTS, type ShapeVariant } from './scenarios/temporal-shapes.js';

export const SCENARIOS = ['rush', 'floor', 'naive', 'direct', 'shape', 'attributes', 'idle', 'scaling', 'activity', 'dry-run'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/**
 * What `npm run bench` runs with no scenario named: all but `attributes`, an experiment on the shape rather than a figure of
 * issue 8, and `activity`, the HTTP API's own scenario (about 10 minutes of wall time at its own sizes).
 */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter(
  (s) => s !== 'attributes' && s !== 'activity' && s !== 'dry-run',
);

export const RESULTS_DIR = join(projectRoot, 'bench', 'results');

/**
 * Where a topology's results go unless --out says otherwise: bench/results/ for
 * the dev server with one worker (the figures the targets are stated for),
 * bench/results/<server>-<N>-worker(s)/ for the others, so that no run
 * replaces another topology's figures.
 */
export function resultsDir(topology: Topology): string {
  if (topology.server === DEFAULT_TOPOLOGY.server && topology.workers === DEFAULT_TOPOLOGY.workers) return RESULTS_DIR;
  return join(RESULTS_DIR, `${topology.server}-${topology.workers}-worker${topology.workers === 1 ? '' : 's'}`);
}

export interface RunBenchOptions {
  scenarios?: readonly ScenarioName[];
  profile?: BenchProfile;
  stack?: StackOptions;
  progress?: Progress;
  /** The command line recorded in the results. */
  command?: string;
  /** Engine worker processes in the rush (default 1). */
  workers?: number;
}

export async function runBench(opts: RunBenchOptions = {}): Promise<Results> {
  const profile = opts.profile ?? FULL;
  const wanted = new Set<ScenarioName>(opts.scenarios?.length ? opts.scenarios : DEFAULT_SCENARIOS);
  if (wanted.has('rush')) for (const s of ['floor', 'naive', 'direct'] as const) wanted.add(s);
  const progress = opts.progress ?? createProgress();
  const startedAt = new Date();
  const loadAtStart = loadavg();
  const server = opts.stack?.server ?? 'dev';
  const workers = opts.workers ?? 1;
  progress.update(
    server === 'real'
      ? 'starting PostgreSQL and the real Temporal server (its first build takes about 4 minutes)'
      : 'starting PostgreSQL and the Temporal dev server',
  );
  const stack = await startStack(opts.stack);
  const ctx = createContext(stack, profile, progress, workers);
  const cleanup = async () => {
    await ctx.close();
    await stack.stop();
  };
  interrupted = cleanup;
  const m: Measurements = {
    rush: {},
    floor: {},
    naive: {},
    direct: {},
    shape: {},
    shapeFloor: {},
    attributes: {},
    attributesFloor: [],
    idle: null,
    scaling: [],
    activity: null,
    dryRun: null,
    seeds: ctx.seeds,
  };
  const push = <T>(into: Record<string, T[]>, label: string, run: T) => {
    into[label] ??= [];
    into[label].push(run);
  };
  try {
    const versions = await stack.versions();
    // Same-run scenarios, interleaved per repetition so that drift of the machine hits all of them alike.
    for (let rep = 1; rep <= profile.repetitions; rep++) {
      for (const size of profile.rush.sizes) {
        if (wanted.has('rush')) {
          const r = await runRush(ctx, size.k, rep);
          push(m.rush, size.label, r);
          progress.log(
            `rush ${size.label} rep ${rep}: last commit ${r.lastCommitSeconds?.toFixed(1) ?? '—'} s, last complete ` +
              `${r.lastCompleteSeconds?.toFixed(1) ?? '—'} s, ${r.transitionsPerSecond?.toFixed(1) ?? '—'}/s, ` +
              `duplicates ${r.duplicates}, missing ${r.missing}`,
          );
        }
        if (wanted.has('floor')) {
          const f = await runShape(ctx, 'floor', size.k, rep);
          push(m.floor, size.label, f);
          progress.log(`floor ${size.label} rep ${rep}: ${f.childrenPerSecond.toFixed(1)} children/s`);
        }
      }
      if (wanted.has('naive')) {
        const nv = await runShape(ctx, 'naive', profile.naive.k, rep);
        push(m.naive, profile.naive.label, nv);
        progress.log(`naive ${profile.naive.label} rep ${rep}: ${nv.childrenPerSecond.toFixed(1)} children/s`);
      }
      if (wanted.has('direct')) {
        const d = await runDirect(ctx, rep);
        push(m.direct, profile.direct.size.label, d);
        progress.log(`direct ${profile.direct.size.label} rep ${rep}: ${d.transitionsPerSecond.toFixed(1)} transitions/s`);
      }
      if (wanted.has('shape')) {
        // A floor run of its own right before, so that the pair meets the same machine state.
        const { label, k } = profile.shape;
        const f = await runShape(ctx, 'floor', k, rep);
        push(m.shapeFloor, label, f);
        const s = await runShape(ctx, 'shape', k, rep);
        push(m.shape, label, s);
        progress.log(
          `shape ${label} rep ${rep}: ${s.childrenPerSecond.toFixed(1)} transitions/s against a floor of ` +
            `${f.childrenPerSecond.toFixed(1)} children/s (÷ ${(s.childrenPerSecond / f.childrenPerSecond).toFixed(3)})`,
        );
      }
      if (wanted.has('attributes')) {
        // A floor run, then each variant of the shape, starting one further along the list at each
        // repetition so that no variant always runs first (right after the floor) or last.
        const { k } = profile.shape;
        const f = await runShape(ctx, 'floor', k, rep);
        m.attributesFloor.push(f);
        const variants = Object.keys(SHAPE_VARIANTS) as ShapeVariant[];
        const turn = (rep - 1) % variants.length;
        const line: string[] = [];
        for (const v of [...variants.slice(turn), ...variants.slice(0, turn)]) {
          const r = await runShape(ctx, 'shape', k, rep, v);
          m.attributes[v] ??= [];
          m.attributes[v][rep - 1] = r;
          line.push(`${v} ÷ ${(r.childrenPerSecond / f.childrenPerSecond).toFixed(3)}`);
        }
        progress.log(`attributes rep ${rep}: floor ${f.childrenPerSecond.toFixed(1)} children/s; shape ${line.join(', ')}`);
      }
    }
    if (wanted.has('idle')) {
      m.idle = await runIdle(ctx);
      const last = m.idle.runs.at(-1);
      progress.log(`idle: query p50 ${last?.queryP50Ms.toFixed(2)} ms, tick ${last?.tickSeconds.toFixed(2)} s`);
    }
    if (wanted.has('scaling')) {
      const dbs = await prepareScaling(ctx);
      for (let rep = 1; rep <= profile.repetitions; rep++) {
        const s = await runScaling(ctx, dbs, rep);
        m.scaling.push(s);
        progress.log(`scaling rep ${rep}: ratio ${s.ratio.toFixed(2)}`);
      }
    }
    if (wanted.has('activity')) {
      // Once, whatever the repetitions: its minutes are its repetitions (latencies and writes are per batch and per minute).
      const a = await runActivity(ctx);
      m.activity = a;
      const f = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
      progress.log(
        `activity: ${a.requests} batches, p50 ${f(a.latencyP50Ms)} ms, p99 ${f(a.latencyP99Ms)} ms, max ${f(a.latencyMaxMs)} ms; ` +
          `rows written per workspace-minute ${a.rowsPerWorkspaceMinute.toFixed(3)}; written ${a.written}, coalesced ${a.coalesced}, ` +
          `bumped ${a.bumped}; ticks idle/load ${f(a.ticks.idle.medianSeconds, 2)}/${f(a.ticks.load.medianSeconds, 2)} s`,
      );
    }
    if (wanted.has('dry-run')) {
      // Once, like activity: the policy dry-run of docs/rules.md#policy-dry-run-and-timeline.
      m.dryRun = await runDryRun(ctx);
    }
    const results = buildResults(m, {
      profile,
      versions,
      startedAt,
      command: opts.command ?? 'runBench()',
      loadAtStart,
      topology: { server, workers },
    });
    const experiment = {
      ...opts.stack?.engineEnv,
      ...(opts.stack?.engineNodeArgs?.length ? { nodeArgs: opts.stack.engineNodeArgs.join(' ') } : {}),
      ...(opts.stack?.apiNodeArgs?.length ? { apiNodeArgs: opts.stack.apiNodeArgs.join(' ') } : {}),
    };
    if (Object.keys(experiment).length) results.engineEnv = experiment;
    return results;
  } finally {
    interrupted = null;
    progress.update('stopping the stack');
    await cleanup();
    progress.done();
  }
}

/** What Ctrl-C must stop: the services and workers of the run in progress (they are our children). */
let interrupted: (() => Promise<void>) | null = null;
let stopping = false;

function stopOnSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    // Not `once`: a second signal (a second Ctrl-C, or tsx relaying the one we already got) would
    // otherwise kill this process with its default action before its services and workers are stopped.
    process.on(signal, () => {
      if (stopping) {
        process.stderr.write(`${signal}: still stopping the benchmark's services\n`);
        return;
      }
      stopping = true;
      process.stderr.write(`\n${signal}: stopping the benchmark's services\n`);
      const done = () => process.exit(130);
      (interrupted ?? (async () => {}))().then(done, done);
    });
  }
}

export async function writeResults(results: Results, dir = RESULTS_DIR): Promise<Results> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'latest.json');
  const previous = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Results) : null;
  // Sections measured under another profile, server or worker count are not comparable: start afresh then.
  const comparable = previous !== null && previous.profile === results.profile && sameTopology(previous, results);
  const merged = mergeResults(comparable ? previous : null, results);
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
  await writeFile(join(dir, 'latest.md'), `${toMarkdown(merged)}\n`);
  return merged;
}

async function main(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      profile: { type: 'string', default: 'full' },
      repetitions: { type: 'string' },
      sizes: { type: 'string' },
      'keep-data': { type: 'boolean', default: false },
      server: { type: 'string', default: 'dev' },
      workers: { type: 'string', default: '1' },
      'worker-env': { type: 'string', multiple: true },
      'worker-node-arg': { type: 'string', multiple: true },
      'api-node-arg': { type: 'string', multiple: true },
      'activity-workspaces': { type: 'string' },
      'activity-minutes': { type: 'string' },
      'activity-idle-minutes': { type: 'string' },
      'activity-clients': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      `npm run bench [-- <scenario>…] [--profile full|tiny] [--repetitions N] [--sizes k100,k1000] [--keep-data] [--out DIR]\n` +
        `              [--server dev|real] [--workers N]   (the real Temporal server on PostgreSQL; N engine workers in the rush)\n` +
        `              [--worker-env NAME=VALUE]… [--worker-node-arg=--cpu-prof]…   (the engine's worker, for experiments)\n` +
        `              [--api-node-arg=--cpu-prof]…   (the activity scenario's API process)\n` +
        `npm run bench -- activity [--activity-workspaces 100000] [--activity-minutes 5] [--activity-idle-minutes 3] [--activity-clients 10]\n` +
        `scenarios: ${SCENARIOS.join(', ')} (default: all but attributes and activity; rush includes floor, naive and direct)\n`,
    );
    return;
  }
  const unknown = positionals.filter((p) => !(SCENARIOS as readonly string[]).includes(p));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.join(', ')}`);
  const base = PROFILES[values.profile!];
  if (!base) throw new Error(`unknown profile ${values.profile}; known: ${Object.keys(PROFILES).join(', ')}`);
  const profile: BenchProfile = { ...base, rush: { ...base.rush }, activity: { ...base.activity } };
  if (values.repetitions) profile.repetitions = Math.max(1, Number(values.repetitions));
  const count = (flag: string, raw: string | undefined, min: number): number | undefined => {
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${flag} wants a whole number ≥ ${min}, got "${raw}"`);
    return n;
  };
  profile.activity.workspaces = count('activity-workspaces', values['activity-workspaces'], 1) ?? profile.activity.workspaces;
  profile.activity.minutes = count('activity-minutes', values['activity-minutes'], 1) ?? profile.activity.minutes;
  profile.activity.idleMinutes = count('activity-idle-minutes', values['activity-idle-minutes'], 0) ?? profile.activity.idleMinutes;
  profile.activity.clients = count('activity-clients', values['activity-clients'], 1) ?? profile.activity.clients;
  if (!(BENCH_SERVERS as readonly string[]).includes(values.server!)) {
    throw new Error(`--server wants ${BENCH_SERVERS.join(' or ')}, got "${values.server}"`);
  }
  const server = values.server as BenchServer;
  const workers = count('workers', values.workers, 1)!;
  const out = values.out ?? resultsDir({ server, workers });
  if (values.sizes) {
    const keep = new Set(values.sizes.split(','));
    profile.rush.sizes = profile.rush.sizes.filter((s) => keep.has(s.label));
  }
  stopOnSignals();
  const results = await (async () => {
    try {
      return await runBench({
        scenarios: positionals as ScenarioName[],
        profile,
        workers,
        stack: {
          server,
          keepData: values['keep-data'],
          engineEnv: parseEnv(values['worker-env'] ?? []),
          engineNodeArgs: values['worker-node-arg'] ?? [],
          apiNodeArgs: values['api-node-arg'] ?? [],
        },
        command: ['npm run bench', ...(argv.length ? ['--', ...argv] : [])].join(' '),
      });
    } catch (err) {
      if (stopping) await new Promise(() => {}); // the signal handler cleans up and exits
      throw err;
    }
  })();
  const merged = await writeResults(results, out);
  const failed = (merged.targets ?? []).filter((t) => t.met === false);
  process.stdout.write(
    `results: ${join(out, 'latest.md')}` +
      (failed.length ? `\ntargets missed: ${failed.map((t) => `${t.key} = ${t.figure} (${t.target})`).join('; ')}` : '') +
      '\n',
  );
}

function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((p) => {
      const eq = p.indexOf('=');
      if (eq < 1) throw new Error(`--worker-env wants NAME=VALUE, got "${p}"`);
      return [p.slice(0, eq), p.slice(eq + 1)];
    }),
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { runMain } = await import('../src/runtime/run-main.js');
  await runMain(() => main(process.argv.slice(2)), 'bench');
}
