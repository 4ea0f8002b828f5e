import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, cycleEvents } from '../../db/schema';
import { documentOf, type FailedPayment } from '../../domain/failed-payment';
import { testApp } from '../support/api';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// Issue 13, items 5 and 6. Execute goes through the same charge gate as every other charge: once the
// card has had 20 attempts in 30 days an execute is refused, says so, and leaves the attempt where the
// policy put it. executeNow on a paused cycle is the resume transition, so pause and resume keep working.

const P = '/api/v1/payments';
const DAY = 86_400_000;

describe.each(dbKinds)('the charge gate in front of execute (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    // 30 rule entries an hour apart: the rules alone would let 30 attempts through.
    h = await startHarness({ kind, config: testConfig(30) });
    t = await testApp(kind, { db: h.db, cycles: h.cycles });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  const slow = (pm: string, extra: Partial<FailedPayment> = {}) =>
    failedPayment(pm, { account: { segment: 'slow' }, ...extra });
  const storedAttempts = (cycleId: number) =>
    h.db.db.select().from(attempts).where(eq(attempts.cycleId, cycleId)).orderBy(asc(attempts.attemptNumber));

  it('25 executes on one card: 20 attempts in 30 days, then refused with the rule, the attempt left where the policy put it', async () => {
    const payment = slow('sim.insufficient_funds');
    const { cycle_id } = await h.cycles.submit(payment);
    const invoice = payment.invoice_id ?? '';
    const answers: string[] = [];
    for (let i = 0; i < 25; i++) {
      const before = (await storedAttempts(cycle_id)).length;
      const res = await t.json('PUT', `${P}/execute_invoice_payment/${invoice}`);
      expect(res.status).toBe(200);
      const { message } = (await res.json()) as { message: string };
      answers.push(message);
      if (message.includes(`processing: [${cycle_id}]`)) {
        await eventually(async () => (await storedAttempts(cycle_id)).length === before + 1);
      }
    }
    const stored = await storedAttempts(cycle_id);
    expect(stored).toHaveLength(20);
    const onCard = await h.db.db
      .select()
      .from(attempts)
      .where(eq(attempts.paymentMethodId, payment.payment_method_id));
    expect(onCard).toHaveLength(20);
    const charges = await ledger(h.simUrl, payment.payment_method_id);
    expect(charges).toHaveLength(19);
    expect(new Set(charges.map((c) => c.idempotency_key)).size).toBe(19);

    // The first 19 executes took effect; the other 6 were refused, each saying why.
    expect(answers.slice(0, 19).every((m) => m.endsWith(`processing: [${cycle_id}]`))).toBe(true);
    for (const m of answers.slice(19)) {
      expect(m).toMatch(
        new RegExp(
          `processing: \\[\\]\\. Not executed: ${cycle_id}: refused \\(method_attempt_limit\\), 20 attempts`,
        ),
      );
    }
    // The policy had pushed attempt 21 thirty days out; the refused executes left it there.
    const details = await h.cycles.details(documentOf(payment));
    expect(details?.status).toBe('in_retry');
    expect(Date.parse(details?.next_attempt ?? '')).toBeGreaterThan(Date.now() + 29 * DAY);
    // Each refusal is in the cycle's events, with its rule.
    const refused = await eventually(async () => {
      const rows = await h.db.db
        .select()
        .from(cycleEvents)
        .where(and(eq(cycleEvents.cycleId, cycle_id), eq(cycleEvents.reason, 'execute_refused')));
      return rows.length === 6 ? rows : undefined;
    });
    expect(refused.every((e) => (e.detail as { rule?: string }).rule === 'method_attempt_limit')).toBe(true);

    // The Update answers the same through the typed client.
    const direct = await h.cycles.confirmed.execute(documentOf(payment));
    expect(direct).toMatchObject({ outcome: 'refused', applied: false, rule: 'method_attempt_limit' });
    expect(direct?.next_attempt).toBe(details?.next_attempt);
    await h.cycles.remove(documentOf(payment));

    // A scheduled attempt of another cycle on the same card is held by the same gate: the rules say
    // 2 s, the card's 20 attempts say not before the oldest leaves the 30-day window.
    const second = failedPayment('sim.insufficient_funds', {
      account: { segment: 'two-seconds' },
      payment_method_id: payment.payment_method_id,
    });
    const opened = await h.cycles.submit(second);
    const deferred = await eventually(async () => {
      const [row] = await h.db.db
        .select()
        .from(cycleEvents)
        .where(and(eq(cycleEvents.cycleId, opened.cycle_id), eq(cycleEvents.reason, 'deferred_by_rule')));
      return row;
    });
    expect(deferred.detail).toMatchObject({ rule: 'method_attempt_limit' });
    const held = await h.cycles.details(documentOf(second));
    expect(held?.status).toBe('in_retry');
    expect(Date.parse(held?.next_attempt ?? '')).toBeGreaterThan(Date.now() + 29 * DAY);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(19);
    await h.cycles.remove(documentOf(second));
  });

  it('a retry after a payment method update passes the gate: a card that answered lost_card elsewhere is not charged', async () => {
    const lost = slow('sim.approve', {
      gateway_response_code: 'lost_card',
      gateway_response_message: 'Lost card',
    });
    await h.cycles.submit(lost);
    expect(((await h.cycles.handle(documentOf(lost)).result()) as { status: string }).status).toBe(
      'stopped_by_rule',
    );

    const payment = slow('sim.insufficient_funds');
    await h.cycles.submit(payment);
    const doc = documentOf(payment);
    // retry_on_payment_method_update moves the next attempt to now, onto the lost card.
    await h.cycles.paymentMethodUpdated(doc, lost.payment_method_id);
    const final = (await h.cycles.handle(doc).result()) as { status: string; end_reason: string };
    expect(final.status).toBe('stopped_by_rule');
    expect(final.end_reason).toMatch(/^never_retry: never-retry code lost_card/);
    expect(await ledger(h.simUrl, lost.payment_method_id)).toEqual([]);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
  });

  it('pause, then execute: the cycle is in_retry and charging, and pause and resume still work', async () => {
    const payment = slow('sim.insufficient_funds');
    const { cycle_id } = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    await h.cycles.pause(doc);
    await eventually(async () => (await h.cycles.details(doc))?.status === 'paused');

    await h.cycles.executeNow(doc);
    await eventually(async () => (await storedAttempts(cycle_id)).length === 2);
    expect(await h.cycles.details(doc)).toMatchObject({ status: 'in_retry', paused: false });

    // The Updates answer what happened, and the cycle follows.
    expect(await h.cycles.confirmed.pause(doc)).toMatchObject({
      outcome: 'paused',
      applied: true,
      status: 'paused',
    });
    expect(await h.cycles.confirmed.pause(doc)).toMatchObject({ outcome: 'unchanged', applied: false });
    expect(await h.cycles.confirmed.resume(doc)).toMatchObject({ outcome: 'resumed', status: 'in_retry' });
    expect(await h.cycles.confirmed.resume(doc)).toMatchObject({ outcome: 'unchanged', applied: false });

    // The same through an execute Update on a paused cycle: one resume transition serves both.
    await h.cycles.pause(doc);
    await eventually(async () => (await h.cycles.details(doc))?.status === 'paused');
    expect(await h.cycles.confirmed.execute(doc)).toMatchObject({ outcome: 'executed', status: 'in_retry' });
    await eventually(async () => (await storedAttempts(cycle_id)).length === 3);
    expect(await h.cycles.details(doc)).toMatchObject({ status: 'in_retry', paused: false });
    await h.cycles.pause(doc);
    await eventually(async () => (await h.cycles.details(doc))?.status === 'paused');
    await h.cycles.resume(doc);
    await eventually(async () => (await h.cycles.details(doc))?.status === 'in_retry');

    const resumes = async () =>
      (
        await h.db.db
          .select({ reason: cycleEvents.reason, status: cycleEvents.status })
          .from(cycleEvents)
          .where(eq(cycleEvents.cycleId, cycle_id))
          .orderBy(asc(cycleEvents.seq))
      ).filter((e) => e.reason === 'resumed');
    // The details query shows a resume at once; its event is stored by the cycle's next record, which
    // under load can land after the query answered.
    await eventually(async () => (await resumes()).length >= 4);
    expect(await resumes()).toHaveLength(4);
    expect(await h.cycles.confirmed.remove(doc)).toMatchObject({ outcome: 'removed', applied: true });
    // Once ended there is nothing to act on: null when the run has closed, not_active while it closes.
    const again = await h.cycles.confirmed.remove(doc);
    expect(again === null || again.outcome === 'not_active').toBe(true);
    const charges = await ledger(h.simUrl, payment.payment_method_id);
    expect(charges).toHaveLength(2);
    expect(new Set(charges.map((c) => c.idempotency_key)).size).toBe(2);
  });
});
