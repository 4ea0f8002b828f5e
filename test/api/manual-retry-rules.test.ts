import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createManualRetryClient } from '../../client/manual-retries';
import { attempts, manualRetries } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf, type FailedPayment } from '../../domain/failed-payment';
import { TEST_TOKEN, testApp } from '../support/api';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// Issue 13, item 4: manual retries pass the same charge gate as every automatic charge. A card that
// answered a never-retry code is not charged again by hand, and manual retries and executes together
// never put more than 20 attempts on one card in 30 days. A refused manual retry answers 409 naming
// the rule and writes nothing.

const P = '/api/v1/payments';
const POST_HEADERS = {
  'Content-Type': 'application/json',
  'Accept-Language': 'en-US',
  'x-api-key': TEST_TOKEN,
};

describe.each(dbKinds)('manual retries and the network rules (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(30) });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      manualRetries: createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  const slow = (pm: string, extra: Partial<FailedPayment> = {}) =>
    failedPayment(pm, { account: { segment: 'slow' }, ...extra });
  const manualRetry = async (billingCycleId: string) => {
    const res = await t.app.request(`/subscriptions/none/billing-cycles/${billingCycleId}/manual-retries`, {
      method: 'POST',
      headers: POST_HEADERS,
      body: JSON.stringify({ reason: 'customer asked' }),
    });
    return { status: res.status, body: (await res.json()) as { status?: string; message?: string } };
  };
  /** A cycle on `payment` that has ended as removed (status Failed), ready for manual retries. */
  const removedCycle = async (payment: FailedPayment) => {
    const submitted = await h.cycles.submit(payment);
    await h.cycles.remove(documentOf(payment));
    expect(((await h.cycles.handle(documentOf(payment)).result()) as CycleDetails).status).toBe('removed');
    return submitted;
  };
  const retriesOf = (cycleId: number) =>
    h.db.db.select().from(manualRetries).where(eq(manualRetries.cycleId, cycleId));

  it('a cycle stopped by a never-retry code is not charged by a manual retry (409 never_retry, nothing written)', async () => {
    const payment = slow('sim.approve', {
      gateway_response_code: 'lost_card',
      gateway_response_message: 'Lost card',
    });
    const { cycle_id, billing_cycle_id } = await h.cycles.submit(payment);
    const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
    expect(final.status).toBe('stopped_by_rule');

    const refused = await manualRetry(billing_cycle_id);
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/network rule never_retry: never-retry code lost_card/);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
    expect(await retriesOf(cycle_id)).toEqual([]);
  });

  it('22 manual retries on a card that answers lost_card charge it once; an execute on it is refused too', async () => {
    const card = `sim.lost_card#card-${randomUUID()}`;
    const ended = await removedCycle(slow('sim.lost_card', { payment_method_id: card }));
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      const r = await manualRetry(ended.billing_cycle_id);
      statuses.push(r.status);
      if (r.status === 409) expect(r.body.message).toMatch(/network rule never_retry/);
    }
    expect(statuses[0]).toBe(201);
    expect(statuses.slice(1).every((s) => s === 409)).toBe(true);
    expect(await ledger(h.simUrl, card)).toHaveLength(1);
    expect(await retriesOf(ended.cycle_id)).toHaveLength(1);

    // Another invoice of the customer, on the same card: its execute is refused by the same rule.
    const other = slow('sim.lost_card', { payment_method_id: card });
    await h.cycles.submit(other);
    const res = await t.json('PUT', `${P}/execute_invoice_payment/${other.invoice_id}`);
    expect(((await res.json()) as { message: string }).message).toMatch(
      /processing: \[\]\. Not executed: \d+: refused \(never_retry\)/,
    );
    expect(await ledger(h.simUrl, card)).toHaveLength(1);
    await h.cycles.remove(documentOf(other));
  });

  it('25 manual retries and 25 executes on one card, across two cycles: exactly 20 attempts in 30 days', async () => {
    const card = `sim.insufficient_funds#card-${randomUUID()}`;
    const ended = await removedCycle(slow('sim.insufficient_funds', { payment_method_id: card }));
    const active = slow('sim.insufficient_funds', { payment_method_id: card });
    const running = await h.cycles.submit(active);
    const onCard = async () =>
      (await h.db.db.select().from(attempts).where(eq(attempts.paymentMethodId, card))).length;

    const manual: number[] = [];
    const executes: string[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await manualRetry(ended.billing_cycle_id);
      manual.push(r.status);
      if (r.status === 409) expect(r.body.message).toMatch(/network rule method_attempt_limit: 20 attempts/);
      else expect(r.body.status).toBe('Failed');

      const before = await onCard();
      const res = await t.json('PUT', `${P}/execute_invoice_payment/${active.invoice_id}`);
      const { message } = (await res.json()) as { message: string };
      executes.push(message);
      if (message.endsWith(`processing: [${running.cycle_id}]`)) {
        await eventually(async () => (await onCard()) === before + 1);
      } else {
        expect(message).toMatch(/Not executed: \d+: refused \(method_attempt_limit\)/);
      }
    }
    // Two failed payments opened the cycles; 18 charges fill the card's 20.
    expect(await onCard()).toBe(20);
    const charges = await ledger(h.simUrl, card);
    expect(charges).toHaveLength(18);
    expect(new Set(charges.map((c) => c.idempotency_key)).size).toBe(18);
    expect(charges.every((c) => c.status !== 'approved')).toBe(true);
    expect(manual.filter((s) => s === 201)).toHaveLength(9);
    expect(manual.filter((s) => s === 409)).toHaveLength(16);
    expect(executes.filter((m) => m.includes('Not executed'))).toHaveLength(16);
    // Refused claims wrote nothing: only the 9 that charged exist.
    expect(await retriesOf(ended.cycle_id)).toHaveLength(9);
    await h.cycles.remove(documentOf(active));
  });
});
