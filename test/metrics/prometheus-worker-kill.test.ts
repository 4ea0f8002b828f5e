import { describe, expect, it } from 'vitest';
import { documentOf } from '../../domain/failed-payment';
import { createProcessRegistry } from '../../runtime/metrics/registry';
import { registerStoreMetrics } from '../../runtime/metrics/store';
import { createSimServer } from '../../sim/server';
import { freePort } from '../../temporal/dev-server';
import { cleanupsAfterAll } from '../support/cleanups';
import {
  eventually,
  failedPayment,
  ledger,
  spawnWorker,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { parseSamples, scrape, total } from '../support/prometheus-text';

// cpr_attempts_total is derived from the attempts table at scrape time, so a worker SIGKILLed in the
// middle of a charge, whose attempt another worker then finishes, moves it by exactly one. Postgres
// only: the workers are child processes (worker/main.ts), which cannot share in-process PGlite.

describe('cpr_attempts_total across a worker killed mid-charge', () => {
  const cleanups = cleanupsAfterAll();

  it('moves by exactly one for the attempt another worker finished', async () => {
    const sim = createSimServer({ latencyMs: 3000 });
    const { url: simUrl } = await sim.listen(0);
    cleanups.push(() => sim.close());
    const h = await startHarness({ config: testConfig(3), simUrl, worker: false });
    cleanups.push(() => h.close());
    // What the API exposes: the store-derived counts, here read from the test's own registry.
    const registry = createProcessRegistry();
    registerStoreMetrics(registry, h.db.db);
    const storeSamples = async () => parseSamples(await registry.metrics());

    const ports = async () => {
      const port = await freePort();
      return { port, env: { METRICS_PORT: String(port), TEMPORAL_METRICS_PORT: String(await freePort()) } };
    };
    const first = await ports();
    let worker = await spawnWorker(h, { GATEWAY_TIMEOUT_MS: '10000', ...first.env });
    cleanups.push(() => worker.kill('SIGKILL'));
    const payment = failedPayment('sim.approve');
    const { cycle_id } = await h.cycles.submit(payment);

    // Attempt 1 (the external failure) is recorded; attempt 2's charge reached the gateway, whose
    // answer takes 3 s: the worker dies in the middle of it.
    await eventually(async () => (await ledger(simUrl, payment.payment_method_id)).length === 1, 30_000);
    const before = await storeSamples();
    expect(total(before, 'cpr_attempts_total')).toBe(1);
    expect(total(before, 'cpr_attempts_total', { source: 'external' })).toBe(1);
    const firstWorker = await scrape(`http://127.0.0.1:${first.port}/metrics`);
    expect(total(firstWorker, 'cpr_attempt_lateness_seconds_count')).toBe(1);
    await worker.kill('SIGKILL');

    const second = await ports();
    worker = await spawnWorker(h, { GATEWAY_TIMEOUT_MS: '10000', ...second.env });
    const final = (await h.cycles.handle(documentOf(payment)).result()) as { status: string };
    expect(final.status).toBe('collected');

    const after = await storeSamples();
    expect(total(after, 'cpr_attempts_total')).toBe(2);
    expect(total(after, 'cpr_attempts_total', { source: 'cpr', outcome: 'approved' })).toBe(1);
    expect(total(after, 'cpr_amount_recovered_total', { currency: 'USD' })).toBe(100);
    expect(await ledger(simUrl, payment.payment_method_id)).toHaveLength(1);
    expect(cycle_id).toBeGreaterThan(0);

    // The second worker retried the charge (activity attempt 2): one gateway call, no lateness (the
    // attempt started on the first worker), the SDK's metrics, and none of the store's counts.
    const secondWorker = await eventually(async () => {
      const s = await scrape(`http://127.0.0.1:${second.port}/metrics`);
      return total(s, 'cpr_gateway_request_duration_seconds_count') === 1 ? s : undefined;
    });
    expect(total(secondWorker, 'cpr_attempt_lateness_seconds_count')).toBe(0);
    expect(secondWorker.some((s) => s.name.startsWith('temporal_'))).toBe(true);
    expect(secondWorker.some((s) => s.name.startsWith('cpr_attempts_total'))).toBe(false);
    await worker.kill('SIGTERM');
  }, 120_000);
});
