import { ApplicationFailure } from '@temporalio/common';
import type { ActionResult, CycleAction } from '../domain/action-result';
import { type AttemptRecord, chargedAttempt, externalAttempt } from '../domain/attempt-record';
import type { ChargeResult } from '../domain/charge';
import type { CycleDetails, SubmitResult } from '../domain/cycle-details';
import { type ActiveStatus, type CycleStatus, type FinalStatus, isFinal } from '../domain/cycle-status';
import {
  type DocumentRef,
  documentOf,
  type FailedPayment,
  failedPaymentSchema,
} from '../domain/failed-payment';
import { CycleFailure } from '../domain/failures';
import { amountProblem } from '../domain/money/currency';
import { isLegacyAmount, payDown } from '../domain/money/decimal';
import { answerFromClaim, type ClaimAnswer, membershipProblem } from '../domain/payment-claim';
import { toZuoraCycle, type ZuoraCycle } from '../domain/zuora-view';
import { type Decision, decide, type GateVerdict, nextProcessorBoundary, type RetryConfig } from '../policy';
import { formatLocal } from '../policy/time';
import {
  actionRequestSchema,
  paymentMethodUpdatedSchema,
  paymentReceivedSchema,
  refusedMessage,
} from './message-payloads';
import type { RunFlags } from './run-flags';

// The state of one retry cycle and every change a message makes to it, as plain code: no Temporal
// workflow API, no clock, no randomness. The workflow (workflows/retry-cycle.ts) owns the commands
// (activities, timers, children, continue-as-new) and passes in what they need from the outside: the
// time (`now`, an ISO string read from the workflow clock) and transaction ids (from uuid4). Every
// method here is synchronous, so a handler that calls one changes the state in one step.

/** State carried across continue-as-new: written by `toCarried`, read by `fromCarried`, nowhere else. */
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
  /**
   * Written as `paused` (derived); read back only to recognise the pre-'charge-gate' state "status
   * paused but not paused" (see `legacyUnpaused`).
   */
  paused: boolean;
  next_attempt: string | null;
  event_seq: number;
}

/** A state change made by a message, stored by the workflow's next `record`. */
export interface PendingEvent {
  reason: string;
  detail: Record<string, unknown>;
}
export interface StoredEvent extends PendingEvent {
  seq: number;
  at: string;
}

/** What a submit's answer needs to know about the payment as it arrived. */
export interface SubmitTicket {
  isNew: boolean;
  isStartPayment: boolean;
}

/** What the opening activity gave the cycle (beginCycle, beginClaimedCycle, or loadConfig + openCycle). */
export interface Opening {
  config: RetryConfig;
  version: number;
  lifecycle_webhooks: boolean;
  group: { id: number; name: string };
}

type CycleIds = { cycle_id: number; billing_cycle_id: string };

const APPLIED: ActionResult['outcome'][] = ['executed', 'in_progress', 'removed', 'paused', 'resumed'];

export class CycleState {
  /** The billing document this cycle is for: the opening payment's. */
  readonly doc: DocumentRef;
  config: RetryConfig | undefined;
  configVersion: number;
  lifecycleWebhooks: boolean;
  group: { id: number; name: string };
  ids: CycleIds | undefined;
  outstanding: string;
  paymentMethodId: string;
  nextAttempt: string | null;
  endReason: string | null = null;
  endedAt: string | null = null;
  removeRequested = false;
  /** The attempt number whose charge is at the gateway, or null: remove and execute answer by it. */
  charging: number | null = null;
  /** Set once the end of the cycle is stored: the remove Update answers only then (read-your-writes). */
  endRecorded = false;
  /** Bumped by every message, so the main loop re-evaluates after each one. */
  changes = 0;
  /** False when the run's opening payment was already claimed: this run opens no cycle. */
  opened = true;
  /** Failed payments waiting to become attempts, in arrival order. */
  readonly queue: FailedPayment[];
  readonly attempts: AttemptRecord[];

