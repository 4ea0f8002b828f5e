import { ApplicationFailure } from '@temporalio/common';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ChargeResult } from '../../domain/charge';
import type { FailedPayment } from '../../domain/failed-payment';
import { CycleFailure } from '../../domain/failures';
import { toUnits } from '../../domain/money/decimal';
import { chooseGroup } from '../../policy';
import { type CarriedState, CycleState, stopStatus } from '../../workflows/cycle-state';
import { newestFlags, type RunFlags } from '../../workflows/run-flags';
import { testConfig } from '../support/test-config';

// CycleState without a server: every message method, the views, the events and attempts it leaves to
// be stored, and the carried state across continue-as-new. The workflow only adds the commands.

const T0 = '2026-05-05T10:00:00.000Z';
const LATER = '2026-05-05T12:00:00.000Z';
const FLAGS: RunFlags = newestFlags();
/** A run from before 'payment-claims' and 'iso-amounts'. */
const OLD: RunFlags = { ...FLAGS, claims: false, isoAmounts: false };
const config = testConfig();
const chosen = chooseGroup(config, undefined);
const group = { id: chosen.id, name: chosen.name };

const payment = (extra: Partial<FailedPayment> = {}): FailedPayment => ({
  payment_id: 'P-1',
  account_id: 'A-1',
  invoice_id: 'I-1',
  amount: '100.00',
  currency: 'USD',
  payment_method_id: 'pm-1',
  gateway_id: 'sim',
  gateway_response_code: 'insufficient_funds',
  gateway_response_message: 'Your card has insufficient funds.',
  failed_at: T0,
  ...extra,
});

/** A cycle opened on `first` with its configuration and ids, as openCycle leaves it. */
function opened(first = payment(), flags = FLAGS): CycleState {
  const s = CycleState.open(first, [], flags, T0);
  s.configure({ config, version: 3, lifecycle_webhooks: false, group });
  s.openedAs({ cycle_id: 7, billing_cycle_id: 'BillingCycle-7' });
  return s;
}

/** The opened cycle with its opening payment admitted and decided (a Retry), events taken. */
function running(first = payment(), flags = FLAGS): CycleState {
  const s = opened(first, flags);
  const queued = s.nextQueued();
  if (!queued || !('payment' in queued)) throw new Error('nothing queued');
  const attempt = s.externalAttemptOf(queued.payment, 'Transaction-1', T0);
  s.admit(queued.payment, attempt);
  s.applyDecision(attempt);
  s.stored(s.takeDirtyAttempts());
  s.takeEvents({ reason: 'scheduled', detail: {} }, T0);
  return s;
}

const reasons = (s: CycleState) =>
  s.takeEvents({ reason: 'closing', detail: {} }, LATER).map((e) => e.reason);

/** The failure type `fn` throws (an ApplicationFailure, as the Update's caller hears it). */
function failureOf(fn: () => unknown): string | null | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApplicationFailure);
    return (err as ApplicationFailure).type;
  }
  throw new Error('did not throw');
}

const declined: ChargeResult = {
  status: 'declined',
  code: 'insufficient_funds',
  message: 'no',
  gateway_payment_id: 'g-2',
  amount_collected: '0',
};

describe('CycleState: opening and views', () => {
  it('opens with the first payment queued, in_retry, nothing stored yet', () => {
    const first = payment();
    const s = CycleState.open(first, [payment({ payment_id: 'P-2' })], FLAGS, T0);
    expect(s.queue.map((p) => p.payment_id)).toEqual(['P-1', 'P-2']);
    expect(s.details('wf')).toMatchObject({
      workflow_id: 'wf',
      cycle_id: null,
      status: 'in_retry',
      paused: false,
      outstanding: '100.00',
      document_type: 'invoice',
      document_id: 'I-1',
      started_at: T0,
    });
    expect(s.toCarried()).toBeUndefined();
    expect(s.hasUnstored).toBe(false);
  });

  it("shows Zuora's shape and our details from the same state", () => {
    const s = running();
    expect(s.zuora()).toMatchObject({
      account_id: 'A-1',
      invoice_id: 'I-1',
      status: 'Cycle Incomplete',
      current_attempt_number: 1,
      customer_group: group.name,
      next_attempt: s.nextAttempt,
    });
    expect(s.nextAttempt).not.toBeNull();
    expect(s.details('wf')).toMatchObject({ cycle_id: 7, config_version: 3, customer_group_id: group.id });
  });
});

