// Three corrections to the Temporal SDK's workflow thread, the thread that runs
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
// traces the SDK maps to source itself. They are kept off, since tsx turns them
// on again after the preloads on Node 20.
//
// 3. Promise stacks formatted when read. The SDK formats that stack at once,
// for every promise, though the stack-trace query reads it rarely; here the
// call sites are kept and formatted on first read, with the SDK's own
// functions, so the query answers as before (formatPromiseStacksOnDemand).
//
// Only the thread the SDK creates from its `workflow-worker-thread.js` is
// changed; any other worker thread, and the few one-off calls the SDK makes
// with `vm.runInContext`, keep Node's behaviour.
import { createRequire } from 'node:module';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import workerThreads from 'node:worker_threads';

const require = createRequire(import.meta.url);
const KEY = '__autobuildWorkflowThread';
const CHECK_EVERY_MS = 500;
const SDK_THREAD_FILE = /[\\/]@temporalio[\\/]worker[\\/]lib[\\/]workflow[\\/]workflow-worker-thread\.js$/;
/** The @temporalio/worker version whose promise hook installLazyPromiseHook mirrors. */
const SDK_VERSION = '1.24.0';
const FIRST_FRAME = /^Error\n\s*at [^\n]+\n(\s*at initAll \(node:internal\/promise_hooks:\d+:\d+\)\n)?/;
const INIT_ALL = /^\s*at initAll \(node:internal\/promise_hooks:\d+:\d+\)$/;
const THEN_OF_AGGREGATION = /^\s+at\sPromise\.then \(<anonymous>\)\n\s+at (Function|Promise)\.(race|all|allSettled|any) \(<anonymous>\)\n/;
const AGGREGATION = /^\s+at (Function|Promise)\.(race|all|allSettled|any) \(<anonymous>\)\n/;
/** Lines that can start either pattern above; any other first line matches neither. */
const MAY_AGGREGATE = /^\s+at (Promise\.then|(Function|Promise)\.(race|all|allSettled|any)) \(<anonymous>\)$/;

