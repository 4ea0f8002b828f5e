import type { Db } from '../db/client';
import type { Logger } from '../log/logger';
import { createCharge } from './charge';
import { createCycleStore } from './cycle-store';
import type { GatewayRegistry } from './gateway/registry';
import { createManualRetryStore } from './manual-retry-store';
import { createPostWebhook, type WebhookOptions } from './webhook';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
  gateways: GatewayRegistry;
  webhooks?: WebhookOptions;
}

/** Activities are plain functions closed over their dependencies, as in Temporal's samples. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createCycleStore(deps.db, { lifecycleWebhooks: Boolean(deps.webhooks?.lifecycleUrl) }),
    ...createManualRetryStore(deps.db),
    charge: createCharge(deps.gateways),
    postWebhook: createPostWebhook(deps.webhooks ?? {}),
  };
}

export type Activities = ReturnType<typeof createActivities>;
