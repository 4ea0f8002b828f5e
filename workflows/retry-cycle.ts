import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { BeginClaimedCycleInput } from '../activities/claim-store';
import type { ActionResult, CycleAction } from '../domain/action-result';
import type { AttemptRecord } from '../domain/attempt-record';
import { externalAttempt } from '../domain/attempt-record';
import { chargeKey } from '../domain/charge';
import type { CycleDetails, SubmitResult } from '../domain/cycle-details';
import type { CycleStatus, FinalStatus } from '../domain/cycle-status';
import { isFinal } from '../domain/cycle-status';
import {
  type DocumentRef,
  documentOf,
  type FailedPayment,
  failedPaymentSchema,
} from '../domain/failed-payment';
import { amountProblem } from '../domain/money/currency';
import { isLegacyAmount, isZeroOrLess, payDown } from '../domain/money/decimal';
import type { ClaimAnswer } from '../domain/payment-claim';
import { claimConflict, membershipProblem } from '../domain/payment-claim';
import type { WebhookEvent } from '../domain/webhook-event';
import { toZuoraCycle } from '../domain/zuora-view';
import {
  type CustomerGroup,
  chooseGroup,
  type Decision,
  decide,
  type GateVerdict,
  nextProcessorBoundary,
  type RetryConfig,
} from '../policy';
import { formatLocal } from '../policy/time';
import { chargeOnce, localStore, store } from './charge';
import { CHARGE_GATE_PATCH, gateCharge, planRefusal } from './charge-gate';
import { deliverWebhook } from './deliver-webhook';
import {
  actionRequestSchema,
  paymentMethodUpdatedSchema,
  paymentReceivedSchema,
  problemOf,
  refusedMessage,
} from './message-payloads';
import {
  detailsQuery,
  executeNow,
  executeNowConfirmed,
  failedPaymentSubmitted,
  pause,
  pauseConfirmed,
  paymentMethodUpdated,
  paymentReceived,
  type RetryCycleStart,
  remove,
  removeConfirmed,
  resume,
  resumeConfirmed,
  stateQuery,
  submitFailedPayment,
} from './messages';
import { submitAnswerFromClaim } from './payment-claims';
import {
  AttemptCount,
  CustomerGroup as CustomerGroupKey,
  CycleStatus as CycleStatusKey,
  NextAttemptAt,
} from './search-attributes';

// One retry cycle for one billing document. Everything here is deterministic: the policy is pure code,
// time is the workflow's clock, and every side effect (database, gateway, webhooks) is an activity, so
// a crash at any point resumes exactly where the history says, with the same idempotency keys.

/** State carried across continue-as-new. */
export interface CarriedState {
  config_version: number;
  config: RetryConfig;
  lifecycle_webhooks: boolean;
  group: { id: number; name: string };
  cycle_id: number;
  billing_cycle_id: string;
  started_at: string;
  attempts: AttemptRecord[];
  payment_ids: string[];
  acknowledged: string[];
  external_payment_ids: string[];
  outstanding: string;
  payment_method_id: string;
  status: CycleStatus;
  paused: boolean;
  next_attempt: string | null;
  event_seq: number;
}

export interface RetryCycleInput extends RetryCycleStart {
  carried?: CarriedState;
  /** Further failed payments for the same document, queued behind the first (from a previous run). */
  pending?: FailedPayment[];
}

/** Continue-as-new well before Temporal's warnings (10K events), keeping replays short. */
const HISTORY_LIMIT = 2_000;

const nowIso = () => new Date(Date.now()).toISOString();

/** How long the remove Update waits for a charge already at the gateway before answering `pending`. */
const REMOVE_WAIT = '30s';

