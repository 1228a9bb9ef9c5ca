// The sizes each scenario runs at. FULL is what `npm run bench` measures and
// what the targets are stated for; TINY keeps the keys and the shape
// (the test suite runs it so the harness cannot rot); the figures it yields
// mean nothing.
import { DEFAULT_BATCH_SIZE, DEFAULT_PAGE_SIZE } from '../src/workflows/tick.js';
export interface RushSize {
  /** The key in the results (`rush.k1000`), fixed whatever the actual K. */
  label: string;
  k: number;
}

export interface BenchProfile {
  name: string;
  repetitions: number;
  rush: { workspaces: number; sizes: RushSize[] };
  /** The floor runs at every rush size; the naive shape at this one only. */
  naive: RushSize;
  /**
   * The engine's Temporal shape without its database, each run right after a
   * floor run of its own; `page` and `window` are the tick's candidate page
   * and children in flight (AUTOBUILD_TICK_PAGE_SIZE, AUTOBUILD_TICK_BATCH_SIZE).
   */
  shape: RushSize & { page: number; window: number };
  direct: { workspaces: number; size: RushSize; concurrency: number };
  idle: { workspaces: number; queryRuns: number };
  scaling: { sizes: Array<{ label: string; workspaces: number }>; due: number; queryRuns: number };
  /** Floor shape (docs/benchmarks.md#scenarios): children started and awaited together, children per parent run. */
  floor: { batch: number; page: number };
  activity: ActivityProfile;
  /** The policy dry-run (bench/scenarios/dry-run.ts): workspaces, all in one template. */
  dryRun: { workspaces: number };
}

/**
 * The activity scenario (run only when named): `workspaces` running
 * workspaces, each reported once per `periodSeconds` through the batch route
 * in batches of `batch`, spread evenly over the period by `clients`
 * concurrent HTTP clients, for `minutes` periods after `idleMinutes` without
 * reports. A "minute" is one period: 60 s, except in the tiny profile.
 */
export interface ActivityProfile {
  workspaces: number;
  minutes: number;
  idleMinutes: number;
  batch: number;
  clients: number;
  periodSeconds: number;
}

export const FULL: BenchProfile = {
  name: 'full',
  repetitions: 3,
  rush: {
    workspaces: 100_000,
    sizes: [
      { label: 'k100', k: 100 },
      { label: 'k1000', k: 1_000 },
      { label: 'k10000', k: 10_000 },
    ],
  },
  naive: { label: 'k1000', k: 1_000 },
  shape: { label: 'k1000', k: 1_000, page: DEFAULT_PAGE_SIZE, window: DEFAULT_BATCH_SIZE },
  direct: { workspaces: 100_000, size: { label: 'k1000', k: 1_000 }, concurrency: 10 },
  idle: { workspaces: 1_000_000, queryRuns: 100 },
  dryRun: { workspaces: 100_000 },
  scaling: {
    sizes: [
      { label: 'n10k', workspaces: 10_000 },
      { label: 'n100k', workspaces: 100_000 },
      { label: 'n1m', workspaces: 1_000_000 },
    ],
    due: 100,
    queryRuns: 100,
  },
  floor: { batch: 100, page: 1_000 },
  activity: { workspaces: 100_000, minutes: 5, idleMinutes: 3, batch: 1_000, clients: 10, periodSeconds: 60 },
};

export const TINY: BenchProfile = {
  name: 'tiny',
  repetitions: 1,
  rush: {
    workspaces: 20,
    sizes: [
      { label: 'k100', k: 2 },
      { label: 'k1000', k: 4 },
      { label: 'k10000', k: 6 },
    ],
  },
  naive: { label: 'k1000', k: 4 },
  shape: { label: 'k1000', k: 4, page: 2, window: 2 },
  direct: { workspaces: 20, size: { label: 'k1000', k: 4 }, concurrency: 10 },
  idle: { workspaces: 20, queryRuns: 5 },
  dryRun: { workspaces: 50 },
  scaling: {
    sizes: [
      { label: 'n10k', workspaces: 20 },
      { label: 'n100k', workspaces: 30 },
      { label: 'n1m', workspaces: 40 },
    ],
    due: 2,
    queryRuns: 5,
  },
  floor: { batch: 2, page: 4 },
  // Three rounds of 4 s: every report is answered; after the first round nothing is due a write (coalesced) but the few bumps.
  activity: { workspaces: 200, minutes: 3, idleMinutes: 0, batch: 50, clients: 2, periodSeconds: 4 },
};

export const PROFILES: Record<string, BenchProfile> = { full: FULL, tiny: TINY };
