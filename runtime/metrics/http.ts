import { Histogram, type Registry } from 'prom-client';

export type RequestDuration = Histogram<'method' | 'route' | 'status'>;

/** The API's request durations; api/http-metrics.ts observes them by route template. */
export function createRequestDuration(registry: Registry): RequestDuration {
  return new Histogram({
    name: 'http_request_duration_seconds',
    help: "API requests by method, route template (Hono's matched path, never raw ids) and status",
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
}