describe('CycleState: submits', () => {
  it('refuses with a typed failure: malformed, another document, not a member, ended', () => {
    const s = running();
    expect(failureOf(() => s.validateSubmit({ payment_id: 'x' }))).toBe(CycleFailure.InvalidFailedPayment);
    expect(failureOf(() => s.validateSubmit(payment({ invoice_id: 'I-2' })))).toBe(
      CycleFailure.WrongDocument,
    );
    expect(failureOf(() => s.validateSubmit(payment({ payment_id: 'P-3', currency: 'EUR' })))).toBe(
      CycleFailure.PaymentNotMember,
    );
    expect(() => s.validateSubmit(payment({ payment_id: 'P-3' }))).not.toThrow();
    s.end('collected', 'collected', LATER);
    // A payment already in the cycle is still answered; a new one hears the cycle has ended.
    expect(() => s.validateSubmit(payment())).not.toThrow();
    expect(failureOf(() => s.validateSubmit(payment({ payment_id: 'P-3' })))).toBe(CycleFailure.CycleEnded);
  });

  it('refuses a new payment on a run that opened nothing as CycleNotOpened', () => {
    const s = CycleState.open(payment(), [], FLAGS, T0);
    s.openingClaimedElsewhere({
      workflow_id: 'other',
      cycle_id: 1,
      billing_cycle_id: 'B-1',
      attempt_number: 1,
      same_payment: true,
    });
    expect(failureOf(() => s.validateSubmit(payment({ payment_id: 'P-3' })))).toBe(
      CycleFailure.CycleNotOpened,
    );
    // The opening payment's own submit is answered from the claim.
    expect(s.submitSettled('P-1')).toBe(true);
    const ticket = s.submit(payment());
    expect(s.answerSubmit(payment(), ticket, 'wf')).toMatchObject({ workflow_id: 'other', added: false });
  });

  it('answers a submit once it is stored: added the first time only', () => {
    const s = opened();
    const ticket = s.submit(payment());
    expect(s.submitSettled('P-1')).toBe(false);
    const queued = s.nextQueued();
    if (!queued || !('payment' in queued)) throw new Error('nothing queued');
    const attempt = s.externalAttemptOf(queued.payment, 'Transaction-1', T0);
    s.admit(queued.payment, attempt);
    s.applyDecision(attempt);
    expect(s.submitSettled('P-1')).toBe(false);
    s.stored(s.takeDirtyAttempts());
    expect(s.submitSettled('P-1')).toBe(true);
    expect(s.answerSubmit(payment(), ticket, 'wf')).toEqual({
      workflow_id: 'wf',
      cycle_id: 7,
      billing_cycle_id: 'BillingCycle-7',
      added: true,
      attempt_number: 1,
    });
    expect(s.answerSubmit(payment(), s.submit(payment()), 'wf')).toMatchObject({ added: false });
  });

  it('fails a submit whose cycle ended before it was recorded with CycleEnded', () => {
    const s = running();
    const later = payment({ payment_id: 'P-3' });
    const ticket = s.submit(later);
    s.end('removed', 'removed', LATER);
    expect(s.submitSettled('P-3')).toBe(true);
    expect(failureOf(() => s.answerSubmit(later, ticket, 'wf'))).toBe(CycleFailure.CycleEnded);
    // It is still queued: it opens the document's next cycle.
    expect(s.leftover().map((p) => p.payment_id)).toEqual(['P-3']);
  });

  it('answers a payment claimed elsewhere with other details as PaymentIdConflict, and records why', () => {
    const s = running();
    const other = payment({ payment_id: 'P-3' });
    const ticket = s.submit(other);
    s.nextQueued();
    s.claimedElsewhereBy(
      other,
      { workflow_id: 'x', cycle_id: 2, billing_cycle_id: 'B-2', attempt_number: 1, same_payment: false },
      'conflict',
    );
    expect(failureOf(() => s.answerSubmit(other, ticket, 'wf'))).toBe(CycleFailure.PaymentIdConflict);
    expect(reasons(s)).toEqual(['payment_refused', 'closing']);
  });

  it('records a payment that may not join as refused', () => {
    const s = running();
    expect(s.refusedMember(payment({ payment_id: 'P-3', account_id: 'A-2' }))).toBe(true);
    expect(s.refusedMember(payment({ payment_id: 'P-4' }))).toBe(false);
    expect(reasons(s)).toEqual(['payment_refused', 'closing']);
  });

  it('takes a signalled payment for this document only, even as the cycle ends', () => {
    const s = running();
    s.paymentSubmitted({ not: 'a payment' });
    s.paymentSubmitted(payment({ payment_id: 'P-5', invoice_id: 'I-9' }));
    s.end('removed', 'removed', LATER);
    s.paymentSubmitted(payment({ payment_id: 'P-6' }));
    expect(s.queue.map((p) => p.payment_id)).toEqual(['P-6']);
  });

  it('uses a later payment’s method for the next charges', () => {
    const s = running();
    const later = payment({ payment_id: 'P-3', payment_method_id: 'pm-2' });
    s.submit(later);
    const queued = s.nextQueued();
    if (!queued || !('payment' in queued)) throw new Error('nothing queued');
    s.admit(later, s.externalAttemptOf(later, 'Transaction-2', LATER));
    expect(s.paymentMethodId).toBe('pm-2');
    expect(s.attempts.map((a) => a.attempt_number)).toEqual([1, 2]);
    // Queued again, it is skipped.
    s.submit(later);
    expect(s.nextQueued()).toBeUndefined();
  });
});

