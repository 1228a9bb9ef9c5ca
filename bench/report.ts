// Turns the runs of each scenario into the results document: per figure the
// median (under the keys outside tools read) and its spread, the targets of
// issue 8 with whether they hold, and a readable Markdown table.
import { loadavg } from 'node:os';
import type { Versions } from './lib/stack.js';
import { round, type Spread, spread, spreadOf } from './lib/stats.js';
import type { BenchProfile } from './profile.js';
import type { ActivityRun } from './scenarios/activity.js';
import type { DirectRun } from './scenarios/direct.js';
import type { DryRunResult } from './scenarios/dry-run.js';
import type { IdleResult } from './scenarios/idle.js';
import type { RushRun } from './scenarios/rush.js';
import type { ScalingRun } from './scenarios/scaling.js';
import type { ShapeRun, ShapeVariant } from './scenarios/temporal-shapes.js';

/** Raw measurements of one invocation, by scenario and size label; index = repetition − 1. */
export interface Measurements {
  rush: Record<string, RushRun[]>;
  floor: Record<string, ShapeRun[]>;
  naive: Record<string, ShapeRun[]>;
  direct: Record<string, DirectRun[]>;
  /** The engine's Temporal shape without its database, and the floor runs each was paired with (same index). */
  shape: Record<string, ShapeRun[]>;
  shapeFloor: Record<string, ShapeRun[]>;
  /** The shape with and without its search attributes (K of the shape), and the floor run of each repetition (same index). */
  attributes: Partial<Record<ShapeVariant, ShapeRun[]>>;
  attributesFloor: ShapeRun[];
  idle: IdleResult | null;
  scaling: ScalingRun[];
  /** Activity reports through the HTTP API: one run (its minutes are its samples). */
  activity: ActivityRun | null;
  /** The policy dry-run: one run per change. */
  dryRun: DryRunResult | null;
  seeds: Record<string, { workspaces: number; due: number; seconds: number }>;
}

export interface Target {
  key: string;
  description: string;
  figure: number | null;
  target: string;
  met: boolean | null;
}

export type Results = Record<string, unknown> & { targets?: Target[] };

const RUSH_FIELDS = [
  'lastCommitSeconds',
  'lastCompleteSeconds',
  'transitionsPerSecond',
  'duplicates',
  'missing',
  'unexpected',
  'peakRssMb',
  'tickSeconds',
  'tickHistoryLength',
  'tickContinuedAsNew',
  'overlappingTicks',
  'scheduledTicksSkippedOverlap',
  'workerCpuSeconds',
  'serverCpuSeconds',
  'postgresCpuSeconds',
  'workerCpuMsPerTransition',
  'serverCpuMsPerTransition',
  'postgresCpuMsPerTransition',
  'seedSeconds',
  'loadAverage',
] as const;
const SHAPE_FIELDS = [
  'seconds',
  'childrenPerSecond',
  'maxHistoryLength',
  'continuedAsNew',
  'serverCpuSeconds',
  'workerCpuSeconds',
  'serverCpuMsPerChild',
  'workerCpuMsPerChild',
  'peakRssMb',
] as const;

const ratio = (a: number | null | undefined, b: number | null | undefined) => (a && b ? a / b : null);
const medians = (s: Record<string, Spread>) => Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.median]));

