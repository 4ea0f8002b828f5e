import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCycleSchema } from '../../api/schemas/smartpay';
import { createManualRetryClient } from '../../client/manual-retries';
import { cycles, failedPayments } from '../../db/schema';
import { TEST_TOKEN, testApp } from '../support/api';
import { failedPayment, type Harness, startHarness } from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// Issue 13: bad input that used to reach a 500, or was accepted and failed later, is refused at the
// API with a 400 (404 for a number past a range) naming the field, and nothing is written.

type Body = { success: boolean; message: string; errors?: { path: string; message: string }[] };

/** `{"a":{"a":…1…}}`, `depth` objects deep. */
const nested = (depth: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
};
/** The same as JSON text, written directly: JSON.stringify itself overflows the stack past a few thousand. */
const nestedText = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
const DEEP = '"__deep__"';
/** `value` as JSON with the string "__deep__" replaced by an object `depth` levels deep. */
const withDeep = (value: unknown, depth: number) => JSON.stringify(value).replace(DEEP, nestedText(depth));

describe.each(dbKinds)('bad input is a 4xx (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind });
    const manualRetries = createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue });
    t = await testApp(kind, { db: h.db, cycles: h.cycles, manualRetries });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  const answer = async (res: Response) => ({ status: res.status, body: (await res.json()) as Body });
  /** Neither registered nor opened as a cycle. */
  const nothingWritten = async (payment: { payment_id: string; invoice_id?: string | undefined }) => {
    const db = h.db.db;
    expect(
      await db.select().from(failedPayments).where(eq(failedPayments.paymentId, payment.payment_id)),
    ).toEqual([]);
    expect(
      await db
        .select()
        .from(cycles)
        .where(eq(cycles.documentId, payment.invoice_id ?? '')),
    ).toEqual([]);
  };

  it.each([
    ['an unknown currency', { currency: 'ZZZ' }, 'currency'],
    ['more decimals than USD has', { amount: '10.125', currency: 'USD' }, 'amount'],
    ['decimals in JPY', { amount: '100.5', currency: 'JPY' }, 'amount'],
    ['a leading zero', { amount: '0100.00' }, 'amount'],
    ['a gateway that is not configured', { gateway_id: 'stripe' }, 'gateway_id'],
    ['an account nested 3,000 levels deep', { account: 3000 }, 'account'],
    ['an account nested 10,000 levels deep', { account: 10_000 }, 'account'],
  ] as [string, Record<string, unknown>, string][])(
    'refuses %s at submit and at registration (400 naming the field)',
    async (_, patch, field) => {
      for (const route of ['submit_failed_payment', 'failed_payments']) {
        const deep = typeof patch.account === 'number' ? patch.account : undefined;
        const payment = {
          ...failedPayment('sim.approve'),
          ...patch,
          ...(deep ? { account: '__deep__' } : {}),
        };
        const text = deep ? withDeep(payment, deep) : JSON.stringify(payment);
        const { status, body } = await answer(await t.json('POST', `/api/v1/payments/${route}`, text));
        expect(status, `${route}: ${body.message}`).toBe(400);
        expect(body.success).toBe(false);
        expect(body.errors?.[0]?.path.split('.')[0]).toBe(field);
        if (field === 'gateway_id') expect(body.message).toMatch(/configured: sim/);
        await nothingWritten(payment);
      }
    },
  );

  it('refuses a registered payment whose gateway is not configured when it is submitted by id alone', async () => {
    const payment = failedPayment('sim.approve');
    expect((await t.json('POST', '/api/v1/payments/failed_payments', payment)).status).toBe(201);
    // The same payment seen by an API that knows no `sim` (e.g. the gateway was removed since).
    const other = await testApp(kind, { db: h.db, cycles: h.cycles, gatewayIds: ['acme'] });
    const { status, body } = await answer(
      await other.json('POST', '/api/v1/payments/submit_failed_payment', { payment_id: payment.payment_id }),
    );
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ path: 'gateway_id', message: expect.stringMatching(/configured: acme/) }]);
    expect(
      await h.db.db
        .select()
        .from(cycles)
        .where(eq(cycles.documentId, payment.invoice_id ?? '')),
    ).toEqual([]);
  });

  it('accepts the amounts each currency can take', async () => {
    for (const patch of [
      { amount: '100', currency: 'JPY' },
      { amount: '10.125', currency: 'KWD' },
    ]) {
      const payment = { ...failedPayment('sim.insufficient_funds'), ...patch, account: { segment: 'slow' } };
      const res = await t.json('POST', '/api/v1/payments/submit_failed_payment', payment);
      expect(res.status, await res.text()).toBe(200);
    }
  });

  it('limits JSON depth on every route before anything parses it, naming where', async () => {
    for (const [method, path] of [
      ['PUT', '/api/v1/config'],
      ['POST', '/api/v1/config/validate'],
      ['POST', '/api/v1/config/preview'],
      ['POST', '/api/v1/payments/execute_payments'],
    ] as const) {
      const { status, body } = await answer(
        await t.json(method, path, withDeep({ account: '__deep__' }, 10_000)),
      );
      expect(status, `${method} ${path}`).toBe(400);
      expect(body.errors?.[0]?.path).toMatch(/^account(\.a){31}$/);
    }
    // The manual-retry route takes x-api-key; it is refused the same way.
    const res = await t.app.request(
      `/subscriptions/none/billing-cycles/BillingCycle-${randomUUID()}/manual-retries`,
      {
        method: 'POST',
        headers: { 'x-api-key': TEST_TOKEN, 'Content-Type': 'application/json', 'Accept-Language': 'en-US' },
        body: JSON.stringify({ reason: nested(40, 'x') }),
      },
    );
    expect(res.status).toBe(400);
    // At the limit it is the route's own schema that answers.
    const atLimit = await t.json('POST', '/api/v1/config/preview', {
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      attempt_number: 1,
      account: nested(31),
    });
    expect(atLimit.status).toBe(200);
  });

  it('answers 404 for a configuration version past what the column holds, 400 for one that is not a number', async () => {
    for (const n of ['2147483648', '99999999999999999999999', '4294967297']) {
      expect((await t.json('GET', `/api/v1/config/versions/${n}`)).status, n).toBe(404);
    }
    for (const n of ['0', '-1', '1.5', '1e3', 'abc', '0x10']) {
      const { status, body } = await answer(await t.json('GET', `/api/v1/config/versions/${n}`));
      expect(status, n).toBe(400);
      expect(body.errors?.[0]?.path).toMatch(/^param/);
    }
    expect((await t.json('GET', '/api/v1/config/versions/1')).status).toBe(200);
  });

  it('shows SmartPay amounts as decimal strings with every digit', async () => {
    const payment = failedPayment('sim.insufficient_funds', {
      amount: '999999999999999.99',
      account: { segment: 'slow' },
    });
    const submitted = await h.cycles.submit(payment);
    const res = await t.app.request(`/subscriptions/none/billing-cycles/${submitted.billing_cycle_id}`, {
      headers: { 'x-api-key': TEST_TOKEN },
    });
    expect(res.status).toBe(200);
    const view = billingCycleSchema.parse(await res.json());
    expect(view).toMatchObject({ amount: '999999999999999.99', outstanding: '999999999999999.99' });
    expect(view.transactions[0]).toMatchObject({ amount: '999999999999999.99', amountCollected: '0.00' });
  });
});
