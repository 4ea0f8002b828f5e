import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRequestError, GatewayUnavailableError } from '../../activities/gateway/port';
import { CHARGE_KEY_METADATA, createStripeAdapter } from '../../activities/gateway/stripe-adapter';
import type { ChargeRequest } from '../../domain/charge';
import { STRIPE_BILLING_SOURCE } from '../../stripe/billing-source';
import {
  FAKE_SECRET_KEY,
  type RecordedRequest,
  type StripeFake,
  startStripeFake,
} from '../support/stripe-fake';

// The Stripe adapter through the real `stripe` SDK against the local fake of Stripe's wire format:
// what it sends, how each answer maps to a result or an error, and how an unknown outcome is looked
// up before the retry (with the same key) that makes it safe.

let fake: StripeFake;
let customer: string;
const adapter = (timeoutMs = 5000, secretKey = FAKE_SECRET_KEY) =>
  createStripeAdapter({ gatewayId: 'stripe', secretKey, apiBase: fake.url, timeoutMs });
let stripe: ReturnType<typeof createStripeAdapter>;
// Every SDK try times out in well under a second (the SDK makes 1 + 2 tries per call).
let fast: ReturnType<typeof createStripeAdapter>;

beforeAll(async () => {
  fake = await startStripeFake();
  customer = fake.addCustomer({}).id;
  stripe = adapter();
  fast = adapter(300);
});
afterAll(async () => {
  await fake?.close();
});

const request = (extra: Partial<ChargeRequest> = {}): ChargeRequest => ({
  gateway_id: 'stripe',
  payment_method_id: 'pm_card_visa',
  amount: '100.00',
  currency: 'USD',
  idempotency_key: `cycle-${randomUUID()}-attempt-2`,
  metadata: { cycle_id: '7', document: 'invoice:INV-1', attempt: '2' },
  account_id: customer,
  ...extra,
});