  /** in_retry or paused: the status while active, and the one the cycle was in when it ended. */
  private active: ActiveStatus;
  private final: FinalStatus | null = null;
  /**
   * Before the 'charge-gate' patch, executeNow on a paused cycle cleared the pause but left the status
   * "paused" (issue 13). Runs from then replay that state: status paused, `paused` false. Only that
   * pre-patch path sets it, and every pause or resume transition clears it.
   */
  private legacyUnpaused: boolean;
  private eventSeq: number;
  private readonly paymentIds: Set<string>;
  private readonly acknowledged: Set<string>;
  private readonly externalPaymentIds: Set<string>;
  /** External payments whose attempt is stored: the submit Update answers only after that. */
  private readonly persisted: Set<string>;
  private pendingEvents: PendingEvent[] = [];
  private readonly dirty = new Set<number>();
  /** Payments another cycle (or attempt) had already claimed: their submits are answered with it. */
  private readonly claimedElsewhere = new Map<string, ClaimAnswer>();
  /** While an execute has pulled the next attempt forward: where the policy had put it. */
  private override: { policy_next: string | null } | null = null;
  /** Attempt 1, claimed together with the cycle's opening (since 'payment-claims'). */
  private firstAttempt: AttemptRecord | undefined;
  /** The document's previous cycle, when it had collected in full before this one opened. */
  private previousCollected: SubmitResult['document_already_collected'];

  private constructor(
    /** The run's opening payment (as passed to the run: compared by identity with the queue's first). */
    readonly first: FailedPayment,
    private readonly flags: RunFlags,
    readonly startedAt: string,
    c: Partial<CarriedState> & { queue: FailedPayment[] },
  ) {
    this.doc = documentOf(first);
    this.config = c.config;
    this.configVersion = c.config_version ?? 0;
    this.lifecycleWebhooks = c.lifecycle_webhooks ?? false;
    this.group = c.group ?? { id: 0, name: '' };
    this.ids =
      c.cycle_id !== undefined
        ? { cycle_id: c.cycle_id, billing_cycle_id: c.billing_cycle_id ?? '' }
        : undefined;
    this.attempts = c.attempts ?? [];
    this.paymentIds = new Set(c.payment_ids ?? []);
    this.acknowledged = new Set(c.acknowledged ?? []);
    this.externalPaymentIds = new Set(c.external_payment_ids ?? []);
    this.persisted = new Set(c.payment_ids ?? []);
    this.outstanding = c.outstanding ?? first.amount;
    this.paymentMethodId = c.payment_method_id ?? first.payment_method_id;
    const status = c.status ?? 'in_retry';
    if (isFinal(status)) {
      // Never carried so (a run continues as new only while active); kept total all the same.
      this.final = status;
      this.active = c.paused ? 'paused' : 'in_retry';
      this.legacyUnpaused = false;
    } else {
      this.active = status;
      this.legacyUnpaused = status === 'paused' && c.paused === false;
    }
    this.nextAttempt = c.next_attempt ?? null;
    this.eventSeq = c.event_seq ?? 0;
    this.queue = c.queue;
  }

  /** A first run: `first` opens the cycle, `pending` (from a previous run) queue behind it. */
  static open(first: FailedPayment, pending: FailedPayment[], flags: RunFlags, now: string): CycleState {
    return new CycleState(first, flags, now, { queue: [first, ...pending] });
  }

  /** A run continued as new: everything the previous run carried, nothing queued. */
  static fromCarried(first: FailedPayment, carried: CarriedState, flags: RunFlags): CycleState {
    return new CycleState(first, flags, carried.started_at, { ...carried, queue: [] });
  }

  /** The one writer of the carried state (for continue-as-new); undefined before the cycle is opened. */
  toCarried(): CarriedState | undefined {
    if (!this.ids || !this.config) return undefined;
    return {
      config_version: this.configVersion,
      config: this.config,
      lifecycle_webhooks: this.lifecycleWebhooks,
      group: this.group,
      cycle_id: this.ids.cycle_id,
      billing_cycle_id: this.ids.billing_cycle_id,
      started_at: this.startedAt,
      attempts: this.attempts,
      payment_ids: [...this.paymentIds],
      acknowledged: [...this.acknowledged],
      external_payment_ids: [...this.externalPaymentIds],
      outstanding: this.outstanding,
      payment_method_id: this.paymentMethodId,
      status: this.status,
      paused: this.paused,
      next_attempt: this.nextAttempt,
      event_seq: this.eventSeq,
    };
  }

