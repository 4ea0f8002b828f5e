import { createActivities } from '../activities';
import { createGatewayRegistry } from '../activities/gateway/registry';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import type { Logger } from '../log/logger';

/** The worker's activities wired from the environment: gateways, webhooks, database. */
export function activitiesFromEnv(env: Env, deps: { db: Db; logger: Logger; simUrl?: string | undefined }) {
  const gateways = createGatewayRegistry({
    ...(deps.simUrl ? { sim: { baseUrl: deps.simUrl, timeoutMs: env.GATEWAY_TIMEOUT_MS } } : {}),
    ...(env.HTTP_GATEWAYS ? { http: env.HTTP_GATEWAYS } : {}),
  });
  return createActivities({
    db: deps.db,
    logger: deps.logger,
    gateways,
    webhooks: { lifecycleUrl: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET },
  });
}