const creates = (key: string) =>
  fake.requests.filter(
    (r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.idempotencyKey === key,
  );
const searches = (key: string) =>
  fake.requests.filter((r) => r.path === '/v1/payment_intents/search' && String(r.query.query).includes(key));
const intentsOf = (key: string) =>
  [...fake.paymentIntents.values()].filter((pi) => pi.metadata[CHARGE_KEY_METADATA] === key);
const postTo = (path: string, key: string) => (r: RecordedRequest) =>
  r.method === 'POST' && r.path === path && r.idempotencyKey === key;

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('Stripe adapter: PaymentIntents', () => {
  it('approves through one confirmed off-session PaymentIntent carrying the key', async () => {
    const req = request();
    const result = await stripe.charge(req);
    const [pi] = intentsOf(req.idempotency_key);
    expect(result).toEqual({
      status: 'approved',
      code: 'approved',
      message: '',
      gateway_payment_id: pi?.id,
      amount_collected: '100.00',
    });
    const sent = creates(req.idempotency_key);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.form).toEqual({
      amount: '10000',
      currency: 'usd',
      payment_method: 'pm_card_visa',
      customer,
      confirm: 'true',
      off_session: 'true',
      metadata: {
        cycle_id: '7',
        document: 'invoice:INV-1',
        attempt: '2',
        [CHARGE_KEY_METADATA]: req.idempotency_key,
      },
    });
    expect(sent[0]?.idempotencyKey).toBe(req.idempotency_key);
    expect(sent[0]?.stripeVersion).toMatch(/^\d{4}-\d{2}-\d{2}\./);
    expect(fake.succeeded().filter((p) => p.id === pi?.id)).toHaveLength(1);
  });

  it("charges the failed payment's account.stripe_customer_id, else its account_id", async () => {
    const other = fake.addCustomer({}).id;
    const named = request({
      account_id: 'A-not-a-stripe-id',
      account: { stripe_customer_id: other, segment: 'x' },
    });
    expect((await stripe.charge(named)).status).toBe('approved');
    expect(creates(named.idempotency_key)[0]?.form.customer).toBe(other);

    const blank = request({ account: { stripe_customer_id: '' } });
    expect((await stripe.charge(blank)).status).toBe('approved');
    expect(creates(blank.idempotency_key)[0]?.form.customer).toBe(customer);
  });

  it("a decline is a result: the decline_code, Stripe's message, the PaymentIntent", async () => {
    const req = request({ payment_method_id: 'pm_card_chargeDeclinedInsufficientFunds' });
    const result = await stripe.charge(req);
    expect(result).toEqual({
      status: 'declined',
      code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      gateway_payment_id: intentsOf(req.idempotency_key)[0]?.id,
      amount_collected: '0.00',
    });
  });

  it('a decline without a decline_code gives its code (expired_card)', async () => {
    const result = await stripe.charge(request({ payment_method_id: 'pm_card_chargeDeclinedExpiredCard' }));
    expect(result).toMatchObject({
      status: 'declined',
      code: 'expired_card',
      message: 'Your card has expired.',
    });
  });

  it('authentication_required (402) is a decline that needs the customer', async () => {
    const req = request({ payment_method_id: 'pm_card_authenticationRequired' });
    expect(await stripe.charge(req)).toMatchObject({
      status: 'declined',
      code: 'authentication_required',
      message: 'Your card was declined. This transaction requires authentication.',
      gateway_payment_id: intentsOf(req.idempotency_key)[0]?.id,
    });
  });

  it('a PaymentIntent left in requires_action is declined as authentication_required', async () => {
    const req = request({ payment_method_id: 'pm_card_threeDSecure2Required' });
    const result = await stripe.charge(req);
    const [pi] = intentsOf(req.idempotency_key);
    expect(pi?.status).toBe('requires_action');
    expect(result).toMatchObject({
      status: 'declined',
      code: 'authentication_required',
      gateway_payment_id: pi?.id,
    });
    expect(result.amount_collected).toBe('0.00');
  });

  it('processing_error is the result error (the processor failed, nothing charged)', async () => {
    const result = await stripe.charge(
      request({ payment_method_id: 'pm_card_chargeDeclinedProcessingError' }),
    );
    expect(result).toMatchObject({ status: 'error', code: 'processing_error' });
  });

  it('every try timing out: the lookup finds the PaymentIntent the lost request made', async () => {
    const req = request();
    fake.blackHole(postTo('/v1/payment_intents', req.idempotency_key), 3);
    const result = await fast.charge(req);
    const pis = intentsOf(req.idempotency_key);
    expect(pis).toHaveLength(1);
    expect(result).toMatchObject({
      status: 'approved',
      gateway_payment_id: pis[0]?.id,
      amount_collected: '100.00',
    });
    // The SDK's own retries carried the same key and were swallowed too; then the search answered.
    expect(creates(req.idempotency_key).length).toBe(3);
    expect(searches(req.idempotency_key)).toHaveLength(1);
  });

  it('every try timing out with nothing recorded: GatewayUnavailableError, and the retry with the key charges once', async () => {
    const req = request();
    fake.dropNext(postTo('/v1/payment_intents', req.idempotency_key), 3);
    const err = await failure(fast.charge(req));
    expect(err).toBeInstanceOf(GatewayUnavailableError);
    expect(err).toMatchObject({ retryable: true, nonRetryable: false, idempotency_key: req.idempotency_key });
    expect(searches(req.idempotency_key)).toHaveLength(1);
    expect(intentsOf(req.idempotency_key)).toHaveLength(0);

    expect((await fast.charge(req)).status).toBe('approved');
    expect(intentsOf(req.idempotency_key)).toHaveLength(1);
  });

  it('a 5xx is retried by the SDK with the same key: one PaymentIntent', async () => {
    const req = request();
    fake.failNext(postTo('/v1/payment_intents', req.idempotency_key), 500);
    expect((await stripe.charge(req)).status).toBe('approved');
    const sent = creates(req.idempotency_key);
    expect(sent).toHaveLength(2);
    expect(new Set(sent.map((r) => r.idempotencyKey))).toEqual(new Set([req.idempotency_key]));
    expect(intentsOf(req.idempotency_key)).toHaveLength(1);
  });

  it.each([
    ['429 rate_limit', undefined],
    [
      '429 lock_timeout',
      {
        type: 'invalid_request_error',
        code: 'lock_timeout',
        message: 'This object cannot be accessed right now.',
      },
    ],
  ])(
    '%s: looked up, GatewayUnavailableError, then the next call with the same key charges',
    async (_, error) => {
      const req = request();
      fake.failNext(postTo('/v1/payment_intents', req.idempotency_key), 429, 1, error);
      const err = await failure(stripe.charge(req));
      expect(err).toBeInstanceOf(GatewayUnavailableError);
      expect(searches(req.idempotency_key)).toHaveLength(1);
      expect((await stripe.charge(req)).status).toBe('approved');
      const sent = creates(req.idempotency_key);
      expect(sent.map((r) => r.idempotencyKey)).toEqual([req.idempotency_key, req.idempotency_key]);
      expect(intentsOf(req.idempotency_key)).toHaveLength(1);
    },
  );

  it('the same key with other parameters: GatewayRequestError idempotency_error (non-retryable)', async () => {
    const req = request();
    await stripe.charge(req);
    const err = await failure(stripe.charge({ ...req, amount: '200.00' }));
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ code: 'idempotency_error', http_status: 400, nonRetryable: true });
    expect(intentsOf(req.idempotency_key)).toHaveLength(1);
  });

  it('no such customer: GatewayRequestError resource_missing', async () => {
    const err = await failure(stripe.charge(request({ account_id: 'cus_missing' })));
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ code: 'resource_missing', http_status: 404 });
    expect((err as Error).message).toContain("No such customer: 'cus_missing'");
  });

  it('a wrong secret key (401): GatewayRequestError, not retried', async () => {
    const req = request();
    const err = await failure(adapter(5000, 'sk_test_wrong').charge(req));
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ code: 'authentication_error', http_status: 401, nonRetryable: true });
    expect(creates(req.idempotency_key)).toHaveLength(1);
  });

  it.each([
    ['JPY', '500', '500', '500'],
    ['ISK', '1000', '100000', '1000'],
    ['KWD', '1.250', '1250', '1.250'],
    ['MGA', '10', '10', '10.00'],
  ])('%s %s is sent as %s minor units and collected as %s', async (currency, amount, minor, collected) => {
    const req = request({ currency, amount });
    const result = await stripe.charge(req);
    expect(creates(req.idempotency_key)[0]?.form).toMatchObject({
      amount: minor,
      currency: currency.toLowerCase(),
    });
    expect(result).toMatchObject({ status: 'approved', amount_collected: collected });
  });

  it('an amount Stripe cannot represent (MGA 10.50) is refused before anything is sent', async () => {
    const req = request({ currency: 'MGA', amount: '10.50' });
    const err = await failure(stripe.charge(req));
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({ code: 'amount_not_representable', nonRetryable: true });
    expect(fake.requests.filter((r) => r.idempotencyKey === req.idempotency_key)).toHaveLength(0);
  });

  it('an aborted signal rethrows its reason and looks nothing up', async () => {
    const before = new AbortController();
    before.abort(new Error('cancelled before'));
    const early = request();
    await expect(stripe.charge(early, { signal: before.signal })).rejects.toThrow('cancelled before');
    expect(creates(early.idempotency_key)).toHaveLength(0);

    // A request that never comes back within the SDK's (here ten-minute) timeout: only the abort ends it.
    const req = request();
    fake.dropNext(postTo('/v1/payment_intents', req.idempotency_key), 3);
    const during = new AbortController();
    const charging = adapter(600_000).charge(req, { signal: during.signal });
    await expect.poll(() => creates(req.idempotency_key).length).toBe(1);
    during.abort(new Error('activity cancelled'));
    await expect(charging).rejects.toThrow('activity cancelled');
    expect(searches(req.idempotency_key)).toHaveLength(0);
  });
});