  get status(): CycleStatus {
    return this.final ?? this.active;
  }
  /** Derived from the status: paused while (or when it ended) paused, but for the pre-patch state. */
  get paused(): boolean {
    return this.active === 'paused' && !this.legacyUnpaused;
  }
  get isFinal(): boolean {
    return this.final !== null;
  }
  get cfg(): RetryConfig {
    if (!this.config) throw new Error('configuration not loaded yet');
    return this.config;
  }
  /** Where an execute had pulled the next attempt from, for the charge gate's refusal plan. */
  get executeOverride(): { policy_next: string | null } | null {
    return this.override;
  }
  /** What the charge gate needs to judge one more charge of this cycle at `at`. */
  gateRequest(at: string) {
    return {
      at,
      cycle_started_at: this.startedAt,
      max_cycle_days: this.cfg.settings.max_cycle_days,
      payment_method_id: this.paymentMethodId,
      own_attempts: this.attempts,
    };
  }
  /** The latest moment this cycle may charge (max_cycle_days after it started). */
  deadline(): number {
    return Date.parse(this.startedAt) + this.cfg.settings.max_cycle_days * 86_400_000;
  }

  // --- Views ---------------------------------------------------------------------------------------

  details(workflowId: string): CycleDetails {
    return {
      workflow_id: workflowId,
      cycle_id: this.ids?.cycle_id ?? null,
      billing_cycle_id: this.ids?.billing_cycle_id ?? null,
      document_type: this.doc.type,
      document_id: this.doc.id,
      account_id: this.first.account_id,
      subscription_id: this.first.subscription_id ?? null,
      config_version: this.configVersion,
      customer_group_id: this.group.id,
      customer_group: this.group.name,
      status: this.status,
      end_reason: this.endReason,
      paused: this.paused,
      amount: this.first.amount,
      outstanding: this.outstanding,
      currency: this.first.currency,
      payment_method_id: this.paymentMethodId,
      next_attempt: this.isFinal ? null : this.nextAttempt,
      started_at: this.startedAt,
      ended_at: this.endedAt,
    };
  }

  zuora(): ZuoraCycle {
    return toZuoraCycle({
      account_id: this.first.account_id,
      document_type: this.doc.type,
      document_id: this.doc.id,
      payment_method_id: this.paymentMethodId,
      currency: this.first.currency,
      status: this.status,
      next_attempt: this.nextAttempt,
      customer_group: this.group.name,
      attempts: this.attempts,
    });
  }

  /** The cycle row as `record` stores it. */
  row() {
    return {
      status: this.status,
      end_reason: this.endReason,
      ended_at: this.endedAt,
      next_attempt: this.isFinal ? null : this.nextAttempt,
      outstanding: this.outstanding,
      payment_method_id: this.paymentMethodId,
    };
  }

  // --- What the workflow stores: events and changed attempts ----------------------------------------

  get hasUnstored(): boolean {
    return this.pendingEvents.length > 0 || this.dirty.size > 0;
  }
  get hasPendingEvents(): boolean {
    return this.pendingEvents.length > 0;
  }
  /** The pending events and then `closing`, numbered and stamped; none remain pending. */
  takeEvents(closing: PendingEvent, at: string): StoredEvent[] {
    return [...this.pendingEvents.splice(0), closing].map((e) => ({ ...e, seq: ++this.eventSeq, at }));
  }
  /** The attempts changed since the last take, in attempt order; none remain dirty. */
  takeDirtyAttempts(): AttemptRecord[] {
    const changed = this.attempts.filter((a) => this.dirty.has(a.attempt_number));
    this.dirty.clear();
    return changed;
  }
  /** After `record` stored `changed`: the submits of those external payments may answer. */
  stored(changed: AttemptRecord[]): void {
    for (const a of changed) if (!a.cpr_generated) this.persisted.add(a.zuora_payment_id);
  }
  /** The sequence number of one more webhook event. */
  nextEventSeq(): number {
    return ++this.eventSeq;
  }
  private note(event: PendingEvent): void {
    this.pendingEvents.push(event);
  }

