// Every committed history in test/histories/ replays against the workflow
// bundle `npm run build` made (the one the worker ships): a change that running
// workflows would notice fails here. Re-record with `npm run histories:record`
// after an intentional change (docs/orchestration.md#replay-tests).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { prebuiltBundle } from '../../src/workflow-bundle.js';

const DIR = fileURLToPath(new URL('../histories/', import.meta.url));
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('recorded histories replay against the shipped workflow bundle', () => {
  it('has one history per outcome, a tick that continued as new, and a build', () => {
    const names = files.map((f) => f.replace(/\.json$/, ''));
    for (const outcome of [
      'autostart',
      'autostop',
      'dormancy-with-build',
      'dormancy-without-build',
      'autodelete',
      'failed-cleanup',
      'no-op',
      'invalid-schedule',
      'reevaluate',
    ]) {
      expect(names).toContain(`workspace-${outcome}`);
    }
    expect(names).toEqual(expect.arrayContaining(['tick-page-1', 'tick-page-2', 'build-job']));
  });

  it('replays each without a determinism error', async () => {
    const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(readFileSync(DIR + f, 'utf8')) }));
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: prebuiltBundle() }, histories)) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
