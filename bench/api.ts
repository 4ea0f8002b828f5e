// Read latency of the cycle endpoints at 100 concurrent connections (autocannon), over BENCH_API_N
// sleeping cycles (default 2,000: N/10 accounts × 10 invoices, next attempt in 1 h). The active
// endpoints ask the live workflows (Temporal query); the history endpoints read Postgres.
//
//   npm run bench:api
//   BENCH_API_N=500 BENCH_API_SECONDS=5 npm run bench:api
import { randomBytes } from 'node:crypto';
import { benchConfig } from './lib/config';
import {
  account,
  type HammerResult,
  hammer,
  INVOICES_PER_ACCOUNT,
  invoice,
  submitSleepingCycles,
} from './lib/load';
import { intEnv, loadAvg, printTable, runMain, say, writeResult } from './lib/stack';
import { startSystem } from './lib/system';

const N = intEnv('BENCH_API_N', 2000);
const CONNECTIONS = intEnv('BENCH_API_CONNECTIONS', 100);
const SECONDS = intEnv('BENCH_API_SECONDS', 8);
const P = '/api/v1/payments';

runMain('api', async () => {
  say(
    `${N} sleeping cycles, ${CONNECTIONS} connections × ${SECONDS} s per endpoint; load average ${loadAvg()}`,
  );
  const run = randomBytes(3).toString('hex');
  const system = await startSystem({ tag: 'api', config: benchConfig('PT1H') });
  const submit = await submitSleepingCycles(system, run, N, {
    concurrency: 50,
    budgetMs: intEnv('BENCH_API_SUBMIT_BUDGET_S', 600) * 1000,
    label: 'api seed',
  });
  const docs = submit.submitted;
  const accounts = Math.max(1, Math.floor(docs / INVOICES_PER_ACCOUNT));
  const acc = (k: number) => encodeURIComponent(account(run, k * INVOICES_PER_ACCOUNT));
  const inv = (k: number) => encodeURIComponent(invoice(run, k));
  const endpoints: { endpoint: string; path: (k: number) => string; keys: number }[] = [
    {
      endpoint: 'active_invoice_cycle_information',
      path: (k) => `${P}/active_invoice_cycle_information/${inv(k)}`,
      keys: docs,
    },
    {
      endpoint: 'active_account_cycle_information',
      path: (k) => `${P}/active_account_cycle_information/${acc(k)}`,
      keys: accounts,
    },
    { endpoint: 'invoice_cycle_history', path: (k) => `${P}/invoice_cycle_history/${inv(k)}`, keys: docs },
    {
      endpoint: 'account_cycle_history',
      path: (k) => `${P}/account_cycle_history/${acc(k)}`,
      keys: accounts,
    },
  ];
  const results: HammerResult[] = [];
  for (const e of endpoints)
    results.push(await hammer(system, { ...e, connections: CONNECTIONS, seconds: SECONDS }));

  printTable(
    results.map((r) => ({
      'GET /api/v1/payments/…': r.endpoint,
      'req/s': r.req_per_s,
      'p50 ms': r.p50_ms,
      'p99 ms': r.p99_ms,
      'max ms': r.max_ms,
      'non-2xx': r.non_2xx,
      errors: r.errors,
      'API µs/req': r.cpu_us_per_request.api,
      'Postgres µs/req': r.cpu_us_per_request.postgres,
    })),
  );
  writeResult('api', {
    n: N,
    cycles: docs,
    connections: CONNECTIONS,
    seconds: SECONDS,
    submit,
    endpoints: results,
  });
  const worst = results.reduce((a, b) => (b.p99_ms > a.p99_ms ? b : a));
  process.stdout.write(
    `ratio: worst p99 ${worst.p99_ms} ms (${worst.endpoint}) ÷ 50 ms target = ${(worst.p99_ms / 50).toFixed(2)} (${worst.p99_ms <= 50 ? 'met' : 'missed'})\n`,
  );
});