  // --- Submits of failed payments ------------------------------------------------------------------

  private holds(paymentId: string): boolean {
    return this.paymentIds.has(paymentId) || this.queue.some((p) => p.payment_id === paymentId);
  }
  private accept(payment: FailedPayment): void {
    if (!this.holds(payment.payment_id)) this.queue.push(payment);
    this.changes++;
  }

  /** The submit Update's validator: throws the typed failure the caller hears. */
  validateSubmit(payment: unknown): void {
    const parsed = failedPaymentSchema.safeParse(payment);
    if (!parsed.success) {
      throw ApplicationFailure.nonRetryable(
        `invalid failed payment: ${parsed.error.issues[0]?.message}`,
        CycleFailure.InvalidFailedPayment,
      );
    }
    const target = documentOf(parsed.data);
    if (target.type !== this.doc.type || target.id !== this.doc.id) {
      throw ApplicationFailure.nonRetryable(
        `this cycle is for ${this.doc.type} ${this.doc.id}, not ${target.type} ${target.id}`,
        CycleFailure.WrongDocument,
      );
    }
    if (this.flags.claims) {
      // A payment already in this cycle is answered even as the cycle ends; a new one must match it.
      if (this.paymentIds.has(parsed.data.payment_id)) return;
      const problem = membershipProblem(this.first, parsed.data);
      if (problem) throw ApplicationFailure.nonRetryable(problem, CycleFailure.PaymentNotMember);
      if (!this.opened && parsed.data.payment_id !== this.first.payment_id) {
        throw ApplicationFailure.nonRetryable(
          'the cycle has ended (its opening payment was already claimed); submit again',
          CycleFailure.CycleNotOpened,
        );
      }
    }
    if (this.isFinal) {
      throw ApplicationFailure.nonRetryable(
        `the cycle has ended (${this.status}); submit again to open a new one`,
        CycleFailure.CycleEnded,
      );
    }
  }

  /** A submit Update arrives (validated): the payment is queued; what its answer will need. */
  submit(payment: FailedPayment): SubmitTicket {
    const isNew = !this.holds(payment.payment_id);
    const isStartPayment =
      payment.payment_id === this.first.payment_id && !this.acknowledged.has(this.first.payment_id);
    this.accept(payment);
    return { isNew, isStartPayment };
  }

  /** Whether the submit of `paymentId` can answer: stored, claimed elsewhere, or the cycle is over. */
  submitSettled(paymentId: string): boolean {
    return (
      (this.ids !== undefined && this.persisted.has(paymentId)) ||
      this.claimedElsewhere.has(paymentId) ||
      this.isFinal ||
      !this.opened
    );
  }

  /** The settled submit's answer; throws CycleEnded (or PaymentIdConflict) when it has none. */
  answerSubmit(payment: FailedPayment, ticket: SubmitTicket, workflowId: string): SubmitResult {
    // Since 'payment-claims', exactly one submit of a payment hears added: the first one answered.
    const firstAnswer = !this.acknowledged.has(payment.payment_id);
    this.acknowledged.add(payment.payment_id);
    const elsewhere = this.claimedElsewhere.get(payment.payment_id);
    if (elsewhere) {
      const answered = answerFromClaim(elsewhere, payment.payment_id);
      if (answered.kind === 'conflict') {
        throw ApplicationFailure.nonRetryable(answered.message, CycleFailure.PaymentIdConflict);
      }
      return answered.answer;
    }
    const attempt = this.attempts.find((a) => !a.cpr_generated && a.zuora_payment_id === payment.payment_id);
    if (!this.ids || !attempt) {
      throw ApplicationFailure.nonRetryable(
        `the cycle ended (${this.endReason}) before the payment was recorded`,
        CycleFailure.CycleEnded,
      );
    }
    return {
      workflow_id: workflowId,
      cycle_id: this.ids.cycle_id,
      billing_cycle_id: this.ids.billing_cycle_id,
      added: this.flags.claims ? firstAnswer : ticket.isNew || ticket.isStartPayment,
      attempt_number: attempt.attempt_number,
      ...(this.previousCollected && attempt.attempt_number === 1
        ? { document_already_collected: this.previousCollected }
        : {}),
    };
  }

