import type { Client } from '@temporalio/client';
import type { MiddlewareHandler } from 'hono';
import { createApp } from '../api/app';
import type { ConsoleAssets } from '../api/console';
import type { Readiness } from '../api/readiness';
import type { TokenCache } from '../auth/token-cache';
import { createCycleClient } from '../client/cycles';
import { createManualRetryClient } from '../client/manual-retries';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import type { Logger } from '../log/logger';
import { createStripeClient } from '../stripe/client';
import { gatewaysFromEnv } from './gateways';
import type { RequestDuration } from './metrics/http';

/**
 * The API with every route, wired to Temporal on the configured task queue. `simUrl` is the simulator
 * the workers charge through (SIM_URL, or the one `npm start` runs), so `sim` counts as configured.
 */
export function appFromEnv(
  env: Env,
  deps: {
    db: Db;
    logger: Logger;
    readiness: Readiness;
    client: Client;
    /** The verified-token cache over this database (auth/token-cache.ts, openTokenCache). */
    tokenCache?: TokenCache | undefined;
    simUrl?: string | undefined;
    console?: ConsoleAssets;
    /** The UI of the dev server `npm start` runs; TEMPORAL_UI_URL, when set, wins. */
    devUiUrl?: string | undefined;
    /** http_request_duration_seconds of this process (runtime/metrics). */
    requestDuration?: RequestDuration | undefined;
    /** Tracing's HTTP middleware (runtime/tracing.ts), when tracing is on. */
    httpTracing?: MiddlewareHandler | undefined;
  },
) {
  const target = { client: deps.client, taskQueue: env.TEMPORAL_TASK_QUEUE };
  return createApp({
    db: deps.db,
    logger: deps.logger,
    readiness: deps.readiness,
    tokenCache: deps.tokenCache,
    cycles: createCycleClient(target),
    manualRetries: createManualRetryClient(target),
    gatewayIds: gatewaysFromEnv(env, deps.simUrl).ids(),
    ...(deps.console ? { console: deps.console } : {}),
    sessionTtlMinutes: env.SESSION_TTL_MINUTES,
    ...(deps.requestDuration ? { requestDuration: deps.requestDuration } : {}),
    temporalUi: { namespace: env.TEMPORAL_NAMESPACE, baseUrl: env.TEMPORAL_UI_URL ?? deps.devUiUrl },
    httpTracing: deps.httpTracing,
    ...(env.STRIPE_WEBHOOK_SECRET && env.STRIPE_SECRET_KEY
      ? {
          stripe: {
            client: createStripeClient({
              secretKey: env.STRIPE_SECRET_KEY,
              apiBase: env.STRIPE_API_BASE,
              timeoutMs: env.GATEWAY_TIMEOUT_MS,
            }),
            webhookSecret: env.STRIPE_WEBHOOK_SECRET,
          },
        }
      : {}),
  });
}
