import type { ManualRetryInput, ManualRetryOutcome } from '../domain/manual-retry';
import { chargeOnce, store } from './charge';

// One operator-requested retry of a cycle that ended without collecting. The API has already
// allocated everything in Postgres (the retry row, its attempt number, its transaction id and the
// gateway idempotency key) before starting this, so the workflow only charges once and records the
// outcome: a crash at any point reruns with the same key, and the gateway never charges twice.

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
      ...input.payer,
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