  /** The failedPaymentSubmitted Signal: taken unless malformed or for another document. */
  paymentSubmitted(payment: unknown): void {
    const parsed = failedPaymentSchema.safeParse(payment);
    if (!parsed.success) return;
    const target = documentOf(parsed.data);
    if (target.type !== this.doc.type || target.id !== this.doc.id) return;
    // Even a cycle that is ending takes it: whatever is still queued when it ends opens the next cycle.
    this.accept(parsed.data);
  }

  // --- Execute, remove, pause, resume: one transition each, shared by the Signal and the Update ------

  /** The one way out of a pause: resume, and executeNow on a paused cycle. */
  resume(now: string): boolean {
    if (this.isFinal || !this.paused || !this.config) return false;
    this.active = 'in_retry';
    this.legacyUnpaused = false;
    // Missed time is not made up with a burst: an overdue attempt moves to the next boundary.
    if (this.nextAttempt === null || Date.parse(this.nextAttempt) < Date.parse(now)) {
      this.nextAttempt = nextProcessorBoundary(this.config, now, this.group.id);
    }
    this.note({ reason: 'resumed', detail: { next_attempt: this.nextAttempt } });
    this.changes++;
    return true;
  }

  pause(): boolean {
    if (this.isFinal || this.paused) return false;
    this.active = 'paused';
    this.legacyUnpaused = false;
    this.note({ reason: 'paused', detail: {} });
    this.changes++;
    return true;
  }

  /** Whether executeNow acts at all (the Signal handler asks before it reads its patch). */
  get canExecute(): boolean {
    return !this.isFinal && this.config !== undefined;
  }

  /**
   * The executeNow Signal. `gated` is the run's 'charge-gate' flag: since then a paused cycle is resumed;
   * before, it lost its pause flag but kept status "paused" (issue 13), which old runs replay.
   */
  executeNow(now: string, gated: boolean): void {
    if (!this.canExecute) return;
    if (gated) this.resume(now);
    else if (this.active === 'paused') this.legacyUnpaused = true;
    this.pullForward(now);
  }

  /** Moves the next attempt to the next processor boundary; the charge gate still decides at charge time. */
  private pullForward(now: string): void {
    const c = this.cfg;
    if (this.override === null) this.override = { policy_next: this.nextAttempt };
    this.nextAttempt = nextProcessorBoundary(c, now, this.group.id);
    const last = this.attempts.at(-1);
    if (last && last.action === 'Retry') {
      last.api_updated_retry_time = formatLocal(Date.parse(now), c.settings.time_zone);
      this.dirty.add(last.attempt_number);
    }
    this.note({ reason: 'execute_now', detail: { next_attempt: this.nextAttempt } });
    this.changes++;
  }

  /** The executeNowConfirmed Update before the gate is read: an answer, or null to go on. */
  executeBlocked(): ActionResult | null {
    if (this.isFinal || this.removeRequested || !this.config) return this.inactive('execute');
    if (this.charging !== null) {
      return this.answer('execute', 'in_progress', `attempt ${this.charging} is being charged now`);
    }
    return null;
  }

  /** The executeNowConfirmed Update once the gate answered `verdict` (read at `now`'s boundary). */
  executeConfirmed(verdict: GateVerdict, now: string): ActionResult {
    if (this.isFinal || this.removeRequested) return this.inactive('execute');
    if (!verdict.allowed) {
      this.note({
        reason: 'execute_refused',
        detail: { rule: verdict.rule, detail: verdict.detail, next_attempt: this.nextAttempt },
      });
      this.changes++;
      return this.answer('execute', 'refused', verdict.detail, { rule: verdict.rule });
    }
    this.resume(now);
    this.pullForward(now);
    return this.answer('execute', 'executed', `the next attempt runs at ${this.nextAttempt}`);
  }

  requestRemove(req: Record<string, unknown> | undefined): void {
    if (this.isFinal || this.removeRequested) return;
    this.removeRequested = true;
    this.note({ reason: 'removed', detail: req ?? {} });
    this.changes++;
  }

