// A run of some scenarios keeps the other sections of latest.json; the
// document's header is the latest run's, so each kept section must say which
// run (command, time, machine) measured it. Before measuredBy, a run of
// `attributes` on another host relabelled the whole document with its CPU.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { mergeResults, type Results, type Topology, toMarkdown } from '../../bench/report.js';
import { RESULTS_DIR, resultsDir, writeResults } from '../../bench/run.js';

const run = (command: string, startedAt: string, cpuModel: string, sections: Record<string, unknown>): Results => ({
  generatedAt: startedAt,
  startedAt,
  command,
  profile: 'full',
  repetitions: 3,
  machine: { cpus: 2, cpuModel, memoryGb: 25 },
  ...sections,
});

test('a partial run keeps the other sections, each with the run that measured it', () => {
  const full = mergeResults(
    null,
    run('npm run bench -- rush', '2026-12-04T16:00:00.000Z', 'Intel Xeon', { rush: { k1000: {} }, floor: { k1000: {} } }),
  );
  const idle = mergeResults(
    full,
    run('npm run bench -- idle', '2026-12-04T17:00:00.000Z', 'Intel Xeon', { idle: { workspaces: 1, seqScans: [] } }),
  );
  const attrs = mergeResults(
    idle,
    run('npm run bench -- attributes', '2026-12-04T19:00:00.000Z', 'AMD EPYC', { attributes: { k1000: { k: 1000, variants: {} } } }),
  );

  expect(attrs.measuredBy).toEqual({
    rush: { command: 'npm run bench -- rush', startedAt: '2026-12-04T16:00:00.000Z', cpuModel: 'Intel Xeon', repetitions: 3 },
    floor: { command: 'npm run bench -- rush', startedAt: '2026-12-04T16:00:00.000Z', cpuModel: 'Intel Xeon', repetitions: 3 },
    idle: { command: 'npm run bench -- idle', startedAt: '2026-12-04T17:00:00.000Z', cpuModel: 'Intel Xeon', repetitions: 3 },
    attributes: { command: 'npm run bench -- attributes', startedAt: '2026-12-04T19:00:00.000Z', cpuModel: 'AMD EPYC', repetitions: 3 },
  });
  const md = toMarkdown(attrs);
  expect(md).toContain('by `npm run bench -- attributes`');
  expect(md).toContain('- `rush`, `floor`: `npm run bench -- rush`, started 2026-12-04T16:00:00.000Z, 3 repetition(s), on Intel Xeon.');
  expect(md).toContain('- `idle`: `npm run bench -- idle`, started 2026-12-04T17:00:00.000Z, 3 repetition(s), on Intel Xeon.');
  expect(md).not.toContain('- `attributes`');

  // A run of every scenario measures every section again: nothing is listed as kept.
  const again = mergeResults(
    attrs,
    run('npm run bench', '2026-12-04T20:00:00.000Z', 'AMD EPYC', { rush: {}, floor: {}, idle: { seqScans: [] }, attributes: {} }),
  );
  expect(toMarkdown(again)).not.toContain('Sections measured by earlier runs');
});

test('each server and worker count keeps its results in a folder of its own, and no run merges into another topology', async () => {
  const topologies: Topology[] = [
    { server: 'dev', workers: 1 },
    { server: 'dev', workers: 3 },
    { server: 'real', workers: 1 },
    { server: 'real', workers: 3 },
  ];
  expect(resultsDir(topologies[0]!)).toBe(RESULTS_DIR);
  expect(topologies.map((t) => relative(RESULTS_DIR, resultsDir(t)))).toEqual(['', 'dev-3-workers', 'real-1-worker', 'real-3-workers']);

  const dir = await mkdtemp(join(tmpdir(), 'autobuild-bench-results-'));
  try {
    const at = (topology: Topology, startedAt: string, sections: Record<string, unknown>) => ({
      ...run('npm run bench -- rush', startedAt, 'Intel Xeon', sections),
      topology,
    });
    await writeResults(at({ server: 'real', workers: 3 }, '2026-12-07T10:00:00.000Z', { rush: { k1000: {} } }), dir);
    const same = await writeResults(at({ server: 'real', workers: 3 }, '2026-12-07T11:00:00.000Z', { idle: { seqScans: [] } }), dir);
    expect(Object.keys(same.measuredBy as object)).toEqual(['rush', 'idle']);
    const other = await writeResults(at({ server: 'real', workers: 1 }, '2026-12-07T12:00:00.000Z', { idle: { seqScans: [] } }), dir);
    expect(other.rush).toBeUndefined();
    expect(other.topology).toEqual({ server: 'real', workers: 1 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