export function buildResults(
  m: Measurements,
  meta: { profile: BenchProfile; versions: Versions; startedAt: Date; command: string; loadAtStart: number[]; topology?: Topology },
): Results {
  const sections: Results = {};

  if (Object.keys(m.floor).length) sections.floor = shapeSection(m.floor);
  if (Object.keys(m.naive).length) sections.naive = shapeSection(m.naive);

  if (Object.keys(m.rush).length) {
    const rush: Record<string, unknown> = {};
    for (const [label, runs] of Object.entries(m.rush)) {
      const s = spreadOf(runs, [...RUSH_FIELDS]);
      const floor = m.floor[label];
      const naive = m.naive[label];
      const pairs = (ref: Array<{ childrenPerSecond: number }> | undefined) =>
        ref ? spread(runs.map((r, i) => ratio(r.transitionsPerSecond, ref[i]?.childrenPerSecond))) : null;
      const toFloor = pairs(floor);
      const toNaive = pairs(naive);
      if (toFloor) s.ratioToFloor = toFloor;
      if (toNaive) s.ratioToNaive = toNaive;
      rush[label] = { k: runs[0]!.k, workspaces: runs[0]!.workspaces, ...medians(s), spread: s, runs };
    }
    sections.rush = rush;
  }

  if (Object.keys(m.shape).length) {
    const shape: Record<string, unknown> = {};
    for (const [label, runs] of Object.entries(m.shape)) {
      const floorRuns = m.shapeFloor[label] ?? [];
      const s = spreadOf(runs, [...SHAPE_FIELDS, 'lastBuildSeconds']);
      s.floorChildrenPerSecond = spread(floorRuns.map((f) => f.childrenPerSecond));
      s.ratioToFloor = spread(runs.map((r, i) => ratio(r.childrenPerSecond, floorRuns[i]?.childrenPerSecond)));
      const cpu = (r: ShapeRun | undefined) =>
        r && r.serverCpuMsPerChild !== null && r.workerCpuMsPerChild !== null ? r.serverCpuMsPerChild + r.workerCpuMsPerChild : null;
      s.cpuToFloor = spread(runs.map((r, i) => ratio(cpu(r), cpu(floorRuns[i]))));
      // The engine against its own shape, each taken against its own floor run of the same repetition
      // (the machine's speed drifts between the two): what the engine's database work and code cost.
      const engine = m.rush[label];
      const engineFloor = m.floor[label];
      if (engine && engineFloor) {
        s.engineToShape = spread(
          runs.map((r, i) =>
            ratio(
              ratio(engine[i]?.transitionsPerSecond, engineFloor[i]?.childrenPerSecond),
              ratio(r.childrenPerSecond, floorRuns[i]?.childrenPerSecond),
            ),
          ),
        );
      }
      shape[label] = { k: runs[0]!.k, ...medians(s), spread: s, runs, floorRuns };
    }
    sections.shape = shape;
  }

  if (m.attributesFloor.length) {
    // Each variant against the floor run of its repetition, and against the shape as the engine runs it (`engine`) in the same repetition.
    const floorRuns = m.attributesFloor;
    const engine = m.attributes.engine ?? [];
    const variants: Record<string, unknown> = {};
    for (const [name, runs] of Object.entries(m.attributes)) {
      const s = spreadOf(runs, ['childrenPerSecond', 'serverCpuMsPerChild', 'workerCpuMsPerChild', 'lastBuildSeconds']);
      s.ratioToFloor = spread(runs.map((r, i) => ratio(r.childrenPerSecond, floorRuns[i]?.childrenPerSecond)));
      s.ratioToEngineShape = spread(runs.map((r, i) => ratio(r.childrenPerSecond, engine[i]?.childrenPerSecond)));
      variants[name] = { ...medians(s), spread: s, runs };
    }
    const floor = spread(floorRuns.map((r) => r.childrenPerSecond));
    sections.attributes = {
      [meta.profile.shape.label]: {
        k: floorRuns[0]!.k,
        floorChildrenPerSecond: floor.median,
        spread: { floorChildrenPerSecond: floor },
        floorRuns,
        variants,
      },
    };
  }

  if (Object.keys(m.direct).length) {
    const direct: Record<string, unknown> = {};
    for (const [label, runs] of Object.entries(m.direct)) {
      const s = spreadOf(runs, ['seconds', 'transitionsPerSecond', 'postgresCpuSeconds']);
      const engine = m.rush[label];
      if (engine) s.ratioEngineToDirect = spread(runs.map((r, i) => ratio(engine[i]?.transitionsPerSecond, r.transitionsPerSecond)));
      direct[label] = { k: runs[0]!.k, workspaces: runs[0]!.workspaces, ...medians(s), spread: s, runs };
    }
    sections.direct = direct;
  }

  if (m.idle) {
    const s = spreadOf(m.idle.runs, ['queryP50Ms', 'queryP99Ms', 'queryMeanMs', 'tickSeconds', 'tickElapsedMs']);
    sections.idle = {
      workspaces: m.idle.runs[0]?.workspaces ?? null,
      ...medians(s),
      noSeqScan: m.idle.plan.seqScans.length === 0,
      seqScans: m.idle.plan.seqScans,
      planExecutionMs: m.idle.plan.executionMs,
      plan: m.idle.plan.text,
      spread: s,
      runs: m.idle.runs,
    };
  }

  if (m.scaling.length) {
    const labels = Object.keys(m.scaling[0]!.sizes);
    const scaling: Record<string, unknown> = { due: meta.profile.scaling.due };
    for (const label of labels) {
      const s = spreadOf(
        m.scaling.map((r) => r.sizes[label]!),
        ['p50Ms', 'p99Ms', 'meanMs'],
      );
      scaling[label] = {
        workspaces: m.scaling[0]!.sizes[label]!.workspaces,
        queryP50Ms: s.p50Ms!.median,
        queryP99Ms: s.p99Ms!.median,
        spread: s,
      };
    }
    const r = spread(m.scaling.map((x) => x.ratio));
    scaling.ratio1mTo10k = r.median;
    scaling.spread = { ratio1mTo10k: r };
    sections.scaling = scaling;
  }

  if (m.activity) sections.activity = m.activity;
  if (m.dryRun) sections.dryRun = m.dryRun;

  if (Object.keys(m.seeds).length) sections.seed = m.seeds;
  return {
    generatedAt: new Date().toISOString(),
    startedAt: meta.startedAt.toISOString(),
    command: meta.command,
    profile: meta.profile.name,
    repetitions: meta.profile.repetitions,
    topology: meta.topology ?? DEFAULT_TOPOLOGY,
    machine: {
      cpus: meta.versions.cpus,
      cpuModel: meta.versions.cpuModel,
      memoryGb: meta.versions.memoryGb,
      loadAverageAtStart: meta.loadAtStart.map(round),
      loadAverageAtEnd: loadavg().map(round),
    },
    versions: {
      node: meta.versions.node,
      temporalSdk: meta.versions.temporalSdk,
      temporalCli: meta.versions.temporalCli,
      temporalServer: meta.versions.temporalServer,
      ...(meta.versions.temporalPostgres ? { temporalPostgres: meta.versions.temporalPostgres } : {}),
      postgres: meta.versions.postgres,
    },
    ...sections,
  };
}

