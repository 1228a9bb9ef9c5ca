// Loaded after npm start's flags by test/runtime/workflow-thread.test.ts: in
// the SDK's workflow thread, reports whether Node's source maps are on and
// whether the SDK's promise hook is workflow-thread.mjs's.
import workerThreads from 'node:worker_threads';

if (!workerThreads.isMainThread && workerThreads.workerData?.__autobuildWorkflowThread) {
  let n = 0;
  const { createRequire } = await import('node:module');
  const vmShared = createRequire(process.argv[1])('./vm-shared.js');
  const hook = Object.getPrototypeOf(vmShared.globalHandlers).setPromiseHook.toString();
  process.stderr.write(`probe: promise hook ${hook.includes('installLazyPromiseHook') ? 'formats on demand' : 'is the SDK one'}\n`);
  setInterval(() => process.stderr.write(`probe ${++n}: source maps in the workflow thread: ${process.sourceMapsEnabled}\n`), 100).unref();
}
