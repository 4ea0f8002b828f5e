import { Counter, type Registry } from 'prom-client';

// The Temporal SDK's own worker metrics (task slots, schedule-to-start latency, sticky cache, polls).
// Core exports them from an HTTP server of its own, which cannot share our port, so it listens on
// 127.0.0.1:TEMPORAL_METRICS_PORT and our /metrics appends its scrape: one scrape has everything.

/** `Runtime.install`'s telemetryOptions (names from @temporalio/worker's runtime-options.d.ts). */
export function temporalTelemetry(port: number) {
  return {
    metrics: {
      metricPrefix: 'temporal_',
      prometheus: {
        bindAddress: `127.0.0.1:${port}`,
        // Prometheus' conventions: counters end in _total, durations in seconds.
        countersTotalSuffix: true,
        useSecondsForDurations: true,
      },
    },
  };
}

/** Fetches Core's scrape for appending; on failure (or past the timeout) answers '' and counts it. */
export function coreScrape(registry: Registry, port: number, timeoutMs = 1000): () => Promise<string> {
  const failures = new Counter({
    name: 'cpr_temporal_metrics_scrape_failures_total',
    help: "Scrapes of the Temporal SDK's exporter that failed or timed out (its metrics were left out)",
    registers: [registry],
  });
  return async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) throw new Error(`status ${res.status}`);
      return await res.text();
    } catch {
      failures.inc();
      return '';
    }
  };
}