  /** The remove Signal: honoured even when its words are not (the text is dropped, not stored). */
  removeSignal(raw: unknown): void {
    const req = actionRequestSchema.safeParse(raw);
    if (!req.success) {
      this.refuseSignal('remove', req.error);
      this.requestRemove({ refused_text: true });
      return;
    }
    this.requestRemove(req.data);
  }

  /**
   * The removeConfirmed Update's answer, after waiting for the end to be stored (`settled`) or not;
   * `atGateway` is the attempt that was being charged when the request came.
   */
  removeAnswer(settled: boolean, atGateway: number | null): ActionResult {
    if (!settled) {
      return this.answer(
        'remove',
        'pending',
        `attempt ${this.charging ?? atGateway} is still at the gateway; the cycle ends as removed when it answers, unless it collects`,
      );
    }
    if (this.status === 'removed') {
      return this.answer(
        'remove',
        'removed',
        atGateway === null
          ? 'removed; no charge started after the request'
          : `removed after attempt ${atGateway}, already at the gateway, was declined`,
      );
    }
    return this.answer(
      'remove',
      'not_removed',
      `the cycle ended as ${this.status} first (${this.endReason})`,
    );
  }

  pauseConfirmed(): ActionResult {
    if (this.isFinal || this.removeRequested) return this.inactive('pause');
    if (!this.pause()) return this.answer('pause', 'unchanged', 'the cycle is already paused');
    return this.answer(
      'pause',
      'paused',
      this.charging === null
        ? 'paused'
        : `paused; attempt ${this.charging}, already at the gateway, still answers`,
    );
  }

  resumeConfirmed(now: string): ActionResult {
    if (this.isFinal || this.removeRequested) return this.inactive('resume');
    if (!this.resume(now)) return this.answer('resume', 'unchanged', 'the cycle is not paused');
    return this.answer('resume', 'resumed', `the next attempt runs at ${this.nextAttempt}`);
  }

  answer(
    action: CycleAction,
    outcome: ActionResult['outcome'],
    message: string,
    extra: Partial<ActionResult> = {},
  ): ActionResult {
    return {
      action,
      outcome,
      // An execute that finds a charge at the gateway took effect too: the document is being charged now.
      applied: APPLIED.includes(outcome),
      cycle_id: this.ids?.cycle_id ?? null,
      status: this.status,
      next_attempt: this.isFinal ? null : this.nextAttempt,
      message,
      ...extra,
    };
  }

  inactive(action: CycleAction): ActionResult {
    const why = this.endReason ? `: ${this.endReason}` : '';
    return this.answer(action, 'not_active', `the cycle has ended (${this.status})${why}`);
  }

  // --- Payments and payment methods from outside -----------------------------------------------------

  /** A refused Signal is recorded (storably), never stored as sent. */
  private refuseSignal(message: string, error: Parameters<typeof refusedMessage>[1]): void {
    if (this.isFinal) return;
    this.note(refusedMessage(message, error));
    this.changes++;
  }

  /** Billing received money outside the cycle: the outstanding balance goes down, never below zero. */
  paymentReceived(raw: unknown): void {
    if (this.isFinal) return;
    const parsed = paymentReceivedSchema.safeParse(raw);
    if (!parsed.success) {
      this.refuseSignal('paymentReceived', parsed.error);
      return;
    }
    const payment = parsed.data;
    if (payment.payment_id && this.externalPaymentIds.has(payment.payment_id)) return;
    const badAmount = this.flags.isoAmounts
      ? amountProblem(payment.amount, this.first.currency) !== undefined
      : // The check of runs from before 'iso-amounts', kept only so their histories replay.
        !isLegacyAmount(payment.amount);
    if (payment.currency !== this.first.currency || badAmount) {
      this.note({ reason: 'payment_ignored', detail: { ...payment, why: 'currency or amount invalid' } });
      this.changes++;
      return;
    }
    if (payment.payment_id) this.externalPaymentIds.add(payment.payment_id);
    this.outstanding = payDown(this.outstanding, payment.amount);
    this.note({ reason: 'payment_received', detail: { ...payment, outstanding: this.outstanding } });
    this.changes++;
  }

