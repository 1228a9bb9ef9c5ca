// The benchmark harness must not rot: every scenario runs once at a tiny size
// against the test run's services and yields every key outside tools read.
// Timings and query plans mean nothing at this size and are not checked.
import { expect, inject, test } from 'vitest';
import { TINY } from '../../bench/profile.js';
import { at, mergeResults, REQUIRED_KEYS, toMarkdown } from '../../bench/report.js';
import { runBench, SCENARIOS } from '../../bench/run.js';
import type { ActivityRun } from '../../bench/scenarios/activity.js';

const silent = { update: () => {}, log: () => {}, done: () => {} };

test('bench: every scenario runs at a tiny size and produces every required key', async () => {
  const results = await runBench({
    scenarios: SCENARIOS,
    profile: TINY,
    progress: silent,
    stack: {
      external: {
        pgAdminUrl: inject('pgAdminUrl'),
        temporalAddress: inject('temporalAddress'),
        temporalCliPath: inject('temporalCliPath'),
      },
    },
  });
  const doc = mergeResults(null, results);
  const missing = REQUIRED_KEYS.filter((key) => typeof at(doc, key) !== 'number');
  expect(missing).toEqual([]);
  // The engine's shape without its database (what bounds engine ÷ floor): paired with a floor run of its own.
  for (const key of [
    'shape.k1000.childrenPerSecond',
    'shape.k1000.ratioToFloor',
    'shape.k1000.lastBuildSeconds',
    'shape.k1000.engineToShape',
  ]) {
    expect(typeof at(doc, key), key).toBe('number');
  }
  // It pages as the tick does (TINY: 4 children, pages of 2): two full pages continue as new, the empty third ends.
  expect(at(doc, 'shape.k1000.continuedAsNew')).toBe(2);
  // The shape with and without its search attributes: every variant, each against the floor and the engine's shape.
  for (const variant of ['engine', 'no-evaluation-attributes', 'no-build-attributes', 'none']) {
    for (const field of ['childrenPerSecond', 'ratioToFloor', 'ratioToEngineShape', 'lastBuildSeconds']) {
      const key = `attributes.k1000.variants.${variant}.${field}`;
      expect(typeof at(doc, key), key).toBe('number');
    }
  }
  // The HTTP API's activity slice (TINY: 200 running workspaces, 3 rounds of 4 s): every report answered, none refused,
  // and a workspace written at most once a round — after the first round only for a bump (its last use is then under a minute old).
  const activity = doc.activity as ActivityRun;
  expect(activity.failedRequests).toBe(0);
  expect(activity.reports).toBe(TINY.activity.workspaces * TINY.activity.minutes);
  expect(activity.notFound).toBe(0);
  expect(activity.written + activity.coalesced).toBe(activity.reports);
  expect(activity.perMinute[0]!.written).toBe(TINY.activity.workspaces);
  for (const round of activity.perMinute.slice(1)) expect(round.written, `round ${round.minute}`).toBeLessThanOrEqual(round.bumped);
  expect(activity.rowsPerWorkspaceMinute).toBeGreaterThan(0);
  expect(activity.rowsPerWorkspaceMinute).toBeLessThanOrEqual(1);
  // (PostgreSQL's CPU is not read here: the test run's cluster is not the benchmark's child.)
  for (const key of ['activity.latencyP99Ms', 'activity.apiCpuSecondsPerMinute', 'activity.apiPeakRssMb', 'activity.walMbPerMinute']) {
    expect(typeof at(doc, key), key).toBe('number');
  }
  expect(toMarkdown(doc)).toContain('## Activity reports through the HTTP API');
  expect(toMarkdown(doc)).toContain('## Rush');
  expect(toMarkdown(doc)).toContain('## The shape with and without its search attributes');
  expect(toMarkdown(doc)).toContain("## The engine's shape without the engine");
}, 300_000);
