import { ApplicationFailure } from '@temporalio/workflow';
import type { SubmitResult } from '../domain/cycle-details';
import { answerFromClaim, type ClaimAnswer } from '../domain/payment-claim';

// The workflow's side of "a payment enters a cycle once, ever" (since the 'payment-claims' patch); the
// rules themselves are in domain/payment-claim.ts, shared with the REST route.

/** A submit of a payment already claimed: that cycle's answer, or the Update fails with the conflict. */
export function submitAnswerFromClaim(claim: ClaimAnswer, paymentId: string): SubmitResult {
  const answered = answerFromClaim(claim, paymentId);
  if (answered.kind === 'conflict') {
    throw ApplicationFailure.nonRetryable(answered.message, 'PaymentIdConflict');
  }
  return answered.answer;
}