/** What the engine ran on: which Temporal server, and how many engine worker processes served the rush. */
export interface Topology {
  server: 'dev' | 'real';
  workers: number;
}
export const DEFAULT_TOPOLOGY: Topology = { server: 'dev', workers: 1 };

/** A document's topology (documents from before it was recorded ran on the dev server with one worker). */
export function topologyOf(doc: Results): Topology {
  return { ...DEFAULT_TOPOLOGY, ...(doc.topology as Partial<Topology> | undefined) };
}

/** Figures of different topologies never share a document: each has a folder of its own under bench/results/. */
export function sameTopology(a: Results, b: Results): boolean {
  const x = topologyOf(a);
  const y = topologyOf(b);
  return x.server === y.server && x.workers === y.workers;
}

/** The sections of a results document that scenarios measure (the rest describes the run). */
export const SECTIONS = [
  'rush',
  'floor',
  'naive',
  'direct',
  'shape',
  'attributes',
  'idle',
  'scaling',
  'activity',
  'dryRun',
  'seed',
] as const;

/** Which run measured a section: its command, start and machine. */
export interface Provenance {
  command: string;
  startedAt: string;
  cpuModel: string | null;
  repetitions: number;
}

function provenanceOf(doc: Results): Provenance {
  const machine = doc.machine as { cpuModel?: string } | undefined;
  return {
    command: String(doc.command),
    startedAt: String(doc.startedAt),
    cpuModel: machine?.cpuModel ?? null,
    repetitions: Number(doc.repetitions),
  };
}

/**
 * Merges this invocation's sections into an earlier results document (a
 * single-scenario run keeps the others). `measuredBy` records, per section,
 * the run that measured it: the document's own command, time and machine are
 * the latest run's, and a kept section may come from another run, or another
 * machine.
 */
export function mergeResults(previous: Results | null, next: Results): Results {
  const merged: Results = { ...(previous ?? {}), ...next };
  if (!next.engineEnv) delete merged.engineEnv; // an experiment's overrides belong to its own run only
  const before = (previous?.measuredBy ?? {}) as Record<string, Provenance>;
  const measuredBy: Record<string, Provenance> = {};
  for (const section of SECTIONS) {
    if (next[section] !== undefined) measuredBy[section] = provenanceOf(next);
    else if (previous?.[section] !== undefined) measuredBy[section] = before[section] ?? provenanceOf(previous);
  }
  merged.measuredBy = measuredBy;
  merged.targets = evaluateTargets(merged);
  return merged;
}

function shapeSection(byLabel: Record<string, ShapeRun[]>) {
  const out: Record<string, unknown> = {};
  for (const [label, runs] of Object.entries(byLabel)) {
    const s = spreadOf(runs, [...SHAPE_FIELDS]);
    out[label] = { k: runs[0]!.k, ...medians(s), spread: s, runs };
  }
  return out;
}

/** A value at a dotted path (`rush.k1000.lastCommitSeconds`). */
export function at(doc: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
}

/** The keys outside tools read (issue 8), all medians. */
export const REQUIRED_KEYS = [
  'rush.k1000.lastCommitSeconds',
  'rush.k1000.lastCompleteSeconds',
  'rush.k1000.ratioToFloor',
  'rush.k1000.ratioToNaive',
  'rush.k10000.lastCommitSeconds',
  'rush.k10000.ratioToFloor',
  'rush.k10000.duplicates',
  'rush.k10000.missing',
  'rush.k10000.peakRssMb',
  'direct.k1000.ratioEngineToDirect',
  'idle.queryP50Ms',
  'idle.queryP99Ms',
  'idle.tickSeconds',
  'scaling.ratio1mTo10k',
] as const;