describe('CycleState: pause, resume, execute', () => {
  it('derives paused from the status', () => {
    const s = running();
    expect(s.pause()).toBe(true);
    expect([s.status, s.paused]).toEqual(['paused', true]);
    expect(s.pause()).toBe(false);
    expect(s.resume(LATER)).toBe(true);
    expect([s.status, s.paused]).toEqual(['in_retry', false]);
    expect(s.resume(LATER)).toBe(false);
    expect(reasons(s)).toEqual(['paused', 'resumed', 'closing']);
  });

  it('moves an overdue attempt to the next boundary on resume, keeps one still ahead', () => {
    const s = running();
    const ahead = '2026-05-06T10:00:00.000Z';
    s.nextAttempt = ahead;
    s.pause();
    s.resume(LATER);
    expect(s.nextAttempt).toBe(ahead);
    s.pause();
    s.resume('2026-05-07T10:00:00.000Z');
    expect(s.nextAttempt).toBe('2026-05-07T10:00:00.000Z');
  });

  it('executeNow (since charge-gate) resumes a paused cycle and pulls the attempt forward', () => {
    const s = running();
    s.pause();
    s.executeNow(LATER, true);
    expect([s.status, s.paused, s.nextAttempt]).toEqual(['in_retry', false, LATER]);
    expect(s.executeOverride).not.toBeNull();
    // The last attempt (a Retry) shows the operator's time, and is stored again.
    expect(s.attempts[0]?.api_updated_retry_time).not.toBeNull();
    expect(s.takeDirtyAttempts().map((a) => a.attempt_number)).toEqual([1]);
    expect(reasons(s)).toEqual(['paused', 'resumed', 'execute_now', 'closing']);
  });

  it("aligns to its customer group's processor_interval: decisions, executeNow, resume, a new payment method", () => {
    // Settings PT1H; group 3 runs at exact times. The same messages on a group-2 cycle align to the hour.
    const hourly = {
      ...config,
      settings: { ...config.settings, processor_interval: 'PT1H' },
      customer_groups: config.customer_groups.map((g) =>
        g.id === 3 ? { ...g, processor_interval: 'PT0S' } : g,
      ),
    };
    const failedAt = '2026-05-05T10:17:03.000Z';
    const cycleIn = (id: number) => {
      const g = hourly.customer_groups.find((x) => x.id === id);
      if (!g) throw new Error(`no group ${id}`);
      const s = CycleState.open(payment({ failed_at: failedAt }), [], FLAGS, failedAt);
      s.configure({ config: hourly, version: 3, lifecycle_webhooks: false, group: { id, name: g.name } });
      s.openedAs({ cycle_id: 7, billing_cycle_id: 'BillingCycle-7' });
      const queued = s.nextQueued();
      if (!queued || !('payment' in queued)) throw new Error('nothing queued');
      const attempt = s.externalAttemptOf(queued.payment, 'Transaction-1', failedAt);
      s.admit(queued.payment, attempt);
      s.applyDecision(attempt);
      return s;
    };
    const exact = cycleIn(3);
    const aligned = cycleIn(2);
    expect(exact.nextAttempt).toBe('2026-05-05T10:17:05.000Z'); // + PT2S
    expect(aligned.nextAttempt).toBe('2026-05-05T12:00:00.000Z'); // + PT1H, then the hour
    const now = '2026-05-05T10:20:09.000Z';
    for (const s of [exact, aligned]) s.executeNow(now, true);
    expect([exact.nextAttempt, aligned.nextAttempt]).toEqual([now, '2026-05-05T11:00:00.000Z']);
    const later = '2026-05-05T13:41:00.000Z';
    for (const s of [exact, aligned]) {
      s.pause();
      s.resume(later);
    }
    expect([exact.nextAttempt, aligned.nextAttempt]).toEqual([later, '2026-05-05T14:00:00.000Z']);
    const after = '2026-05-05T14:05:00.000Z';
    for (const s of [exact, aligned]) s.paymentMethodUpdated({ payment_method_id: 'pm-2' }, after);
    expect([exact.nextAttempt, aligned.nextAttempt]).toEqual([after, '2026-05-05T15:00:00.000Z']);
  });

  it('executeNow before charge-gate keeps the old state "paused but not paused", across continue-as-new', () => {
    const s = running(payment(), OLD);
    s.pause();
    s.executeNow(LATER, false);
    expect([s.status, s.paused]).toEqual(['paused', false]);
    expect(s.resume(LATER)).toBe(false);
    const carried = s.toCarried() as CarriedState;
    expect([carried.status, carried.paused]).toEqual(['paused', false]);
    const next = CycleState.fromCarried(payment(), carried, OLD);
    expect([next.status, next.paused]).toEqual(['paused', false]);
    // A pause from there is a real pause again.
    expect(next.pause()).toBe(true);
    expect([next.status, next.paused]).toEqual(['paused', true]);
  });

  it('answers the execute Update: inactive, in progress, refused, executed', () => {
    const s = running();
    expect(s.executeBlocked()).toBeNull();
    s.chargeStarted(2);
    expect(s.executeBlocked()).toMatchObject({ outcome: 'in_progress', applied: true });
    s.chargeAnswered();
    const refused = s.executeConfirmed(
      { allowed: false, rule: 'method_attempt_limit', detail: '20 attempts', earliest_at: LATER },
      LATER,
    );
    expect(refused).toMatchObject({ outcome: 'refused', applied: false, rule: 'method_attempt_limit' });
    expect(s.executeConfirmed({ allowed: true }, LATER)).toMatchObject({
      outcome: 'executed',
      next_attempt: LATER,
    });
    expect(reasons(s)).toEqual(['execute_refused', 'execute_now', 'closing']);
    s.requestRemove(undefined);
    expect(s.executeBlocked()).toMatchObject({ outcome: 'not_active', applied: false });
  });

  it('answers the pause and resume Updates', () => {
    const s = running();
    expect(s.resumeConfirmed(LATER)).toMatchObject({ outcome: 'unchanged', applied: false });
    expect(s.pauseConfirmed()).toMatchObject({ outcome: 'paused', applied: true, status: 'paused' });
    expect(s.pauseConfirmed()).toMatchObject({ outcome: 'unchanged' });
    expect(s.resumeConfirmed(LATER)).toMatchObject({ outcome: 'resumed', status: 'in_retry' });
    s.end('collected', 'collected', LATER);
    expect(s.pauseConfirmed()).toMatchObject({
      outcome: 'not_active',
      message: 'the cycle has ended (collected): collected',
    });
  });
});

