import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, cycleEvents, cycles } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf } from '../../domain/failed-payment';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { expectedFirstAttempt } from '../support/zuora-shapes';

describe.each(dbKinds)('RetryCycle on the real dev server, on %s', (kind: DbKind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(3) });
  });
  afterAll(async () => {
    await h.close();
  });

  const result = (doc: ReturnType<typeof documentOf>) =>
    h.cycles.handle(doc).result() as Promise<CycleDetails>;
  const rows = async (cycleId: number) =>
    h.db.db.select().from(attempts).where(eq(attempts.cycleId, cycleId)).orderBy(asc(attempts.attemptNumber));

  it('collects on attempt 3, with one charge per idempotency key and every attempt stored', async () => {
    const payment = failedPayment('sim.insufficient_funds.approve');
    const submitted = await h.cycles.submit(payment);
    expect(submitted).toMatchObject({ added: true, attempt_number: 1 });
    expect(submitted.billing_cycle_id).toMatch(/^BillingCycle-[0-9a-f-]{36}$/);

    const doc = documentOf(payment);
    const final = await result(doc);
    expect(final).toMatchObject({ status: 'collected', outstanding: '0.00', cycle_id: submitted.cycle_id });

    const stored = await rows(submitted.cycle_id);
    expect(stored.map((r) => [r.attemptNumber, r.cprGenerated, r.success, r.action, r.label])).toEqual([
      [1, false, false, 'Retry', 'Soft Decline'],
      [2, true, false, 'Retry', 'Soft Decline'],
      [3, true, true, 'Stop', 'Approved'],
    ]);
    expect(stored[0]?.paymentId).toBe(payment.payment_id);
    expect(stored[0]?.source).toBe('PR-00000371');
    expect(stored[2]?.idempotencyKey).toBe(`cycle-${submitted.cycle_id}-attempt-3`);
    expect(stored[2]?.amountCollected).toBe('100.0000');

    const charges = await ledger(h.simUrl, payment.payment_method_id);
    expect(charges.map((c) => c.idempotency_key).sort()).toEqual([
      `cycle-${submitted.cycle_id}-attempt-2`,
      `cycle-${submitted.cycle_id}-attempt-3`,
    ]);

    const [cycle] = await h.db.db.select().from(cycles).where(eq(cycles.id, submitted.cycle_id));
    expect(cycle).toMatchObject({
      status: 'collected',
      endReason: 'collected',
      nextAttemptAt: null,
      // Summed from its attempts in the statement that records the end.
      amountCollected: '100.0000',
    });
    expect(cycle?.endedAt).toBeInstanceOf(Date);
    const events = await h.db.db
      .select()
      .from(cycleEvents)
      .where(eq(cycleEvents.cycleId, submitted.cycle_id))
      .orderBy(asc(cycleEvents.seq));
    expect(events.at(-1)).toMatchObject({ status: 'collected', reason: 'ended' });
  });

  it('stops after attempt 1 on a hard decline, charging nothing', async () => {
    const payment = failedPayment('sim.approve', {
      gateway_response_code: 'lost_card',
      gateway_response_message: 'Lost card',
    });
    const submitted = await h.cycles.submit(payment);
    const final = await result(documentOf(payment));
    expect(final).toMatchObject({ status: 'stopped_by_rule', end_reason: 'never_retry' });
    const stored = await rows(submitted.cycle_id);
    expect(stored.map((r) => [r.attemptNumber, r.action, r.label])).toEqual([[1, 'Stop', 'Hard Decline']]);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
  });

  it('ends with attempts exhausted when the rules run out', async () => {
    const payment = failedPayment('sim.insufficient_funds');
    const submitted = await h.cycles.submit(payment);
    const final = await result(documentOf(payment));
    expect(final.status).toBe('attempts_exhausted');
    // Three rule entries: the decision after attempts 1, 2 and 3 retries, after attempt 4 it stops.
    expect((await rows(submitted.cycle_id)).map((r) => r.action)).toEqual([
      'Retry',
      'Retry',
      'Retry',
      'Stop',
    ]);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(3);
  });

  it('shows the cycle in Zuora shape through the state query while it runs', async () => {
    const payment = failedPayment('sim.approve', { account: { segment: 'slow' } });
    const submitted = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const state = await h.cycles.state(doc);
    expect(state).toMatchObject({
      account_id: payment.account_id,
      invoice_id: payment.invoice_id,
      payment_method_id: payment.payment_method_id,
      currency: 'USD',
      status: 'Cycle Incomplete',
      current_attempt_number: 1,
      customer_group: 'Slow',
    });
    expect(state?.next_attempt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(state?.attempts[0]).toEqual(expectedFirstAttempt(payment));
    const details = await h.cycles.details(doc);
    expect(details).toMatchObject({
      cycle_id: submitted.cycle_id,
      config_version: 1,
      status: 'in_retry',
      paused: false,
    });
    await h.cycles.remove(doc);
    expect((await result(doc)).status).toBe('removed');
    expect(await h.cycles.state(doc)).toBeNull();
  });

  it('treats the same payment_id twice as a no-op, and adds a new failed payment via signal-with-start', async () => {
    const payment = failedPayment('sim.approve', { account: { segment: 'slow' } });
    const first = await h.cycles.submit(payment);
    const again = await h.cycles.submit(payment);
    expect(again).toMatchObject({ added: false, cycle_id: first.cycle_id, attempt_number: 1 });
    const doc = documentOf(payment);

    await h.cycles.submitAsync({
      ...payment,
      payment_id: `${payment.payment_id}-b`,
      gateway_response_code: 'do_not_honor',
    });
    const state = await eventually(async () => {
      const s = await h.cycles.state(doc);
      return s && s.attempts.length === 2 ? s : undefined;
    });
    expect(state.attempts[1]).toMatchObject({
      attempt_number: 2,
      zuora_payment_id: `${payment.payment_id}-b`,
      cpr_generated: false,
      gateway_info: { code: 'do_not_honor' },
    });
    const byUpdate = await h.cycles.submit({ ...payment, payment_id: `${payment.payment_id}-c` });
    expect(byUpdate).toMatchObject({ added: true, attempt_number: 3, cycle_id: first.cycle_id });
    await h.cycles.remove(doc);
    const final = await result(doc);
    expect(final.status).toBe('removed');
    const stored = await h.db.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, first.cycle_id)));
    expect(stored).toHaveLength(3);
  });
});
