import type { ChargeMetrics } from '../../activities/charge-metrics';
import type { Env } from '../../config/env';
import type { Db } from '../../db/client';
import { createEngineMetrics } from './engine';
import { createRequestDuration, type RequestDuration } from './http';
import { createProcessRegistry } from './registry';
import { type MetricsServer, startMetricsServer } from './server';
import { registerStoreMetrics } from './store';
import { coreScrape } from './temporal';

export type { MetricsServer } from './server';
export { temporalTelemetry } from './temporal';

// What one process exposes at METRICS_HOST:METRICS_PORT/metrics, by what it runs:
// - the API (`npm run api`): http_request_duration_seconds and the store-derived cpr_* counts;
// - a worker (`npm run worker`): the engine histograms and the Temporal SDK's metrics (temporal_*);
// - `npm start` (both in one process): all of it on one endpoint.
// Every process adds Node's default metrics.

export interface ProcessMetrics {
  /** For createActivities' deps (workers). */
  charge?: ChargeMetrics;
  /** For the API app's deps. */
  requestDuration?: RequestDuration;
  serve(): Promise<MetricsServer>;
}

export function processMetrics(
  env: Pick<Env, 'METRICS_HOST' | 'METRICS_PORT' | 'TEMPORAL_METRICS_PORT'>,
  parts: { api?: { db: Db }; worker?: boolean },
): ProcessMetrics {
  const registry = createProcessRegistry();
  const appended = parts.worker ? coreScrape(registry, env.TEMPORAL_METRICS_PORT) : undefined;
  if (parts.api) registerStoreMetrics(registry, parts.api.db);
  return {
    ...(parts.worker ? { charge: createEngineMetrics(registry) } : {}),
    ...(parts.api ? { requestDuration: createRequestDuration(registry) } : {}),
    serve: () =>
      startMetricsServer({
        host: env.METRICS_HOST,
        port: env.METRICS_PORT,
        registry,
        ...(appended ? { appended } : {}),
      }),
  };
}
