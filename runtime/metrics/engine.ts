import { Histogram, type Registry } from 'prom-client';
import type { ChargeMetrics } from '../../activities/charge-metrics';

// The worker's engine metrics: process-local observations, so each worker process exposes its own
// (Prometheus sums them across processes). Unlike the store counts they are not replayed after a crash:
// a worker killed before its scrape loses what it observed.

export function createEngineMetrics(registry: Registry): ChargeMetrics {
  const lateness = new Histogram({
    name: 'cpr_attempt_lateness_seconds',
    help: "An attempt's start minus the time it was due (once per attempt, on the activity's first try)",
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [registry],
  });
  const gatewayDuration = new Histogram({
    name: 'cpr_gateway_request_duration_seconds',
    help: 'Each gateway call, by gateway and outcome (approved, declined, error, unavailable, rejected)',
    labelNames: ['gateway', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  return {
    lateness: (seconds) => lateness.observe(seconds),
    gatewayCall: (gateway, outcome, seconds) => gatewayDuration.observe({ gateway, outcome }, seconds),
  };
}
