import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../db/client';
import type { Logger } from '../log/logger';
import { createCharge } from './charge';
import type { ChargeMetrics } from './charge-metrics';
import { createClaimStore } from './claim-store';
import { activityCycleLog } from './cycle-log';
import { createCycleStore } from './cycle-store';
import type { GatewayRegistry } from './gateway/registry';
import { createManualRetryStore } from './manual-retry-store';
import { createMethodHistoryReader } from './method-history';
import { createPostWebhook, type WebhookOptions } from './webhook';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
  gateways: GatewayRegistry;
  webhooks?: WebhookOptions;
  /** The worker's engine metrics (runtime/metrics/engine.ts); without it nothing is measured. */
  metrics?: ChargeMetrics;
}

/**
 * A value the database refuses as data (SQLSTATE class 22: invalid text, out of range, ...) is refused
 * the same way on every retry, so the write fails for good, visibly, instead of retrying forever.
 * Inputs are checked at the boundaries; this is the last line.
 */
function failOnDataException<T extends Record<string, (...args: never[]) => Promise<unknown>>>(
  fns: T,
  logger: Logger,
): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(fns)) {
    wrapped[name] = async (...args: never[]) => {
      try {
        return await fn(...args);
      } catch (err) {
        const code =
          (err as { code?: unknown } | null)?.code ?? (err as { cause?: { code?: unknown } })?.cause?.code;
        if (typeof code === 'string' && /^22[0-9A-Z]{3}$/.test(code)) {
          // A write lost for good: said once, with the cycle it was for.
          activityCycleLog(logger, args[0]).error("the database refused an activity's data", {
            activity: name,
            sqlstate: code,
            err: (err as Error).message,
          });
          throw ApplicationFailure.nonRetryable(
            `${name}: the database refused the data (${code}): ${(err as Error).message}`,
            'DataException',
          );
        }
        throw err;
      }
    };
  }
  return wrapped as T;
}

/** Activities are plain functions closed over their dependencies, as in Temporal's samples. */
export function createActivities(deps: ActivityDeps) {
  const cycleStore = createCycleStore(deps.db, { lifecycleWebhooks: Boolean(deps.webhooks?.lifecycleUrl) });
  return {
    ...failOnDataException(cycleStore, deps.logger),
    ...failOnDataException(createClaimStore(deps.db, cycleStore.loadConfig), deps.logger),
    ...failOnDataException(createManualRetryStore(deps.db), deps.logger),
    ...createMethodHistoryReader(deps.db),
    charge: createCharge(deps.gateways, deps.metrics),
    postWebhook: createPostWebhook(deps.webhooks ?? {}, deps.logger),
  };
}

export type Activities = ReturnType<typeof createActivities>;
