import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_WEBHOOK_PATH } from '../../api/connectors/stripe/routes';
import { findClaim } from '../../db/payment-claims';
import { attempts, cycles } from '../../db/schema';
import { findStripeEvent } from '../../db/stripe-events';
import type { RetryConfig } from '../../policy';
import { STRIPE_BILLING_SOURCE } from '../../stripe/billing-source';
import { testApp } from '../support/api';
import { eventually, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { type FakeInvoice, type StripeFake, startStripeFake } from '../support/stripe-fake';
import { fakeStripeConnector, stripeWebhookSender } from '../support/stripe-webhook';

// The Stripe Billing connector end to end: signed webhook events (as Stripe builds and signs them)
// into the API, a real worker and Temporal behind it, the invoices read back from a local Stripe that
// speaks the wire format. The configuration waits an hour before any retry, so nothing is charged
// unless a test charges; the connector itself never POSTs to Stripe.

const SECRET = `whsec_${randomBytes(16).toString('hex')}`;
const DECLINING = 'pm_card_chargeDeclinedInsufficientFunds';

/** Every retry an hour away, and a new payment method does not pull the next attempt forward. */
function hourlyConfig(): RetryConfig {
  const config = testConfig(4);
  return {
    ...config,
    settings: { ...config.settings, retry_on_payment_method_update: false },
    customer_groups: config.customer_groups.map((g) => ({
      ...g,
      attempts: g.attempts.map(() => ({
        '*': { action: 'Retry' as const, criteria: 'incremental_time' as const, interval: 'PT1H' },
        'Hard Decline': { action: 'Stop' as const },
      })),
    })),
  } as RetryConfig;
}

describe.each(dbKinds)('Stripe Billing connector on %s', (kind: DbKind) => {
  let h: Harness;
  let fake: StripeFake;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    fake = await startStripeFake();
    h = await startHarness({ kind, config: hourlyConfig() });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      gatewayIds: ['sim', 'stripe'],
      stripe: fakeStripeConnector(fake, SECRET),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
    await fake?.close();
  });

  // Stripe's side of the wire (test/support/stripe-webhook.ts), towards the app of this suite.
  const { stripeEvent, invoiceEvent, deliver, accepted } = stripeWebhookSender(
    { request: (path, init) => t.app.request(path, init) },
    SECRET,
  );

  /** A customer whose invoice's collection attempt failed (Stripe's own first attempt). */
  const failedInvoice = (opts: { amount?: number; pm?: string | null; currency?: string } = {}) => {
    const customer = fake.addCustomer({});
    const inv = fake.addInvoice({
      customer: customer.id,
      amount: opts.amount ?? 2500,
      subscription: `sub_${randomBytes(6).toString('hex')}`,
      ...(opts.currency ? { currency: opts.currency } : {}),
    });
    if (opts.pm !== null) fake.attemptInvoice(inv.id, opts.pm ?? DECLINING);
    return { customer, inv, doc: { type: 'invoice' as const, id: inv.id } };
  };
  const cycleRows = (invoiceId: string) =>
    h.db.db
      .select({ id: cycles.id, status: cycles.status, paymentMethodId: cycles.paymentMethodId })
      .from(cycles)
      .where(and(eq(cycles.documentType, 'invoice'), eq(cycles.documentId, invoiceId)));
  const statusOf = async (invoiceId: string) => (await cycleRows(invoiceId))[0]?.status;
  const postsToStripe = () => fake.requests.filter((r) => r.method === 'POST');

  it('refuses a wrong signature, a stale timestamp and a missing header (400), recording nothing', async () => {
    const { inv, doc } = failedInvoice();
    const event = invoiceEvent('invoice.payment_failed', inv);
    const wrong = await deliver(event, { secret: `whsec_${randomBytes(16).toString('hex')}` });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ success: false, message: expect.stringMatching(/does not match/) });
    const stale = await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 600 });
    expect(stale.status).toBe(400);
    expect(stale.body.message).toMatch(/older than 300 s/);
    const missing = await deliver(event, { signature: null });
    expect(missing.status).toBe(400);
    expect(missing.body.success).toBe(false);
    const garbage = await deliver(event, { signature: 'not-a-signature' });
    expect(garbage.status).toBe(400);
    // A body changed after signing: the signature is over the raw bytes.
    const payload = JSON.stringify(event);
    const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: SECRET });
    const tampered = await t.app.request(STRIPE_WEBHOOK_PATH, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Stripe-Signature': header },
      body: payload.replace('"livemode":false', '"livemode": false'),
    });
    expect(tampered.status).toBe(400);
    expect(await findStripeEvent(h.db.db, event.id)).toBeNull();
    expect(await h.cycles.details(doc)).toBeNull();
    expect(await cycleRows(inv.id)).toEqual([]);
  });

  it('invoice.payment_failed opens a cycle with the failure as Stripe holds it; a redelivery is a duplicate', async () => {
    const { customer, inv, doc } = failedInvoice({ amount: 2599 });
    const event = invoiceEvent('invoice.payment_failed', inv);
    expect(await accepted(event)).toEqual({ received: true, duplicate: false, outcome: 'submitted' });
    const details = await h.cycles.details(doc);
    expect(details).toMatchObject({
      status: 'in_retry',
      account_id: customer.id,
      amount: '25.99',
      currency: 'USD',
      payment_method_id: DECLINING,
      subscription_id: inv.parent?.subscription_details.subscription,
    });
    const pi = inv.payment_intents[0] as string;
    const claim = await findClaim(h.db.db, `stripe:${pi}:1`);
    expect(claim?.payment).toMatchObject({
      invoice_id: inv.id,
      account_id: customer.id,
      gateway_id: 'stripe',
      gateway_response_code: 'insufficient_funds',
      gateway_response_message: 'Your card has insufficient funds.',
      source: STRIPE_BILLING_SOURCE,
      account: { stripe_customer_id: customer.id },
      failed_at: new Date(event.created * 1000).toISOString(),
    });
    const row = await findStripeEvent(h.db.db, event.id);
    expect(row).toMatchObject({
      type: 'invoice.payment_failed',
      invoiceId: inv.id,
      customerId: customer.id,
      outcome: 'submitted',
      foreignAttempt: false,
    });

    expect(await accepted(event)).toEqual({ received: true, duplicate: true, outcome: 'submitted' });
    expect(await cycleRows(inv.id)).toHaveLength(1);
    const [cycle] = await cycleRows(inv.id);
    const attemptRows = await h.db.db
      .select()
      .from(attempts)
      .where(eq(attempts.cycleId, cycle?.id as number));
    expect(attemptRows).toHaveLength(1);
    expect(postsToStripe()).toEqual([]);
  });

  it('a failure while processing answers 5xx and records nothing, so the redelivery is processed', async () => {
    const { inv, doc } = failedInvoice();
    const event = invoiceEvent('invoice.payment_failed', inv);
    fake.failNext((r) => r.method === 'GET' && r.path === `/v1/invoices/${inv.id}`, 500);
    const failed = await deliver(event);
    expect(failed.status).toBe(503);
    expect(failed.body.success).toBe(false);
    expect(await findStripeEvent(h.db.db, event.id)).toBeNull();
    expect(await h.cycles.details(doc)).toBeNull();
    expect(await accepted(event)).toEqual({ received: true, duplicate: false, outcome: 'submitted' });
    expect(await statusOf(inv.id)).toBe('in_retry');
  });

  it('the same event delivered concurrently opens one cycle with one attempt', async () => {
    const { inv } = failedInvoice();
    const event = invoiceEvent('invoice.payment_failed', inv);
    const answers = await Promise.all([deliver(event), deliver(event), deliver(event)]);
    for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(
      answers.filter((a) => a.body.outcome === 'submitted' || a.body.outcome === 'already_submitted'),
    ).toHaveLength(3);
    const rows = await cycleRows(inv.id);
    expect(rows).toHaveLength(1);
    const attemptRows = await h.db.db
      .select()
      .from(attempts)
      .where(eq(attempts.cycleId, rows[0]?.id as number));
    expect(attemptRows).toHaveLength(1);
    expect(await findStripeEvent(h.db.db, event.id)).not.toBeNull();
  });

  it('invoice.payment_failed then invoice.paid: the cycle ends collected_external without a charge', async () => {
    const { inv } = failedInvoice({ amount: 4000 });
    await accepted(invoiceEvent('invoice.payment_failed', inv));
    expect(await statusOf(inv.id)).toBe('in_retry');
    // Paid outside the cycle (e.g. by the customer on Stripe's hosted page).
    const paidInvoice = fake.invoices.get(inv.id) as FakeInvoice;
    Object.assign(paidInvoice, { status: 'paid', amount_paid: 4000, amount_remaining: 0 });
    const pis = fake.paymentIntents.size;
    const paidEvent = invoiceEvent('invoice.paid', paidInvoice);
    expect(await accepted(paidEvent)).toMatchObject({ outcome: 'payment_received' });
    // A payment we did not make on an invoice in a cycle: counted as a foreign attempt too.
    expect(await findStripeEvent(h.db.db, paidEvent.id)).toMatchObject({
      reason: 'the invoice is paid: 40.00 USD received',
      foreignAttempt: true,
    });
    await eventually(async () => (await statusOf(inv.id)) === 'collected_external');
    expect(fake.paymentIntents.size).toBe(pis);
    expect(postsToStripe()).toEqual([]);
  });

  it('out of order: paid before failed and voided before failed open no cycle; failed then voided removes it', async () => {
    const paid = failedInvoice();
    const failedEvent = invoiceEvent('invoice.payment_failed', paid.inv);
    Object.assign(paid.inv, { status: 'paid', amount_paid: 2500, amount_remaining: 0 });
    expect(await accepted(invoiceEvent('invoice.paid', paid.inv))).toMatchObject({ outcome: 'no_cycle' });
    expect(await accepted(failedEvent)).toMatchObject({ outcome: 'not_open' });
    expect(await cycleRows(paid.inv.id)).toEqual([]);

    const voided = failedInvoice();
    const lateFailure = invoiceEvent('invoice.payment_failed', voided.inv);
    voided.inv.status = 'void';
    expect(await accepted(invoiceEvent('invoice.voided', voided.inv))).toMatchObject({ outcome: 'no_cycle' });
    expect(await accepted(lateFailure)).toMatchObject({ outcome: 'not_open' });
    expect(await cycleRows(voided.inv.id)).toEqual([]);
    expect((await findStripeEvent(h.db.db, lateFailure.id))?.reason).toBe('the invoice is void');

    const removed = failedInvoice();
    await accepted(invoiceEvent('invoice.payment_failed', removed.inv));
    removed.inv.status = 'uncollectible';
    const writtenOff = invoiceEvent('invoice.marked_uncollectible', removed.inv);
    expect(await accepted(writtenOff)).toMatchObject({ outcome: 'removed' });
    expect(await statusOf(removed.inv.id)).toBe('removed');
    expect((await findStripeEvent(h.db.db, writtenOff.id))?.reason).toBe(
      'the invoice is uncollectible: remove removed',
    );
  });

  it('a failure whose invoice is voided while its cycle opens ends that cycle at once', async () => {
    const { inv } = failedInvoice();
    const event = invoiceEvent('invoice.payment_failed', inv);
    // The void lands at Stripe between the connector's first read and its check after the submit.
    let reads = 0;
    const original = fake.invoices.get(inv.id) as FakeInvoice;
    const watcher = setInterval(() => {
      reads = fake.requests.filter((r) => r.method === 'GET' && r.path === `/v1/invoices/${inv.id}`).length;
      if (reads >= 1) original.status = 'void';
    }, 1);
    try {
      expect(await accepted(event)).toMatchObject({ outcome: 'submitted' });
    } finally {
      clearInterval(watcher);
    }
    // The void landed after the first read (the fake answers a read as it records it): the cycle opened
    // and was removed at once.
    expect((await cycleRows(inv.id)).map((r) => r.status)).toEqual(['removed']);
    expect((await findStripeEvent(h.db.db, event.id))?.reason).toMatch(
      /; ended at once: the invoice is void: remove removed$/,
    );
  });

  it('events caused by our own charges are recorded and change nothing', async () => {
    const own = failedInvoice();
    expect(
      await accepted(invoiceEvent('invoice.payment_failed', own.inv, 'cycle-12-attempt-2')),
    ).toMatchObject({
      outcome: 'own_charge',
    });
    expect(await cycleRows(own.inv.id)).toEqual([]);

    const { inv } = failedInvoice();
    await accepted(invoiceEvent('invoice.payment_failed', inv));
    Object.assign(inv, { status: 'paid', amount_paid: 2500, amount_remaining: 0 });
    const [row] = await cycleRows(inv.id);
    const key = `cycle-${row?.id}-attempt-2`;
    expect(await accepted(invoiceEvent('invoice.paid', inv, key))).toMatchObject({ outcome: 'own_charge' });
    // Our charge's cycle records its own charge; the event did not end it as collected_external.
    expect(await statusOf(inv.id)).toBe('in_retry');
  });

  it("warns about and counts a payment attempt we did not make on an invoice in a cycle (Stripe's retries)", async () => {
    const before = await t.json('GET', '/api/v1/connectors/stripe');
    expect(before.status).toBe(200);
    const counts0 = (await before.json()) as { foreign_attempts: number; events: number };
    const { inv } = failedInvoice();
    await accepted(invoiceEvent('invoice.payment_failed', inv));
    // Stripe retries the invoice by itself (Smart Retries left on): a second failure, not ours.
    fake.attemptInvoice(inv.id, 'pm_card_chargeDeclined');
    const retry = invoiceEvent('invoice.payment_failed', inv);
    expect(await accepted(retry)).toMatchObject({ outcome: 'submitted' });
    expect(await findStripeEvent(h.db.db, retry.id)).toMatchObject({ foreignAttempt: true });
    const after = await t.json('GET', '/api/v1/connectors/stripe');
    const counts = (await after.json()) as { foreign_attempts: number; events: number; by_outcome: object };
    expect(counts.foreign_attempts).toBe(counts0.foreign_attempts + 1);
    expect(counts.events).toBe(counts0.events + 2);
    expect(counts.by_outcome).toMatchObject({ submitted: expect.any(Number) });
    // The failure joined the cycle as its second attempt.
    const [row] = await cycleRows(inv.id);
    expect(
      await h.db.db
        .select()
        .from(attempts)
        .where(eq(attempts.cycleId, row?.id as number)),
    ).toHaveLength(2);
    // The counts are behind our normal authentication.
    expect((await t.app.request('/api/v1/connectors/stripe')).status).toBe(401);
  });

  it('customer.updated and payment_method.attached give the customer’s active cycles the new default method', async () => {
    const { customer, inv, doc } = failedInvoice();
    await accepted(invoiceEvent('invoice.payment_failed', inv));
    expect((await h.cycles.details(doc))?.payment_method_id).toBe(DECLINING);

    customer.invoice_settings.default_payment_method = 'pm_card_visa';
    const updated = stripeEvent(
      'customer.updated',
      { object: 'customer', ...customer },
      { previous_attributes: { invoice_settings: { default_payment_method: null } } },
    );
    expect(await accepted(updated)).toMatchObject({ outcome: 'payment_method_updated' });
    await eventually(async () => (await h.cycles.details(doc))?.payment_method_id === 'pm_card_visa');

    // Another field changed: not a new method.
    const renamed = stripeEvent(
      'customer.updated',
      { object: 'customer', ...customer },
      { previous_attributes: { email: 'old@example.com' } },
    );
    expect(await accepted(renamed)).toMatchObject({ outcome: 'ignored' });

    // Attached but not the default: nothing changes; attached and made the default: the cycle follows.
    const notDefault = stripeEvent('payment_method.attached', {
      id: 'pm_card_mastercard',
      object: 'payment_method',
      customer: customer.id,
    });
    expect(await accepted(notDefault)).toMatchObject({ outcome: 'ignored' });
    expect((await h.cycles.details(doc))?.payment_method_id).toBe('pm_card_visa');
    customer.invoice_settings.default_payment_method = 'pm_card_mastercard';
    const attached = stripeEvent('payment_method.attached', {
      id: 'pm_card_mastercard',
      object: 'payment_method',
      customer: customer.id,
    });
    expect(await accepted(attached)).toMatchObject({ outcome: 'payment_method_updated' });
    await eventually(async () => (await h.cycles.details(doc))?.payment_method_id === 'pm_card_mastercard');
    expect(await statusOf(inv.id)).toBe('in_retry');
  });

  it('a failure with no payment method opens no cycle and records why; an unknown type is ignored', async () => {
    const { inv } = failedInvoice({ pm: null });
    inv.attempt_count = 1;
    const event = invoiceEvent('invoice.payment_failed', inv);
    expect(await accepted(event)).toMatchObject({ outcome: 'no_payment_method' });
    expect(await cycleRows(inv.id)).toEqual([]);
    expect((await findStripeEvent(h.db.db, event.id))?.reason).toMatch(/no payment method/);

    const unknown = stripeEvent('charge.refunded', { id: 'ch_123', object: 'charge' });
    expect(await accepted(unknown)).toEqual({ received: true, duplicate: false, outcome: 'ignored' });
    expect(await findStripeEvent(h.db.db, unknown.id)).toMatchObject({
      type: 'charge.refunded',
      outcome: 'ignored',
    });
  });

  it('is documented in the OpenAPI document and refuses an oversized body', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(doc.paths[STRIPE_WEBHOOK_PATH]).toHaveProperty('post');
    expect(doc.paths['/api/v1/connectors/stripe']).toHaveProperty('get');
    const big = JSON.stringify({ id: 'evt_big', object: 'event', type: 'x', pad: 'x'.repeat(300 * 1024) });
    const res = await t.app.request(STRIPE_WEBHOOK_PATH, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'Stripe-Signature': Stripe.webhooks.generateTestHeaderString({ payload: big, secret: SECRET }),
      },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await findStripeEvent(h.db.db, 'evt_big')).toBeNull();
  });
});
