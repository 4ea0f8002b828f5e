import type { Db } from '../db/client';
import {
  claimOf,
  claimPaymentAsAttempt,
  findClaim,
  openClaimedCycle,
  samePayment,
} from '../db/payment-claims';
import type { AttemptRecord } from '../domain/attempt-record';
import type { DocumentRef, FailedPayment } from '../domain/failed-payment';
import type { ClaimAnswer } from '../domain/payment-claim';
import { chooseGroup } from '../policy';
import type { BeginCycleInput, BegunCycle } from './cycle-store';

// The cycle's side of payment claims, over db/payment-claims.ts: since the 'payment-claims' patch a
// failed payment becomes an attempt only through one of these two calls, each one transaction there
// that claims the payment and stores its (not yet decided) attempt together; `record` then completes
// the attempt. Both are idempotent, so Temporal may retry them after any failure.

export interface BeginClaimedCycleInput extends BeginCycleInput {
  /** Attempt 1, as the workflow built it; its customer group is set here. */
  first_attempt: AttemptRecord;
}

export type BeginClaimedCycleResult =
  | (BegunCycle & {
      kind: 'opened';
      /** The document's previous cycle when it collected in full: this cycle opens anyway, and says so. */
      previous_collected: { cycle_id: number; billing_cycle_id: string; status: string } | null;
    })
  | { kind: 'claimed'; claim: ClaimAnswer };

export interface ClaimPaymentInput {
  cycle_id: number;
  document: DocumentRef;
  payment: FailedPayment;
  attempt: AttemptRecord;
}

export type ClaimPaymentResult = { kind: 'claimed_here' } | { kind: 'claimed'; claim: ClaimAnswer };

const COLLECTED_IN_FULL = new Set(['collected', 'collected_external']);

export function createClaimStore(
  db: Db,
  loadConfig: () => Promise<Omit<BegunCycle, 'group' | 'cycle_id' | 'billing_cycle_id'>>,
) {
  const answer = async (payment: FailedPayment): Promise<ClaimAnswer> => {
    const held = await findClaim(db, payment.payment_id);
    if (!held) throw new Error(`payment ${payment.payment_id} lost its claim but no claim was found`);
    return {
      workflow_id: held.workflow_id,
      cycle_id: held.cycle_id,
      billing_cycle_id: held.billing_cycle_id,
      attempt_number: held.attempt_number,
      same_payment: samePayment(held.payment, payment),
    };
  };

  return {
    /**
     * Opens the cycle with its first payment claimed as attempt 1, in one transaction; or, when that
     * payment is already claimed by another run's cycle, opens nothing and answers with that claim.
     */
    async beginClaimedCycle(input: BeginClaimedCycleInput): Promise<BeginClaimedCycleResult> {
      const held = await claimOf(db, input.payment);
      if (held && held.run_id !== input.run_id)
        return { kind: 'claimed', claim: await answer(input.payment) };
      const loaded = await loadConfig();
      const chosen = chooseGroup(loaded.config, input.payment.account);
      const group = { id: chosen.id, name: chosen.name };
      const { first_attempt, ...open } = input;
      const opened = await openClaimedCycle(
        db,
        {
          ...open,
          customer_group_id: group.id,
          customer_group_name: group.name,
          config_version: loaded.version,
        },
        first_attempt,
      );
      if (opened.kind === 'claimed_elsewhere') return { kind: 'claimed', claim: await answer(input.payment) };
      const { previous } = opened;
      return {
        kind: 'opened',
        ...loaded,
        group,
        cycle_id: opened.cycle_id,
        billing_cycle_id: opened.billing_cycle_id,
        previous_collected: previous && COLLECTED_IN_FULL.has(previous.status) ? previous : null,
      };
    },

    /** Claims a further payment for the cycle as `attempt`, storing the attempt in the same transaction. */
    async claimPayment(input: ClaimPaymentInput): Promise<ClaimPaymentResult> {
      const won = await claimPaymentAsAttempt(
        db,
        input.cycle_id,
        input.document,
        input.payment,
        input.attempt,
      );
      return won ? { kind: 'claimed_here' } : { kind: 'claimed', claim: await answer(input.payment) };
    },
  };
}
