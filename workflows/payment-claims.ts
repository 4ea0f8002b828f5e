import { ApplicationFailure } from '@temporalio/workflow';
import type { ClaimAnswer } from '../activities/claim-store';
import type { AttemptRecord, SubmitResult } from './cycle-types';
import type { FailedPayment } from './failed-payment';

// The workflow's side of "a payment enters a cycle once, ever" (since the 'payment-claims' patch):
// which further failed payments may join a cycle, the attempt a failed payment becomes, and the answer
// to a submit of a payment another cycle already holds. Pure and deterministic.

/** Why `payment` may not join the active cycle opened by `opening`, or null when it may. */
export function membershipProblem(
  opening: Pick<FailedPayment, 'currency' | 'account_id'>,
  payment: Pick<FailedPayment, 'currency' | 'account_id'>,
): string | null {
  if (payment.currency !== opening.currency) {
    return `the payment's currency ${payment.currency} differs from the active cycle's ${opening.currency}`;
  }
  if (payment.account_id !== opening.account_id) {
    return `the payment's account ${payment.account_id} differs from the active cycle's account ${opening.account_id}`;
  }
  return null;
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

/** Why a payment_id another cycle holds with other details is refused. */
export function claimConflict(claim: ClaimAnswer, paymentId: string): string {
  return `payment ${paymentId} already entered cycle ${claim.cycle_id} (${claim.billing_cycle_id}) with other details; a payment_id names one payment`;
}

/** The idempotent answer to a submit of a payment already claimed: that cycle, nothing added. */
export function answerFromClaim(claim: ClaimAnswer, paymentId: string): SubmitResult {
  if (!claim.same_payment) {
    throw ApplicationFailure.nonRetryable(claimConflict(claim, paymentId), 'PaymentIdConflict');
  }
  return {
    workflow_id: claim.workflow_id,
    cycle_id: claim.cycle_id,
    billing_cycle_id: claim.billing_cycle_id,
    added: false,
    attempt_number: claim.attempt_number,
  };
}
