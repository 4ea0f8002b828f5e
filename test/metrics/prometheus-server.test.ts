import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { httpMetrics, UNMATCHED_ROUTE } from '../../api/http-metrics';
import { createRequestDuration } from '../../runtime/metrics/http';
import { createProcessRegistry } from '../../runtime/metrics/registry';
import { startMetricsServer } from '../../runtime/metrics/server';
import { coreScrape } from '../../runtime/metrics/temporal';
import { freePort } from '../../temporal/dev-server';
import { cleanupsAfterAll } from '../support/cleanups';
import { scrape, total } from '../support/prometheus-text';

// The /metrics server on its own: Core's scrape appended when it answers, left out and counted when
// it does not; requests no route answers share one label.

describe('the /metrics server', () => {
  const cleanups = cleanupsAfterAll();

  it("appends Core's scrape, and omits and counts it when Core does not answer", async () => {
    const core = createServer((_req, res) =>
      res.end('# TYPE temporal_fake_total counter\ntemporal_fake_total 3\n'),
    );
    await new Promise<void>((r) => core.listen(0, '127.0.0.1', () => r()));
    cleanups.push(() => new Promise<void>((r) => core.close(() => r())));
    const live = createProcessRegistry();
    const up = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: live,
      appended: coreScrape(live, (core.address() as AddressInfo).port),
    });
    cleanups.push(() => up.close());
    const withCore = await scrape(up.url);
    expect(total(withCore, 'temporal_fake_total')).toBe(3);
    expect(total(withCore, 'cpr_temporal_metrics_scrape_failures_total')).toBe(0);

    const dead = createProcessRegistry();
    const down = await startMetricsServer({
      host: '127.0.0.1',
      port: 0,
      registry: dead,
      appended: coreScrape(dead, await freePort(), 500),
    });
    cleanups.push(() => down.close());
    const without = await scrape(down.url);
    expect(without.some((s) => s.name.startsWith('temporal_'))).toBe(false);
    expect(total(without, 'cpr_temporal_metrics_scrape_failures_total')).toBe(1);
    expect(without.some((s) => s.name === 'process_cpu_seconds_total')).toBe(true);
    expect((await fetch(down.url.replace('/metrics', '/other'))).status).toBe(404);
  });

  it('labels requests no route answers with one fixed route', async () => {
    const registry = createProcessRegistry();
    const app = new Hono();
    app.use(httpMetrics(createRequestDuration(registry)));
    app.get('/items/:id', (c) => c.text(c.req.param('id')));
    await app.request('/items/a1');
    await app.request('/nothing/here/b2');
    await app.request('/nothing/c3');
    const text = await registry.metrics();
    expect(text).toContain(`route="/items/:id",status="200"`);
    expect(text).toContain(
      `http_request_duration_seconds_count{method="GET",route="${UNMATCHED_ROUTE}",status="404"} 2`,
    );
    expect(text).not.toMatch(/a1|b2|c3/);
  });
});