describe('CycleState: remove', () => {
  it('is requested once; a remove Signal with unstorable words still removes, and records the refusal', () => {
    const s = running();
    s.removeSignal({ requested_by: 'a\u0000b' });
    s.removeSignal({ requested_by: 'ops' });
    expect(s.removeRequested).toBe(true);
    const events = s.takeEvents({ reason: 'closing', detail: {} }, LATER);
    expect(events.map((e) => [e.reason, e.detail])).toEqual([
      ['message_refused', expect.objectContaining({ message: 'remove' })],
      ['removed', { refused_text: true }],
      ['closing', {}],
    ]);
  });

  it('answers removed, pending or not_removed', () => {
    const s = running();
    s.requestRemove({ requested_by: 'ops' });
    s.chargeStarted(2);
    expect(s.removeAnswer(false, 2)).toMatchObject({ outcome: 'pending', applied: false });
    s.end('removed', 'removed', LATER);
    expect(s.removeAnswer(true, 2)).toMatchObject({ outcome: 'removed', applied: true });
    expect(s.removeAnswer(true, null).message).toBe('removed; no charge started after the request');
    const c = running();
    c.end('collected', 'collected', LATER);
    expect(c.removeAnswer(true, 2)).toMatchObject({ outcome: 'not_removed', status: 'collected' });
  });
});

