// One watchdog for the Temporal SDK's workflow thread instead of one thread per
// call into the workflow sandbox. Loaded with `node --import` (package.json's
// start script, before tsx: it is plain JavaScript); the import runs in every
// thread of the process.
//
// Why: the SDK runs every call into its V8 sandbox as
// `script.runInContext(context, { timeout: 5000 })` (its deadlock detection,
// isolateExecutionTimeout), and Node enforces each such timeout by creating
// and joining a new native thread (src/node_watchdog.cc; nodejs/node#47739 is
// the unmerged fix). The SDK makes about 20 such calls per transition, which
// cost the worker several milliseconds of CPU per transition on the 9:00 rush
// (docs/benchmarks.md).
//
// What stays the same: a call into the sandbox that runs longer than its
// timeout (a workflow that never yields) is still caught. The main thread
// checks the workflow thread's current call twice a second and, past the
// deadline, logs the fact and terminates that thread; the SDK then fails the
// worker ("Workflow Worker Thread exited"), `npm start` stops what it started
// and exits non-zero, and Temporal gives the task to the next worker. The SDK
// with Node's per-call timeout fails just that workflow task instead; either
// way the code that never yields never completes.
//
// Only the thread the SDK creates from its `workflow-worker-thread.js` is
// covered; any other worker thread, and the few one-off calls the SDK makes
// with `vm.runInContext`, keep Node's own timeout.
import { createRequire } from 'node:module';
import vm from 'node:vm';
import workerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);
const KEY = '__autobuildWorkflowThreadWatchdog';
const CHECK_EVERY_MS = 500;
const SDK_THREAD_FILE = /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]workflow-worker-thread\.js$/;

if (workerThreads.isMainThread) watchWorkflowThreads();
else if (workerThreads.workerData?.[KEY] instanceof SharedArrayBuffer) timeCallsWith(new Float64Array(workerThreads.workerData[KEY]));

/** Main thread: give each SDK workflow thread a shared deadline slot, and terminate the thread that overruns it. */
function watchWorkflowThreads() {
  // The SDK does `new (require('node:worker_threads').Worker)(file)`: the CommonJS exports object, shared by every require.
  const exports = require('node:worker_threads');
  const NodeWorker = exports.Worker;
  if (NodeWorker[KEY]) return; // loaded twice
  /** @type {Set<{ thread: import("node:worker_threads").Worker, slot: Float64Array }>} */
  const watched = new Set();
  let timer = null;

  class Worker extends NodeWorker {
    constructor(filename, options = {}) {
      const isSdkThread = typeof filename === 'string' && SDK_THREAD_FILE.test(filename) && options.workerData === undefined;
      const slot = isSdkThread ? new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT) : null;
      super(filename, slot ? { ...options, workerData: { [KEY]: slot } } : options);
      if (!slot) return;
      const entry = { thread: this, slot: new Float64Array(slot) };
      watched.add(entry);
      this.once('exit', () => {
        watched.delete(entry);
        if (watched.size === 0 && timer) {
          clearInterval(timer);
          timer = null;
        }
      });
      timer ??= setInterval(() => check(watched), CHECK_EVERY_MS).unref();
    }
  }
  Object.defineProperty(Worker, KEY, { value: true });
  Object.defineProperty(Worker, 'name', { value: 'Worker' });
  exports.Worker = Worker;
}

function check(watched) {
  const now = Date.now();
  for (const entry of watched) {
    const [deadline, timeout] = entry.slot;
    if (deadline === 0 || now <= deadline) continue;
    entry.slot[0] = 0;
    watched.delete(entry);
    process.stderr.write(
      `${JSON.stringify({
        time: new Date(now).toISOString(),
        level: 'error',
        msg: `workflow code ran ${Math.round(now - deadline + timeout)} ms (the limit is ${timeout} ms) without yielding (a deadlock or an endless loop in a workflow); stopping the workflow thread, so the worker stops and the task goes to another worker`,
        component: 'workflow-thread-watchdog',
      })}\n`,
    );
    void entry.thread.terminate();
  }
}

/** Workflow thread: a call into the sandbox with a timeout records [deadline, timeout] in the shared slot instead of starting Node's watchdog thread. */
function timeCallsWith(deadline) {
  const runInContext = vm.Script.prototype.runInContext;
  let depth = 0;
  vm.Script.prototype.runInContext = function (context, options) {
    if (options == null || options.timeout === undefined) return runInContext.call(this, context, options);
    const { timeout, ...rest } = options;
    if (depth++ === 0) {
      deadline[1] = timeout;
      deadline[0] = Date.now() + timeout;
    }
    try {
      return runInContext.call(this, context, rest);
    } finally {
      if (--depth === 0) deadline[0] = 0;
    }
  };
}