  /** Later attempts use the new method; with retry_on_payment_method_update, from the next boundary. */
  paymentMethodUpdated(raw: { payment_method_id?: unknown } | undefined, now: string): void {
    if (this.isFinal || !raw?.payment_method_id) return;
    const parsed = paymentMethodUpdatedSchema.safeParse(raw);
    if (!parsed.success) {
      this.refuseSignal('paymentMethodUpdated', parsed.error);
      return;
    }
    const { payment_method_id } = parsed.data;
    this.paymentMethodId = payment_method_id;
    if (this.config?.settings.retry_on_payment_method_update && !this.paused) {
      this.nextAttempt = nextProcessorBoundary(this.config, now, this.group.id);
    }
    this.note({
      reason: 'payment_method_updated',
      detail: { payment_method_id, next_attempt: this.nextAttempt },
    });
    this.changes++;
  }

  // --- Opening ------------------------------------------------------------------------------------

  /** Attempt 1 as it is claimed together with the opening (since 'payment-claims'). */
  openingAttempt(transactionId: string, now: string): AttemptRecord {
    this.firstAttempt = externalAttempt(this.first, 1, 0, transactionId, now);
    return this.firstAttempt;
  }

  /** The opening payment was already claimed by `claim`'s cycle: this run opens nothing. */
  openingClaimedElsewhere(claim: ClaimAnswer): void {
    this.claimedElsewhere.set(this.first.payment_id, claim);
    this.endReason = `payment ${this.first.payment_id} already entered cycle ${claim.cycle_id}`;
    this.opened = false;
    this.changes++;
  }

  /** The claimed opening succeeded: attempt 1 is in `groupId`; the document may have collected before. */
  openingClaimed(groupId: number, previous: SubmitResult['document_already_collected']): void {
    if (this.firstAttempt) this.firstAttempt.customer_group_id = groupId;
    if (previous) {
      this.previousCollected = previous;
      this.note({ reason: 'document_already_collected', detail: { previous } });
    }
  }

  /** The cycle's row is open: its ids. */
  openedAs(ids: CycleIds): void {
    this.ids = ids;
  }

  /** The configuration and customer group the cycle runs with. */
  configure(o: Opening): void {
    this.config = o.config;
    this.configVersion = o.version;
    this.lifecycleWebhooks = o.lifecycle_webhooks;
    this.group = o.group;
  }

  /** The payments queued behind this run's that no claim answered: they open a run of their own. */
  unopenedLeftover(): FailedPayment[] {
    return this.queue.filter(
      (p) => p.payment_id !== this.first.payment_id && !this.claimedElsewhere.has(p.payment_id),
    );
  }

  // --- The loop: external attempts -----------------------------------------------------------------

  /** The next queued payment that is not in this cycle already nor claimed elsewhere, if any. */
  nextQueued(): { payment: FailedPayment } | { skipped: true } | undefined {
    const payment = this.queue.shift();
    if (!payment) return undefined;
    if (this.paymentIds.has(payment.payment_id) || this.claimedElsewhere.has(payment.payment_id)) {
      return { skipped: true };
    }
    return { payment };
  }

  /** The attempt a queued payment becomes (not yet claimed, nor decided). */
  externalAttemptOf(payment: FailedPayment, transactionId: string, now: string): AttemptRecord {
    return externalAttempt(payment, this.attempts.length + 1, this.group.id, transactionId, now);
  }

  /** The opening payment's attempt, when the opening already claimed it. */
  claimedOpeningAttempt(payment: FailedPayment): AttemptRecord | undefined {
    return payment === this.first ? this.firstAttempt : undefined;
  }

  /** Why `payment` may not join (recorded as a refusal), or false when it may. */
  refusedMember(payment: FailedPayment): boolean {
    const problem = membershipProblem(this.first, payment);
    if (!problem) return false;
    this.note({ reason: 'payment_refused', detail: { payment_id: payment.payment_id, why: problem } });
    this.changes++;
    return true;
  }

