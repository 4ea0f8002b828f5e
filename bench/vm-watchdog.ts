// `npm run bench:vm`: what a timeout costs on a call into a V8 context. The Temporal SDK enters the
// workflow sandbox with `runInContext(…, { timeout: isolateExecutionTimeout })` several times per
// workflow activation, and Node starts a watchdog thread for every such call (nodejs/node#47739).
// This measures that cost on this machine, with a context made like the SDK's (microtasks after
// evaluate); docs/BENCHMARKS.md relates it to the worker's CPU profile.
import vm from 'node:vm';
import { intEnv, printTable, round } from './lib/stack';

const CALLS = intEnv('BENCH_VM_CALLS', 20_000);
const context = vm.createContext({}, { microtaskMode: 'afterEvaluate' });
const script = new vm.Script('globalThis.n = (globalThis.n ?? 0) + 1');

function perCall(options: vm.RunningScriptOptions): number {
  for (let i = 0; i < 500; i++) script.runInContext(context, options); // warm up
  const started = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) script.runInContext(context, options);
  return Number(process.hrtime.bigint() - started) / 1000 / CALLS;
}

const without = perCall({});
const withTimeout = perCall({ timeout: 5_000 });
printTable([
  { call: 'runInContext', 'µs per call': round(without, 1) },
  { call: 'runInContext with timeout (the SDK default 5 s)', 'µs per call': round(withTimeout, 1) },
]);
console.log(
  `ratio: a timeout makes a call into the sandbox ${round(withTimeout / without, 1)}× as expensive (+${round(withTimeout - without, 1)} µs, ${CALLS} calls)`,
);
