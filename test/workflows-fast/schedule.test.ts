import { describe, expect, it } from 'vitest';
import type { AttemptRecord } from '../../domain/attempt-record';
import type { CycleDetails } from '../../domain/cycle-details';
import { defaultConfig, type RetryConfig } from '../../policy';
import { stateQuery } from '../../workflows/messages';
import {
  approved,
  DAY,
  declined,
  failedPayment,
  HOUR,
  perFileTimeSkipping,
  type RecordInput,
  stubActivities,
} from '../support/time-skipping';

// The schedule over days: the default configuration's per-attempt rules (soft declines retried after
// 1, 1, 2, 2, 2, 3 and 3 days) played out on skipped time, one charge per scheduled attempt.

/** The default schedule's soft-decline interval after attempt n (index n-1), as the policy documents it. */
const SOFT_INTERVALS = [1, 1, 2, 2, 2, 3, 3].map((d) => d * DAY);

/**
 * The default policy with charges at exact rule times: with processor_interval PT1H a charge that
 * answers a few milliseconds after the boundary would move the next one a whole hour later.
 */
const exactTimes: RetryConfig = {
  ...defaultConfig,
  settings: { ...defaultConfig.settings, processor_interval: 'PT0S' },
};

/** Each attempt as last recorded. */
function lastRecorded(records: RecordInput[]): AttemptRecord[] {
  const byNumber = new Map<number, AttemptRecord>();
  for (const r of records) for (const a of r.attempts) byNumber.set(a.attempt_number, a);
  return [...byNumber.values()].sort((x, y) => x.attempt_number - y.attempt_number);
}

/** The next_attempt each 'scheduled' event announced, by the attempt that had just failed. */
function scheduled(records: RecordInput[]): { attempt: number; next: string }[] {
  return records.flatMap((r) =>
    r.events
      .filter((e) => e.reason === 'scheduled')
      .map((e) => ({ attempt: e.detail.attempt_number as number, next: e.detail.next_attempt as string })),
  );
}

const fast = perFileTimeSkipping();

