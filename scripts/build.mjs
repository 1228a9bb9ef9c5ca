#!/usr/bin/env node
// `npm run build` (also run by `npm install` and before `npm test`): compiles
// src/ to dist/ with tsc, copies the migrations' SQL beside the compiled
// runner, and prebuilds the workflow bundles that the worker loads with
// `workflowBundle: { codePath }`, so that nothing compiles or bundles at run time.
// Plain JavaScript: it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const started = Date.now();

rmSync(dist, { recursive: true, force: true });

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('autobuild: the TypeScript build failed (see above)');
  process.exit(1);
}

cpSync(join(root, 'src', 'db', 'migrations'), join(dist, 'db', 'migrations'), {
  recursive: true,
  filter: (source) => !source.endsWith('.ts'),
});

// The bundle is made from the compiled workflows, with the options the worker and the tests share.
const { bundleWorkflowCode } = await import('@temporalio/worker');
const bundles = await import(pathToFileURL(join(dist, 'workflow-bundle.js')).href);
const silent = { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };
// Two: the plain one, and the one a worker that traces loads (src/workflow-bundle.ts).
for (const [options, path] of [
  [bundles.WORKFLOW_BUNDLE_OPTIONS, bundles.PREBUILT_BUNDLE_PATH],
  [bundles.TRACED_WORKFLOW_BUNDLE_OPTIONS, bundles.PREBUILT_TRACED_BUNDLE_PATH],
]) {
  const { code } = await bundleWorkflowCode({ ...options, logger: silent });
  writeFileSync(path, code);
}

console.log(`autobuild: built dist/ and its workflow bundles in ${((Date.now() - started) / 1000).toFixed(1)} s`);
