// The benchmark harness must not rot: every scenario runs once at a tiny size
// against the test run's services and yields every key outside tools read.
// Timings and query plans mean nothing at this size and are not checked.
import { expect, inject, test } from 'vitest';
import { TINY } from '../../bench/profile.js';
import { at, mergeResults, REQUIRED_KEYS, toMarkdown } from '../../bench/report.js';
import { runBench, SCENARIOS } from '../../bench/run.js';

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
  expect(toMarkdown(doc)).toContain('## Rush');
  expect(toMarkdown(doc)).toContain('## The shape with and without its search attributes');
  expect(toMarkdown(doc)).toContain("## The engine's shape without the engine");
}, 300_000);
