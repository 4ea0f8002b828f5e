import type { ChargeResult } from '../activities/gateway/port';
import { chargeOnce, store } from './charge';

// One operator-requested retry of a cycle that ended without collecting. The API has already
// allocated everything in Postgres (the retry row, its attempt number, its transaction id and the
// gateway idempotency key) before starting this, so the workflow only charges once and records the
// outcome: a crash at any point reruns with the same key, and the gateway never charges twice.

export const MANUAL_RETRY_WORKFLOW = 'ManualRetry';

/** Everything the charge needs, fixed when the retry row was written. */
export interface ManualRetryInput {
  retry_id: string;
  cycle_id: number;
  attempt_number: number;
  /** `cycle-<id>-attempt-<n>`, as the cycle's own attempts. */
  idempotency_key: string;
  gateway_id: string;
  payment_method_id: string;
  amount: string;
  currency: string;
  /** `invoice:<id>` or `debit_memo:<id>`, for the gateway's metadata. */
  document: string;
}

export type ManualRetryOutcomeStatus = 'succeeded' | 'declined' | 'error';

export interface ManualRetryOutcome {
  retry_id: string;
  status: ManualRetryOutcomeStatus;
  code: string;
  message: string;
  amount_collected: string;
  /** The cycle's status after the retry (`collected` when it paid the document). */
  cycle_status: string;
}

export interface RecordManualRetryInput {
  retry_id: string;
  executed_at: string;
  result: ChargeResult;
  /** The gateway refused the request itself (non-retryable): the attempt is a system error. */
  failed_hard: boolean;
}

export async function ManualRetry(input: ManualRetryInput): Promise<ManualRetryOutcome> {
  const { result, failedHard } = await chargeOnce(
    {
      gateway_id: input.gateway_id,
      payment_method_id: input.payment_method_id,
      amount: input.amount,
      currency: input.currency,
      idempotency_key: input.idempotency_key,
      metadata: {
        cycle_id: String(input.cycle_id),
        document: input.document,
        attempt: String(input.attempt_number),
        manual_retry: input.retry_id,
      },
    },
    `manual retry ${input.retry_id}: ${input.amount} ${input.currency}`,
  );
  return await store.recordManualRetry({
    retry_id: input.retry_id,
    executed_at: new Date(Date.now()).toISOString(),
    result,
    failed_hard: failedHard,
  });
}
