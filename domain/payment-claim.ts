import type { SubmitResult } from './cycle-details';
import type { FailedPayment } from './failed-payment';

// "A payment enters a cycle once, ever": Postgres holds one claim per payment_id (db/payment-claims.ts).
// Which further failed payments may join a cycle, and how a submit of a payment that is already claimed
// is answered: the same rules for the REST route and the workflow.

/** What the workflow learns about a payment another cycle (or attempt) already holds. */
export interface ClaimAnswer {
  workflow_id: string;
  cycle_id: number;
  billing_cycle_id: string;
  attempt_number: number;
  /** false when the submitted details differ from those claimed: the submit is refused. */
  same_payment: boolean;
}

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

/** Why a payment_id another cycle holds with other details is refused. */
export function claimConflict(claim: ClaimAnswer, paymentId: string): string {
  return `payment ${paymentId} already entered cycle ${claim.cycle_id} (${claim.billing_cycle_id}) with other details; a payment_id names one payment`;
}

/**
 * The idempotent answer to a submit of a payment already claimed (that cycle, nothing added), or the
 * conflict when the submit names the payment with other details.
 */
export function answerFromClaim(
  claim: ClaimAnswer,
  paymentId: string,
): { kind: 'answer'; answer: SubmitResult } | { kind: 'conflict'; message: string } {
  if (!claim.same_payment) return { kind: 'conflict', message: claimConflict(claim, paymentId) };
  return {
    kind: 'answer',
    answer: {
      workflow_id: claim.workflow_id,
      cycle_id: claim.cycle_id,
      billing_cycle_id: claim.billing_cycle_id,
      added: false,
      attempt_number: claim.attempt_number,
    },
  };
}