function evaluateTargets(doc: Results): Target[] {
  const num = (p: string) => {
    const v = at(doc, p);
    return typeof v === 'number' ? v : null;
  };
  const worst = (p: string) => {
    const [section, label, field] = p.split('.');
    const s = at(doc, `${section}.${label}.spread.${field}`) as Spread | undefined;
    return s?.max ?? num(p);
  };
  const t = (key: string, description: string, figure: number | null, target: string, ok: (x: number) => boolean): Target => ({
    key,
    description,
    figure: figure === null ? null : round(figure),
    target,
    met: figure === null ? null : ok(figure),
  });
  return [
    t('rush.k1000.lastCommitSeconds', 'Rush K=1,000: last build committed', num('rush.k1000.lastCommitSeconds'), '≤ 45 s', (x) => x <= 45),
    t(
      'rush.k1000.lastCompleteSeconds',
      'Rush K=1,000: last build completed',
      num('rush.k1000.lastCompleteSeconds'),
      '≤ 60 s',
      (x) => x <= 60,
    ),
    t('rush.k1000.ratioToFloor', 'Rush K=1,000: engine ÷ floor', num('rush.k1000.ratioToFloor'), '≥ 0.5', (x) => x >= 0.5),
    t('rush.k1000.ratioToNaive', 'Rush K=1,000: engine ÷ naive', num('rush.k1000.ratioToNaive'), '≥ 1.5', (x) => x >= 1.5),
    t('rush.k10000.duplicates', 'Rush K=10,000: duplicate transitions (worst run)', worst('rush.k10000.duplicates'), '0', (x) => x === 0),
    t('rush.k10000.missing', 'Rush K=10,000: missing transitions (worst run)', worst('rush.k10000.missing'), '0', (x) => x === 0),
    t('rush.k10000.ratioToFloor', 'Rush K=10,000: engine ÷ floor', num('rush.k10000.ratioToFloor'), '≥ 0.5', (x) => x >= 0.5),
    t(
      'rush.k10000.tickHistoryLength',
      "Rush K=10,000: the tick's longest run history (worst run)",
      worst('rush.k10000.tickHistoryLength'),
      '< 10,240 events (server warning; limit 51,200)',
      (x) => x < 10_240,
    ),
    t('rush.k10000.peakRssMb', 'Rush K=10,000: peak worker RSS', num('rush.k10000.peakRssMb'), '< 300 MB', (x) => x < 300),
    t('idle.queryP50Ms', 'Idle tick at 1M: candidate query p50', num('idle.queryP50Ms'), '< 20 ms', (x) => x < 20),
    t('idle.tickSeconds', 'Idle tick at 1M: whole tick', num('idle.tickSeconds'), '< 1 s', (x) => x < 1),
    t('idle.seqScans', 'Idle tick at 1M: sequential scans of workspaces/builds in the plan', seqScanCount(doc), '0', (x) => x === 0),
    t('scaling.ratio1mTo10k', 'Query scaling: 1M ÷ 10k', num('scaling.ratio1mTo10k'), '≤ 2', (x) => x <= 2),
    // The policy dry-run (issue 24), listed when that scenario has run (it runs only when named).
    ...((doc.dryRun as DryRunResult | undefined)?.runs ?? []).map((r, i) =>
      t(
        `dryRun.runs.${i}.seconds`,
        `Policy dry-run at ${fmt((doc.dryRun as DryRunResult).workspaces)} workspaces: ${r.change}`,
        r.seconds,
        '< 10 s',
        (x) => x < 10,
      ),
    ),
    // The HTTP API's activity route, listed when that scenario has run (it runs only when named).
    ...(doc.activity === undefined
      ? []
      : [
          t(
            'activity.latencyP99Ms',
            `Activity API: batch of ${fmt(num('activity.batchSize'))} reports, p99 latency (ms)`,
            num('activity.latencyP99Ms'),
            '< 250 ms',
            (x) => x < 250,
          ),
          // Writes are judged only when every batch was answered: a batch that failed wrote nothing, or wrote unseen.
          {
            ...t(
              'activity.rowsPerWorkspaceMinute',
              'Activity API: rows written per workspace per minute (workspaces + workspace_builds)',
              num('activity.rowsPerWorkspaceMinute'),
              '≤ 1',
              (x) => x <= 1,
            ),
            ...(num('activity.failedRequests') === 0 ? {} : { target: '≤ 1 (not judged: batches failed)', met: null }),
          },
          t('activity.failedRequests', 'Activity API: failed batch requests', num('activity.failedRequests'), '0', (x) => x === 0),
        ]),
  ];
}

function seqScanCount(doc: Results): number | null {
  const scans = at(doc, 'idle.seqScans');
  return Array.isArray(scans) ? scans.length : null;
}

// ---------------------------------------------------------------------------
// Markdown

const fmt = (x: unknown, unit = ''): string => {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  const r = round(x);
  return `${r.toLocaleString('en-US', { maximumFractionDigits: 3 })}${unit}`;
};

function cell(section: unknown, field: string, unit = ''): string {
  const s = at(section, `spread.${field}`) as Spread | undefined;
  if (!s || s.median === null) return fmt(at(section, field), unit);
  if (s.n <= 1 || s.min === s.max) return fmt(s.median, unit);
  return `${fmt(s.median, unit)} (${fmt(s.min)}–${fmt(s.max)})`;
}

