// The workflow bundle: made once by `npm run build` (scripts/build.mjs) from
// the compiled workflows and loaded by the worker as a file, so that no
// bundler runs in the worker's process. Tests bundle the TypeScript sources
// with the same options.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BundleOptions } from '@temporalio/worker';
import { projectRoot } from './runtime/config.js';

/** Compiled (dist/*.js) or run from source (src/*.ts, in tests): the bundle takes the same kind of file. */
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
const here = (path: string) => fileURLToPath(new URL(`${path}${ext}`, import.meta.url));

/** What `npm run build` writes and the worker loads. */
export const PREBUILT_BUNDLE_PATH = join(projectRoot, 'dist', 'workflows.bundle.js');

/** How every bundle of the engine's workflows is made. */
export const WORKFLOW_BUNDLE_OPTIONS: Pick<BundleOptions, 'workflowsPath'> = {
  workflowsPath: here('./workflows/index'),
};

/** The prebuilt bundle, for `workflowBundle`; a clear error when `npm run build` has not run. */
export function prebuiltBundle(): { codePath: string } {
  if (!existsSync(PREBUILT_BUNDLE_PATH)) {
    throw new Error(`the workflow bundle ${PREBUILT_BUNDLE_PATH} is missing: run \`npm run build\` (npm install runs it)`);
  }
  return { codePath: PREBUILT_BUNDLE_PATH };
}
