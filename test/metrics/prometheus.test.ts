import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { createOperatorClient } from '../../client/operator';
import { createRestClient } from '../../client/rest';
import type { RetryConfig } from '../../policy';
import { DEMO_FIELD, withDemoGroup } from '../../scripts/demo-flow';
import { freePort } from '../../temporal/dev-server';
import { cleanupsAfterAll } from '../support/cleanups';
import { dashboardMetricNames, EXPOSED_ONLY_AFTER_A_FAILURE } from '../support/dashboard-queries';
import { type DbKind, dbKinds } from '../support/databases';
import { startNpmStart, until } from '../support/npm-start';
import { createTestDatabase } from '../support/postgres';
import { scrape, total } from '../support/prometheus-text';
import { uniqueName } from '../support/temporal';

// The real `npm start` (worker and API in one process, one /metrics) on each driver: one cycle whose
// attempt 2 collects 100.00 USD, then one scrape of METRICS_PORT has the store-derived counts, the
// engine histograms, the Temporal SDK's metrics and the request durations by route template.

const EMAIL = 'metrics@example.com';
const TOKEN = 'metrics-test-token-0123456789abcdef';

describe.each(dbKinds)('/metrics of npm start on %s', (kind: DbKind) => {
  const cleanups = cleanupsAfterAll();

  it('counts one cycle exactly and labels requests by route template', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cpr-metrics-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const metricsPort = await freePort();
    const system = await startNpmStart(dataDir, {
      CPR_BOOTSTRAP_USER: EMAIL,
      CPR_BOOTSTRAP_TOKEN: TOKEN,
      WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      METRICS_PORT: String(metricsPort),
      TEMPORAL_METRICS_PORT: String(await freePort()),
      ...(kind === 'postgres'
        ? { DATABASE_URL: await createTestDatabase(inject('postgresAdminUrl'), inject('testDbPrefix')) }
        : {}),
    });
    cleanups.push(() => system.stop());
    const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
    const api = { baseUrl: system.api, email: EMAIL, token: TOKEN };

    // The demo's customer group: retries 5 s apart at exact times, so attempt 2 comes within seconds.
    const operator = createOperatorClient(api);
    const current = await operator.currentConfig<RetryConfig>();
    const next = withDemoGroup(current.config);
    if (next) await operator.putConfig(next, current.version);
    const invoice = uniqueName('INV-M');
    await createRestClient(api).submitFailedPayment({
      payment_id: `P-${invoice}`,
      account_id: `A-${invoice}`,
      invoice_id: invoice,
      amount: '100.00',
      currency: 'USD',
      payment_method_id: `sim.approve#${invoice}`,
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      gateway_response_message: 'insufficient funds',
      account: { [DEMO_FIELD]: true },
    });

    const samples = await until(
      'the collected cycle in /metrics',
      async () => {
        const s = await scrape(metricsUrl);
        return total(s, 'cpr_cycles_ended_total', { status: 'collected' }) === 1 ? s : undefined;
      },
      90_000,
    );
    expect(total(samples, 'cpr_attempts_total')).toBe(2);
    expect(total(samples, 'cpr_attempts_total', { source: 'external', outcome: 'declined' })).toBe(1);
    expect(
      total(samples, 'cpr_attempts_total', {
        source: 'cpr',
        outcome: 'approved',
        gateway: 'sim',
        label: 'Approved',
      }),
    ).toBe(1);
    expect(total(samples, 'cpr_amount_recovered_total', { currency: 'USD' })).toBe(100);
    expect(total(samples, 'cpr_cycles', { status: 'collected' })).toBe(1);
    expect(total(samples, 'cpr_attempt_lateness_seconds_count')).toBe(1);
    expect(total(samples, 'cpr_gateway_request_duration_seconds_count')).toBe(1);
    expect(
      total(samples, 'cpr_gateway_request_duration_seconds_count', { gateway: 'sim', outcome: 'approved' }),
    ).toBe(1);
    expect(samples.some((s) => s.name.startsWith('temporal_'))).toBe(true);
    expect(total(samples, 'cpr_temporal_metrics_scrape_failures_total')).toBe(0);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    // Every metric the Grafana dashboard queries is one this scrape exposes.
    const exposed = new Set(samples.map((s) => s.name));
    expect(
      dashboardMetricNames().filter((n) => !exposed.has(n) && !EXPOSED_ONLY_AFTER_A_FAILURE.includes(n)),
    ).toEqual([]);

    // Two ids, one series: the route template, never the id.
    const read = (id: string) =>
      fetch(`${system.api}/api/v1/payments/active_invoice_cycle_information/${id}`, {
        headers: { authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}` },
      }).then((r) => r.status);
    expect(await read('INV-FIRST-ID')).toBe(200);
    expect(await read('INV-SECOND-ID')).toBe(200);
    const after = await scrape(metricsUrl);
    const route = '/api/v1/payments/active_invoice_cycle_information/:invoice_id';
    const series = after.filter(
      (s) => s.name === 'http_request_duration_seconds_count' && s.labels.route === route,
    );
    expect(series.map((s) => s.labels)).toEqual([{ method: 'GET', route, status: '200' }]);
    expect(series[0]?.value).toBe(2);
    expect(after.some((s) => Object.values(s.labels).some((v) => v.includes('-ID')))).toBe(false);
  }, 240_000);
});