describe('CycleState: payments and methods from outside', () => {
  it('pays down, ignores the wrong currency or a bad amount, and counts a payment_id once', () => {
    const s = running();
    s.paymentReceived({ amount: '30.00', currency: 'USD', payment_id: 'X-1' });
    s.paymentReceived({ amount: '30.00', currency: 'USD', payment_id: 'X-1' });
    s.paymentReceived({ amount: '30.00', currency: 'EUR' });
    s.paymentReceived({ amount: '1.001', currency: 'USD' });
    s.paymentReceived({ amount: '1', currency: 'U\u0000' });
    expect(s.outstanding).toBe('70.00');
    expect(reasons(s)).toEqual([
      'payment_received',
      'payment_ignored',
      'payment_ignored',
      'message_refused',
      'closing',
    ]);
    s.paymentReceived({ amount: '500', currency: 'USD' });
    expect(s.outstanding).toBe('0.00');
  });

  it('keeps the pre-iso-amounts check for old runs: 1.001 USD counts', () => {
    const s = running(payment(), OLD);
    s.paymentReceived({ amount: '1.001', currency: 'USD' });
    expect(s.outstanding).toBe('98.999');
  });

  it('never lets the outstanding balance go below zero, whatever arrives', () => {
    const amount = fc.oneof(
      fc
        .integer({ min: 0, max: 20_000 })
        .map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`),
      fc.string({ maxLength: 8 }),
    );
    const received = fc.record({
      amount,
      currency: fc.constantFrom('USD', 'EUR'),
      payment_id: fc.option(fc.string(), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(received, { maxLength: 30 }), (payments) => {
        const s = running();
        let before = toUnits(s.outstanding);
        for (const p of payments) {
          s.paymentReceived(p);
          const now = toUnits(s.outstanding);
          expect(now >= 0n).toBe(true);
          expect(now <= before).toBe(true);
          before = now;
        }
      }),
    );
  });

  it('takes a new payment method; retry_on_payment_method_update moves the attempt unless paused', () => {
    const s = running();
    const before = s.nextAttempt;
    s.paymentMethodUpdated({ payment_method_id: 'pm-9' }, LATER);
    expect(s.paymentMethodId).toBe('pm-9');
    expect(s.nextAttempt).toBe(config.settings.retry_on_payment_method_update ? LATER : before);
    s.paymentMethodUpdated({ payment_method_id: '\u0000' }, LATER);
    s.paymentMethodUpdated(undefined, LATER);
    expect(s.paymentMethodId).toBe('pm-9');
    expect(reasons(s)).toEqual(['payment_method_updated', 'message_refused', 'closing']);
  });
});

describe('CycleState: attempts, decisions, the end', () => {
  it('decides a failed attempt: a Retry schedules the next, and the attempt is stored again', () => {
    const s = running();
    const attempt = s.attempts[0];
    expect(attempt).toMatchObject({ action: 'Retry', customer_group_id: group.id });
    expect(s.nextAttempt).toBe(attempt?.retry_next_at);
  });

  it('records our charge: a decline waits for the decision, a collection pays the document down', () => {
    const s = running();
    const a2 = s.recordCharge({
      attempt_number: 2,
      idempotency_key: 'cycle-7-attempt-2',
      amount: '100.00',
      transaction_id: 'Transaction-2',
      now: LATER,
      result: declined,
    });
    expect(a2).toMatchObject({ cpr_generated: true, success: false, action: null, source: 'PR-C7-2' });
    expect(s.takeDirtyAttempts()).toEqual([a2]);
    const a3 = s.recordCharge({
      attempt_number: 3,
      idempotency_key: 'cycle-7-attempt-3',
      amount: '100.00',
      transaction_id: 'Transaction-3',
      now: LATER,
      result: { ...declined, status: 'approved', amount_collected: '100.00' },
    });
    expect(a3).toMatchObject({ success: true, action: 'Stop', label: 'Approved' });
    expect(s.outstanding).toBe('0.00');
  });

  it('marks a hard gateway failure as a stopped system error', () => {
    const s = running();
    const a = s.recordCharge({
      attempt_number: 2,
      idempotency_key: 'k',
      amount: '100.00',
      transaction_id: 't',
      now: LATER,
      result: { ...declined, status: 'error' },
    });
    s.failedHard(a);
    expect(a).toMatchObject({ action: 'Stop', label: 'System Error' });
  });

  it('maps a Stop decision to its final status', () => {
    const stop = (reason: string) => ({ action: 'Stop', reason }) as Parameters<typeof stopStatus>[0];
    expect(stopStatus(stop('attempts_exhausted'))).toBe('attempts_exhausted');
    expect(stopStatus(stop('expired'))).toBe('expired');
    expect(stopStatus(stop('rule'))).toBe('stopped_by_rule');
  });

  it('plans a refusal: a rescheduled attempt says why, and the execute is spent', () => {
    const s = running();
    s.executeNow(LATER, true);
    expect(s.executeOverride).not.toBeNull();
    s.refused({
      next_attempt: '2026-05-09T10:00:00.000Z',
      event: { reason: 'deferred_by_rule', detail: {} },
    });
    expect([s.nextAttempt, s.executeOverride]).toEqual(['2026-05-09T10:00:00.000Z', null]);
    expect(reasons(s)).toEqual(['execute_now', 'deferred_by_rule', 'closing']);
  });

  it('ends: final status, no next attempt, the pause it ended in still shown', () => {
    const s = running();
    s.pause();
    s.end('expired', 'paused past max_cycle_days', LATER);
    expect(s.details('wf')).toMatchObject({
      status: 'expired',
      paused: true,
      next_attempt: null,
      ended_at: LATER,
      end_reason: 'paused past max_cycle_days',
    });
    expect(s.row()).toMatchObject({ status: 'expired', next_attempt: null });
    expect(s.zuora().status).toBe('Cycle Complete');
    // Messages after the end change nothing.
    s.paymentReceived({ amount: '1', currency: 'USD' });
    expect(s.resume(LATER)).toBe(false);
    expect(reasons(s)).toEqual(['paused', 'closing']);
  });

  it('numbers stored events in one sequence with webhook events', () => {
    const s = running();
    // running() stored one event (seq 1).
    expect(s.nextEventSeq()).toBe(2);
    s.pause();
    expect(s.takeEvents({ reason: 'updated', detail: {} }, LATER).map((e) => [e.seq, e.at])).toEqual([
      [3, LATER],
      [4, LATER],
    ]);
    expect(s.hasUnstored).toBe(false);
  });
});

describe('CycleState: the carried state', () => {
  it('round-trips every field through continue-as-new', () => {
    const s = running();
    s.paymentReceived({ amount: '10.00', currency: 'USD', payment_id: 'X-1' });
    s.paymentMethodUpdated({ payment_method_id: 'pm-2' }, LATER);
    s.pause();
    s.takeEvents({ reason: 'updated', detail: {} }, LATER);
    const carried = s.toCarried() as CarriedState;
    const next = CycleState.fromCarried(payment(), structuredClone(carried), FLAGS);
    expect(next.toCarried()).toEqual(carried);
    expect(next.details('wf')).toEqual(s.details('wf'));
    expect(next.zuora()).toEqual(s.zuora());
    // Nothing is queued in the new run, and the carried payments' submits answer at once.
    expect(next.queue).toEqual([]);
    expect(next.submitSettled('P-1')).toBe(true);
    // A payment_id already counted stays counted.
    next.paymentReceived({ amount: '10.00', currency: 'USD', payment_id: 'X-1' });
    expect(next.outstanding).toBe('90.00');
  });

  it('round-trips after any sequence of messages', () => {
    const message = fc.constantFrom(
      (s: CycleState) => s.pause(),
      (s: CycleState) => s.resume(LATER),
      (s: CycleState) => s.executeNow(LATER, true),
      (s: CycleState) => s.executeNow(LATER, false),
      (s: CycleState) => s.paymentReceived({ amount: '7.5', currency: 'USD' }),
      (s: CycleState) => s.paymentReceived({ amount: '7.5', currency: 'USD', payment_id: 'X' }),
      (s: CycleState) => s.paymentMethodUpdated({ payment_method_id: 'pm-3' }, LATER),
      (s: CycleState) => s.submit(payment({ payment_id: 'P-9' })),
    );
    fc.assert(
      fc.property(fc.array(message, { maxLength: 20 }), (messages) => {
        const s = running();
        for (const m of messages) m(s);
        const carried = s.toCarried() as CarriedState;
        const next = CycleState.fromCarried(payment(), structuredClone(carried), FLAGS);
        expect(next.toCarried()).toEqual(carried);
        expect([next.status, next.paused]).toEqual([s.status, s.paused]);
        expect(next.details('wf')).toEqual(s.details('wf'));
      }),
    );
  });
});
