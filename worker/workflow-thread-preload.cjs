'use strict';
// Loaded (`--require`) into the Temporal SDK's workflow thread only, by worker/workflow-thread-tuning.ts,
// which also passes the shared guard word in workerData. Verified against @temporalio/worker 1.24.0
// (pinned exactly in package.json); the test test/foundation/workflow-thread-tuning.test.ts proves both
// patches are active in the thread and that a stuck workflow is still caught.
//
// 1. The SDK enters the workflow sandbox with `runInContext(…, { timeout })` 3–5 times per activation
//    (reusable-vm.js). For every call with a timeout Node creates and joins a watchdog thread
//    (node_watchdog.cc; nodejs/node#47739, open): 62.7 µs per call against 1.7 µs without
//    (`npm run bench:vm`), and on a saturated machine each join waits for that thread to be scheduled.
//    In a CPU profile of the bench's worker it was a quarter of the workflow thread. We drop the timeout
//    and instead record when the call began in a shared word; the main thread's guard terminates this
//    thread when one call runs past the SDK's deadlock limit (5 s), so a workflow that never yields is
//    still caught (the worker then stops, as with any crashed workflow thread, instead of failing only
//    that workflow task).
// 2. The SDK's promise hook (vm-shared.js setPromiseHook) builds a stack trace, through source maps, for
//    every promise a workflow creates, only to answer the `__stack_trace` query. Making createHook throw
//    for that caller takes the SDK's own fallback for runtimes without hooks: workflows run the same, and
//    that query answers "stack traces are not enabled on this worker".
const { isMainThread, workerData } = require('node:worker_threads');

const guard = !isMainThread && workerData && workerData.cprWorkflowThreadGuard;
if (guard instanceof SharedArrayBuffer) {
  const started = new BigInt64Array(guard);
  const vm = require('node:vm');
  const run = vm.Script.prototype.runInContext; // vm.runInContext() goes through it too
  let depth = 0;
  vm.Script.prototype.runInContext = function runInContextUntimed(context, options) {
    if (options === undefined || options.timeout === undefined) return run.call(this, context, options);
    const { timeout: _guardedByTheMainThread, ...rest } = options;
    // A nested call keeps the outermost start: the guard limits one entry into the sandbox.
    if (depth++ === 0) Atomics.store(started, 0, BigInt(Date.now()));
    try {
      return run.call(this, context, rest);
    } finally {
      if (--depth === 0) Atomics.store(started, 0, 0n);
    }
  };
  // Only the SDK's call: Node's own AsyncLocalStorage installs its promise hook through the same
  // function when first run, and the SDK runs every Update handler in one (UpdateScope), so a blanket
  // refusal fails the workflow task of every Update (update-with-start included).
  const promiseHooks = require('node:v8').promiseHooks;
  const createHook = promiseHooks.createHook;
  const { sep } = require('node:path');
  const SDK_CALLER = `${sep}@temporalio${sep}worker${sep}lib${sep}workflow${sep}vm-shared.js`;
  promiseHooks.createHook = function createHookUnlessTheSdks(hooks) {
    if (new Error().stack?.includes(SDK_CALLER)) {
      throw new Error('promise hooks are off in the workflow thread (worker/workflow-thread-preload.cjs)');
    }
    return createHook.call(this, hooks);
  };
}