describe('Stripe adapter: lookup', () => {
  it('null for a key nothing was charged under; the mapped PaymentIntent otherwise', async () => {
    expect(await stripe.lookup(`cycle-${randomUUID()}-attempt-1`)).toBeNull();
    const ok = request();
    const approved = await stripe.charge(ok);
    expect(await stripe.lookup(ok.idempotency_key)).toEqual(approved);
    const no = request({ payment_method_id: 'pm_card_chargeDeclinedLostCard' });
    await stripe.charge(no);
    expect(await stripe.lookup(no.idempotency_key)).toMatchObject({ status: 'declined', code: 'lost_card' });
  });

  it('canceled → error; processing → cannot tell yet (GatewayUnavailableError)', async () => {
    const req = request({ payment_method_id: 'pm_card_threeDSecure2Required' });
    await stripe.charge(req);
    const pi = intentsOf(req.idempotency_key)[0];
    if (!pi) throw new Error('no PaymentIntent');
    pi.status = 'canceled';
    expect(await stripe.lookup(req.idempotency_key)).toMatchObject({
      status: 'error',
      code: 'canceled',
      gateway_payment_id: pi.id,
    });
    pi.status = 'processing';
    expect(await failure(stripe.lookup(req.idempotency_key))).toBeInstanceOf(GatewayUnavailableError);
  });
});

