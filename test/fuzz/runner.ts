// What the three fuzz files share: the seed, what "one line" means, the check
// that a refused call changed nothing, and a one-line account of the run.
import { expect } from 'vitest';
import type { Pool } from '../../src/db/pool.js';
import { waitUntil } from '../builds/harness.js';
import { dumpTables } from '../helpers/tables.js';

export const FUZZ_RUNS = 1000;

/**
 * The seed of this run: FUZZ_SEED when set (to rerun a failure), else a random
 * one. It is printed, and fast-check prints it again with a counterexample.
 */
export function fuzzSeed(surface: string): number {
  const given = process.env.FUZZ_SEED;
  if (given !== undefined && given !== '' && !/^-?\d+$/.test(given)) {
    throw new Error(`FUZZ_SEED must be a whole number (the seed a previous run printed), got "${given}"`);
  }
  const seed = given ? Number(given) | 0 : (Math.random() * 2 ** 32) | 0;
  console.log(`fuzz ${surface}: seed ${seed} (rerun with FUZZ_SEED=${seed})`);
  return seed;
}

/** An error message is one line: some text, and no line break or other control character (a terminal would act on it). */
export const isOneLine = (text: string) => text.length > 0 && !/[\p{Cc}\u2028\u2029]/u.test(text);

/** How the cases of a run ended, printed as one line so that a run shows what it exercised. */
export class Outcomes {
  private readonly counts = new Map<string, number>();
  constructor(private readonly surface: string) {}
  add(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }
  print(): void {
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    const parts = [...this.counts].sort(([, a], [, b]) => b - a).map(([k, n]) => `${k} ${n}`);
    console.log(`fuzz ${this.surface}: ${total} cases: ${parts.join(', ')}`);
  }
}

/**
 * Every table before a call, to compare with after it when it was refused.
 * A refused call leaves the tables as they were, so one dump serves the calls
 * that follow until one succeeds; what a call that succeeded set going (a
 * build, a notification) is let finish before the next dump.
 */
export class Tables {
  private before: Record<string, unknown[]> | null = null;
  constructor(
    private readonly pool: Pool,
    private readonly omit: Record<string, readonly string[]> = {},
  ) {}

  /** Runs one case; a failed expectation forgets the dump, since the tables may have changed. */
  async around(body: () => Promise<void>): Promise<void> {
    this.before ??= await dumpTables(this.pool, this.omit);
    try {
      await body();
    } catch (err) {
      this.before = null;
      throw err;
    }
  }

  async expectUnchanged(what: string): Promise<void> {
    expect(await dumpTables(this.pool, this.omit), `${what}: a refused call changed the database`).toEqual(this.before);
  }

  /** After a call that succeeded: let its builds and notifications finish, and dump again before the next. */
  async changed(): Promise<void> {
    this.before = null;
    await settle(this.pool);
  }
}

/** Waits until nothing writes in the background: no build job is running and every notification was delivered. */
export const settle = (pool: Pool) =>
  waitUntil(
    'builds and notifications to finish',
    async () => {
      const { rows } = await pool.query<{ busy: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM provisioner_jobs WHERE completed_at IS NULL)
             OR EXISTS (SELECT 1 FROM notifications WHERE delivered_at IS NULL) AS busy`,
      );
      return !rows[0]!.busy;
    },
    60_000,
    20,
  );
