// The workflow bundle, made in a short-lived child process. Bundling (webpack
// and swc) in the worker's own process left about 120 MB in its RSS for the
// process's whole life — memory that Node never gives back — against 1.9 MB of
// bundle code the worker actually needs (measured: 325 MB → 203 MB for a
// worker right after Worker.create). The child costs about as much start-up
// time as bundling in-process did (a second or two).
//
// Run as a script (`node --import tsx src/workflow-bundle.ts`), it bundles
// and sends the code to its parent over IPC.
import { fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bundleWorkflowCode, type BundleOptions, type WorkflowBundle } from '@temporalio/worker';

export const WORKFLOWS_PATH = fileURLToPath(new URL('./workflows/index.ts', import.meta.url));

/**
 * Modules the SDK loads once into its reusable V8 context and shares between
 * workflow runs, instead of evaluating them again for every run. Only the pure
 * lifecycle core: it holds no per-run state, and its only module state is
 * memoisation of pure functions of a time zone (Intl formatters, resolved
 * zone names, a day's UTC offsets), so sharing it cannot leak one run into
 * another. Loaded per run, those caches started empty for every evaluation,
 * which then built its Intl formatters again (docs/benchmarks.md).
 */
export const PRELOADED_MODULES = [fileURLToPath(new URL('./lifecycle/index.ts', import.meta.url))];

/** How every bundle of the engine's workflows is made (the worker's, the tests', the replayer's). */
export const WORKFLOW_BUNDLE_OPTIONS: Pick<BundleOptions, 'workflowsPath' | 'preloadModules'> = {
  workflowsPath: WORKFLOWS_PATH,
  preloadModules: PRELOADED_MODULES,
};
const SELF = fileURLToPath(import.meta.url);

/** A logger for the bundler (and SDK runtimes in tests) that says nothing. */
export const QUIET_LOGGER = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

type Message = { code: string } | { error: string };

/** Bundles WORKFLOWS_PATH in a child process and returns the code. */
export function bundleWorkflowsApart(): Promise<WorkflowBundle> {
  // The child runs this TypeScript file through tsx, whatever loader (or none) the parent has.
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = fork(SELF, ['--bundle'], {
    execArgv: ['--import', tsx],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    serialization: 'advanced',
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let answer: Message | undefined;
    child.once('message', (m) => {
      answer = m as Message;
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (answer && 'code' in answer) resolve({ code: answer.code });
      else {
        const why = answer && 'error' in answer ? answer.error : `the bundler process exited (${signal ?? code})`;
        reject(new Error(`could not bundle the workflows: ${why}${stderr ? `\n${stderr.trim()}` : ''}`));
      }
    });
  });
}

if (process.argv[1] === SELF && process.argv[2] === '--bundle' && process.send) {
  const send = (m: Message) => new Promise<void>((done) => process.send!(m, () => done()));
  try {
    const { code } = await bundleWorkflowCode({ ...WORKFLOW_BUNDLE_OPTIONS, logger: QUIET_LOGGER });
    await send({ code });
  } catch (err) {
    await send({ error: (err as Error).stack ?? String(err) });
  }
  process.disconnect();
}
