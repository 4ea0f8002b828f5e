// Load the API: submit sleeping cycles over real HTTP, and hammer GET endpoints with autocannon.
import autocannon from 'autocannon';
import { createRestClient } from '../../client/rest';
import { cpuMeter, every, percentile, pool, round, sampleRss, say, sleep } from './stack';
import { BENCH_TOKEN, BENCH_USER, basicAuth, failedPaymentBody, type System } from './system';

export const INVOICES_PER_ACCOUNT = 10;

export const account = (run: string, i: number) => `A-${run}-${Math.floor(i / INVOICES_PER_ACCOUNT)}`;
export const invoice = (run: string, i: number) => `INV-${run}-${i}`;

export interface SubmitResult {
  requested: number;
  submitted: number;
  failed: number;
  seconds: number;
  per_s: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  worker_rss_peak_mb: number;
  errors: string[];
}

/**
 * Submits `n` failed payments, `INVOICES_PER_ACCOUNT` invoices per account, `concurrency` at once,
 * through POST /api/v1/payments/submit_failed_payment; stops starting new ones after `budgetMs`.
 */
export async function submitSleepingCycles(
  system: System,
  run: string,
  n: number,
  opts: { concurrency: number; budgetMs: number; label: string },
): Promise<SubmitResult> {
  const rest = createRestClient({ baseUrl: system.apiUrl, email: BENCH_USER, token: BENCH_TOKEN });
  const rss = sampleRss(system.worker.pid);
  const latencies: number[] = [];
  const t0 = Date.now();
  const stop = every(2000, () => {
    const s = (Date.now() - t0) / 1000;
    say(
      `${opts.label}: submitted ${latencies.length.toLocaleString('en-US')}/${n.toLocaleString('en-US')} (${(latencies.length / s).toFixed(0)}/s), worker RSS ${rss.lastMb.toFixed(0)} MB`,
    );
  });
  const result = await pool(
    n,
    opts.concurrency,
    async (i) => {
      const t = performance.now();
      await rest.submitFailedPayment(
        failedPaymentBody(run, i, {
          paymentMethod: `sim.insufficient_funds#${run}-${i}`,
          account: account(run, i),
          invoice: invoice(run, i),
        }),
      );
      latencies.push(performance.now() - t);
    },
    t0 + opts.budgetMs,
  );
  const seconds = (Date.now() - t0) / 1000;
  stop();
  rss.stop();
  if (result.failed > 0) say(`${opts.label}: ${result.failed} submits failed, e.g. ${result.errors[0]}`);
  if (result.done < n) say(`${opts.label}: time budget reached after ${result.done} of ${n} submits`);
  latencies.sort((a, b) => a - b);
  return {
    requested: n,
    submitted: result.done,
    failed: result.failed,
    seconds: round(seconds),
    per_s: round(result.done / seconds),
    latency_p50_ms: round(percentile(latencies, 50)),
    latency_p99_ms: round(percentile(latencies, 99)),
    worker_rss_peak_mb: round(rss.peakMb, 0),
    errors: result.errors,
  };
}

export interface HammerResult {
  endpoint: string;
  connections: number;
  seconds: number;
  requests: number;
  req_per_s: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  errors: number;
  /**
   * CPU per answered request, µs, read from /proc over the run: the API process, the Postgres backends of
   * its database, autocannon (this process). Unlike req/s and p99 these do not depend on what else the
   * machine is doing, so they compare two builds measured at different times.
   */
  cpu_us_per_request: { api: number; postgres: number; client: number };
}

/**
 * Waits until one call of `path` answers within 250 ms (at most 60 s), so a run does not inherit the
 * backlog of the one before (autocannon stops sending at its deadline, the API goes on answering).
 */
async function settle(system: System, path: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const t = performance.now();
    const res = await fetch(`${system.apiUrl}${path}`, { headers: { authorization: basicAuth } });
    await res.arrayBuffer();
    if (performance.now() - t < 250) return;
    await sleep(500);
  }
  say('the API did not settle within 60 s; measuring anyway');
}

/** `connections` clients calling GET `path(k)` for k drawn at random from [0, keys) for `seconds`. */
export async function hammer(
  system: System,
  opts: { endpoint: string; path: (k: number) => string; keys: number; connections: number; seconds: number },
): Promise<HammerResult> {
  await settle(system, opts.path(0));
  say(`autocannon: ${opts.connections} connections × ${opts.seconds} s on ${opts.endpoint}`);
  const cpu = cpuMeter({ api: system.pids.api ?? 0 }, system.databaseName);
  const client0 = process.cpuUsage();
  const result = await autocannon({
    url: system.apiUrl,
    connections: opts.connections,
    duration: opts.seconds,
    headers: { authorization: basicAuth, accept: 'application/json' },
    requests: [
      {
        method: 'GET',
        setupRequest: (req) => ({ ...req, path: opts.path(Math.floor(Math.random() * opts.keys)) }),
      },
    ],
  });
  const used = cpu.report();
  const clientUsage = process.cpuUsage(client0);
  const perRequest = (cpuSeconds: number) =>
    result.requests.total > 0 ? Math.round((cpuSeconds * 1e6) / result.requests.total) : 0;
  // No answer at all within the run: report latencies as the run's length, not autocannon's zeros.
  const none = result.requests.total === 0;
  const floorMs = opts.seconds * 1000;
  const r: HammerResult = {
    endpoint: opts.endpoint,
    connections: opts.connections,
    seconds: result.duration,
    requests: result.requests.total,
    req_per_s: round(result.requests.average),
    p50_ms: none ? floorMs : result.latency.p50,
    p99_ms: none ? floorMs : result.latency.p99,
    max_ms: none ? floorMs : result.latency.max,
    non_2xx: result.non2xx,
    errors: result.errors,
    cpu_us_per_request: {
      api: perRequest(used.api?.cpu_s ?? 0),
      postgres: perRequest(used['postgres (this database)']?.cpu_s ?? 0),
      client: perRequest((clientUsage.user + clientUsage.system) / 1e6),
    },
  };
  if (none) say(`autocannon: no request answered within ${opts.seconds} s; latencies reported as ≥ that`);
  say(
    `autocannon: ${r.requests} requests, ${r.req_per_s}/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms, non-2xx ${r.non_2xx}, errors ${r.errors}; CPU per request: API ${r.cpu_us_per_request.api} µs, Postgres ${r.cpu_us_per_request.postgres} µs, autocannon ${r.cpu_us_per_request.client} µs`,
  );
  return r;
}
