import { describe, expect, it } from 'vitest';
import { chargedAttempt, externalAttempt } from '../../domain/attempt-record';
import type { CycleDetails } from '../../domain/cycle-details';
import { defaultConfig, type RetryConfig } from '../../policy';
import type { CarriedState } from '../../workflows/retry-cycle';
import { approved, DAY, failedPayment, perFileTimeSkipping, stubActivities } from '../support/time-skipping';

// The run that continue-as-new starts: the same workflow with the state the previous run carried
// (CycleState.toCarried). Reaching the history limit is the integration tier's (test/cycles/messages);
// here the next run is started directly with a carried state, as the server starts it, and must go on
// exactly where the previous run left off: same cycle, same attempts, same balance, pause and schedule.

const config: RetryConfig = {
  ...defaultConfig,
  settings: { ...defaultConfig.settings, processor_interval: 'PT0S', max_cycle_days: 30 },
};

const fast = perFileTimeSkipping();

/** What a run two attempts in would carry: attempt 1 (the failed payment) and our declined attempt 2. */
/** `now`: the test server's clock, which earlier tests of the file may have skipped far ahead. */
function carriedAfterTwoAttempts(now: number, over: Partial<CarriedState> = {}) {
  const payment = failedPayment();
  const startedAt = new Date(now - 2 * DAY).toISOString();
  const cycleId = 7;
  const first = externalAttempt(payment, 1, 1, 'Transaction-1', startedAt);
  const second = chargedAttempt({
    attempt_number: 2,
    cycle_id: cycleId,
    idempotency_key: `cycle-${cycleId}-attempt-2`,
    transaction_id: 'Transaction-2',
    now: new Date(now - DAY).toISOString(),
    amount: '60.00',
    currency: payment.currency,
    payment_method_id: payment.payment_method_id,
    gateway_id: payment.gateway_id,
    customer_group_id: 1,
    result: {
      status: 'declined',
      code: 'insufficient_funds',
      message: 'no',
      gateway_payment_id: null,
      amount_collected: '0',
    },
  });
  const carried: CarriedState = {
    config_version: 3,
    config,
    lifecycle_webhooks: false,
    group: { id: 1, name: 'All Remaining Customers' },
    cycle_id: cycleId,
    billing_cycle_id: 'BillingCycle-carried',
    started_at: startedAt,
    attempts: [
      { ...first, action: 'Retry', label: 'Soft Decline' },
      { ...second, action: 'Retry', label: 'Soft Decline' },
    ],
    payment_ids: [payment.payment_id],
    acknowledged: [payment.payment_id],
    external_payment_ids: ['outside-1'],
    // 100.00 less 40.00 paid outside the cycle before the handover.
    outstanding: '60.00',
    payment_method_id: payment.payment_method_id,
    status: 'in_retry',
    paused: false,
    next_attempt: new Date(now + DAY).toISOString(),
    event_seq: 41,
    ...over,
  };
  return { payment, carried };
}

describe('RetryCycle started from a carried state (the run continue-as-new starts)', () => {
  it('charges attempt 3 of the same cycle for the carried balance at the carried time, and collects', async () => {
    const { payment, carried } = carriedAfterTwoAttempts(await fast.env.currentTimeMs());
    const stub = stubActivities({ config, charge: (req) => approved(req) });
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment, carried } },
      async (handle) => {
        return (await handle.result()) as CycleDetails;
      },
    );

    // Nothing is opened or claimed again: the cycle exists.
    expect(stub.opened()).toEqual([]);
    expect(stub.charges.map((c) => [c.req.idempotency_key, c.req.amount, c.req.payment_method_id])).toEqual([
      ['cycle-7-attempt-3', '60.00', payment.payment_method_id],
    ]);
    expect(stub.charges[0]?.scheduledAt).toBeGreaterThanOrEqual(Date.parse(carried.next_attempt ?? ''));
    expect(result).toMatchObject({
      status: 'collected',
      cycle_id: 7,
      billing_cycle_id: 'BillingCycle-carried',
      config_version: 3,
      started_at: carried.started_at,
      outstanding: '0.00',
    });
    // Every write is for the carried cycle, and its events number on from the carried sequence.
    const records = stub.records();
    expect(new Set(records.map((r) => r.cycle_id))).toEqual(new Set([7]));
    expect(records.flatMap((r) => r.events).map((e) => e.seq)[0]).toBe(42);
    expect(records.flatMap((r) => r.attempts).map((a) => a.attempt_number)).toEqual([3]);
  });

  it('a carried pause holds: no charge, expired at the first run’s cycle limit', async () => {
    const { payment, carried } = carriedAfterTwoAttempts(await fast.env.currentTimeMs(), {
      status: 'paused',
      paused: true,
    });
    const stub = stubActivities({ config, charge: (req) => approved(req) });
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment, carried } },
      async (handle) => {
        return (await handle.result()) as CycleDetails;
      },
    );

    expect(stub.charges).toEqual([]);
    expect(result).toMatchObject({
      status: 'expired',
      end_reason: 'paused past max_cycle_days',
      outstanding: '60.00',
      cycle_id: 7,
    });
    const span = Date.parse(result.ended_at ?? '') - Date.parse(carried.started_at);
    expect(span).toBeGreaterThanOrEqual(30 * DAY);
    expect(span).toBeLessThan(30 * DAY + 60_000);
  });
});
