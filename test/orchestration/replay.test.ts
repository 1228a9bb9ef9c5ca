// Every committed history in test/histories/ replays against the current
// workflow code: a non-deterministic change fails here. Re-record with
// `npx tsx scripts/record-histories.ts` after an intentional change
// (docs/orchestration.md).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Worker } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal.js';

const DIR = fileURLToPath(new URL('../histories/', import.meta.url));
/**
 * Histories of the current code, and in v1/ those recorded before the
 * evaluation became one local activity and Transition/Reason moved to the
 * build (runs started without `evaluateInActivity` and
 * `buildCarriesSearchAttributes`, as by hand, still take that path).
 */
const files = [
  ...readdirSync(DIR)
    .filter((f) => f.endsWith('.json'))
    .sort(),
  ...readdirSync(DIR + 'v1/')
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => `v1/${f}`),
];

describe('recorded histories replay against the current workflow code', () => {
  it('has one history per outcome, and a tick that continued as new, for the current code and for v1', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const prefix of ['', 'v1/']) {
      for (const outcome of [
        'autostart',
        'autostop',
        'dormancy-with-build',
        'dormancy-without-build',
        'autodelete',
        'failed-cleanup',
        'no-op',
        'reevaluate',
      ]) {
        expect(names).toContain(`${prefix}workspace-${outcome}`);
      }
      expect(names).toContain(`${prefix}tick-page-1`);
      expect(names).toContain(`${prefix}tick-page-2`);
    }
  });

  it('replays each without a determinism error', async () => {
    const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(readFileSync(DIR + f, 'utf8')) }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