  /** Another cycle (or attempt) holds `payment`: its submits are answered with `claim`. */
  claimedElsewhereBy(payment: FailedPayment, claim: ClaimAnswer, conflict: string): void {
    this.claimedElsewhere.set(payment.payment_id, claim);
    // A signal has no answer to refuse other details with: the cycle records that it did not take them.
    if (!claim.same_payment) {
      this.note({ reason: 'payment_refused', detail: { payment_id: payment.payment_id, why: conflict } });
    }
    this.changes++;
  }

  /** `payment` joins as `attempt`; a later payment's method is the one the next charges use. */
  admit(payment: FailedPayment, attempt: AttemptRecord): void {
    this.paymentIds.add(payment.payment_id);
    this.attempts.push(attempt);
    if (payment !== this.first) this.paymentMethodId = payment.payment_method_id;
  }

  /** The policy's verdict on the attempt that just failed; records it on the attempt. */
  applyDecision(attempt: AttemptRecord): Decision {
    const decision = decide(this.cfg, {
      group_id: this.group.id,
      attempt_number: attempt.attempt_number,
      gateway_id: attempt.gateway_id,
      code: attempt.gateway_code,
      message: attempt.gateway_response,
      failed_at: attempt.time_of_execution,
      cycle_started_at: this.startedAt,
      method_attempts: this.attempts
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
      this.nextAttempt = decision.next_attempt;
    }
    this.override = null;
    this.dirty.add(attempt.attempt_number);
    return decision;
  }

  // --- The loop: our attempts ----------------------------------------------------------------------

  /** The gate's refusal was planned: the execute is over, and a rescheduled attempt says why. */
  refused(plan: { next_attempt: string; event: PendingEvent } | null): void {
    this.override = null;
    if (!plan) return;
    this.nextAttempt = plan.next_attempt;
    this.note(plan.event);
  }

  /** Attempt `n` is at the gateway: a remove waits for it, an execute answers in_progress. */
  chargeStarted(n: number): void {
    this.charging = n;
  }
  chargeAnswered(): void {
    this.charging = null;
  }

  /** The gate allowed the charge: the execute that pulled it forward (if any) is spent. */
  allowed(): void {
    this.override = null;
  }

  /** What our charge of attempt `attempt_number` became; a collected charge pays the document down. */
  recordCharge(c: {
    attempt_number: number;
    idempotency_key: string;
    amount: string;
    transaction_id: string;
    now: string;
    result: ChargeResult;
  }): AttemptRecord {
    const ids = this.requireIds();
    const attempt = chargedAttempt({
      ...c,
      cycle_id: ids.cycle_id,
      currency: this.first.currency,
      payment_method_id: this.paymentMethodId,
      gateway_id: this.first.gateway_id,
      customer_group_id: this.group.id,
    });
    this.attempts.push(attempt);
    this.dirty.add(attempt.attempt_number);
    if (attempt.success) this.outstanding = payDown(this.outstanding, c.result.amount_collected);
    return attempt;
  }

  /** A charge the gateway refused outright (non-retryable): the attempt stops as a system error. */
  failedHard(attempt: AttemptRecord): void {
    attempt.action = 'Stop';
    attempt.label = 'System Error';
  }

  requireIds(): CycleIds {
    if (!this.ids) throw new Error('cycle not opened');
    return this.ids;
  }

  // --- The end --------------------------------------------------------------------------------------

  end(final: FinalStatus, reason: string, now: string): void {
    this.final = final;
    this.endReason = reason;
    this.endedAt = now;
    this.nextAttempt = null;
  }

  /** The end is stored: a waiting remove Update may answer. */
  endStored(): void {
    this.endRecorded = true;
  }

  /** Failed payments that arrived as the cycle ended: they open the document's next cycle. */
  leftover(): FailedPayment[] {
    return this.queue.filter((p) => !this.paymentIds.has(p.payment_id));
  }
}

/** The final status of a policy Stop. */
export function stopStatus(decision: Extract<Decision, { action: 'Stop' }>): FinalStatus {
  return decision.reason === 'attempts_exhausted'
    ? 'attempts_exhausted'
    : decision.reason === 'expired'
      ? 'expired'
      : 'stopped_by_rule';
}
