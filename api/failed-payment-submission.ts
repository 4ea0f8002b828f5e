import type { CycleClient } from '../client/cycles';
import type { Db } from '../db/client';
import { claimOf, samePayment } from '../db/payment-claims';
import type { SubmitResult } from '../domain/cycle-details';
import type { FailedPayment } from '../domain/failed-payment';
import { answerFromClaim } from '../domain/payment-claim';
import { ApiError } from './errors';
import {
  isCycleEnded,
  isUpdateWithStartRace,
  isWorkflowTaskFailing,
  translateTemporalError,
} from './temporal-errors';

// The one path a failed payment takes into a retry cycle, whoever brings it: the REST submit route and
// the Stripe Billing connector both call this, so both answer a claimed payment from its claim, refuse
// an unconfigured gateway, and ride out a cycle that ends just as the payment arrives.

export interface SubmissionDeps {
  db: Db;
  cycles: CycleClient;
  /** The gateways the workers charge through: a payment for another would only fail later, as an error. */
  gatewayIds: readonly string[];
  /** Pauses between submits when the cycle ended just as the payment arrived. */
  retryDelaysMs?: readonly number[];
  /** Pauses between submits while the cycle's workflow task is being retried (then 503). */
  recoveringDelaysMs?: readonly number[];
}

export interface FailedPaymentSubmission {
  /** 400 unless the payment's gateway is configured, listing those that are. */
  requireKnownGateway(payment: FailedPayment): void;
  /**
   * Joins the document's active cycle or opens one, answering once the payment is an attempt. A
   * payment already claimed is answered from its claim (409 when its details differ).
   */
  submit(payment: FailedPayment): Promise<SubmitResult>;
}

/**
 * The answer to a submit of a payment some cycle already holds: that cycle, nothing added; 409 when the
 * details differ from those claimed (a payment_id names one payment). Null when it is not claimed.
 */
async function answerFromStoredClaim(db: Db, payment: FailedPayment): Promise<SubmitResult | null> {
  const claim = await claimOf(db, payment);
  if (!claim) return null;
  const answered = answerFromClaim(
    { ...claim, same_payment: samePayment(claim.payment, payment) },
    payment.payment_id,
  );
  if (answered.kind === 'conflict') throw new ApiError(409, answered.message);
  return answered.answer;
}

export function createFailedPaymentSubmission(deps: SubmissionDeps): FailedPaymentSubmission {
  const { db, cycles, gatewayIds } = deps;
  const endedDelays = deps.retryDelaysMs ?? [300, 1200];
  const recoveringDelays = deps.recoveringDelaysMs ?? [500, 1500, 3000, 5000];

  return {
    requireKnownGateway(payment) {
      if (gatewayIds.includes(payment.gateway_id)) return;
      const known = gatewayIds.length > 0 ? gatewayIds.join(', ') : 'none';
      const message = `no gateway "${payment.gateway_id}" is configured (configured: ${known})`;
      throw new ApiError(400, `Invalid failed payment: gateway_id: ${message}`, [
        { path: 'gateway_id', message },
      ]);
    },

    async submit(payment) {
      let ended = 0;
      let recovering = 0;
      for (;;) {
        // A payment enters a cycle once, ever: one already claimed is answered from its claim, before
        // and between tries, and no workflow is started for it.
        const claimed = await answerFromStoredClaim(db, payment);
        if (claimed) return claimed;
        try {
          return await cycles.submit(payment);
        } catch (err) {
          // The run closed as the Update arrived (the next submit opens a new cycle), or its workflow
          // task is being retried after a worker crash (the next task clears it).
          const delay = isCycleEnded(err)
            ? endedDelays[ended++]
            : isWorkflowTaskFailing(err) || isUpdateWithStartRace(err)
              ? recoveringDelays[recovering++]
              : undefined;
          if (delay === undefined) throw translateTemporalError(err);
          await new Promise((r) => setTimeout(r, delay));
        }
      }
    },
  };
}
