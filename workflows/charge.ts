import {
  ActivityFailure,
  ApplicationFailure,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ChargeRequest, ChargeResult } from '../domain/charge';
import { cycleLogOf } from './cycle-log';

// How every workflow charges and records: RetryCycle's attempts and ManualRetry's one charge share
// these options, so both keep the same no-double-charge rules.

const storeOptions = {
  // Writes take milliseconds; a call stuck on a connection that died under it (porsager/postgres#1208)
  // is abandoned and retried after this long.
  startToCloseTimeout: '10s',
  // Upserts, so there is no attempt limit; they must land eventually.
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
} as const;

/** Database writes as activities of their own: how cycles started before the 'local-store' patch write. */
export const store = proxyActivities<Activities>(storeOptions);

/**
 * The same writes as local activities: run by the worker inside the workflow task that needs them, so a
 * write costs no activity task and no extra workflow task (a cycle needs 5 workflow tasks instead of 8,
 * 2 activity tasks instead of 7). Safe because every write is idempotent: a workflow task retried after
 * a crash repeats it harmlessly. Charges stay ordinary activities (heartbeats, long timeouts).
 */
export const localStore = proxyLocalActivities<Activities>(storeOptions);

const chargeOptions = {
  startToCloseTimeout: '2m',
  // A dead worker is noticed in seconds, not when the charge's timeout runs out.
  heartbeatTimeout: '5s',
  // Unlimited: a charge whose outcome is unknown is retried with the same key until the gateway
  // answers, because giving up and moving on to a new attempt (a new key) could charge twice.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} as const;

/**
 * Charges once under `req.idempotency_key`. A request the gateway refuses outright (non-retryable) is
 * returned as an `error` result with `failedHard`, so the caller records it instead of failing.
 */
export async function chargeOnce(
  req: ChargeRequest,
  summary: string,
): Promise<{ result: ChargeResult; failedHard: boolean }> {
  try {
    const { charge } = proxyActivities<Activities>({ ...chargeOptions, summary });
    return { result: await charge(req), failedHard: false };
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    // Both callers name the cycle and its document in the request's metadata.
    cycleLogOf({ cycle_id: req.metadata?.cycle_id, document: req.metadata?.document }).error(
      'charge rejected by the gateway',
      {
        key: req.idempotency_key,
        error: cause?.message ?? err.message,
      },
    );
    return {
      result: {
        status: 'error',
        code: cause?.type ?? 'gateway_error',
        message: cause?.message ?? err.message,
        gateway_payment_id: null,
        amount_collected: '0',
      },
      failedHard: true,
    };
  }
}