describe('RetryCycle schedule over skipped days', () => {
  it('retries per attempt rule at the scheduled times, then ends attempts_exhausted', async () => {
    const stub = stubActivities({ config: exactTimes });
    const payment = failedPayment();
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment } },
      async (handle) => {
        return (await handle.result()) as CycleDetails;
      },
    );

    expect(result).toMatchObject({
      cycle_id: 1,
      status: 'attempts_exhausted',
      end_reason: 'attempts_exhausted',
      next_attempt: null,
      outstanding: '100.00',
      customer_group: 'All Remaining Customers',
    });
    // Attempt 1 is the failure billing reported; attempts 2..8 are ours, one charge each.
    expect(stub.charges.map((c) => c.req.idempotency_key)).toEqual(
      [2, 3, 4, 5, 6, 7, 8].map((n) => `cycle-1-attempt-${n}`),
    );
    for (const { req } of stub.charges) {
      expect(req).toMatchObject({
        amount: '100.00',
        currency: 'USD',
        gateway_id: 'sim',
        payment_method_id: payment.payment_method_id,
      });
    }

    const records = stub.records();
    const attempts = lastRecorded(records);
    expect(attempts.map((a) => a.attempt_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    // Each retry is scheduled its rule's interval after the attempt that failed, on the workflow clock.
    const plan = scheduled(records);
    expect(plan.map((p) => p.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    plan.forEach((p, i) => {
      const failed = attempts[i] as AttemptRecord;
      expect(Date.parse(p.next) - Date.parse(failed.time_of_execution)).toBe(SOFT_INTERVALS[i]);
      // ...and the charge of the next attempt was scheduled then: not before, and not a minute late.
      const charge = stub.charges[i];
      if (!charge) throw new Error(`no charge for attempt ${i + 2}`);
      expect(charge.scheduledAt).toBeGreaterThanOrEqual(Date.parse(p.next));
      expect(charge.scheduledAt - Date.parse(p.next)).toBeLessThan(60_000);
      expect(attempts[i + 1]?.retry_next_at ?? null).toBe(i + 1 < plan.length ? plan[i + 1]?.next : null);
    });
    // Fourteen days of schedule passed on the server's clock.
    const span = Date.parse(result.ended_at ?? '') - Date.parse(result.started_at);
    expect(span).toBeGreaterThanOrEqual(14 * DAY);
    expect(span).toBeLessThan(14 * DAY + 60_000);

    // One write per decision, the end last; every charge is gated by a read of the method's history.
    expect(records.map((r) => r.cycle.status)).toEqual([...Array(7).fill('in_retry'), 'attempts_exhausted']);
    expect(records.map((r) => r.events.map((e) => e.reason))).toEqual([
      ...Array(7).fill(['scheduled']),
      ['ended'],
    ]);
    expect(stub.calls.map((c) => c.name)).toEqual([
      'beginClaimedCycle',
      'record',
      ...Array(7).fill(['methodHistory', 'charge', 'record']).flat(),
    ]);
  });

  it('collects on the attempt the gateway approves, for the outstanding amount', async () => {
    const stub = stubActivities({
      config: exactTimes,
      charge: (req, call) => (call === 3 ? approved(req) : declined('do_not_honor')(req, call)),
    });
    const payment = failedPayment({ amount: '42.50' });
    const { result, state } = await fast.withCycle(
      { activities: stub.activities, input: { payment } },
      async (handle) => {
        const result = (await handle.result()) as CycleDetails;
        return { result, state: await handle.query(stateQuery) };
      },
    );

    expect(result).toMatchObject({ status: 'collected', end_reason: 'collected', outstanding: '0.00' });
    expect(stub.charges.map((c) => [c.req.idempotency_key, c.req.amount])).toEqual([
      ['cycle-1-attempt-2', '42.50'],
      ['cycle-1-attempt-3', '42.50'],
      ['cycle-1-attempt-4', '42.50'],
    ]);
    // Attempt 4 ran after 1 + 1 + 2 days.
    const span = (stub.charges[2]?.scheduledAt ?? 0) - Date.parse(result.started_at);
    expect(span).toBeGreaterThanOrEqual(4 * DAY);
    expect(span).toBeLessThan(4 * DAY + 60_000);
    const records = stub.records();
    expect(records.map((r) => r.cycle.status)).toEqual(['in_retry', 'in_retry', 'in_retry', 'collected']);
    const attempts = lastRecorded(records);
    expect(attempts.map((a) => [a.attempt_number, a.success, a.amount_collected, a.gateway_code])).toEqual([
      [1, false, '0', 'insufficient_funds'],
      [2, false, '0', 'do_not_honor'],
      [3, false, '0', 'do_not_honor'],
      [4, true, '42.50', 'approved'],
    ]);
    expect(attempts[3]?.gateway_payment_id).toBe('gw-cycle-1-attempt-4');
    expect(state).toMatchObject({ status: 'Cycle Complete', current_attempt_number: 4, next_attempt: null });
  });

  it('stops at a never-retry decline (stolen card) without another charge', async () => {
    const stub = stubActivities({ config: exactTimes, charge: declined('stolen_card') });
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment: failedPayment() } },
      async (handle) => {
        return (await handle.result()) as CycleDetails;
      },
    );
    expect(stub.charges.map((c) => c.req.idempotency_key)).toEqual(['cycle-1-attempt-2']);
    expect(result).toMatchObject({ status: 'stopped_by_rule', end_reason: 'never_retry' });
    expect(stub.records().map((r) => r.cycle.status)).toEqual(['in_retry', result.status]);
  });

  it('with the default processor interval every attempt lands on an hour boundary after its rule time', async () => {
    const stub = stubActivities({
      config: defaultConfig,
      charge: (req, call) => (call === 4 ? approved(req) : declined()(req, call)),
    });
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment: failedPayment() } },
      async (handle) => {
        return (await handle.result()) as CycleDetails;
      },
    );
    expect(result.status).toBe('collected');
    const records = stub.records();
    const attempts = lastRecorded(records);
    const plan = scheduled(records);
    expect(plan).toHaveLength(4);
    plan.forEach((p, i) => {
      const next = Date.parse(p.next);
      const ruleTime =
        Date.parse((attempts[i] as AttemptRecord).time_of_execution) + (SOFT_INTERVALS[i] as number);
      expect(next % HOUR).toBe(0);
      expect(next).toBeGreaterThanOrEqual(ruleTime);
      expect(next - ruleTime).toBeLessThan(HOUR);
      expect(stub.charges[i]?.scheduledAt).toBeGreaterThanOrEqual(next);
    });
  });
});
