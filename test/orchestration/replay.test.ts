// The release procedure's gate (README, "Release procedure";
// docs/orchestration.md#changing-workflow-code). test/histories/<hash>/ holds
// one recording of real histories per version of the workflow code, each with
// a manifest naming that code (scripts/workflow-sources.ts). Every history of
// every recording replays against the workflow bundle `npm run build` made
// (the one the worker ships), so a change that runs begun by earlier code
// would notice fails here; and the current code must have a recording of its
// own, so the next change is replayed against this one's runs.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { currentWorkflowSources, HISTORIES_DIR, MANIFEST, recordings } from '../../scripts/workflow-sources.js';
import { metricsSinks } from '../../src/metrics/sinks.js';
import { projectRoot } from '../../src/runtime/config.js';
import { NO_TRACING } from '../../src/runtime/tracing.js';
import { prebuiltBundle } from '../../src/workflow-bundle.js';

const SRC = join(projectRoot, 'src');
const historyFiles = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== MANIFEST)
    .sort();

describe('the release procedure: recorded histories of every released workflow code', () => {
  it('include a recording of the current workflow code (src/workflows/)', () => {
    const current = currentWorkflowSources();
    const recorded = recordings().map((r) => r.manifest.workflowSources);
    if (!recorded.includes(current.sha256)) {
      expect.fail(
        `workflow code changed: record histories (npm run histories:record) and keep the old ones; see README Release procedure ` +
          `(no folder of test/histories/ was recorded from src/workflows/ as it is now, sha256 ${current.sha256.slice(0, 12)})`,
      );
    }
  });

  it('patched() is the one mechanism: no worker of the engine opts into worker versioning', () => {
    const versioned = (readdirSync(SRC, { recursive: true }) as string[])
      .filter(
        (f) =>
          f.endsWith('.ts') && /\b(workerDeploymentOptions|useWorkerVersioning|useVersioning)\b/.test(readFileSync(join(SRC, f), 'utf8')),
      )
      .map((f) => `src/${f}`);
    expect(versioned).toEqual([]);
  });

  it('each sits in the folder its manifest names, with one history per outcome, a tick that continued as new, and a build', () => {
    expect(readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'))).toEqual([]); // none outside a recording
    for (const { dir, manifest } of recordings()) {
      const where = relative(HISTORIES_DIR, dir);
      expect(where).toBe(manifest.workflowSources.slice(0, 12));
      const names = historyFiles(dir).map((f) => f.replace(/\.json$/, ''));
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
        expect(names, where).toContain(`workspace-${outcome}`);
      }
      expect(names, where).toEqual(expect.arrayContaining(['tick-page-1', 'tick-page-2', 'build-job']));
    }
  });

  // Both shipped bundles: the plain one and the one a worker that traces loads (src/workflow-bundle.ts).
  it.each([
    ['plain', false],
    ['traced', true],
  ])('replay, old and new, against the shipped %s workflow bundle without a determinism error', async (_name, traced) => {
    const histories = recordings().flatMap(({ dir }) =>
      historyFiles(dir).map((f) => ({
        workflowId: relative(HISTORIES_DIR, join(dir, f)),
        history: JSON.parse(readFileSync(join(dir, f), 'utf8')),
      })),
    );
    expect(histories.length).toBeGreaterThan(0);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: prebuiltBundle({ traced }), sinks: { ...NO_TRACING.sinks, ...metricsSinks(null) } },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  });
});
