// A slice of the simulated week (docs/soak.md), by the same code as `npm run
// soak`: 200 workspaces for 6 simulated hours of a Monday morning, a tick at
// every minute, people's edits and activity, and each process SIGKILLed once.
// runSoak compares the database's builds with the oracle's after every tick
// and checks I1–I5 at the end; any difference fails with the seed that
// reproduces it (`npm run soak -- --seed N --workspaces 200 --hours 6`).
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSoak } from '../../../bench/soak/run.js';

describe('the simulated week, a slice', () => {
  it(
    '200 workspaces, 6 hours, kills of the worker, PostgreSQL, the dev server and all three: every tick builds what the oracle builds, and I1–I5 hold',
    async () => {
      const seed = Math.floor(Math.random() * 2 ** 31);
      console.log(`soak slice seed ${seed}`);
      const figures = await runSoak({
        seed,
        workspaces: 200,
        hours: 6,
        start: new Date('2027-03-29T05:00:00Z'),
        dir: await mkdtemp(join(tmpdir(), 'autobuild-soak-')),
      });
      console.log(
        `soak slice seed ${seed}: ${figures.ticks} ticks, ${figures.transitionTotal} transitions ${JSON.stringify(figures.transitions)}, ${figures.personBuilds} person builds, kills ${JSON.stringify(figures.kills)}, ${figures.seconds} s`,
      );
      expect(figures.ticks).toBe(360);
      expect(figures.transitionTotal).toBeGreaterThan(0);
      expect(figures.kills).toEqual({ worker: 1, postgres: 1, temporal: 1, all: 1 });
      expect(figures.tickErrors).toBe(0);
    },
    15 * 60_000,
  );
});
