import type { ChargeResult } from './charge';
import type { Payer } from './payer';

// The manual retry's contract: the API allocates the retry (row, attempt number, transaction id, charge
// key) in Postgres and starts the ManualRetry workflow with this input; the workflow charges once and
// records the outcome, which the API answers.

/** Everything the charge needs, fixed when the retry row was written. */
export interface ManualRetryInput {
  retry_id: string;
  cycle_id: number;
  attempt_number: number;
  /** `chargeKey(cycle_id, attempt_number)`, as the cycle's own attempts. */
  idempotency_key: string;
  gateway_id: string;
  payment_method_id: string;
  amount: string;
  currency: string;
  /** `invoice:<id>` or `debit_memo:<id>`, for the gateway's metadata. */
  document: string;
  /**
   * Who pays for what, as the cycle's own charges carry it (the customer a Stripe charge is made for,
   * the Stripe invoice a connector cycle pays). Absent in retries started before it was added.
   */
  payer?: Payer;
}

/** A manual retry's stored status: pending until its one charge answers. */
export const MANUAL_RETRY_STATUSES = ['pending', 'succeeded', 'declined', 'error'] as const;
export type ManualRetryStatus = (typeof MANUAL_RETRY_STATUSES)[number];
/** What its charge made of it. */
export type ManualRetryOutcomeStatus = Exclude<ManualRetryStatus, 'pending'>;

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

/**
 * A manual retry as stored (the manual_retries row, db/schema/manual-retries.ts): the fields its
 * SmartPay view (smartpay-view.ts) and the client that starts its workflow (client/manual-retries.ts)
 * read, spelled out so neither loads db/.
 */
export interface StoredManualRetry {
  retryId: string;
  workflowId: string;
  transactionId: string;
  attemptNumber: number;
  chargeKey: string;
  reason: string;
  status: ManualRetryStatus;
  gatewayId: string;
  paymentMethodId: string;
  amount: string;
  amountCollected: string | null;
  currency: string;
  gatewayCode: string | null;
  gatewayResponse: string | null;
  executedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
