// Two corrections to the Temporal SDK's workflow thread, the thread that runs
// all workflow code. Loaded with `node --import` (package.json's start script,
// before tsx: it is plain JavaScript); the import runs in every thread of the
// process and acts only in the main thread and the SDK's workflow thread.
// Measured on the 9:00 rush in docs/benchmarks.md ("Where the time goes").
//
// 1. One watchdog instead of a native thread per call. The SDK runs every call
// into its V8 sandbox as `script.runInContext(context, { timeout: 5000 })` (its
// deadlock detection, isolateExecutionTimeout), and Node enforces each such
// timeout by creating and joining a new native thread (src/node_watchdog.cc;
// nodejs/node#47739 is the unmerged fix): about 20 calls per transition. Here
// the workflow thread records each call's deadline in a shared slot instead,
// and the main thread checks it twice a second. A call that runs past its
// timeout (a workflow that never yields) is still caught: the main thread logs
// it and terminates the workflow thread; the SDK then fails the worker
// ("Workflow Worker Thread exited"), `npm start` stops what it started and
// exits non-zero, and Temporal gives the task to the next worker. (With Node's
// per-call timeout the SDK fails just that workflow task instead; either way
// the code that never yields never completes.)
//
// 2. No Node source maps in the workflow thread. tsx turns them on in every
// thread, which makes every function V8 compiles there look for a source map
// comment, and the SDK compiles one (`Function('return globalThis.Error')`)
// for every promise a workflow creates, to record its stack for the Temporal
// UI's stack-trace view; that doubled the cost of each. Nothing in that thread
// needs them: it runs the SDK's JavaScript and the webpack bundle, whose stack
// traces the SDK maps to source itself.
//
// Only the thread the SDK creates from its `workflow-worker-thread.js` is
// changed; any other worker thread, and the few one-off calls the SDK makes
// with `vm.runInContext`, keep Node's behaviour.
import { createRequire } from 'node:module';
import vm from 'node:vm';
import workerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);
const KEY = '__autobuildWorkflowThread';
const CHECK_EVERY_MS = 500;
const SDK_THREAD_FILE = /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]workflow-worker-thread\.js$/;

if (workerThreads.isMainThread) watchWorkflowThreads();
else if (workerThreads.workerData?.[KEY] instanceof SharedArrayBuffer) {
  timeCallsWith(new Float64Array(workerThreads.workerData[KEY]));
  // After the other preloads (tsx turns source maps on while it loads), before the SDK's first request.
  setImmediate(() => process.setSourceMapsEnabled(false));
}

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
