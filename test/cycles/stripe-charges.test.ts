import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHARGE_KEY_METADATA } from '../../activities/gateway/stripe-adapter';
import { manualRetrySchema } from '../../api/schemas/smartpay';
import { createManualRetryClient } from '../../client/manual-retries';
import { attempts } from '../../db/schema';
import { chargeKey } from '../../domain/charge';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf } from '../../domain/failed-payment';
import { STRIPE_BILLING_SOURCE, STRIPE_GATEWAY_ID } from '../../stripe/billing-source';
import { testApp } from '../support/api';
import { failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { FAKE_SECRET_KEY, type StripeFake, startStripeFake } from '../support/stripe-fake';

// Cycles charging through the Stripe adapter end to end: a real Temporal server, a worker whose
// gateways come from STRIPE_SECRET_KEY / STRIPE_API_BASE (pointing at the local Stripe fake), the
// database on both drivers, and the API for a manual retry.

describe.each(dbKinds)('cycles charging through Stripe on %s', (kind: DbKind) => {
  let fake: StripeFake;
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    // A fake per database: both number their cycles from 1, so their charge keys are the same.
    fake = await startStripeFake();
    // Two rule entries: the opening failure plus two charges, then attempts_exhausted.
    h = await startHarness({
      kind,
      config: testConfig(2),
      gatewayEnv: { STRIPE_SECRET_KEY: FAKE_SECRET_KEY, STRIPE_API_BASE: fake.url },
      gatewayTimeoutMs: 5000,
    });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      gatewayIds: ['sim', STRIPE_GATEWAY_ID],
      manualRetries: createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
    await fake?.close();
  });

  const stripePayment = (pm: string, customer: string) =>
    failedPayment(pm, {
      gateway_id: STRIPE_GATEWAY_ID,
      payment_method_id: pm,
      account: { stripe_customer_id: customer },
    });

  it('the first scheduled attempt is collected through exactly one PaymentIntent under its key', async () => {
    const customer = fake.addCustomer({}).id;
    const payment = stripePayment('pm_card_visa', customer);
    const { cycle_id } = await h.cycles.submit(payment);
    const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
    expect(final.status).toBe('collected');

    const key = chargeKey(cycle_id, 2);
    const pis = [...fake.paymentIntents.values()].filter((pi) => pi.customer === customer);
    expect(pis).toHaveLength(1);
    expect(pis[0]).toMatchObject({
      status: 'succeeded',
      amount: 10000,
      amount_received: 10000,
      currency: 'usd',
      payment_method: 'pm_card_visa',
      metadata: { [CHARGE_KEY_METADATA]: key, cycle_id: String(cycle_id), attempt: '2' },
    });
    const requests = fake.requests.filter((r) => r.method === 'POST' && r.form.customer === customer);
    expect(requests.map((r) => r.idempotencyKey)).toEqual([key]);
    const [row] = await h.db.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, cycle_id), eq(attempts.attemptNumber, 2)));
    expect(row).toMatchObject({ idempotencyKey: key, gatewayPaymentId: pis[0]?.id, success: true });
  });

  it('a cycle the Stripe Billing connector opened pays the Stripe invoice itself, under the attempt key', async () => {
    const customer = fake.addCustomer({}).id;
    const invoice = fake.addInvoice({ customer, amount: 2500 });
    const payment = failedPayment('pm_card_visa', {
      gateway_id: STRIPE_GATEWAY_ID,
      payment_method_id: 'pm_card_visa',
      invoice_id: invoice.id,
      amount: '25.00',
      source: STRIPE_BILLING_SOURCE,
      account: { stripe_customer_id: customer },
    });
    const { cycle_id } = await h.cycles.submit(payment);
    const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
    expect(final.status).toBe('collected');
    expect(invoice).toMatchObject({ status: 'paid', amount_remaining: 0 });
    expect(invoice.payment_intents).toHaveLength(1);
    const key = chargeKey(cycle_id, 2);
    const sent = fake.requests.filter((r) => r.method === 'POST' && r.idempotencyKey === key);
    expect(sent.map((r) => r.path)).toEqual([`/v1/invoices/${invoice.id}/pay`]);
    const [row] = await h.db.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, cycle_id), eq(attempts.attemptNumber, 2)));
    expect(row).toMatchObject({
      success: true,
      amountCollected: '25.0000',
      gatewayPaymentId: invoice.payment_intents[0],
    });
  });

  it('every charge of a cycle, and its manual retry, is for the same Stripe customer', async () => {
    const customer = fake.addCustomer({}).id;
    const payment = stripePayment('pm_card_chargeDeclinedInsufficientFunds', customer);
    const { cycle_id } = await h.cycles.submit(payment);
    const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
    expect(final.status).toBe('attempts_exhausted');

    const res = await t.json('POST', `/api/v1/cycles/${cycle_id}/manual_retries`, {
      reason: 'card topped up',
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    expect(manualRetrySchema.parse(body)).toMatchObject({
      attemptNumber: 4,
      gatewayCode: 'insufficient_funds',
    });

    const keys = [2, 3, 4].map((n) => chargeKey(cycle_id, n));
    const charged = fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents');
    const ours = charged.filter((r) => keys.includes(r.idempotencyKey ?? ''));
    expect(ours.map((r) => r.idempotencyKey)).toEqual(keys);
    for (const r of ours) expect(r.form.customer).toBe(customer);
    expect(ours[2]?.form.metadata).toMatchObject({ manual_retry: expect.stringMatching(/^Retry-/) });
    const rows = await h.db.db
      .select({ code: attempts.gatewayCode })
      .from(attempts)
      .where(eq(attempts.cycleId, cycle_id))
      .orderBy(asc(attempts.attemptNumber));
    expect(rows.map((r) => r.code)).toEqual([
      'insufficient_funds',
      'insufficient_funds',
      'insufficient_funds',
      'insufficient_funds',
    ]);
  });
});
