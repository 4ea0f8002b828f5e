import type { ChargeResult } from './charge';
import type { FailedPayment } from './failed-payment';

// One attempt of a cycle: the workflow keeps these, the attempts table stores them (db/attempt-rows.ts
// is the one mapping to the row) and the Zuora view shows them.

/** One attempt, as the workflow keeps it and the attempts table stores it. */
export interface AttemptRecord {
  attempt_number: number;
  /** The original payment's id for an external failure, the gateway's payment id for ours. */
  zuora_payment_id: string;
  transaction_id: string;
  time_of_execution: string;
  source: string;
  cpr_generated: boolean;
  success: boolean;
  amount: string;
  amount_collected: string;
  currency: string;
  payment_method_id: string;
  idempotency_key: string | null;
  gateway_payment_id: string | null;
  action: 'Retry' | 'Stop' | null;
  retry_next: string | null;
  retry_next_at: string | null;
  retry_criteria: string | null;
  api_updated_retry_time: string | null;
  label: string;
  level: 'code' | 'description';
  customer_group_id: number;
  gateway_id: string;
  gateway_code: string;
  gateway_response: string;
}

/** A failed payment as attempt `attemptNumber` of a cycle (`cpr_generated: false`), not yet decided. */
export function externalAttempt(
  payment: FailedPayment,
  attemptNumber: number,
  customerGroupId: number,
  transactionId: string,
  now: string,
): AttemptRecord {
  return {
    attempt_number: attemptNumber,
    zuora_payment_id: payment.payment_id,
    transaction_id: transactionId,
    time_of_execution: new Date(payment.failed_at ?? now).toISOString(),
    source: payment.source ?? 'EXTERNAL',
    cpr_generated: false,
    success: false,
    amount: payment.amount,
    amount_collected: '0',
    currency: payment.currency,
    payment_method_id: payment.payment_method_id,
    idempotency_key: null,
    gateway_payment_id: null,
    action: null,
    retry_next: null,
    retry_next_at: null,
    retry_criteria: null,
    api_updated_retry_time: null,
    label: '',
    level: 'code',
    customer_group_id: customerGroupId,
    gateway_id: payment.gateway_id,
    gateway_code: payment.gateway_response_code,
    gateway_response: payment.gateway_response_message ?? '',
  };
}

/** What our own charge of attempt `attemptNumber` became, before the policy decides on a decline. */
export function chargedAttempt(c: {
  attempt_number: number;
  cycle_id: number;
  idempotency_key: string;
  transaction_id: string;
  now: string;
  amount: string;
  currency: string;
  payment_method_id: string;
  gateway_id: string;
  customer_group_id: number;
  result: ChargeResult;
}): AttemptRecord {
  const approved = c.result.status === 'approved';
  return {
    attempt_number: c.attempt_number,
    zuora_payment_id: c.result.gateway_payment_id ?? c.idempotency_key,
    transaction_id: c.transaction_id,
    time_of_execution: c.now,
    source: `PR-C${c.cycle_id}-${c.attempt_number}`,
    cpr_generated: true,
    success: approved,
    amount: c.amount,
    amount_collected: approved ? c.result.amount_collected : '0',
    currency: c.currency,
    payment_method_id: c.payment_method_id,
    idempotency_key: c.idempotency_key,
    gateway_payment_id: c.result.gateway_payment_id,
    action: approved ? 'Stop' : null,
    retry_next: null,
    retry_next_at: null,
    retry_criteria: null,
    api_updated_retry_time: null,
    label: approved ? 'Approved' : '',
    level: 'code',
    customer_group_id: c.customer_group_id,
    gateway_id: c.gateway_id,
    gateway_code: c.result.code,
    gateway_response: c.result.message,
  };
}
