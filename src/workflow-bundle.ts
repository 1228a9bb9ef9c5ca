// The workflow bundle: made once by `npm run build` (scripts/build.mjs) from
// the compiled workflows and loaded by the worker as a file, so that no
// bundler runs in the worker's process. Tests bundle the TypeScript sources
// with the same options.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';
import { projectRoot } from './runtime/config.js';

/** Compiled (dist/*.js) or run from source (src/*.ts, in tests): the bundle takes the same kind of file. */
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const here = (path: string) => fileURLToPath(new URL(`${path}${ext}`, import.meta.url));

/** What `npm run build` writes and the worker loads: the plain bundle, and the one with the tracing interceptors. */
export const PREBUILT_BUNDLE_PATH = join(projectRoot, 'dist', 'workflows.bundle.js');
export const PREBUILT_TRACED_BUNDLE_PATH = join(projectRoot, 'dist', 'workflows-traced.bundle.js');

/** How every bundle of the engine's workflows is made. */
export const WORKFLOW_BUNDLE_OPTIONS: Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'> = {
  workflowsPath: here('./workflows/index'),
};

/**
 * The bundle of a worker that traces (docs/operations.md#tracing): the same
 * workflows with the OpenTelemetry workflow interceptors, which make the span
 * of each run, child start and activity schedule and hand them out through
 * the `exporter` sink. A prebuilt bundle cannot take interceptors at run
 * time, hence a bundle of its own, so that a worker that does not trace runs
 * no tracing code at all. The interceptors add no commands: histories replay
 * the same on both (test/orchestration/replay.test.ts). The module is the
 * one the package's own OpenTelemetryPlugin registers.
 */
export const TRACED_WORKFLOW_BUNDLE_OPTIONS: Pick<BundleOptions, 'workflowsPath' | 'workflowInterceptorModules'> = {
  ...WORKFLOW_BUNDLE_OPTIONS,
  workflowInterceptorModules: [createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
};

/** A prebuilt bundle, for `workflowBundle`; a clear error when `npm run build` has not run. */
export function prebuiltBundle(opts: { traced?: boolean } = {}): { codePath: string } {
  const path = opts.traced ? PREBUILT_TRACED_BUNDLE_PATH : PREBUILT_BUNDLE_PATH;
  if (!existsSync(path)) {
    throw new Error(`the workflow bundle ${path} is missing: run \`npm run build\` (npm install runs it)`);
  }
  return { codePath: path };
}
