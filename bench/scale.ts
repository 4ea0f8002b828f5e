// Many sleeping cycles: BENCH_SCALE_N cycles (default 20,000) over N/10 accounts × 10 invoices, each
// with its next attempt an hour away (the catch-all group retries after PT1H). Reports how fast they
// are submitted through the REST API, the worker's memory while they sleep, and
// GET /api/v1/payments/active_account_cycle_information/{account_id} under 50 concurrent clients.
//
//   npm run bench:scale
//   BENCH_SCALE_N=2000 npm run bench:scale
//   BENCH_SCALE_SUBMIT_BUDGET_S=240 …       # stop submitting after this long and measure what is there
import { randomBytes } from 'node:crypto';
import { benchConfig } from './lib/config';
import { account, hammer, INVOICES_PER_ACCOUNT, submitSleepingCycles } from './lib/load';
import {
  cpuMeter,
  intEnv,
  loadAvg,
  printCpu,
  printTable,
  round,
  rssMb,
  runMain,
  say,
  sleep,
  writeResult,
} from './lib/stack';
import { startSystem } from './lib/system';

const N = intEnv('BENCH_SCALE_N', 20_000);
const CONCURRENCY = intEnv('BENCH_CONCURRENCY', 50);
const BUDGET_MS = intEnv('BENCH_SCALE_SUBMIT_BUDGET_S', 900) * 1000;
const CONNECTIONS = intEnv('BENCH_SCALE_CONNECTIONS', 50);
const SECONDS = intEnv('BENCH_SCALE_SECONDS', 10);

runMain('scale', async () => {
  say(
    `N = ${N} sleeping cycles (${Math.ceil(N / INVOICES_PER_ACCOUNT)} accounts × ${INVOICES_PER_ACCOUNT} invoices); load average ${loadAvg()}`,
  );
  const run = randomBytes(3).toString('hex');
  const system = await startSystem({ tag: 'scale', config: benchConfig('PT1H') });
  const idleRss = rssMb(system.worker.pid) ?? Number.NaN;
  const cpu = cpuMeter(system.pids, system.databaseName);
  const submit = await submitSleepingCycles(system, run, N, {
    concurrency: CONCURRENCY,
    budgetMs: BUDGET_MS,
    label: 'scale',
  });
  const cpuUse = cpu.report();
  printCpu('submit CPU', cpuUse, { n: submit.submitted, unit: 'cycle' });
  await sleep(3000);
  const sleepingRss = rssMb(system.worker.pid) ?? Number.NaN;
  const temporalRss = rssMb(system.pids['temporal server'] ?? 0) ?? Number.NaN;
  say(
    `worker RSS: ${idleRss.toFixed(0)} MB idle, ${sleepingRss.toFixed(0)} MB with ${submit.submitted} cycles asleep`,
  );
  const accounts = Math.floor(submit.submitted / INVOICES_PER_ACCOUNT);
  const active = await hammer(system, {
    endpoint: 'GET active_account_cycle_information/{account_id}',
    path: (k) =>
      `/api/v1/payments/active_account_cycle_information/${encodeURIComponent(account(run, k * INVOICES_PER_ACCOUNT))}`,
    keys: Math.max(1, accounts),
    connections: CONNECTIONS,
    seconds: SECONDS,
  });

  printTable([
    { measure: 'cycles submitted (sleeping, next attempt in 1 h)', value: submit.submitted },
    { measure: 'submit time, s', value: submit.seconds },
    { measure: `submits/s (${CONCURRENCY} concurrent, REST)`, value: submit.per_s },
    { measure: 'submit latency p50 / p99, ms', value: `${submit.latency_p50_ms} / ${submit.latency_p99_ms}` },
    { measure: 'worker RSS idle, MB', value: round(idleRss, 0) },
    { measure: 'worker RSS peak while submitting, MB', value: submit.worker_rss_peak_mb },
    { measure: 'worker RSS with the cycles asleep, MB', value: round(sleepingRss, 0) },
    { measure: 'Temporal dev server RSS, MB', value: round(temporalRss, 0) },
    { measure: `active_account: req/s (${CONNECTIONS} clients)`, value: active.req_per_s },
    { measure: 'active_account: p50 / p99 ms', value: `${active.p50_ms} / ${active.p99_ms}` },
    { measure: 'active_account: non-2xx / errors', value: `${active.non_2xx} / ${active.errors}` },
  ]);
  writeResult('scale', {
    n: N,
    concurrency: CONCURRENCY,
    submit,
    cpu_while_submitting: cpuUse,
    worker_rss_idle_mb: round(idleRss, 0),
    worker_rss_sleeping_mb: round(sleepingRss, 0),
    temporal_rss_mb: round(temporalRss, 0),
    active_account: active,
  });
  process.stdout.write(
    `ratio: ${submit.submitted.toLocaleString('en-US')} sleeping cycles at ${submit.per_s} submits/s (target ≥ 100: ${submit.per_s >= 100 ? 'met' : 'missed'}), ${((sleepingRss / Math.max(1, submit.submitted)) * 1024).toFixed(1)} KB worker RSS per cycle, active_account p99 ${active.p99_ms} ms (target ≤ 50: ${active.p99_ms <= 50 ? 'met' : 'missed'})\n`,
  );
});
