import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../api/idempotency';
import { manualRetrySchema } from '../../api/schemas/smartpay';
import { createManualRetryClient } from '../../client/manual-retries';
import { claimKey } from '../../db/idempotency-keys';
import { failedPayments, idempotencyKeys, manualRetries } from '../../db/schema';
import { documentOf, type FailedPayment } from '../../domain/failed-payment';
import { TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import { eventually, failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// Idempotency-Key on our own POSTs (failed_payments, manual retries), as the IETF draft has it: the
// same key and request replays the first answer, a different request is 422, a request while the
// first is still running is 409; nothing is done twice, and a failed request keeps no key.

type Json = Record<string, unknown>;
const REGISTER = '/api/v1/payments/failed_payments';
const REGISTER_ROUTE = `POST ${REGISTER}`;

describe.each(dbKinds)('Idempotency-Key (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      // Long enough for a charge that times out twice before it is declined.
      manualRetries: createManualRetryClient({
        client: h.temporal.client,
        taskQueue: h.taskQueue,
        waitMs: 25_000,
      }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  const register = (payment: unknown, key?: string) =>
    t.json('POST', REGISTER, payment, key === undefined ? {} : { 'Idempotency-Key': key });
  const registered = async (paymentId: string) =>
    h.db.db.select().from(failedPayments).where(eq(failedPayments.paymentId, paymentId));
  const keyRows = async (key: string) =>
    h.db.db.select().from(idempotencyKeys).where(eq(idempotencyKeys.key, key));

  it('replays the first answer of failed_payments for the same key and body, with Idempotent-Replayed', async () => {
    const payment = failedPayment('sim.approve');
    const key = `key-${randomUUID()}`;
    const first = await register(payment, key);
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as Json;
    expect(first.headers.get('idempotent-replayed')).toBeNull();

    // Quoted (a structured-field string) or bare, it is the same key.
    for (const sent of [key, `"${key}"`]) {
      const again = await register(payment, sent);
      expect(again.status).toBe(201);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await again.json()).toEqual(firstBody);
    }
    expect(await registered(payment.payment_id)).toHaveLength(1);
    // Without a key the same registration is the route's own idempotence: 200, identical details.
    expect((await register(payment)).status).toBe(200);
  });

  it('answers 422 for the same key with a different body, and writes nothing for it', async () => {
    const key = `key-${randomUUID()}`;
    expect((await register(failedPayment('sim.approve'), key)).status).toBe(201);
    const other = failedPayment('sim.approve');
    const res = await register(other, key);
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(422);
    expect(body).toMatchObject({ success: false, message: expect.stringMatching(/Idempotency-Key/) });
    expect(await registered(other.payment_id)).toEqual([]);
  });

  it('answers 409 while a request with the key is in flight, and lets a request take over a claim left to expire', async () => {
    const payment = failedPayment('sim.approve');
    const key = `key-${randomUUID()}`;
    const ref = { route: REGISTER_ROUTE, principal: TEST_USER, key };
    // Another API replica holds the key for this very request, mid-way.
    expect(await claimKey(h.db.db, ref, fingerprint(payment), 60_000)).toEqual({ kind: 'claimed' });
    const res = await register(payment, key);
    expect(res.status).toBe(409);
    expect(((await res.json()) as Json).message).toMatch(/still being processed/);
    expect(await registered(payment.payment_id)).toEqual([]);

    // A replica that died holding a key: once its lease is over, the same request goes through.
    const orphan = { ...ref, key: `key-${randomUUID()}` };
    expect(await claimKey(h.db.db, orphan, fingerprint(payment), 0)).toEqual({ kind: 'claimed' });
    expect((await register(payment, orphan.key)).status).toBe(201);
    expect((await register(payment, orphan.key)).headers.get('idempotent-replayed')).toBe('true');
  });

  it('keeps no key for a request that failed, so the same request can be sent again', async () => {
    const payment = failedPayment('sim.approve');
    expect((await register(payment)).status).toBe(201);
    const key = `key-${randomUUID()}`;
    const changed = { ...payment, amount: '99.00' };
    expect((await register(changed, key)).status).toBe(409); // registered with other details
    expect(await keyRows(key)).toEqual([]);
    // A body the schema refuses never reaches the key.
    expect((await register({ ...payment, currency: 'ZZZ' }, key)).status).toBe(400);
    expect(await keyRows(key)).toEqual([]);
  });
});

describe.each(dbKinds)('Idempotency-Key on manual retries (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(2) });
    t = await testApp(kind, {
      db: h.db,
      // Long enough for a charge that times out twice before it is declined.
      manualRetries: createManualRetryClient({
        client: h.temporal.client,
        taskQueue: h.taskQueue,
        waitMs: 25_000,
      }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  it('on a manual retry: 409 while the first is charging, then the first answer replayed; 422 for another reason', async () => {
    // Two declined charges (attempts_exhausted), then the manual charge times out twice and is declined.
    const payment: FailedPayment = failedPayment(
      'sim.insufficient_funds.insufficient_funds.timeout.timeout.do_not_honor',
      {
        subscription_id: `Subscription-${randomUUID()}`,
      },
    );
    const submitted = await h.cycles.submit(payment);
    await h.cycles.handle(documentOf(payment)).result();
    const path = `/subscriptions/${payment.subscription_id}/billing-cycles/${submitted.billing_cycle_id}/manual-retries`;
    const key = `key-${randomUUID()}`;
    const post = (reason: string, at = path) =>
      t.app.request(at, {
        method: 'POST',
        headers: {
          'x-api-key': TEST_TOKEN,
          'Content-Type': 'application/json',
          'Accept-Language': 'en-US',
          'Idempotency-Key': key,
        },
        body: JSON.stringify({ reason }),
      });

    const firstAnswer = post('Customer asked');
    // The retry row exists once the first request has claimed the key and is waiting on the charge.
    await eventually(async () => {
      const rows = await h.db.db.select().from(manualRetries).where(eq(manualRetries.requestKey, key));
      return rows.length === 1;
    });
    const during = await post('Customer asked');
    const firstRes = await firstAnswer;
    // The charge takes over two gateway timeouts: the second request came while the first was running.
    expect(during.status).toBe(409);
    expect(((await during.json()) as Json).message).toMatch(/still being processed/);

    expect(firstRes.status).toBe(201);
    const first = manualRetrySchema.parse(await firstRes.json());
    const replay = await post('Customer asked');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(await replay.json()).toEqual(first);

    expect((await post('Another reason')).status).toBe(422);
    // The same key on a path that names the cycle differently is still the same request.
    const upper = path.replace(
      /BillingCycle-[0-9a-f-]+/,
      (id) => `BillingCycle-${id.slice(13).toUpperCase()}`,
    );
    expect((await post('Customer asked', upper)).status).toBe(201);

    const rows = await h.db.db
      .select()
      .from(manualRetries)
      .where(and(eq(manualRetries.requestKey, key), eq(manualRetries.cycleId, submitted.cycle_id)));
    expect(rows).toHaveLength(1);
  });
});