if (workerThreads.isMainThread) watchWorkflowThreads();
else if (workerThreads.workerData?.[KEY] instanceof SharedArrayBuffer) {
  timeCallsWith(new Float64Array(workerThreads.workerData[KEY]));
  keepSourceMapsOff();
  formatPromiseStacksOnDemand();
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

/**
 * Workflow thread: source maps off, and kept off. Turning them off once is not
 * enough: on Node 20 tsx's `--import` also loads its CommonJS hooks in this
 * thread, after every preload has run, and that turns them on again (seen in a
 * CPU profile of the 9:00 rush; test/runtime/workflow-thread.test.ts).
 */
function keepSourceMapsOff() {
  const set = process.setSourceMapsEnabled.bind(process);
  set(false);
  process.setSourceMapsEnabled = () => set(false);
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

/**
 * Workflow thread: the SDK's promise hook, with each promise's stack formatted
 * when the stack-trace query asks for it instead of when the promise is made.
 *
 * For the Temporal UI's stack-trace view the SDK (GlobalHandlers.setPromiseHook
 * in @temporalio/worker/lib/workflow/vm-shared.js, 1.24.0) records a stack for
 * every promise workflow code creates: it makes an Error, formats its stack at
 * once (each frame mapped through the bundle's source map, then filtered with
 * regular expressions), and compiles two small functions to find the run's
 * activator and Error; at the 9:00 rush that was a third of the workflow
 * thread's time, for stacks that are thrown away when the promise settles,
 * almost always unread. This hook keeps the Error's call sites instead and
 * formats them with the SDK's own functions on first read, so the query's
 * answers stay the SDK's (test/runtime/workflow-thread.test.ts compares them).
 * Only the first frames are formatted at once, the ones the SDK's check for
 * Promise.all/race/allSettled/any looks at; the two lookup functions are
 * compiled once per V8 context.
 */
function formatPromiseStacksOnDemand() {
  // The SDK's thread file is this thread's main script; vm-shared.js sits beside it.
  const sdkDir = path.dirname(process.argv[1] ?? '');
  const requireSdk = createRequire(path.join(sdkDir, 'vm-shared.js'));
  // Mirrors that version's hook: with any other SDK version the SDK's own hook stays.
  if (requireSdk('../../package.json').version !== SDK_VERSION) return;
  const vmShared = requireSdk('./vm-shared.js');
  const { cutoffStackTrace } = requireSdk('@temporalio/common');
  const proto = Object.getPrototypeOf(vmShared.globalHandlers);
  proto.setPromiseHook = function () {
    installLazyPromiseHook(this, cutoffStackTrace);
  };
}

/** The SDK's setPromiseHook (vm-shared.js), with the same store entries, whose stacks format on first read. */
function installLazyPromiseHook(handlers, cutoffStackTrace) {
  const OuterError = Error;
  const format = OuterError.prepareStackTrace; // the SDK's, set by overridePrepareStackTrace() just before
  let raw = false;
  OuterError.prepareStackTrace = (err, callsites) => (raw ? callsites : format(err, callsites));
  /** Per V8 context (one, with the SDK's reusable context): functions that read its activator and its Error. */
  const lookups = new WeakMap();
  const lookupsOf = (promise) => {
    const Fn = promise.constructor.constructor;
    let l = lookups.get(Fn);
    if (l === undefined) {
      l = { activator: Fn('return globalThis.__TEMPORAL_ACTIVATOR__'), ErrorCtor: Fn('return globalThis.Error')() };
      lookups.set(Fn, l);
    }
    return l;
  };
  const headOf = aggregationHeads(formattedFrames(handlers, format), cutoffStackTrace);
  let currentAggregation = undefined;
  try {
    handlers.stopPromiseHook = v8.promiseHooks.createHook({
      init(promise, parent) {
        const lookup = lookupsOf(promise);
        const activator = lookup.activator();
        if (!activator) return;
        const store = activator.promiseStackStore;
        promise.runId = activator.info.runId;
        const { ErrorCtor } = lookup;
        // The SDK's prepareStackTrace defers to the original one for an Error of this realm (none here, normally).
        if (ErrorCtor === OuterError && handlers.origPrepareStackTrace) return;
        raw = true;
        let callsites;
        const err = new ErrorCtor();
        try {
          callsites = err.stack;
        } finally {
          raw = false;
        }
        if (!Array.isArray(callsites)) return;
        let stackTrace = new PromiseStack(err, callsites, format, handlers, cutoffStackTrace);
        const head = headOf(err, callsites);
        if (currentAggregation && THEN_OF_AGGREGATION.test(head)) {
          promise = currentAggregation;
          stackTrace = store.promiseToStack.get(currentAggregation);
        } else if (AGGREGATION.test(head)) {
          currentAggregation = promise;
        } else {
          currentAggregation = undefined;
        }
        if (promise === parent) return;
        store.promiseToStack.set(promise, stackTrace);
        const parents = store.childToParent.get(promise) ?? new Set();
        if (parent) parents.add(parent);
        store.childToParent.set(promise, parents);
      },
      settled(promise) {
        const store = lookupsOf(promise).activator()?.promiseStackStore;
        if (!store) return;
        store.childToParent.delete(promise);
        store.promiseToStack.delete(promise);
      },
    });
    handlers.promiseHookInstalled = true;
  } catch {
    console.warn('v8.promiseHooks.createHook is not available; stack trace collection will be disabled.');
  }
}

/**
 * One frame as the SDK's prepareStackTrace formats it: `    at ${callsite}`,
 * or for a frame of a workflow bundle, its source-mapped form; those are
 * remembered by position and by the call site's names, all the formatting
 * reads (the SDK formats frame by frame).
 */
function formattedFrames(handlers, format) {
  const consumers = handlers.bundleFilenameToSourceMapConsumer;
  const known = new Map();
  return (err, callsite) => {
    const file = callsite.getFileName();
    const line = callsite.getLineNumber();
    const column = callsite.getColumnNumber();
    if (!(file && consumers.get(file) && line && column)) return `    at ${callsite}`;
    const key = `${file}:${line}:${column}:${callsite.getTypeName()}:${callsite.getMethodName()}:${callsite.getFunctionName()}:${callsite.isConstructor()}`;
    let formatted = known.get(key);
    if (formatted === undefined) {
      formatted = format(err, [callsite]).slice(`${err}\n`.length);
      if (known.size >= 10_000) known.clear();
      known.set(key, formatted);
    }
    return formatted;
  };
}

/**
 * The start of the formatted stack, enough for the aggregation patterns: its
 * first line when that cannot start them (nearly always), else its first three
 * lines. Lines come out as in cutoffStackTrace: dropped frames skipped, and
 * none after a cut-off frame.
 */
function aggregationHeads(line, cutoffStackTrace) {
  const kinds = new Map();
  /** What cutoffStackTrace does with this line: keeps it, drops it, or stops before it. */
  const kindOf = (l) => {
    let kind = kinds.get(l);
    if (kind === undefined) {
      kind = cutoffStackTrace(l) === l ? 'kept' : cutoffStackTrace(`${l}\nx`) === '' ? 'cut' : 'dropped';
      if (kinds.size >= 10_000) kinds.clear();
      kinds.set(l, kind);
    }
    return kind;
  };
  return (err, callsites) => {
    let i = 1; // frame 0 is the hook itself
    if (i < callsites.length && INIT_ALL.test(line(err, callsites[i]))) i++;
    const lines = [];
    for (; i < callsites.length && lines.length < 3; i++) {
      const l = line(err, callsites[i]);
      const kind = kindOf(l);
      if (kind === 'cut') break;
      if (kind === 'dropped') continue;
      lines.push(l);
      if (lines.length === 1 && !MAY_AGGREGATE.test(l)) break;
    }
    // "L1\nL2\nL3", "L1\nL2" or "L1": each pattern matches it exactly when it matches the whole formatted stack.
    return lines.join('\n');
  };
}

/**
 * A promise's entry in the SDK's stack store: `formatted` and `structured` as
 * the SDK makes them, made on first read. Until then it holds the call sites,
 * which keep their frames' functions and receivers alive as long as the entry
 * (until the promise settles, or the run leaves the worker's cache).
 */
class PromiseStack {
  #made = null;
  #make;
  constructor(err, callsites, format, handlers, cutoffStackTrace) {
    this.#make = () => {
      handlers.currentStackTrace = undefined;
      const text = format(err, callsites);
      const structured = handlers.currentStackTrace ?? [];
      handlers.currentStackTrace = undefined;
      cutoffStructuredStackTrace(structured);
      return { formatted: cutoffStackTrace(text.replace(FIRST_FRAME, '')), structured };
    };
  }
  get formatted() {
    return (this.#made ??= this.#make()).formatted;
  }
  get structured() {
    return (this.#made ??= this.#make()).structured;
  }
}

/** vm-shared.js's cutoffStructuredStackTrace (not exported), unchanged. */
function cutoffStructuredStackTrace(stackTrace) {
  stackTrace.shift();
  if (stackTrace[0]?.function_name === 'initAll' && stackTrace[0].file_path === 'node:internal/promise_hooks') {
    stackTrace.shift();
  }
  const idx = stackTrace.findIndex(({ function_name, file_path }) => {
    return (
      function_name &&
      file_path &&
      ((/^Activator\.\S+NextHandler$/.test(function_name) && /.*[\\/]workflow[\\/](?:src|lib)[\\/]internals\.[jt]s$/.test(file_path)) ||
        (/Script\.runInContext/.test(function_name) && /^node:vm|vm\.js$/.test(file_path)))
    );
  });
  if (idx > -1) {
    stackTrace.splice(idx);
  }
}