/** A table with a column per size (`K = …`) and a row per figure. */
function sizeTable(lines: string[], sec: Record<string, Record<string, unknown>>, rows: Array<[name: string, field: string]>): void {
  const labels = Object.keys(sec);
  lines.push(`| | ${labels.map((l) => `K = ${fmt(sec[l]!.k)}`).join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
  for (const [name, field] of rows) lines.push(`| ${name} | ${labels.map((l) => cell(sec[l], field)).join(' | ')} |`);
}

export function toMarkdown(doc: Results): string {
  const v = doc.versions as Record<string, string | null> | undefined;
  const machine = doc.machine as { cpus: number; cpuModel: string; memoryGb: number } | undefined;
  const lines: string[] = [];
  lines.push('# Benchmark results', '');
  lines.push(
    `Generated ${doc.generatedAt} by \`${doc.command}\` (profile \`${doc.profile}\`, ${doc.repetitions} repetition(s) per figure; ` +
      'each cell is the median, with min–max in parentheses). How to reproduce and what each figure means: [docs/benchmarks.md](../../docs/benchmarks.md).',
    '',
  );
  const topology = topologyOf(doc);
  if (machine && v) {
    const temporal =
      topology.server === 'real'
        ? `the real Temporal server ${v.temporalServer ?? '?'} (built from source; every service in one process, 4 history shards) ` +
          `on its own PostgreSQL ${v.temporalPostgres ?? '?'}`
        : `Temporal CLI ${v.temporalCli ?? '?'} (dev server ${v.temporalServer ?? '?'}, SQLite file + WAL)`;
    lines.push(
      `Machine: ${machine.cpus} cores (${machine.cpuModel}), ${machine.memoryGb} GB. Node ${v.node}, Temporal SDK ${v.temporalSdk}, ` +
        `${temporal}, PostgreSQL ${v.postgres}. Engine worker processes in the rush: ${topology.workers}.`,
      '',
    );
  }
  // Sections kept from other runs (a run of some scenarios keeps the rest): say which run measured them.
  const measuredBy = (doc.measuredBy ?? {}) as Record<string, Provenance>;
  const others = new Map<string, { p: Provenance; sections: string[] }>();
  for (const [section, p] of Object.entries(measuredBy)) {
    if (p.command === doc.command && p.startedAt === doc.startedAt) continue;
    const key = `${p.command}\u0000${p.startedAt}`;
    (others.get(key) ?? others.set(key, { p, sections: [] }).get(key)!).sections.push(section);
  }
  if (others.size) {
    lines.push('Sections measured by earlier runs:', '');
    for (const { p, sections } of others.values()) {
      lines.push(
        `- ${sections.map((x) => `\`${x}\``).join(', ')}: \`${p.command}\`, started ${p.startedAt}, ${p.repetitions} repetition(s), on ${p.cpuModel ?? 'an unrecorded CPU'}.`,
      );
    }
    lines.push('');
  }
  if (doc.engineEnv) {
    lines.push(
      `**Experiment:** the engine's worker ran with ${Object.entries(doc.engineEnv as Record<string, string>)
        .map(([k, v]) => `\`${k}=${v}\``)
        .join(', ')}.`,
      '',
    );
  }
  const targets = doc.targets ?? [];
  if (targets.length) {
    lines.push('## Targets (issue 8; the activity API)', '', '| figure | measured | target | holds |', '|---|---|---|---|');
    for (const t of targets)
      lines.push(`| ${t.description} | ${fmt(t.figure)} | ${t.target} | ${t.met === null ? 'not measured' : t.met ? 'yes' : '**no**'} |`);
    lines.push('');
  }
  const rush = doc.rush as Record<string, Record<string, unknown>> | undefined;
  const floor = doc.floor as Record<string, Record<string, unknown>> | undefined;
  const naive = doc.naive as Record<string, Record<string, unknown>> | undefined;
  if (rush) {
    lines.push(`## Rush: K due among ${fmt(Object.values(rush)[0]?.workspaces)} workspaces`, '');
    const labels = Object.keys(rush);
    lines.push(`| | ${labels.map((l) => `K = ${fmt(rush[l]!.k)}`).join(' | ')} |`, `|---|${labels.map(() => '---').join('|')}|`);
    const row = (name: string, field: string, unit = '') =>
      lines.push(`| ${name} | ${labels.map((l) => cell(rush[l], field, unit)).join(' | ')} |`);
    row('last build committed (s from tick start)', 'lastCommitSeconds');
    row('last build completed (s)', 'lastCompleteSeconds');
    row('transitions / s (committed)', 'transitionsPerSecond');
    row('engine ÷ floor', 'ratioToFloor');
    row('engine ÷ naive', 'ratioToNaive');
    lines.push(
      `| duplicates / missing / unexpected | ${labels.map((l) => `${cell(rush[l], 'duplicates')} / ${cell(rush[l], 'missing')} / ${cell(rush[l], 'unexpected')}`).join(' | ')} |`,
    );
    row("tick's longest run history (events)", 'tickHistoryLength');
    row('tick continue-as-new', 'tickContinuedAsNew');
    row('other ticks running during the rush', 'overlappingTicks');
    row('scheduled minutes skipped by the overlap policy', 'scheduledTicksSkippedOverlap');
    row('peak worker RSS (MB)', 'peakRssMb');
    row('worker CPU (s)', 'workerCpuSeconds');
    row('Temporal server CPU (s)', 'serverCpuSeconds');
    row('PostgreSQL CPU (s)', 'postgresCpuSeconds');
    row('CPU per transition (ms): worker', 'workerCpuMsPerTransition');
    row('CPU per transition (ms): Temporal server', 'serverCpuMsPerTransition');
    row('CPU per transition (ms): PostgreSQL', 'postgresCpuMsPerTransition');
    row('machine load average at the end (1 min)', 'loadAverage');
    lines.push('');
  }
  for (const [title, sec] of [
    ['Temporal floor (awaited batches of 100 children, two local activities each)', floor],
    ['Naive shape (all children at once, two regular activities each)', naive],
  ] as const) {
    if (!sec) continue;
    lines.push(`## ${title}`, '');
    sizeTable(lines, sec, [
      ['children / s', 'childrenPerSecond'],
      ['seconds', 'seconds'],
      ["parent's longest run history", 'maxHistoryLength'],
      ['Temporal server CPU (s)', 'serverCpuSeconds'],
      ['worker CPU (s)', 'workerCpuSeconds'],
      ['CPU per child (ms): Temporal server', 'serverCpuMsPerChild'],
      ['CPU per child (ms): worker', 'workerCpuMsPerChild'],
      ['peak worker RSS (MB)', 'peakRssMb'],
    ]);
    lines.push('');
  }
  const direct = doc.direct as Record<string, Record<string, unknown>> | undefined;
  if (direct) {
    lines.push('## Direct executor (candidate query + the same build transaction, plain Node loop, concurrency 10, no Temporal)', '');
    lines.push('| K | transitions / s | seconds | engine ÷ direct (cost of durability) |', '|---|---|---|---|');
    for (const d of Object.values(direct)) {
      lines.push(`| ${fmt(d.k)} | ${cell(d, 'transitionsPerSecond')} | ${cell(d, 'seconds')} | ${cell(d, 'ratioEngineToDirect')} |`);
    }
    lines.push('');
  }
  const shape = doc.shape as Record<string, Record<string, unknown>> | undefined;
  if (shape) {
    lines.push(
      "## The engine's shape without the engine (two workflows per transition, no database)",
      '',
      "The tick's pages and sliding window of children, each child one local activity that starts a second workflow (one " +
        "local activity) eagerly, with the engine's search attributes and start options, as the evaluation hands its build " +
        "over: Temporal's own cost of the engine's shape, on the SDK as it ships. Each run follows a floor run of its own; its " +
        "rate ÷ that floor is about what engine ÷ floor can reach when the engine's reads, transactions and workflow code " +
        "cost nothing. Engine ÷ shape divides the rush's engine ÷ floor by shape ÷ floor, repetition by repetition.",
      '',
    );
    sizeTable(lines, shape, [
      ['transitions / s (children handed over)', 'childrenPerSecond'],
      ['floor children / s (the run before)', 'floorChildrenPerSecond'],
      ['shape ÷ floor (rate)', 'ratioToFloor'],
      ['shape ÷ floor (CPU per item, server + worker)', 'cpuToFloor'],
      ['engine ÷ shape (each ÷ its own floor)', 'engineToShape'],
      ['seconds to the last child', 'seconds'],
      ['seconds to the last build', 'lastBuildSeconds'],
      ['CPU per transition (ms): Temporal server', 'serverCpuMsPerChild'],
      ['CPU per transition (ms): worker', 'workerCpuMsPerChild'],
      ['peak worker RSS (MB)', 'peakRssMb'],
    ]);
    lines.push('');
  }
  const attributes = doc.attributes as Record<string, Record<string, unknown>> | undefined;
  if (attributes) {
    lines.push(
      '## The shape with and without its search attributes (`npm run bench -- attributes`)',
      '',
      'The shape above as the engine runs it (`engine`: the evaluations start with WorkspaceId, TickTime and a static summary, ' +
        "the builds with WorkspaceId, Transition, Reason and TickTime), without the evaluations' attributes and summary, without " +
        "the builds' attributes, and without either (`none`). Each repetition runs a floor and then the four in turn, starting " +
        'one further along at each repetition.',
      '',
    );
    for (const [label, a] of Object.entries(attributes)) {
      lines.push(`K = ${fmt(a.k)} (${label}); floor ${cell(a, 'floorChildrenPerSecond')} children/s`, '');
      lines.push(
        "| variant | transitions / s | ÷ floor | ÷ engine's shape (same repetition) | server CPU ms / transition | worker CPU ms / transition |",
        '|---|---|---|---|---|---|',
      );
      for (const [name, v] of Object.entries(a.variants as Record<string, Record<string, unknown>>)) {
        lines.push(
          `| ${name} | ${cell(v, 'childrenPerSecond')} | ${cell(v, 'ratioToFloor')} | ${cell(v, 'ratioToEngineShape')} | ${cell(v, 'serverCpuMsPerChild')} | ${cell(v, 'workerCpuMsPerChild')} |`,
        );
      }
      lines.push('');
    }
  }
  const idle = doc.idle as Record<string, unknown> | undefined;
  if (idle) {
    lines.push(`## Idle tick: ${fmt(idle.workspaces)} workspaces, none due`, '');
    lines.push('| candidate query p50 (ms) | p99 (ms) | whole tick (s) | sequential scans of workspaces/builds |', '|---|---|---|---|');
    lines.push(
      `| ${cell(idle, 'queryP50Ms')} | ${cell(idle, 'queryP99Ms')} | ${cell(idle, 'tickSeconds')} | ${(idle.seqScans as string[]).length === 0 ? 'none' : (idle.seqScans as string[]).join('; ')} |`,
      '',
    );
    lines.push(
      '<details><summary>EXPLAIN (ANALYZE, BUFFERS) of the candidate query</summary>',
      '',
      '```',
      String(idle.plan),
      '```',
      '',
      '</details>',
      '',
    );
  }
  const scaling = doc.scaling as Record<string, unknown> | undefined;
  if (scaling) {
    const labels = Object.keys(scaling).filter(
      (k) => typeof scaling[k] === 'object' && scaling[k] !== null && 'workspaces' in (scaling[k] as object),
    );
    lines.push(`## Query scaling: candidate query with ${fmt(scaling.due)} due`, '');
    lines.push(
      `| | ${labels.map((l) => `${fmt((scaling[l] as { workspaces: number }).workspaces)} workspaces`).join(' | ')} | largest ÷ smallest |`,
    );
    lines.push(`|---|${labels.map(() => '---').join('|')}|---|`);
    lines.push(`| p50 (ms) | ${labels.map((l) => cell(scaling[l], 'p50Ms')).join(' | ')} | ${cell(scaling, 'ratio1mTo10k')} |`);
    lines.push(`| p99 (ms) | ${labels.map((l) => cell(scaling[l], 'p99Ms')).join(' | ')} | |`, '');
  }
  const activity = doc.activity as ActivityRun | undefined;
  if (activity) activityMarkdown(lines, activity);
  const dryRun = doc.dryRun as DryRunResult | undefined;
  if (dryRun) {
    lines.push(
      `## Policy dry-run (\`npm run bench -- dry-run\`): ${fmt(dryRun.workspaces)} workspaces in one template, ${dryRun.days} days`,
      '',
      '| change | seconds | workspaces | projected | changed | µs per workspace | µs per projected |',
      '|---|---|---|---|---|---|---|',
    );
    for (const r of dryRun.runs) {
      lines.push(
        `| ${r.change} | ${fmt(r.seconds)} | ${fmt(r.workspaces)} | ${fmt(r.projected)} | ${fmt(r.changed)} | ${fmt(r.microsecondsPerWorkspace)} | ${fmt(r.microsecondsPerProjected)} |`,
      );
    }
    lines.push('');
  }
  const seeds = doc.seed as Record<string, { workspaces: number; seconds: number }> | undefined;
  if (seeds) {
    lines.push('## Seeding', '', '| workspaces | seconds |', '|---|---|');
    for (const s of Object.values(seeds).sort((a, b) => a.workspaces - b.workspaces))
      lines.push(`| ${fmt(s.workspaces)} | ${fmt(s.seconds)} |`);
    lines.push('');
  }
  return lines.join('\n');
}

