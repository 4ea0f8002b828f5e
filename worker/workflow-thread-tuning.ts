import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import type { WorkerOptions as ThreadOptions, Worker as ThreadWorker } from 'node:worker_threads';

// Makes the SDK's workflow thread cheaper without changing what workflows do: each thread the SDK
// starts gets worker/workflow-thread-preload.cjs (which says what it changes and why) and a shared
// word where it records when its current call into the sandbox began. One timer here replaces Node's
// thread-per-call watchdog: a call running longer than `stuckAfterMs` (the SDK's own deadlock limit)
// terminates that thread, which stops the worker with an error; the process exits and is restarted,
// and the workflow task is retried elsewhere. Without this, the SDK fails just that workflow task.

const require = createRequire(import.meta.url);
// The module object the SDK reads `Worker` from at each thread start (threaded-vm.js).
const threads: typeof import('node:worker_threads') = require('node:worker_threads');
const PRELOAD = join(import.meta.dirname, 'workflow-thread-preload.cjs');
const SDK_THREAD = `${sep}@temporalio${sep}worker${sep}lib${sep}workflow${sep}workflow-worker-thread.js`;

export interface ThreadTuningOptions {
  /** A call into the sandbox longer than this terminates its thread; the SDK's limit is 5 s. */
  stuckAfterMs?: number;
  onStuck?: (detail: { threadId: number; runningForMs: number }) => void;
}

interface Guarded {
  thread: ThreadWorker;
  started: BigInt64Array;
}

/**
 * One per process, on globalThis: the patched constructor lives on the process-wide worker_threads
 * module, which outlives any one import of this file (test runners re-import modules per file).
 */
interface TuningState {
  enabled: boolean;
  options: Required<ThreadTuningOptions>;
  guarded: Set<Guarded>;
}
const STATE = Symbol.for('payment-retry.workflow-thread-tuning');
type WithState = typeof globalThis & { [STATE]?: TuningState };

function check(state: TuningState): void {
  const now = BigInt(Date.now());
  for (const g of state.guarded) {
    const began = Atomics.load(g.started, 0);
    if (began === 0n) continue;
    const runningForMs = Number(now - began);
    if (runningForMs <= state.options.stuckAfterMs) continue;
    state.guarded.delete(g);
    state.options.onStuck({ threadId: g.thread.threadId, runningForMs });
    void g.thread.terminate();
  }
}

/** Whether `filename` is the SDK's workflow thread (and not any other thread of the process). */
export function isSdkWorkflowThread(filename: unknown): boolean {
  return typeof filename === 'string' && filename.endsWith(SDK_THREAD);
}

function install(): TuningState {
  const global = globalThis as WithState;
  const existing = global[STATE];
  if (existing) return existing;
  const state: TuningState = {
    enabled: true,
    options: { stuckAfterMs: 5000, onStuck: () => {} },
    guarded: new Set(),
  };
  global[STATE] = state;
  const Original = threads.Worker;
  class TunedWorker extends Original {
    constructor(filename: string | URL, init?: ThreadOptions) {
      if (!state.enabled || !isSdkWorkflowThread(filename)) {
        super(filename, init);
        return;
      }
      const started = new BigInt64Array(new SharedArrayBuffer(8));
      super(filename, {
        ...init,
        // What the thread would have inherited, plus the preload.
        execArgv: [...(init?.execArgv ?? process.execArgv), '--require', PRELOAD],
        workerData: { ...(init?.workerData ?? {}), cprWorkflowThreadGuard: started.buffer },
      });
      const entry = { thread: this, started };
      state.guarded.add(entry);
      this.once('exit', () => state.guarded.delete(entry));
    }
  }
  threads.Worker = TunedWorker;
  setInterval(() => check(state), 1000).unref();
  return state;
}

/**
 * Whether the SDK's workflow threads started from now on are tuned (`false`: the SDK's own behaviour),
 * and with which guard. Call right before `Worker.create`, which starts its threads; the setting is
 * per process, so two workers created concurrently in one process must not want different settings.
 */
export function tuneWorkflowThreads(opts: ThreadTuningOptions | false): void {
  const state = install();
  state.enabled = opts !== false;
  if (opts !== false) state.options = { ...state.options, ...opts };
}
