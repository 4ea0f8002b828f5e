import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleDetailSchema } from '../../api/schemas/cycles';
import { findClaim } from '../../db/payment-claims';
import { attempts, cycles } from '../../db/schema';
import { findStripeEvent } from '../../db/stripe-events';
import { chargeKey } from '../../domain/charge';
import type { RetryConfig } from '../../policy';
import { STRIPE_GATEWAY_ID } from '../../stripe/billing-source';
import { testApp } from '../support/api';
import { eventually, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import {
  FAKE_SECRET_KEY,
  type FakeCustomer,
  type FakeInvoice,
  type StripeFake,
  startStripeFake,
} from '../support/stripe-fake';
import { fakeStripeConnector, stripeWebhookSender } from '../support/stripe-webhook';

// One Stripe invoice's whole story with both halves of the Stripe integration running together: the
// Billing connector (signed webhook events into the API) opens and steers the cycle, and a real worker
// on a real Temporal server charges it through the `stripe` gateway, which pays the invoice itself on
// the local Stripe fake. The test plays Stripe: after each thing the fake does, it delivers the event
// Stripe would send, whose `request.idempotency_key` is the key of the request that caused it (null
// for Stripe's own actions).

const SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const DECLINING = 'pm_card_chargeDeclinedInsufficientFunds';
/** Customers whose id holds this wait an hour between attempts: only a new payment method moves them. */
const WAITS = 'waits';
/** Rule entries per group: the opening failure plus this many charges, then attempts_exhausted. */
const RULES = 3;

/** Retries a second apart, except for the `WAITS` customers (an hour). */
function flowConfig(): RetryConfig {
  const config = testConfig(RULES);
  const waits = {
    id: 4,
    name: 'Waits for a new method',
    active: true,
    priority: 3,
    filters: [{ field: 'stripe_customer_id', operator: 'contains' as const, value: WAITS }],
    attempts: Array.from({ length: RULES }, () => ({
      '*': { action: 'Retry' as const, criteria: 'incremental_time' as const, interval: 'PT1H' },
      'Hard Decline': { action: 'Stop' as const },
    })),
  };
  return { ...config, customer_groups: [waits, ...config.customer_groups] } as RetryConfig;
}

describe.each(dbKinds)('a Stripe invoice from failure to recovery on %s', (kind: DbKind) => {
  let fake: StripeFake;
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  let stripe: ReturnType<typeof stripeWebhookSender>;
  beforeAll(async () => {
    // A fake per database: both number their cycles from 1, so their charge keys are the same.
    fake = await startStripeFake();
    h = await startHarness({
      kind,
      config: flowConfig(),
      gatewayEnv: { STRIPE_SECRET_KEY: FAKE_SECRET_KEY, STRIPE_API_BASE: fake.url },
      gatewayTimeoutMs: 5000,
    });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      gatewayIds: ['sim', STRIPE_GATEWAY_ID],
      stripe: fakeStripeConnector(fake, SECRET),
    });
    stripe = stripeWebhookSender(t.app, SECRET);
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
    await fake?.close();
  });

  const cycleRows = (invoiceId: string) =>
    h.db.db
      .select()
      .from(cycles)
      .where(and(eq(cycles.documentType, 'invoice'), eq(cycles.documentId, invoiceId)));
  const attemptRows = (cycleId: number) =>
    h.db.db.select().from(attempts).where(eq(attempts.cycleId, cycleId)).orderBy(asc(attempts.attemptNumber));
  /** The cycle as the REST API shows it to an operator. */
  const restCycle = async (cycleId: number) => {
    const res = await t.json('GET', `/api/v1/cycles/${cycleId}`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return cycleDetailSchema.parse(body).cycle;
  };
  const connectorCounts = async () => {
    const res = await t.json('GET', '/api/v1/connectors/stripe');
    expect(res.status).toBe(200);
    return (await res.json()) as {
      foreign_attempts: number;
      events: number;
      by_outcome: Record<string, number>;
    };
  };
  /** What we asked Stripe to do about an invoice (the connector only reads). */
  const paysOf = (invoiceId: string) =>
    fake.requests.filter((r) => r.method === 'POST' && r.path === `/v1/invoices/${invoiceId}/pay`);
  const succeededFor = (invoiceId: string) => fake.succeeded().filter((pi) => pi.invoice === invoiceId);

  /** A subscription invoice whose first collection (Stripe's own, a declining card) failed. */
  const failedSubscriptionInvoice = (customerId: string) => {
    const customer = fake.addCustomer({ id: customerId, default_payment_method: DECLINING });
    const inv = fake.addInvoice({
      customer: customer.id,
      amount: 2500,
      subscription: `sub_${randomBytes(6).toString('hex')}`,
    });
    const firstPi = fake.attemptInvoice(inv.id, DECLINING);
    return { customer, inv, firstPi };
  };

  /** Story 1's start: Stripe's own collection failed and its event opened a cycle that waits an hour. */
  const waitingCycle = async () => {
    const { customer, inv, firstPi } = failedSubscriptionInvoice(
      `cus_${WAITS}_${randomBytes(8).toString('hex')}`,
    );
    const doc = { type: 'invoice' as const, id: inv.id };
    expect(inv).toMatchObject({ status: 'open', attempt_count: 1 });
    expect(firstPi.status).toBe('requires_payment_method');

    // Stripe's own collection failed: it sends invoice.payment_failed, caused by no API request.
    const firstFailure = stripe.invoiceEvent('invoice.payment_failed', inv, null);
    expect(await stripe.accepted(firstFailure)).toEqual({
      received: true,
      duplicate: false,
      outcome: 'submitted',
    });
    const [opened] = await cycleRows(inv.id);
    const cycleId = opened?.id as number;
    expect(opened).toMatchObject({ status: 'in_retry', paymentMethodId: DECLINING, customerGroupId: 4 });
    expect(await findClaim(h.db.db, `stripe:${firstPi.id}:1`)).not.toBeNull();
    // The hour-long wait: nothing is charged until the method changes.
    expect(paysOf(inv.id)).toEqual([]);
    return { customer, inv, doc, firstPi, firstFailure, cycleId, key: chargeKey(cycleId, 2) };
  };

  /** The customer sets a working card as the default (dashboard or portal: no request of ours). */
  const newDefaultMethod = async (customer: FakeCustomer) => {
    customer.invoice_settings.default_payment_method = 'pm_card_visa';
    const updated = stripe.stripeEvent(
      'customer.updated',
      { object: 'customer', ...customer },
      { previous_attributes: { invoice_settings: { default_payment_method: DECLINING } } },
    );
    expect(await stripe.accepted(updated)).toMatchObject({ outcome: 'payment_method_updated' });
  };

  /** Story 1 up to the cycle collecting: the new method pulls the next attempt forward, which pays. */
  const recoverInvoice = async () => {
    const story = await waitingCycle();
    await newDefaultMethod(story.customer);
    await eventually(async () => (await cycleRows(story.inv.id))[0]?.status === 'collected');
    return story;
  };

  it('recovered: a failed subscription invoice is paid by our retry with the new default method; our invoice.paid changes nothing', async () => {
    const counts0 = await connectorCounts();
    const { customer, inv, doc, firstPi, firstFailure, cycleId, key } = await recoverInvoice();

    // The cycle: collected by its own attempt 2, not ended as paid elsewhere.
    const [row] = await cycleRows(inv.id);
    expect(row).toMatchObject({
      status: 'collected',
      paymentMethodId: 'pm_card_visa',
      amount: '25.0000',
      outstanding: '0.0000',
      amountCollected: '25.0000',
    });
    const rows = await attemptRows(cycleId);
    expect(rows.map((a) => [a.attemptNumber, a.cprGenerated, a.success])).toEqual([
      [1, false, false],
      [2, true, true],
    ]);
    expect(rows[0]).toMatchObject({ paymentId: `stripe:${firstPi.id}:1`, paymentMethodId: DECLINING });

    // Stripe: the invoice paid by exactly one request, ours, under the attempt's key, with the new card.
    const pays = paysOf(inv.id);
    expect(pays.map((r) => r.idempotencyKey)).toEqual([key]);
    expect(pays[0]?.form).toMatchObject({ payment_method: 'pm_card_visa', off_session: 'true' });
    expect(fake.requests.filter((r) => r.method === 'POST' && r.path === '/v1/payment_intents')).toEqual([]);
    expect(fake.invoices.get(inv.id)).toMatchObject({
      status: 'paid',
      amount_paid: 2500,
      amount_remaining: 0,
      attempt_count: 2,
    });
    const paid = succeededFor(inv.id);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({
      customer: customer.id,
      payment_method: 'pm_card_visa',
      amount_received: 2500,
      currency: 'usd',
    });
    expect(inv.payment_intents).toEqual([firstPi.id, paid[0]?.id]);
    expect(rows[1]).toMatchObject({
      idempotencyKey: key,
      gatewayPaymentId: paid[0]?.id,
      paymentMethodId: 'pm_card_visa',
      amountCollected: '25.0000',
    });

    // The operator's view: the same story in the REST API.
    const before = await restCycle(cycleId);
    expect(before).toMatchObject({
      status: 'collected',
      amount: '25.00',
      outstanding: '0.00',
      amount_collected: '25.00',
      attempt_count: 2,
      payment_method_id: 'pm_card_visa',
    });
    expect(
      before.attempts.map((a) => [a.attempt_number, a.cpr_generated, a.success, a.gateway_payment_id]),
    ).toEqual([
      // The opening failure is known by its payment_id (`stripe:<PaymentIntent>:<attempt>`), not a charge of ours.
      [1, false, false, null],
      [2, true, true, paid[0]?.id],
    ]);

    // Stripe now sends invoice.paid for our pay request: recorded as our own charge, nothing changes.
    const ourPaid = stripe.invoiceEvent(
      'invoice.paid',
      fake.invoices.get(inv.id) as FakeInvoice,
      pays[0]?.idempotencyKey,
    );
    expect(await stripe.accepted(ourPaid)).toEqual({
      received: true,
      duplicate: false,
      outcome: 'own_charge',
    });
    expect(await findStripeEvent(h.db.db, ourPaid.id)).toMatchObject({
      type: 'invoice.paid',
      invoiceId: inv.id,
      customerId: customer.id,
      outcome: 'own_charge',
      foreignAttempt: false,
    });
    expect(await findStripeEvent(h.db.db, firstFailure.id)).toMatchObject({
      outcome: 'submitted',
      foreignAttempt: false,
    });
    const after = await restCycle(cycleId);
    expect(after.status).toBe('collected');
    // Its whole timeline too: no event recorded on the ended cycle.
    expect(after).toEqual(before);
    expect((await h.cycles.details(doc))?.status).toBe('collected');
    // Not one foreign attempt in the whole story: every payment attempt on the invoice was Stripe's
    // first (which opened the cycle) or ours.
    const counts = await connectorCounts();
    expect(counts.foreign_attempts).toBe(counts0.foreign_attempts);
    expect(counts.events).toBe(counts0.events + 3);
    expect(succeededFor(inv.id)).toHaveLength(1);
  });

  it("our own decline: Stripe's invoice.payment_failed for our pay request adds no attempt; the cycle retries by its rules", async () => {
    const { inv, firstPi } = failedSubscriptionInvoice(`cus_${randomBytes(8).toString('hex')}`);
    expect(await stripe.accepted(stripe.invoiceEvent('invoice.payment_failed', inv, null))).toMatchObject({
      outcome: 'submitted',
    });
    const [opened] = await cycleRows(inv.id);
    const cycleId = opened?.id as number;
    expect(opened?.customerGroupId).not.toBe(4);

    // Our attempt 2 pays the invoice with the declining card: the fake declines it.
    const key = chargeKey(cycleId, 2);
    const ours = await eventually(async () => paysOf(inv.id).find((r) => r.idempotencyKey === key));
    await eventually(async () => (await attemptRows(cycleId)).some((a) => a.attemptNumber === 2));
    const declinedPi = inv.payment_intents[1] as string;
    expect(fake.paymentIntents.get(declinedPi)).toMatchObject({ status: 'requires_payment_method' });

    // What Stripe sends for that request (the invoice as it was right after it: attempt_count 2).
    const snapshot = { ...(fake.invoices.get(inv.id) as FakeInvoice), attempt_count: 2 };
    const ownFailure = stripe.invoiceEvent('invoice.payment_failed', snapshot, ours.idempotencyKey);
    expect(await stripe.accepted(ownFailure)).toEqual({
      received: true,
      duplicate: false,
      outcome: 'own_charge',
    });
    expect(await findStripeEvent(h.db.db, ownFailure.id)).toMatchObject({
      outcome: 'own_charge',
      foreignAttempt: false,
    });
    // Had it been taken for a new failure, it would have entered the cycle under this payment id.
    expect(await findClaim(h.db.db, `stripe:${declinedPi}:2`)).toBeNull();
    // The only attempt not made by the cycle is still the failure that opened it.
    expect((await restCycle(cycleId)).attempts.filter((a) => !a.cpr_generated)).toHaveLength(1);

    // The cycle keeps to its rules: every charge it makes is its own, until they run out.
    await eventually(async () => (await cycleRows(inv.id))[0]?.status === 'attempts_exhausted');
    const rows = await attemptRows(cycleId);
    expect(rows.map((a) => [a.attemptNumber, a.cprGenerated, a.idempotencyKey])).toEqual([
      [1, false, null],
      ...Array.from({ length: RULES }, (_, i) => [i + 2, true, chargeKey(cycleId, i + 2)]),
    ]);
    expect(rows.map((a) => a.paymentId).filter((p) => p.startsWith('stripe:'))).toEqual([
      `stripe:${firstPi.id}:1`,
    ]);
    expect(paysOf(inv.id).map((r) => r.idempotencyKey)).toEqual(
      Array.from({ length: RULES }, (_, i) => chargeKey(cycleId, i + 2)),
    );
    expect((await restCycle(cycleId)).attempt_count).toBe(1 + RULES);
    expect(fake.invoices.get(inv.id)).toMatchObject({ status: 'open', amount_remaining: 2500 });
    expect(succeededFor(inv.id)).toEqual([]);
  });

  it('redelivery after the end: the first failure again is a duplicate, and a new event for it opens no cycle on the paid invoice', async () => {
    const { inv, cycleId, firstFailure, firstPi } = await recoverInvoice();
    const rowsBefore = await attemptRows(cycleId);
    const cycleBefore = await restCycle(cycleId);
    const postsBefore = fake.requests.filter((r) => r.method === 'POST').length;

    // Stripe redelivers the very event that opened the cycle (same id): answered as before.
    expect(await stripe.accepted(firstFailure)).toEqual({
      received: true,
      duplicate: true,
      outcome: 'submitted',
    });

    // A new event about that same old failure (same PaymentIntent, attempt_count 1), arriving late.
    const late = stripe.stripeEvent('invoice.payment_failed', {
      ...stripe.snapshot(fake.invoices.get(inv.id) as FakeInvoice),
      status: 'open',
      amount_paid: 0,
      amount_remaining: 2500,
      attempt_count: 1,
    });
    expect(late.id).not.toBe(firstFailure.id);
    expect(await stripe.accepted(late)).toEqual({ received: true, duplicate: false, outcome: 'not_open' });
    expect(await findStripeEvent(h.db.db, late.id)).toMatchObject({
      outcome: 'not_open',
      reason: 'the invoice is paid',
      foreignAttempt: false,
    });

    // Nothing changed: one cycle, collected, the same attempts; nothing more asked of Stripe.
    const all = await cycleRows(inv.id);
    expect(all.map((c) => [c.id, c.status])).toEqual([[cycleId, 'collected']]);
    expect(await attemptRows(cycleId)).toEqual(rowsBefore);
    expect(await restCycle(cycleId)).toEqual(cycleBefore);
    expect(await findClaim(h.db.db, `stripe:${firstPi.id}:1`)).toMatchObject({ cycle_id: cycleId });
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(postsBefore);
    expect(succeededFor(inv.id)).toHaveLength(1);
  });

  it("Stripe's invoice.paid for our pay request, arriving before our charge is answered, leaves the cycle to record its own charge", async () => {
    const counts0 = await connectorCounts();
    const { customer, inv, cycleId, key } = await waitingCycle();
    // Stripe pays the invoice but its answers to us are lost: the request and the SDK's first retry
    // under the same key time out (5 s each), its second retry is answered with the stored result.
    // That leaves the event (delivered in milliseconds) ten seconds to arrive first.
    fake.blackHole((r) => r.method === 'POST' && r.path === `/v1/invoices/${inv.id}/pay`, 2);
    await newDefaultMethod(customer);
    const pay = await eventually(async () => paysOf(inv.id)[0]);
    expect(pay.idempotencyKey).toBe(key);
    expect(fake.invoices.get(inv.id)?.status).toBe('paid');
    // Our charge is unanswered: the cycle has not recorded it yet.
    expect((await cycleRows(inv.id))[0]?.status).toBe('in_retry');
    expect((await attemptRows(cycleId)).filter((a) => a.attemptNumber === 2 && a.success)).toEqual([]);

    const ourPaid = stripe.invoiceEvent('invoice.paid', fake.invoices.get(inv.id) as FakeInvoice, key);
    expect(await stripe.accepted(ourPaid)).toEqual({
      received: true,
      duplicate: false,
      outcome: 'own_charge',
    });

    // The cycle ends by its own charge: collected (not collected_external), the invoice's amount once.
    await eventually(async () => {
      const status = (await cycleRows(inv.id))[0]?.status;
      return status !== 'in_retry' && status !== undefined;
    });
    const [row] = await cycleRows(inv.id);
    expect(row).toMatchObject({ status: 'collected', outstanding: '0.0000', amountCollected: '25.0000' });
    const rows = await attemptRows(cycleId);
    expect(rows.map((a) => [a.attemptNumber, a.success, a.idempotencyKey])).toEqual([
      [1, false, null],
      [2, true, key],
    ]);
    expect((await restCycle(cycleId)).events.map((e) => e.reason)).not.toContain('payment_received');
    expect(succeededFor(inv.id)).toHaveLength(1);
    // One charge however often it was asked for: every request under the same key.
    const keys = paysOf(inv.id).map((r) => r.idempotencyKey);
    expect(keys.length).toBeGreaterThan(1);
    expect(new Set(keys)).toEqual(new Set([key]));
    expect((await connectorCounts()).foreign_attempts).toBe(counts0.foreign_attempts);
  });
});
