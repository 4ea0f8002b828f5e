import { createActivities } from '../activities';
import type { ChargeMetrics } from '../activities/charge-metrics';
import type { Env } from '../config/env';
import type { Db } from '../db/client';
import type { Logger } from '../log/logger';
import { gatewaysFromEnv } from './gateways';

/** The worker's activities wired from the environment: gateways, webhooks, database. */
export function activitiesFromEnv(
  env: Env,
  deps: { db: Db; logger: Logger; simUrl?: string | undefined; metrics?: ChargeMetrics | undefined },
) {
  return createActivities({
    db: deps.db,
    logger: deps.logger,
    gateways: gatewaysFromEnv(env, deps.simUrl),
    webhooks: { lifecycleUrl: env.WEBHOOK_URL, secret: env.WEBHOOK_SECRET },
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
}