describe('Stripe adapter: invoices of Stripe Billing cycles', () => {
  const invoiceRequest = (invoiceId: string, extra: Partial<ChargeRequest> = {}) =>
    request({
      amount: '25.00',
      source: STRIPE_BILLING_SOURCE,
      document: { type: 'invoice', id: invoiceId },
      ...extra,
    });
  const pays = (invoiceId: string, key: string) =>
    fake.requests.filter(postTo(`/v1/invoices/${invoiceId}/pay`, key));

  it("pays the invoice itself with the cycle's payment method, off-session, under the key", async () => {
    const inv = fake.addInvoice({ customer, amount: 2500 });
    const req = invoiceRequest(inv.id);
    const result = await stripe.charge(req);
    expect(inv.status).toBe('paid');
    expect(result).toEqual({
      status: 'approved',
      code: 'approved',
      message: '',
      gateway_payment_id: inv.payment_intents[0],
      amount_collected: '25.00',
    });
    expect(pays(inv.id, req.idempotency_key)[0]?.form).toMatchObject({
      payment_method: 'pm_card_visa',
      off_session: 'true',
    });
    // No PaymentIntent of our own: the invoice's is the only charge.
    expect(creates(req.idempotency_key)).toHaveLength(0);
  });

  it('a declined invoice payment is a decline; the invoice stays open', async () => {
    const inv = fake.addInvoice({ customer, amount: 2500 });
    const req = invoiceRequest(inv.id, { payment_method_id: 'pm_card_chargeDeclinedInsufficientFunds' });
    expect(await stripe.charge(req)).toMatchObject({
      status: 'declined',
      code: 'insufficient_funds',
      gateway_payment_id: inv.payment_intents[0],
    });
    expect(inv).toMatchObject({ status: 'open', attempt_count: 1 });
  });

  it('an invoice payment that needs 3-D Secure is declined as authentication_required; the invoice stays open', async () => {
    const inv = fake.addInvoice({ customer, amount: 2500 });
    const req = invoiceRequest(inv.id, { payment_method_id: 'pm_card_threeDSecure2Required' });
    expect(await stripe.charge(req)).toMatchObject({
      status: 'declined',
      code: 'authentication_required',
      gateway_payment_id: inv.payment_intents[0],
      amount_collected: '0.00',
    });
    expect(inv).toMatchObject({ status: 'open', amount_paid: 0 });
  });

  it.each(['paid', 'void'] as const)(
    'an invoice already %s: a definitive error, nothing charged',
    async (status) => {
      const inv = fake.addInvoice({ customer, amount: 2500, status });
      const result = await stripe.charge(invoiceRequest(inv.id));
      expect(result).toMatchObject({ status: 'error', code: `invoice_${status}`, gateway_payment_id: null });
      expect(inv.payment_intents).toHaveLength(0);
    },
  );

  it('a lost answer: the invoice is read, and paid means approved (one charge)', async () => {
    const inv = fake.addInvoice({ customer, amount: 2500 });
    const req = invoiceRequest(inv.id);
    fake.blackHole(postTo(`/v1/invoices/${inv.id}/pay`, req.idempotency_key), 3);
    const result = await fast.charge(req);
    expect(result).toMatchObject({
      status: 'approved',
      amount_collected: '25.00',
      gateway_payment_id: inv.payment_intents[0],
    });
    expect(inv.payment_intents).toHaveLength(1);
    expect(fake.requests.some((r) => r.method === 'GET' && r.path === `/v1/invoices/${inv.id}`)).toBe(true);
  });

  it('no answer and the invoice still open: GatewayUnavailableError (retry with the key)', async () => {
    const inv = fake.addInvoice({ customer, amount: 2500 });
    const req = invoiceRequest(inv.id);
    fake.dropNext(postTo(`/v1/invoices/${inv.id}/pay`, req.idempotency_key), 3);
    expect(await failure(fast.charge(req))).toBeInstanceOf(GatewayUnavailableError);
    expect((await fast.charge(req)).status).toBe('approved');
    expect(inv.payment_intents).toHaveLength(1);
  });

  it('a cycle the connector did not open charges a PaymentIntent, not the invoice', async () => {
    const inv = fake.addInvoice({ customer, amount: 2500 });
    const notConnector = invoiceRequest(inv.id, { source: 'PR-00000371' });
    expect((await stripe.charge(notConnector)).status).toBe('approved');
    expect(creates(notConnector.idempotency_key)).toHaveLength(1);
    expect(inv.status).toBe('open');
  });
});