function activityMarkdown(lines: string[], a: ActivityRun): void {
  const minute = a.periodSeconds === 60 ? 'minute' : `${a.periodSeconds}-second round`;
  lines.push(
    '## Activity reports through the HTTP API (`npm run bench -- activity`)',
    '',
    `${fmt(a.workspaces)} running workspaces (none due for anything), each reported once a ${minute} through ` +
      `\`POST /api/v1/activity\` in batches of ${fmt(a.batchSize)} (${fmt(a.batchesPerMinute)} per ${minute}, spread evenly, ` +
      `${fmt(a.clients)} concurrent HTTP clients), for ${fmt(a.minutes)} ${minute}s after ${fmt(a.idleMinutes)} idle ones, against one ` +
      'API process (`npm run api`); the engine worker and its tick schedule run beside it. Deadlines are spread so that each ' +
      "workspace's bump (1 h, again once 3 minutes have passed) comes due once every 3 minutes. One run; each figure over the whole window.",
    '',
    '| figure | measured |',
    '|---|---|',
    `| batch latency p50 / p99 / max (ms; a failed batch counts with the time it failed after) | ${fmt(a.latencyP50Ms)} / ` +
      `${fmt(a.latencyP99Ms)} / ${fmt(a.latencyMaxMs)} |`,
    `| batches sent / failed (of them timed out after 30 s); reports answered / not found | ${fmt(a.requests)} / ${fmt(a.failedRequests)} ` +
      `(${fmt(a.timedOutRequests)}); ${fmt(a.reports)} / ${fmt(a.notFound)} |`,
    `| reports answered written / coalesced / bumped | ${fmt(a.written)} / ${fmt(a.coalesced)} / ${fmt(a.bumped)} |`,
    `| … per workspace per ${minute}: written / bumped | ${fmt(a.writtenPerWorkspaceMinute)} / ${fmt(a.bumpedPerWorkspaceMinute)} |`,
    `| rows updated: workspaces / workspace_builds (of them HOT) | ${fmt(a.rowsUpdated.workspaces)} / ${fmt(a.rowsUpdated.workspaceBuilds)} ` +
      `(${fmt(a.rowsUpdated.workspacesHot)} / ${fmt(a.rowsUpdated.workspaceBuildsHot)}) |`,
    `| **rows written per workspace per ${minute}** | ${fmt(a.rowsPerWorkspaceMinute)} |`,
    `| WAL written (MB per minute) | ${fmt(a.walMbPerMinute)} |`,
    `| CPU seconds per minute: API / PostgreSQL / worker / Temporal server / the reporters | ${fmt(a.apiCpuSecondsPerMinute)} / ` +
      `${fmt(a.postgresCpuSecondsPerMinute)} / ${fmt(a.workerCpuSecondsPerMinute)} / ${fmt(a.serverCpuSecondsPerMinute)} / ${fmt(a.benchCpuSecondsPerMinute)} |`,
    `| … idle, before the load: API / PostgreSQL / worker | ${fmt(a.idle.apiCpuSecondsPerMinute)} / ${fmt(a.idle.postgresCpuSecondsPerMinute)} / ` +
      `${fmt(a.idle.workerCpuSecondsPerMinute)} |`,
    `| CPU per batch (ms): API / PostgreSQL | ${fmt(a.apiCpuMsPerRequest)} / ${fmt(a.postgresCpuMsPerRequest)} |`,
    `| API RSS (MB): before / peak / after | ${fmt(a.apiRssMbBefore)} / ${fmt(a.apiPeakRssMb)} / ${fmt(a.apiRssMbAfter)} |`,
    `| ticks idle: n, median (max) s, workflow clock median (max) ms, candidates | ${fmt(a.ticks.idle.n)}, ${fmt(a.ticks.idle.medianSeconds)} ` +
      `(${fmt(a.ticks.idle.maxSeconds)}), ${fmt(a.ticks.idle.medianElapsedMs)} (${fmt(a.ticks.idle.maxElapsedMs)}), ${fmt(a.ticks.idle.candidates)} |`,
    `| ticks under load: the same | ${fmt(a.ticks.load.n)}, ${fmt(a.ticks.load.medianSeconds)} (${fmt(a.ticks.load.maxSeconds)}), ` +
      `${fmt(a.ticks.load.medianElapsedMs)} (${fmt(a.ticks.load.maxElapsedMs)}), ${fmt(a.ticks.load.candidates)} |`,
    `| candidate query p50 / p99 (ms): idle; under load | ${fmt(a.candidateQuery.idle.p50Ms)} / ${fmt(a.candidateQuery.idle.p99Ms)}; ` +
      `${fmt(a.candidateQuery.load.p50Ms)} / ${fmt(a.candidateQuery.load.p99Ms)} |`,
    `| machine load average at the end (1 min) | ${fmt(a.loadAverage)} |`,
    '',
    `| ${minute} | batches | p50 / p99 / max (ms) | written / coalesced / bumped | rows updated | CPU s: API / PostgreSQL |`,
    '|---|---|---|---|---|---|',
  );
  for (const m of a.perMinute) {
    lines.push(
      `| ${m.minute} | ${fmt(m.requests)} | ${fmt(m.latencyP50Ms)} / ${fmt(m.latencyP99Ms)} / ${fmt(m.latencyMaxMs)} | ` +
        `${fmt(m.written)} / ${fmt(m.coalesced)} / ${fmt(m.bumped)} | ${fmt(m.rowsUpdated)} | ${fmt(m.apiCpuSeconds)} / ${fmt(m.postgresCpuSeconds)} |`,
    );
  }
  lines.push('');
}
