import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setCurrentDetails,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import { chargeKey } from '../domain/charge';
import type { CycleDetails } from '../domain/cycle-details';
import { isZeroOrLess } from '../domain/money/decimal';
import { payerOf } from '../domain/payer';
import { chargeOnce } from './charge';
import { gateCharge, planRefusal } from './charge-gate';
import { type CycleCommands, nowIso } from './cycle-commands';
import { cycleLog } from './cycle-log';
import { claimAttempt } from './cycle-opening';
import type { CycleState } from './cycle-state';
import type { RetryCycleWorkflow } from './retry-cycle-input';
import type { RunFlags } from './run-flags';

// The cycle's main loop: every pass first stores what messages changed, then turns queued failed
// payments into attempts, then waits for the next attempt (or a message) and charges it. Handlers only
// change the state (workflows/cycle-handlers.ts); every command is issued from here, in this order.

/** Continue-as-new well before Temporal's warnings (10K events), keeping replays short. */
const HISTORY_LIMIT = 2_000;

/** Runs the cycle to its end (or to continue-as-new, which does not return). */
export async function runCycle(
  state: CycleState,
  commands: CycleCommands,
  flags: RunFlags,
): Promise<CycleDetails> {
  for (;;) {
    if (state.removeRequested) return await commands.end('removed', 'removed');
    if (isZeroOrLess(state.outstanding))
      return await commands.end('collected_external', 'paid outside the cycle');

    // External failures (the opening payment, later submits) become attempts, each decided in turn.
    const queued = state.nextQueued();
    if (queued) {
      if (!('payment' in queued)) continue;
      const { payment } = queued;
      const attempt = flags.claims
        ? await claimAttempt(state, payment)
        : state.externalAttemptOf(payment, `Transaction-${uuid4()}`, nowIso());
      if (!attempt) continue;
      state.admit(payment, attempt);
      const ended = await commands.afterFailure(attempt);
      if (ended) return ended;
      continue;
    }

    if (state.hasUnstored) {
      await commands.persist('updated');
      continue;
    }

    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT) {
      // A remove Update waits for this loop to end the cycle: it must not wait for that handler here.
      if (flags.chargeGate()) {
        await condition(() => allHandlersFinished() || state.removeRequested);
        if (state.removeRequested) continue;
      } else {
        await condition(allHandlersFinished);
      }
      const carried = state.queue.length === 0 && !state.hasPendingEvents ? state.toCarried() : undefined;
      if (carried) await continueAsNew<RetryCycleWorkflow>({ payment: state.first, carried });
    }

    showDetails(state);
    const seen = state.changes;
    if (state.paused) {
      const woke = await condition(() => state.changes !== seen, Math.max(1, state.deadline() - Date.now()), {
        summary: 'paused',
      });
      if (!woke) return await commands.end('expired', `paused past max_cycle_days`);
      continue;
    }
    if (state.nextAttempt === null) return await commands.end('error', 'no next attempt scheduled');
    const wait = Date.parse(state.nextAttempt) - Date.now();
    if (wait > 0) {
      await condition(() => state.changes !== seen, wait, {
        summary: `attempt ${state.attempts.length + 1}`,
      });
      continue;
    }

    const ended = await chargeNext(state, commands, flags);
    if (ended !== 'again') return ended;
  }
}

/**
 * What the Temporal UI shows as the workflow's current details while it waits or charges: the status,
 * the next attempt and the customer group (chosen when the cycle opened, so not in the static summary
 * the client sets at start). Not a command: it adds nothing to the history, so replays are unchanged.
 */
function showDetails(state: CycleState): void {
  const lines = [
    `**Status:** ${state.status}`,
    `**Next attempt:** ${state.paused ? 'none while paused' : (state.nextAttempt ?? 'none')} (attempt ${state.attempts.length + 1})`,
    `**Outstanding:** ${state.outstanding} ${state.first.currency}`,
  ];
  if (state.group.name !== '') lines.push(`**Customer group:** ${state.group.name}`);
  setCurrentDetails(lines.join('\n'));
}

/** The attempt of ours that is due now: gated, charged, recorded; the end, or 'again' to loop on. */
async function chargeNext(
  state: CycleState,
  commands: CycleCommands,
  flags: RunFlags,
): Promise<CycleDetails | 'again'> {
  const ids = state.requireIds();
  const gated = flags.chargeGate();
  if (gated) {
    // The one gate in front of every charge: scheduled, executed, after a payment method update.
    const before = state.changes;
    const verdict = await gateCharge(state.gateRequest(nowIso()));
    // Anything that arrived during the read (remove, pause, another method) is looked at first.
    if (state.changes !== before || state.removeRequested) return 'again';
    if (!verdict.allowed) {
      const plan = planRefusal(verdict, {
        config: state.cfg,
        groupId: state.group.id,
        execute: state.executeOverride,
        now: nowIso(),
        deadline: state.deadline(),
      });
      state.refused(plan.kind === 'end' ? null : plan);
      if (plan.kind === 'end') return await commands.end(plan.status, plan.reason);
      return 'again';
    }
    state.allowed();
  }
  const n = state.attempts.length + 1;
  const key = chargeKey(ids.cycle_id, n);
  const amount = state.outstanding;
  const first = state.first;
  // When this attempt was due, for the worker's lateness histogram (activities/charge.ts).
  const dueAt = state.nextAttempt;
  // Nothing awaits between the checks above and the charge below, so a remove handled before this
  // line stops the charge, and one handled after it sees `charging` and waits for the answer.
  state.chargeStarted(n);
  const { result, failedHard } = await chargeOnce(
    {
      gateway_id: first.gateway_id,
      payment_method_id: state.paymentMethodId,
      amount,
      currency: first.currency,
      idempotency_key: key,
      metadata: {
        cycle_id: String(ids.cycle_id),
        document: `${state.doc.type}:${state.doc.id}`,
        attempt: String(n),
      },
      // Who pays for what, from the cycle's first failed payment (a Stripe charge needs the customer,
      // a Stripe Billing cycle pays its invoice). Not a command change: Temporal does not compare an
      // activity's input on replay, so histories recorded without these fields replay unchanged.
      ...payerOf(first),
      // Likewise an input field only, so not a command change.
      ...(dueAt === null ? {} : { due_at: dueAt }),
    },
    `charge attempt ${n}: ${amount} ${first.currency}`,
  );
  state.chargeAnswered();
  const attempt = state.recordCharge({
    attempt_number: n,
    idempotency_key: key,
    amount,
    transaction_id: `Transaction-${uuid4()}`,
    now: nowIso(),
    result,
  });
  cycleLog(state).info('attempt charged', {
    attempt_number: n,
    idempotency_key: key,
    amount,
    currency: first.currency,
    status: result.status,
    code: result.code,
    label: attempt.label,
  });
  if (attempt.success) return await commands.end('collected', 'collected');
  if (failedHard) {
    state.failedHard(attempt);
    return await commands.end('error', `gateway rejected the charge: ${result.code}`);
  }
  const ended = await commands.afterFailure(attempt, gated && state.removeRequested);
  return ended ?? 'again';
}