export async function RetryCycle(input: RetryCycleInput): Promise<CycleDetails> {
  // Runs that began before this patch (the committed histories) write through ordinary activities;
  // new runs write through local activities and open the cycle in one call (workflows/charge.ts).
  const local = patched('local-store');
  const writer = local ? localStore : store;
  // Since 'payment-claims' a payment enters a cycle once, ever: it is claimed in Postgres in the same
  // transaction as its attempt (activities/claim-store.ts), and a payment another cycle holds is
  // answered with that cycle instead of becoming an attempt here.
  const claims = local && patched('payment-claims');
  // Since 'iso-amounts' amounts are checked against their currency's minor units (money/currency.ts):
  // the opening payment and external payments alike. Runs that began before it replay with the checks
  // they ran with, so a cycle already open with such an amount keeps replaying.
  const isoAmounts = patched('iso-amounts');
  const first = input.payment;
  const doc: DocumentRef = documentOf(first);
  const info = workflowInfo();
  const carried = input.carried;

  let config: RetryConfig | undefined = carried?.config;
  let configVersion = carried?.config_version ?? 0;
  let lifecycleWebhooks = carried?.lifecycle_webhooks ?? false;
  let group = carried?.group ?? { id: 0, name: '' };
  let ids: { cycle_id: number; billing_cycle_id: string } | undefined = carried
    ? { cycle_id: carried.cycle_id, billing_cycle_id: carried.billing_cycle_id }
    : undefined;
  const startedAt = carried?.started_at ?? nowIso();
  const attempts: AttemptRecord[] = carried?.attempts ?? [];
  const paymentIds = new Set<string>(carried?.payment_ids ?? []);
  const acknowledged = new Set<string>(carried?.acknowledged ?? []);
  const externalPaymentIds = new Set<string>(carried?.external_payment_ids ?? []);
  let outstanding = carried?.outstanding ?? first.amount;
  let paymentMethodId = carried?.payment_method_id ?? first.payment_method_id;
  let status: CycleStatus = carried?.status ?? 'in_retry';
  let endReason: string | null = null;
  let endedAt: string | null = null;
  let paused = carried?.paused ?? false;
  let nextAttempt: string | null = carried?.next_attempt ?? null;
  let eventSeq = carried?.event_seq ?? 0;
  let removeRequested = false;
  /** The attempt number whose charge is at the gateway, or null: remove and execute answer by it. */
  let charging: number | null = null;
  /** Set once the end of the cycle is stored: the remove Update answers only then (read-your-writes). */
  let endRecorded = false;
  /** While an execute has pulled the next attempt forward: where the policy had put it. */
  let executeOverride: { policy_next: string | null } | null = null;
  /** Bumped by every message, so the main loop re-evaluates after each one. */
  let changes = 0;
  const queue: FailedPayment[] = carried ? [] : [first, ...(input.pending ?? [])];
  /** External payments whose attempt is stored: the submit Update answers only after that. */
  const persisted = new Set<string>(carried ? [...paymentIds] : []);
  /** State changes made by messages, recorded by the main loop (handlers cannot call activities safely). */
  const pendingEvents: { reason: string; detail: Record<string, unknown> }[] = [];
  const dirtyAttempts = new Set<number>();
  /** Payments another cycle (or attempt) had already claimed: their submits are answered with it. */
  const claimedElsewhere = new Map<string, ClaimAnswer>();
  /** False when the run's opening payment was already claimed: this run opens no cycle. */
  let opened = true;
  /** Attempt 1, claimed together with the cycle's opening (since 'payment-claims'). */
  let firstAttempt: AttemptRecord | undefined;
  /** The document's previous cycle, when it had collected in full before this one opened. */
  let previousCollected: SubmitResult['document_already_collected'];

  const cfg = (): RetryConfig => {
    if (!config) throw new Error('configuration not loaded yet');
    return config;
  };

  const details = (): CycleDetails => ({
    workflow_id: info.workflowId,
    cycle_id: ids?.cycle_id ?? null,
    billing_cycle_id: ids?.billing_cycle_id ?? null,
    document_type: doc.type,
    document_id: doc.id,
    account_id: first.account_id,
    subscription_id: first.subscription_id ?? null,
    config_version: configVersion,
    customer_group_id: group.id,
    customer_group: group.name,
    status,
    end_reason: endReason,
    paused,
    amount: first.amount,
    outstanding,
    currency: first.currency,
    payment_method_id: paymentMethodId,
    next_attempt: isFinal(status) ? null : nextAttempt,
    started_at: startedAt,
    ended_at: endedAt,
  });

  // Handlers are set before the first await, so the Update that comes with update-with-start is
  // accepted by the very first workflow task.
  setHandler(stateQuery, () =>
    toZuoraCycle({
      account_id: first.account_id,
      document_type: doc.type,
      document_id: doc.id,
      payment_method_id: paymentMethodId,
      currency: first.currency,
      status,
      next_attempt: nextAttempt,
      customer_group: group.name,
      attempts,
    }),
  );
  setHandler(detailsQuery, details);

  const accept = (payment: FailedPayment) => {
    if (!paymentIds.has(payment.payment_id) && !queue.some((p) => p.payment_id === payment.payment_id)) {
      queue.push(payment);
    }
    changes++;
  };
  const recordedAttemptOf = (paymentId: string) =>
    attempts.find((a) => !a.cpr_generated && a.zuora_payment_id === paymentId);

  setHandler(
    submitFailedPayment,
    async (payment): Promise<SubmitResult> => {
      const isNew =
        !paymentIds.has(payment.payment_id) && !queue.some((p) => p.payment_id === payment.payment_id);
      const isStartPayment = payment.payment_id === first.payment_id && !acknowledged.has(first.payment_id);
      accept(payment);
      // Answer only once the payment is an attempt of the cycle and stored: read-your-writes.
      await condition(
        () =>
          (ids !== undefined && persisted.has(payment.payment_id)) ||
          claimedElsewhere.has(payment.payment_id) ||
          isFinal(status) ||
          !opened,
      );
      // Since 'payment-claims', exactly one submit of a payment hears added: the first one answered.
      const firstAnswer = !acknowledged.has(payment.payment_id);
      acknowledged.add(payment.payment_id);
      const elsewhere = claimedElsewhere.get(payment.payment_id);
      if (elsewhere) return submitAnswerFromClaim(elsewhere, payment.payment_id);
      const attempt = recordedAttemptOf(payment.payment_id);
      if (!ids || !attempt) {
        throw ApplicationFailure.nonRetryable(
          `the cycle ended (${endReason}) before the payment was recorded`,
          'CycleEnded',
        );
      }
      return {
        workflow_id: info.workflowId,
        cycle_id: ids.cycle_id,
        billing_cycle_id: ids.billing_cycle_id,
        added: claims ? firstAnswer : isNew || isStartPayment,
        attempt_number: attempt.attempt_number,
        ...(previousCollected && attempt.attempt_number === 1
          ? { document_already_collected: previousCollected }
          : {}),
      };
    },
    {
      validator: (payment) => {
        const parsed = failedPaymentSchema.safeParse(payment);
        if (!parsed.success) throw new Error(`invalid failed payment: ${parsed.error.issues[0]?.message}`);
        const target = documentOf(parsed.data);
        if (target.type !== doc.type || target.id !== doc.id) {
          throw new Error(`this cycle is for ${doc.type} ${doc.id}, not ${target.type} ${target.id}`);
        }
        if (claims) {
          // A payment already in this cycle is answered even as the cycle ends; a new one must match it.
          if (paymentIds.has(parsed.data.payment_id)) return;
          const problem = membershipProblem(first, parsed.data);
          if (problem) throw new Error(problem);
          if (!opened && parsed.data.payment_id !== first.payment_id) {
            throw new Error('the cycle has ended (its opening payment was already claimed); submit again');
          }
        }
        if (isFinal(status))
          throw new Error(`the cycle has ended (${status}); submit again to open a new one`);
      },
    },
  );
  setHandler(failedPaymentSubmitted, (payment) => {
    const parsed = failedPaymentSchema.safeParse(payment);
    if (!parsed.success) return;
    const target = documentOf(parsed.data);
    if (target.type !== doc.type || target.id !== doc.id) return;
    // Even a cycle that is ending takes it: whatever is still queued when it ends opens the next cycle.
    accept(parsed.data);
  });

  // --- Execute, remove, pause, resume: one transition each, shared by the Signal and the Update ---

  /** The one way out of a pause: resume, and executeNow on a paused cycle. */
  const resumeTransition = (): boolean => {
    if (isFinal(status) || !paused || !config) return false;
    paused = false;
    status = 'in_retry';
    // Missed time is not made up with a burst: an overdue attempt moves to the next boundary.
    const now = nowIso();
    if (nextAttempt === null || Date.parse(nextAttempt) < Date.parse(now)) {
      nextAttempt = nextProcessorBoundary(config, now);
    }
    pendingEvents.push({ reason: 'resumed', detail: { next_attempt: nextAttempt } });
    changes++;
    return true;
  };
  const pauseTransition = (): boolean => {
    if (isFinal(status) || paused) return false;
    paused = true;
    status = 'paused';
    pendingEvents.push({ reason: 'paused', detail: {} });
    changes++;
    return true;
  };
  /** Moves the next attempt to the next processor boundary; the charge gate still decides at charge time. */
  const pullForward = (c: RetryConfig) => {
    const now = nowIso();
    if (executeOverride === null) executeOverride = { policy_next: nextAttempt };
    nextAttempt = nextProcessorBoundary(c, now);
    const last = attempts.at(-1);
    if (last && last.action === 'Retry') {
      last.api_updated_retry_time = formatLocal(Date.parse(now), c.settings.time_zone);
      dirtyAttempts.add(last.attempt_number);
    }
    pendingEvents.push({ reason: 'execute_now', detail: { next_attempt: nextAttempt } });
    changes++;
  };
  const requestRemove = (req: Record<string, unknown> | undefined) => {
    if (isFinal(status) || removeRequested) return;
    removeRequested = true;
    pendingEvents.push({ reason: 'removed', detail: req ?? {} });
    changes++;
  };
  /** The charge gate for one more charge of this cycle at `at`. */
  const gate = (at: string): Promise<GateVerdict> =>
    gateCharge({
      at,
      cycle_started_at: startedAt,
      max_cycle_days: cfg().settings.max_cycle_days,
      payment_method_id: paymentMethodId,
      own_attempts: attempts,
    });
  const answer = (
    action: CycleAction,
    outcome: ActionResult['outcome'],
    message: string,
    extra: Partial<ActionResult> = {},
  ): ActionResult => ({
    action,
    outcome,
    // An execute that finds a charge at the gateway took effect too: the document is being charged now.
    applied: ['executed', 'in_progress', 'removed', 'paused', 'resumed'].includes(outcome),
    cycle_id: ids?.cycle_id ?? null,
    status,
    next_attempt: isFinal(status) ? null : nextAttempt,
    message,
    ...extra,
  });
  const inactive = (action: CycleAction) =>
    answer(action, 'not_active', `the cycle has ended (${status})${endReason ? `: ${endReason}` : ''}`);

  /** The four action Updates refuse a payload they could not store, before it enters the history. */
  const actionValidator = {
    validator: (req: unknown) => {
      const parsed = actionRequestSchema.safeParse(req);
      if (!parsed.success) throw new Error(problemOf(parsed.error));
    },
  };
  setHandler(executeNow, () => {
    if (isFinal(status) || !config) return;
    // Before the patch a paused cycle lost its pause flag but kept status "paused" (issue 13).
    if (patched(CHARGE_GATE_PATCH)) resumeTransition();
    else paused = false;
    pullForward(config);
  });
  setHandler(
    executeNowConfirmed,
    async (): Promise<ActionResult> => {
      if (isFinal(status) || removeRequested || !config) return inactive('execute');
      if (charging !== null) {
        return answer('execute', 'in_progress', `attempt ${charging} is being charged now`);
      }
      const verdict = await gate(nextProcessorBoundary(config, nowIso()));
      if (isFinal(status) || removeRequested) return inactive('execute');
      if (!verdict.allowed) {
        pendingEvents.push({
          reason: 'execute_refused',
          detail: { rule: verdict.rule, detail: verdict.detail, next_attempt: nextAttempt },
        });
        changes++;
        return answer('execute', 'refused', verdict.detail, { rule: verdict.rule });
      }
      resumeTransition();
      pullForward(config);
      return answer('execute', 'executed', `the next attempt runs at ${nextAttempt}`);
    },
    actionValidator,
  );
  /** A refused Signal is recorded (storably), never stored as sent. */
  const refuseSignal = (message: string, error: Parameters<typeof refusedMessage>[1]) => {
    if (isFinal(status)) return;
    pendingEvents.push(refusedMessage(message, error));
    changes++;
  };
  setHandler(remove, (raw) => {
    const req = actionRequestSchema.safeParse(raw);
    // A remove is honoured even when its words are not: the operator's intent is clear, the text is
    // dropped rather than stored.
    if (!req.success) {
      refuseSignal('remove', req.error);
      requestRemove({ refused_text: true });
      return;
    }
    requestRemove(req.data);
  });
  setHandler(
    removeConfirmed,
    async (req): Promise<ActionResult> => {
      if (isFinal(status)) return inactive('remove');
      const atGateway = charging;
      requestRemove(req);
      // The main loop starts no charge once removeRequested is set; wait for it to store the end, or for
      // the charge that is already at the gateway (it cannot be called back) to answer.
      const settled = await condition(() => endRecorded, REMOVE_WAIT);
      if (!settled) {
        return answer(
          'remove',
          'pending',
          `attempt ${charging ?? atGateway} is still at the gateway; the cycle ends as removed when it answers, unless it collects`,
        );
      }
      if ((status as CycleStatus) === 'removed') {
        return answer(
          'remove',
          'removed',
          atGateway === null
            ? 'removed; no charge started after the request'
            : `removed after attempt ${atGateway}, already at the gateway, was declined`,
        );
      }
      return answer('remove', 'not_removed', `the cycle ended as ${status} first (${endReason})`);
    },
    actionValidator,
  );
  setHandler(paymentReceived, (raw) => {
    if (isFinal(status)) return;
    const parsed = paymentReceivedSchema.safeParse(raw);
    if (!parsed.success) return refuseSignal('paymentReceived', parsed.error);
    const payment = parsed.data;
    if (payment.payment_id && externalPaymentIds.has(payment.payment_id)) return;
    const badAmount = isoAmounts
      ? amountProblem(payment.amount, first.currency) !== undefined
      : // The check of runs from before 'iso-amounts', kept only so their histories replay.
        !isLegacyAmount(payment.amount);
    if (payment.currency !== first.currency || badAmount) {
      pendingEvents.push({
        reason: 'payment_ignored',
        detail: { ...payment, why: 'currency or amount invalid' },
      });
      changes++;
      return;
    }
    if (payment.payment_id) externalPaymentIds.add(payment.payment_id);
    outstanding = payDown(outstanding, payment.amount);
    pendingEvents.push({ reason: 'payment_received', detail: { ...payment, outstanding } });
    changes++;
  });
  setHandler(paymentMethodUpdated, (raw) => {
    if (isFinal(status) || !raw?.payment_method_id) return;
    const parsed = paymentMethodUpdatedSchema.safeParse(raw);
    if (!parsed.success) return refuseSignal('paymentMethodUpdated', parsed.error);
    const { payment_method_id } = parsed.data;
    paymentMethodId = payment_method_id;
    if (config?.settings.retry_on_payment_method_update && !paused) {
      nextAttempt = nextProcessorBoundary(config, nowIso());
    }
    pendingEvents.push({
      reason: 'payment_method_updated',
      detail: { payment_method_id, next_attempt: nextAttempt },
    });
    changes++;
  });
  setHandler(pause, () => {
    pauseTransition();
  });
  setHandler(
    pauseConfirmed,
    (): ActionResult => {
      if (isFinal(status) || removeRequested) return inactive('pause');
      if (!pauseTransition()) return answer('pause', 'unchanged', 'the cycle is already paused');
      return answer(
        'pause',
        'paused',
        charging === null ? 'paused' : `paused; attempt ${charging}, already at the gateway, still answers`,
      );
    },
    actionValidator,
  );
  setHandler(resume, () => {
    resumeTransition();
  });
  setHandler(
    resumeConfirmed,
    (): ActionResult => {
      if (isFinal(status) || removeRequested) return inactive('resume');
      if (!resumeTransition()) return answer('resume', 'unchanged', 'the cycle is not paused');
      return answer('resume', 'resumed', `the next attempt runs at ${nextAttempt}`);
    },
    actionValidator,
  );

  const publish = () => {
    upsertSearchAttributes([
      { key: CycleStatusKey, value: status },
      { key: NextAttemptAt, value: !isFinal(status) && nextAttempt ? new Date(nextAttempt) : null },
      { key: AttemptCount, value: attempts.length },
      { key: CustomerGroupKey, value: group.name },
    ]);
  };

  const emit = async (event: WebhookEvent['event'], payload: Record<string, unknown>, url?: string) => {
    if (!url && !lifecycleWebhooks) return;
    eventSeq++;
    // A child that outlives the cycle: a slow or dead receiver never delays it.
    await startChild(deliverWebhook, {
      workflowId: `${info.workflowId}-${info.runId.slice(0, 8)}-webhook-${eventSeq}`,
      args: [{ event, url, payload: { ...payload, cycle: details() } }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      taskQueue: info.taskQueue,
    });
  };

  /** Stores changed attempts, the cycle row and the pending events in one activity. */
  const persist = async (reason: string, detail: Record<string, unknown> = {}) => {
    if (!ids) return;
    const at = nowIso();
    const events = [...pendingEvents.splice(0), { reason, detail }].map((e) => ({
      ...e,
      seq: ++eventSeq,
      at,
    }));
    const changed = attempts.filter((a) => dirtyAttempts.has(a.attempt_number));
    dirtyAttempts.clear();
    await writer.record({
      cycle_id: ids.cycle_id,
      attempts: changed,
      cycle: {
        status,
        end_reason: endReason,
        ended_at: endedAt,
        next_attempt: isFinal(status) ? null : nextAttempt,
        outstanding,
        payment_method_id: paymentMethodId,
      },
      events,
    });
    for (const a of changed) if (!a.cpr_generated) persisted.add(a.zuora_payment_id);
    publish();
  };

  const end = async (final: FinalStatus, reason: string): Promise<CycleDetails> => {
    status = final;
    endReason = reason;
    endedAt = nowIso();
    nextAttempt = null;
    await persist('ended', { status: final, reason });
    endRecorded = true;
    await emit('cycle.completed', { status: final, reason });
    // Let in-flight Update handlers answer before the run closes.
    await condition(allHandlersFinished);
    // Failed payments that arrived as the cycle ended (signal-with-start has no answer to refuse them
    // with) are not dropped: they open the document's next cycle, in this workflow id's next run.
    const leftover = queue.filter((p) => !paymentIds.has(p.payment_id));
    const [next, ...pending] = leftover;
    if (next)
      await continueAsNew<typeof RetryCycle>({ payment: next, ...(pending.length ? { pending } : {}) });
    return details();
  };

  /** The policy's verdict on the attempt that just failed; records it on the attempt. */
  const applyDecision = (attempt: AttemptRecord): Decision => {
    const c = cfg();
    const decision = decide(c, {
      group_id: group.id,
      attempt_number: attempt.attempt_number,
      gateway_id: attempt.gateway_id,
      code: attempt.gateway_code,
      message: attempt.gateway_response,
      failed_at: attempt.time_of_execution,
      cycle_started_at: startedAt,
      method_attempts: attempts
        .filter((a) => a.payment_method_id === attempt.payment_method_id)
        .map((a) => a.time_of_execution),
    });
    attempt.label = decision.label;
    attempt.level = decision.level;
    attempt.customer_group_id = decision.customer_group_id;
    attempt.action = decision.action;
    if (decision.action === 'Retry') {
      attempt.retry_next = decision.next_local;
      attempt.retry_next_at = decision.next_attempt;
      attempt.retry_criteria = decision.criteria;
      nextAttempt = decision.next_attempt;
    }
    executeOverride = null;
    dirtyAttempts.add(attempt.attempt_number);
    return decision;
  };

  const stopStatus = (decision: Extract<Decision, { action: 'Stop' }>): FinalStatus =>
    decision.reason === 'attempts_exhausted'
      ? 'attempts_exhausted'
      : decision.reason === 'expired'
        ? 'expired'
        : 'stopped_by_rule';

  /**
   * After a failed attempt: retry (and say so) or end. Returns the end when the cycle is over. With
   * `removing` (a remove arrived while the charge was at the gateway) the cycle ends as removed.
   */
  const afterFailure = async (attempt: AttemptRecord, removing = false): Promise<CycleDetails | null> => {
    const decision = applyDecision(attempt);
    await emit('attempt.failed', { attempt, decision: { action: decision.action, detail: decision.detail } });
    if (decision.webhook) await emit('rule.webhook', { attempt, decision }, decision.webhook);
    if (removing) return await end('removed', 'removed');
    if (decision.action === 'Stop') return await end(stopStatus(decision), decision.reason);
    await persist('scheduled', { attempt_number: attempt.attempt_number, next_attempt: nextAttempt });
    return null;
  };

  // --- Payment claims (since 'payment-claims'; workflows/payment-claims.ts) ------------------------

  /** Opens the cycle with attempt 1 claimed, or answers undefined when another cycle holds the payment. */
  const openClaimed = async (opening: Omit<BeginClaimedCycleInput, 'first_attempt'>) => {
    firstAttempt = externalAttempt(first, 1, 0, `Transaction-${uuid4()}`, nowIso());
    const begun = await localStore.beginClaimedCycle({ ...opening, first_attempt: firstAttempt });
    if (begun.kind === 'claimed') {
      if (!begun.claim.same_payment) log.warn(claimConflict(begun.claim, first.payment_id));
      claimedElsewhere.set(first.payment_id, begun.claim);
      endReason = `payment ${first.payment_id} already entered cycle ${begun.claim.cycle_id}`;
      opened = false;
      changes++;
      return undefined;
    }
    firstAttempt.customer_group_id = begun.group.id;
    if (begun.previous_collected) {
      previousCollected = begun.previous_collected;
      pendingEvents.push({ reason: 'document_already_collected', detail: { previous: previousCollected } });
    }
    return begun;
  };

  /**
   * A run whose opening payment another cycle already holds (a resubmit after its cycle ended, a
   * retried Update or Signal that started a new run) opens no cycle and charges nothing: it answers the
   * submits waiting on it, and hands any other payment that came in to a run of its own.
   */
  const closeUnopened = async (): Promise<CycleDetails> => {
    upsertSearchAttributes([{ key: CycleStatusKey, value: 'already_claimed' }]);
    await condition(allHandlersFinished);
    const leftover = queue.filter(
      (p) => p.payment_id !== first.payment_id && !claimedElsewhere.has(p.payment_id),
    );
    const [next, ...pending] = leftover;
    if (next)
      await continueAsNew<typeof RetryCycle>({ payment: next, ...(pending.length ? { pending } : {}) });
    return details();
  };

  /**
   * The attempt `payment` becomes, once claimed for this cycle; null when it may not join (refused, as a
   * cycle event) or another cycle holds it (its submits are answered with that cycle).
   */
  const claimAttempt = async (payment: FailedPayment): Promise<AttemptRecord | null> => {
    if (payment === first && firstAttempt) return firstAttempt;
    const problem = membershipProblem(first, payment);
    if (problem) {
      pendingEvents.push({
        reason: 'payment_refused',
        detail: { payment_id: payment.payment_id, why: problem },
      });
      changes++;
      return null;
    }
    if (!ids) throw new Error('cycle not opened');
    const attempt = externalAttempt(
      payment,
      attempts.length + 1,
      group.id,
      `Transaction-${uuid4()}`,
      nowIso(),
    );
    const verdict = await localStore.claimPayment({
      cycle_id: ids.cycle_id,
      document: doc,
      payment,
      attempt,
    });
    if (verdict.kind === 'claimed') {
      claimedElsewhere.set(payment.payment_id, verdict.claim);
      // A signal has no answer to refuse other details with: the cycle records that it did not take them.
      if (!verdict.claim.same_payment) {
        pendingEvents.push({
          reason: 'payment_refused',
          detail: { payment_id: payment.payment_id, why: claimConflict(verdict.claim, payment.payment_id) },
        });
      }
      changes++;
      return null;
    }
    return attempt;
  };

  // --- Opening the cycle (first run only) -------------------------------------------------------
  if (!carried) {
    // A client that starts the workflow directly (not through the API) may pass anything; a payment the
    // Update validator would refuse must not open a cycle whose every write is refused.
    const valid = failedPaymentSchema.safeParse(first);
    // Before 'iso-amounts' the schema was looser; a run that began then passed the looser one.
    if (isoAmounts && !valid.success) {
      throw ApplicationFailure.nonRetryable(
        `invalid failed payment: ${valid.error.issues[0]?.message}`,
        'InvalidFailedPayment',
      );
    }
    const opening = {
      workflow_id: info.workflowId,
      run_id: info.runId,
      document_type: doc.type,
      document_id: doc.id,
      payment: first,
      started_at: startedAt,
    };
    if (local) {
      const begun = claims ? await openClaimed(opening) : await localStore.beginCycle(opening);
      if (!begun) return await closeUnopened();
      config = begun.config;
      configVersion = begun.version;
      lifecycleWebhooks = begun.lifecycle_webhooks;
      group = begun.group;
      ids = { cycle_id: begun.cycle_id, billing_cycle_id: begun.billing_cycle_id };
    } else {
      const loaded = await store.loadConfig();
      config = loaded.config;
      configVersion = loaded.version;
      lifecycleWebhooks = loaded.lifecycle_webhooks;
      const chosen: CustomerGroup = chooseGroup(config, first.account);
      group = { id: chosen.id, name: chosen.name };
      ids = await store.openCycle({
        ...opening,
        customer_group_id: group.id,
        customer_group_name: group.name,
        config_version: configVersion,
      });
    }
    upsertMemo({ amount: first.amount, currency: first.currency, cycle_id: ids.cycle_id });
    // Since 'local-store', attempt 1 is recorded in this same workflow task and publish() upserts every
    // attribute then; an upsert here would be one more visibility write per cycle.
    if (!local) {
      upsertSearchAttributes([
        { key: CustomerGroupKey, value: group.name },
        { key: CycleStatusKey, value: status },
      ]);
    }
    await emit('cycle.started', {});
  }

  // --- The loop ---------------------------------------------------------------------------------
  const deadline = () => Date.parse(startedAt) + cfg().settings.max_cycle_days * 86_400_000;
  for (;;) {
    if (removeRequested) return await end('removed', 'removed');
    if (isZeroOrLess(outstanding)) return await end('collected_external', 'paid outside the cycle');

    // External failures (the opening payment, later submits) become attempts, each decided in turn.
    const payment = queue.shift();
    if (payment) {
      if (paymentIds.has(payment.payment_id) || claimedElsewhere.has(payment.payment_id)) continue;
      const attempt = claims
        ? await claimAttempt(payment)
        : externalAttempt(payment, attempts.length + 1, group.id, `Transaction-${uuid4()}`, nowIso());
      if (!attempt) continue;
      paymentIds.add(payment.payment_id);
      attempts.push(attempt);
      if (payment !== first) paymentMethodId = payment.payment_method_id;
      const ended = await afterFailure(attempt);
      if (ended) return ended;
      continue;
    }

    if (pendingEvents.length > 0 || dirtyAttempts.size > 0) {
      await persist('updated');
      continue;
    }

    if (workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > HISTORY_LIMIT) {
      // A remove Update waits for this loop to end the cycle: it must not wait for that handler here.
      if (patched(CHARGE_GATE_PATCH)) {
        await condition(() => allHandlersFinished() || removeRequested);
        if (removeRequested) continue;
      } else {
        await condition(allHandlersFinished);
      }
      if (queue.length === 0 && pendingEvents.length === 0 && ids && config) {
        await continueAsNew<typeof RetryCycle>({
          payment: first,
          carried: {
            config_version: configVersion,
            config,
            lifecycle_webhooks: lifecycleWebhooks,
            group,
            cycle_id: ids.cycle_id,
            billing_cycle_id: ids.billing_cycle_id,
            started_at: startedAt,
            attempts,
            payment_ids: [...paymentIds],
            acknowledged: [...acknowledged],
            external_payment_ids: [...externalPaymentIds],
            outstanding,
            payment_method_id: paymentMethodId,
            status,
            paused,
            next_attempt: nextAttempt,
            event_seq: eventSeq,
          },
        });
      }
    }

    const seen = changes;
    if (paused) {
      const woke = await condition(() => changes !== seen, Math.max(1, deadline() - Date.now()), {
        summary: 'paused',
      });
      if (!woke) return await end('expired', `paused past max_cycle_days`);
      continue;
    }
    if (nextAttempt === null) return await end('error', 'no next attempt scheduled');
    const wait = Date.parse(nextAttempt) - Date.now();
    if (wait > 0) {
      await condition(() => changes !== seen, wait, { summary: `attempt ${attempts.length + 1}` });
      continue;
    }

    // --- An attempt of ours -----------------------------------------------------------------------
    if (!ids) throw new Error('cycle not opened');
    const gated = patched(CHARGE_GATE_PATCH);
    if (gated) {
      // The one gate in front of every charge: scheduled, executed, after a payment method update.
      const before = changes;
      const verdict = await gate(nowIso());
      // Anything that arrived during the read (remove, pause, another method) is looked at first.
      if (changes !== before || removeRequested) continue;
      if (!verdict.allowed) {
        const plan = planRefusal(verdict, {
          config: cfg(),
          execute: executeOverride,
          now: nowIso(),
          deadline: deadline(),
        });
        executeOverride = null;
        if (plan.kind === 'end') return await end(plan.status, plan.reason);
        nextAttempt = plan.next_attempt;
        pendingEvents.push(plan.event);
        continue;
      }
      executeOverride = null;
    }
    const n = attempts.length + 1;
    const key = chargeKey(ids.cycle_id, n);
    const amount = outstanding;
    // Nothing awaits between the checks above and the charge below, so a remove handled before this
    // line stops the charge, and one handled after it sees `charging` and waits for the answer.
    charging = n;
    const { result, failedHard } = await chargeOnce(
      {
        gateway_id: first.gateway_id,
        payment_method_id: paymentMethodId,
        amount,
        currency: first.currency,
        idempotency_key: key,
        metadata: { cycle_id: String(ids.cycle_id), document: `${doc.type}:${doc.id}`, attempt: String(n) },
      },
      `charge attempt ${n}: ${amount} ${first.currency}`,
    );
    charging = null;
    const approved = result.status === 'approved';
    const attempt: AttemptRecord = {
      attempt_number: n,
      zuora_payment_id: result.gateway_payment_id ?? key,
      transaction_id: `Transaction-${uuid4()}`,
      time_of_execution: nowIso(),
      source: `PR-C${ids.cycle_id}-${n}`,
      cpr_generated: true,
      success: approved,
      amount,
      amount_collected: approved ? result.amount_collected : '0',
      currency: first.currency,
      payment_method_id: paymentMethodId,
      idempotency_key: key,
      gateway_payment_id: result.gateway_payment_id,
      action: approved ? 'Stop' : null,
      retry_next: null,
      retry_next_at: null,
      retry_criteria: null,
      api_updated_retry_time: null,
      label: approved ? 'Approved' : '',
      level: 'code',
      customer_group_id: group.id,
      gateway_id: first.gateway_id,
      gateway_code: result.code,
      gateway_response: result.message,
    };
    attempts.push(attempt);
    dirtyAttempts.add(n);
    if (approved) {
      outstanding = payDown(outstanding, result.amount_collected);
      return await end('collected', 'collected');
    }
    if (failedHard) {
      attempt.action = 'Stop';
      attempt.label = 'System Error';
      return await end('error', `gateway rejected the charge: ${result.code}`);
    }
    const ended = await afterFailure(attempt, gated && removeRequested);
    if (ended) return ended;
  }
}
