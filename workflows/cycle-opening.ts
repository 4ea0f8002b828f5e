import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  type WorkflowInfo,
} from '@temporalio/workflow';
import type { BeginClaimedCycleInput } from '../activities/claim-store';
import type { AttemptRecord } from '../domain/attempt-record';
import type { CycleDetails } from '../domain/cycle-details';
import { type FailedPayment, failedPaymentSchema } from '../domain/failed-payment';
import { CycleFailure } from '../domain/failures';
import { claimConflict } from '../domain/payment-claim';
import { chooseGroup } from '../policy';
import { localStore, store } from './charge';
import { type CycleCommands, continueWith, nowIso } from './cycle-commands';
import { cycleLog } from './cycle-log';
import type { CycleState } from './cycle-state';
import type { RunFlags } from './run-flags';
import { CustomerGroup as CustomerGroupKey, CycleStatus as CycleStatusKey } from './search-attributes';

// Opening a cycle (a run's first, not one continued as new), and since 'payment-claims' how a payment
// is claimed for it: a payment enters a cycle once, ever, claimed in Postgres in the same transaction
// as its attempt (activities/claim-store.ts); a payment another cycle holds is answered with that
// cycle instead of becoming an attempt here.

/**
 * Opens the cycle: its row, configuration and group (and since 'payment-claims' attempt 1, claimed).
 * Answers the run's end when it opens nothing (the opening payment was already claimed), else null.
 */
export async function openCycle(
  state: CycleState,
  commands: CycleCommands,
  info: WorkflowInfo,
  flags: RunFlags,
): Promise<CycleDetails | null> {
  const first = state.first;
  // A client that starts the workflow directly (not through the API) may pass anything; a payment the
  // Update validator would refuse must not open a cycle whose every write is refused.
  const valid = failedPaymentSchema.safeParse(first);
  // Before 'iso-amounts' the schema was looser; a run that began then passed the looser one.
  if (flags.isoAmounts && !valid.success) {
    throw ApplicationFailure.nonRetryable(
      `invalid failed payment: ${valid.error.issues[0]?.message}`,
      CycleFailure.InvalidFailedPayment,
    );
  }
  const opening = {
    workflow_id: info.workflowId,
    run_id: info.runId,
    document_type: state.doc.type,
    document_id: state.doc.id,
    payment: first,
    started_at: state.startedAt,
  };
  if (flags.local) {
    const begun = flags.claims ? await openClaimed(state, opening) : await localStore.beginCycle(opening);
    if (!begun) return await closeUnopened(state, commands);
    state.configure(begun);
    state.openedAs({ cycle_id: begun.cycle_id, billing_cycle_id: begun.billing_cycle_id });
  } else {
    const loaded = await store.loadConfig();
    const chosen = chooseGroup(loaded.config, first.account);
    // Set before openCycle's await, as always: messages handled meanwhile see the configuration.
    state.configure({ ...loaded, group: { id: chosen.id, name: chosen.name } });
    const ids = await store.openCycle({
      ...opening,
      customer_group_id: state.group.id,
      customer_group_name: state.group.name,
      config_version: state.configVersion,
    });
    state.openedAs(ids);
  }
  upsertMemo({ amount: first.amount, currency: first.currency, cycle_id: state.requireIds().cycle_id });
  cycleLog(state).info('cycle opened', {
    payment_id: first.payment_id,
    amount: first.amount,
    currency: first.currency,
    customer_group: state.group.name,
  });
  // Since 'local-store', attempt 1 is recorded in this same workflow task and publish() upserts every
  // attribute then; an upsert here would be one more visibility write per cycle.
  if (!flags.local) {
    upsertSearchAttributes([
      { key: CustomerGroupKey, value: state.group.name },
      { key: CycleStatusKey, value: state.status },
    ]);
  }
  await commands.emit('cycle.started', {});
  return null;
}

/** Opens the cycle with attempt 1 claimed, or answers undefined when another cycle holds the payment. */
async function openClaimed(state: CycleState, opening: Omit<BeginClaimedCycleInput, 'first_attempt'>) {
  const firstAttempt = state.openingAttempt(`Transaction-${uuid4()}`, nowIso());
  const begun = await localStore.beginClaimedCycle({ ...opening, first_attempt: firstAttempt });
  if (begun.kind === 'claimed') {
    if (!begun.claim.same_payment) cycleLog(state).warn(claimConflict(begun.claim, state.first.payment_id));
    state.openingClaimedElsewhere(begun.claim);
    return undefined;
  }
  state.openingClaimed(begun.group.id, begun.previous_collected ?? undefined);
  return begun;
}

/**
 * A run whose opening payment another cycle already holds (a resubmit after its cycle ended, a
 * retried Update or Signal that started a new run) opens no cycle and charges nothing: it answers the
 * submits waiting on it, and hands any other payment that came in to a run of its own.
 */
async function closeUnopened(state: CycleState, commands: CycleCommands): Promise<CycleDetails> {
  cycleLog(state).info('no cycle opened: another cycle holds the opening payment', {
    payment_id: state.first.payment_id,
  });
  upsertSearchAttributes([{ key: CycleStatusKey, value: 'already_claimed' }]);
  await condition(allHandlersFinished);
  await continueWith(state.unopenedLeftover());
  return commands.details();
}

/**
 * The attempt `payment` becomes, once claimed for this cycle; null when it may not join (refused, as a
 * cycle event) or another cycle holds it (its submits are answered with that cycle).
 */
export async function claimAttempt(state: CycleState, payment: FailedPayment): Promise<AttemptRecord | null> {
  const opening = state.claimedOpeningAttempt(payment);
  if (opening) return opening;
  if (state.refusedMember(payment)) return null;
  const ids = state.requireIds();
  const attempt = state.externalAttemptOf(payment, `Transaction-${uuid4()}`, nowIso());
  const verdict = await localStore.claimPayment({
    cycle_id: ids.cycle_id,
    document: state.doc,
    payment,
    attempt,
  });
  if (verdict.kind === 'claimed') {
    state.claimedElsewhereBy(payment, verdict.claim, claimConflict(verdict.claim, payment.payment_id));
    return null;
  }
  return attempt;
}
