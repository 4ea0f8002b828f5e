import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingCyclePageSchema, billingCycleSchema, manualRetrySchema } from '../../api/schemas/smartpay';
import { createManualRetryClient } from '../../client/manual-retries';
import { attempts, cycleEvents, cycles, manualRetries } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf, type FailedPayment } from '../../domain/failed-payment';
import { createSimServer } from '../../sim/server';
import { basic, TEST_TOKEN, testApp } from '../support/api';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// The SmartPay-style routes over a real worker, Temporal dev server, database (Postgres and PGlite,
// from the same body) and simulator: billing cycles, and manual retries of cycles that ended without
// collecting.

type Json = Record<string, unknown>;
type Retry = ReturnType<typeof manualRetrySchema.parse>;
type Cycle = ReturnType<typeof billingCycleSchema.parse>;

const RETRY_ID = /^Retry-[0-9a-f-]{36}$/;
const TRANSACTION_ID = /^Transaction-[0-9a-f-]{36}$/;
const POST_HEADERS = { 'Content-Type': 'application/json', 'Accept-Language': 'en-US' };

describe.each(dbKinds)('billing cycles and manual retries on %s', (kind: DbKind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    // Two rule entries: an opening failure plus two charges, then attempts_exhausted.
    // On Postgres a pool of one connection, as DATABASE_POOL_SIZE=1: code that needs a second session
    // inside a transaction hangs there, as it wedges PGlite (which refuses it at once instead).
    h = await startHarness({ kind, config: testConfig(2), ...(kind === 'postgres' ? { poolSize: 1 } : {}) });
    t = await testApp(kind, {
      db: h.db,
      manualRetries: createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  const newSubscription = () => `Subscription-${randomUUID()}`;
  const retriesPath = (sub: string, bc: string) =>
    `/subscriptions/${sub}/billing-cycles/${bc}/manual-retries`;

  /** POST with the required headers; `undefined` in `headers` drops one. */
  const post = async (
    sub: string,
    bc: string,
    body: unknown,
    headers: Record<string, string | undefined> = {},
  ) => {
    const all: Record<string, string | undefined> = { 'x-api-key': TEST_TOKEN, ...POST_HEADERS, ...headers };
    return t.app.request(retriesPath(sub, bc), {
      method: 'POST',
      headers: Object.fromEntries(
        Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      // Bytes, so no Content-Type is implied.
      body: new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body)),
    });
  };
  const get = async (path: string) => t.app.request(path, { headers: { 'x-api-key': TEST_TOKEN } });
  const getCycle = async (sub: string, bc: string): Promise<Cycle> => {
    const res = await get(`/subscriptions/${sub}/billing-cycles/${bc}`);
    expect(res.status).toBe(200);
    return billingCycleSchema.parse(await res.json());
  };
  const expectError = async (res: Response, status: number, message?: RegExp) => {
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(body.success).toBe(false);
    expect(typeof body.message).toBe('string');
    if (message) expect(body.message).toMatch(message);
  };

  /** Opens a cycle for a fresh invoice and waits for it to end (unless `wait` is false). */
  const cycle = async (pm: string, extra: Partial<FailedPayment> = {}, wait = true) => {
    const payment = failedPayment(pm, extra);
    const submitted = await h.cycles.submit(payment);
    const final = wait ? ((await h.cycles.handle(documentOf(payment)).result()) as CycleDetails) : undefined;
    return { payment, id: submitted.cycle_id, bc: submitted.billing_cycle_id, final };
  };
  /**
   * Ends at once (stopped_by_rule), charging nothing: the cheapest Failed cycle. A hard decline that no
   * network rule forbids retrying (a never-retry code such as lost_card refuses the manual retry too:
   * test/api/manual-retry-rules.test.ts).
   */
  const hardDeclined = (pm: string, extra: Partial<FailedPayment> = {}) =>
    cycle(pm, {
      gateway_response_code: 'authentication_required',
      gateway_response_message: 'Authentication required',
      ...extra,
    });

  it('collects a cycle whose attempts ran out; the billing cycle shows Captured with the manual transaction', async () => {
    const sub = newSubscription();
    const c = await cycle('sim.insufficient_funds.insufficient_funds.approve', { subscription_id: sub });
    expect(c.final?.status).toBe('attempts_exhausted');
    expect((await getCycle(sub, c.bc)).status).toBe('Failed');

    const res = await post(
      sub,
      c.bc,
      { reason: 'Customer topped up the card' },
      { Origin: 'https://ops.example.com', 'User-Agent': 'ops-console/1.0' },
    );
    expect(res.status).toBe(201);
    const retry = manualRetrySchema.parse(await res.json());
    expect(retry).toMatchObject({
      id: expect.stringMatching(RETRY_ID),
      transactionId: expect.stringMatching(TRANSACTION_ID),
      reason: 'Customer topped up the card',
      extraInfo: null,
      customReferences: null,
      criteria: null,
      targetMerchantAccountReference: null,
      billingCycleId: c.bc,
      status: 'Captured',
      attemptNumber: 4,
      amount: '100.00',
      amountCollected: '100.00',
      currency: 'USD',
      gatewayCode: 'approved',
    });

    // The GET of the retry answers the same object.
    const again = await get(`${retriesPath(sub, c.bc)}/${retry.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(retry);

    const bc = await getCycle(sub, c.bc);
    expect(bc).toMatchObject({
      id: c.bc,
      status: 'Captured',
      amount: '100.00',
      currency: 'USD',
      subscriptionId: sub,
      cycleStatus: 'collected',
      endReason: 'manual_retry',
      outstanding: '0.00',
      amountCollected: '100.00',
      shortCardNumber: null,
    });
    expect(bc.paidAt).toBe(retry.executedAt);
    expect(bc.transactions.map((x) => [x.attemptNumber, x.source, x.success, x.gatewayCode])).toEqual([
      [1, 'PR-00000371', false, 'insufficient_funds'],
      [2, `PR-C${c.id}-2`, false, 'insufficient_funds'],
      [3, `PR-C${c.id}-3`, false, 'insufficient_funds'],
      [4, 'MANUAL', true, 'approved'],
    ]);
    expect(bc.transactions[3]).toMatchObject({
      id: retry.transactionId,
      cprGenerated: true,
      amount: '100.00',
    });

    // Stored as the cycle's 4th attempt, charged with the next attempt's key, the cycle collected.
    const [stored] = await h.db.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, c.id), eq(attempts.attemptNumber, 4)));
    expect(stored).toMatchObject({
      source: 'MANUAL',
      cprGenerated: true,
      success: true,
      idempotencyKey: `cycle-${c.id}-attempt-4`,
      label: 'Approved',
      action: 'Stop',
    });
    const [row] = await h.db.db.select().from(cycles).where(eq(cycles.id, c.id));
    expect(row).toMatchObject({ status: 'collected', outstanding: '0.0000', amountCollected: '100.0000' });
    expect(row?.endedAt).toBeInstanceOf(Date);
    const events = await h.db.db
      .select()
      .from(cycleEvents)
      .where(eq(cycleEvents.cycleId, c.id))
      .orderBy(asc(cycleEvents.seq));
    expect(events.at(-1)).toMatchObject({ status: 'collected', reason: 'manual_retry' });
    expect(events.at(-1)?.detail).toMatchObject({ retry_id: retry.id, outcome: 'succeeded' });
    const charges = await ledger(h.simUrl, c.payment.payment_method_id);
    expect(charges.map((x) => x.idempotency_key).sort()).toEqual(
      [2, 3, 4].map((n) => `cycle-${c.id}-attempt-${n}`),
    );

    // Now Captured: no second manual retry.
    await expectError(await post(sub, c.bc, { reason: 'again' }), 409, /Captured/);
  });

  it('answers 201 Failed for a declined manual retry of a cycle whose attempts ran out, and keeps answering', async () => {
    // The wedge of issue 12: recording a declined retry labels it by the cycle's pinned rules, a read
    // that went through the outer handle inside the transaction and never returned on PGlite.
    const sub = newSubscription();
    const c = await cycle('sim.insufficient_funds', { subscription_id: sub });
    expect(c.final?.status).toBe('attempts_exhausted');

    const res = await post(sub, c.bc, { reason: 'Customer says the card is topped up' });
    const retry = manualRetrySchema.parse(await res.json());
    expect(res.status).toBe(201);
    expect(retry).toMatchObject({
      status: 'Failed',
      attemptNumber: 4,
      gatewayCode: 'insufficient_funds',
      amountCollected: '0.00',
      billingCycleId: c.bc,
    });
    // The service keeps answering: the retry, the cycle, the list, and a second retry.
    const again = await get(`${retriesPath(sub, c.bc)}/${retry.id}`);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(retry);
    const bc = await getCycle(sub, c.bc);
    expect(bc).toMatchObject({ status: 'Failed', cycleStatus: 'attempts_exhausted', outstanding: '100.00' });
    expect(bc.transactions.map((x) => [x.attemptNumber, x.source, x.success])).toEqual([
      [1, 'PR-00000371', false],
      [2, `PR-C${c.id}-2`, false],
      [3, `PR-C${c.id}-3`, false],
      [4, 'MANUAL', false],
    ]);
    const [declined] = await h.db.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, c.id), eq(attempts.attemptNumber, 4)));
    expect(declined).toMatchObject({ label: 'Soft Decline', action: 'Stop', cprGenerated: true });
    const list = await get(`/subscriptions/${sub}/billing-cycles`);
    expect(list.status).toBe(200);
    const second = await post(sub, c.bc, { reason: 'Once more' });
    expect(second.status).toBe(201);
    expect(manualRetrySchema.parse(await second.json())).toMatchObject({
      status: 'Failed',
      attemptNumber: 5,
    });
    expect(
      (await ledger(h.simUrl, c.payment.payment_method_id)).map((x) => x.idempotency_key).sort(),
    ).toEqual([2, 3, 4, 5].map((n) => `cycle-${c.id}-attempt-${n}`));
  });

  it('rejects what it must: 401, 404, 400 before 409, Retrying and Captured cycles', async () => {
    const sub = newSubscription();
    const running = await cycle('sim.approve', { subscription_id: sub, account: { segment: 'slow' } }, false);

    // Authentication first: x-api-key only, Basic does not do here.
    await expectError(
      await post(sub, running.bc, { reason: 'x' }, { 'x-api-key': undefined }),
      401,
      /x-api-key/,
    );
    await expectError(
      await post(sub, running.bc, { reason: 'x' }, { 'x-api-key': 'wrong-token' }),
      401,
      /Invalid API key/,
    );
    await expectError(
      await t.app.request(`/subscriptions/${sub}/billing-cycles/${running.bc}`, { headers: basic() }),
      401,
    );
    await expectError(await t.app.request(`/subscriptions/${sub}/billing-cycles`), 401);

    // The body is checked before the cycle's state: 400, though the cycle is Retrying.
    await expectError(await post(sub, running.bc, { reason: 'x'.repeat(129) }), 400, /reason/);
    await expectError(await post(sub, running.bc, { reason: '' }), 400, /reason/);
    await expectError(await post(sub, running.bc, {}), 400, /reason/);
    await expectError(await post(sub, running.bc, { reason: 'x', amount: 5 }), 400);
    await expectError(await post(sub, running.bc, '{not json'), 400);
    expect(await post(sub, running.bc, { reason: 'x'.repeat(128) }).then((r) => r.status)).toBe(409);
    await expectError(await post(sub, running.bc, { reason: 'Retry now' }), 409, /still retrying/);

    // Unknown ids and another subscription's cycle: 404 in the one error shape.
    const unknown = `BillingCycle-${randomUUID()}`;
    const res404 = await post(sub, unknown, { reason: 'x' });
    expect(res404.status).toBe(404);
    expect(await res404.json()).toEqual({ success: false, message: expect.stringContaining(unknown) });
    await expectError(await post(newSubscription(), running.bc, { reason: 'x' }), 404);
    await expectError(await post('none', running.bc, { reason: 'x' }), 404);
    await expectError(await get(`/subscriptions/${newSubscription()}/billing-cycles/${running.bc}`), 404);
    await expectError(await get(`/subscriptions/${sub}/billing-cycles/${unknown}`), 404);
    await expectError(await get(`${retriesPath(sub, running.bc)}/Retry-${randomUUID()}`), 404);
    await expectError(await get(`/subscriptions/${newSubscription()}/billing-cycles`), 404);
    expect(await h.db.db.select().from(manualRetries).where(eq(manualRetries.cycleId, running.id))).toEqual(
      [],
    );

    // Removed ends it as Failed: a manual retry is allowed and collects.
    await h.cycles.remove(documentOf(running.payment));
    expect(((await h.cycles.handle(documentOf(running.payment)).result()) as CycleDetails).status).toBe(
      'removed',
    );
    const removed = await post(sub, running.bc, { reason: 'Removed by mistake' });
    expect(removed.status).toBe(201);
    expect(manualRetrySchema.parse(await removed.json())).toMatchObject({
      status: 'Captured',
      attemptNumber: 2,
    });

    // A cycle that collected by itself is Captured: 409.
    const paid = await cycle('sim.approve', { subscription_id: sub });
    expect(paid.final?.status).toBe('collected');
    expect((await getCycle(sub, paid.bc)).status).toBe('Captured');
    await expectError(await post(sub, paid.bc, { reason: 'x' }), 409, /Captured/);
  });

  it('requires Content-Type: application/json and Accept-Language: en-US; Origin and User-Agent are optional', async () => {
    const sub = newSubscription();
    const c = await hardDeclined('sim.approve', { subscription_id: sub });
    expect((await getCycle(sub, c.bc)).status).toBe('Failed');
    const body = { reason: 'Card replaced' };
    await expectError(await post(sub, c.bc, body, { 'Content-Type': undefined }), 400, /Content-Type/);
    await expectError(await post(sub, c.bc, body, { 'Content-Type': 'text/plain' }), 400, /content-type/i);
    await expectError(await post(sub, c.bc, body, { 'Accept-Language': undefined }), 400, /Accept-Language/);
    await expectError(await post(sub, c.bc, body, { 'Accept-Language': 'fr-FR' }), 400, /en-US/);
    await expectError(await post(sub, c.bc, body, { 'Accept-Language': 'en-US,en;q=0.9' }), 400, /en-US/);
    expect(await h.db.db.select().from(manualRetries).where(eq(manualRetries.cycleId, c.id))).toEqual([]);

    const ok = await post(sub, c.bc, body, { 'Content-Type': 'application/json; charset=utf-8' });
    expect(ok.status).toBe(201);
    expect(manualRetrySchema.parse(await ok.json()).status).toBe('Captured');
    expect(await ledger(h.simUrl, c.payment.payment_method_id)).toHaveLength(1);
  });

  it('charges once when two manual retries of one cycle arrive together: one 201, one 409', async () => {
    const sub = newSubscription();
    const c = await hardDeclined('sim.approve', { subscription_id: sub });
    const results = await Promise.all([
      post(sub, c.bc, { reason: 'first' }),
      post(sub, c.bc, { reason: 'second' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409);
    await expectError(loser as Response, 409, /in progress|Captured/);
    const charges = await ledger(h.simUrl, c.payment.payment_method_id);
    expect(charges.map((x) => x.idempotency_key)).toEqual([`cycle-${c.id}-attempt-2`]);
    expect(await h.db.db.select().from(manualRetries).where(eq(manualRetries.cycleId, c.id))).toHaveLength(1);
  });

  it('answers the same retry for the same Idempotency-Key (IETF draft), never charging again', async () => {
    const sub = newSubscription();
    const c = await hardDeclined('sim.do_not_honor', { subscription_id: sub });
    const key = { 'Idempotency-Key': `key-${randomUUID()}` };
    const both = await Promise.all([
      post(sub, c.bc, { reason: 'Try again' }, key),
      post(sub, c.bc, { reason: 'Try again' }, key),
    ]);
    // One of the two made the retry. The other arrived while it was in flight (409), or, on a machine
    // slow enough that the first had already answered, got its answer replayed: never a second retry.
    const made = both.filter((r) => r.status === 201 && r.headers.get('Idempotent-Replayed') !== 'true');
    expect(made).toHaveLength(1);
    const [other] = both.filter((r) => r !== made[0]);
    const first = manualRetrySchema.parse(await (made[0] as Response).json());
    expect(first.status).toBe('Failed');
    if (other?.status === 409) {
      expect(await other.json()).toMatchObject({
        success: false,
        message: expect.stringMatching(/Idempotency-Key/),
      });
    } else {
      expect(other?.status).toBe(201);
      expect(other?.headers.get('Idempotent-Replayed')).toBe('true');
      expect(await other?.json()).toEqual(first);
    }
    const third = await post(sub, c.bc, { reason: 'Try again' }, key);
    expect(third.status).toBe(201);
    expect(third.headers.get('Idempotent-Replayed')).toBe('true');
    expect(await third.json()).toEqual(first);
    // The same key with another reason is a mistake, not a new retry.
    await expectError(await post(sub, c.bc, { reason: 'Something else' }, key), 422, /Idempotency-Key/);
    expect(await ledger(h.simUrl, c.payment.payment_method_id)).toHaveLength(1);
    expect(await h.db.db.select().from(manualRetries).where(eq(manualRetries.cycleId, c.id))).toHaveLength(1);
  });

  it('allows another manual retry after one that failed, and numbers their attempts in turn', async () => {
    const sub = newSubscription();
    const c = await hardDeclined('sim.do_not_honor.approve', { subscription_id: sub });
    const failed = await post(sub, c.bc, { reason: 'First try' });
    expect(failed.status).toBe(201);
    const one = manualRetrySchema.parse(await failed.json());
    expect(one).toMatchObject({
      status: 'Failed',
      attemptNumber: 2,
      gatewayCode: 'do_not_honor',
      amountCollected: '0.00',
    });
    expect((await getCycle(sub, c.bc)).status).toBe('Failed');

    const res = await post(sub, c.bc, { reason: 'Second try' });
    expect(res.status).toBe(201);
    const two = manualRetrySchema.parse(await res.json());
    expect(two).toMatchObject({ status: 'Captured', attemptNumber: 3 });
    expect(two.id).not.toBe(one.id);
    const bc = await getCycle(sub, c.bc);
    expect(bc.status).toBe('Captured');
    expect(bc.transactions.map((x) => [x.source, x.success])).toEqual([
      ['PR-00000371', false],
      ['MANUAL', false],
      ['MANUAL', true],
    ]);
    // The declined one is labelled by the cycle's rules, like any decline.
    const [declined] = await h.db.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, c.id), eq(attempts.attemptNumber, 2)));
    expect(declined?.label).toBe('Soft Decline');
    expect((await get(`${retriesPath(sub, c.bc)}/${one.id}`).then((r) => r.json())) as Retry).toEqual(one);
  });

  it('allows a manual retry of a cycle that ended in Error', async () => {
    const sub = newSubscription();
    const c = await cycle('sim.approve', { subscription_id: sub, gateway_id: 'no-such-gateway' });
    expect(c.final?.status).toBe('error');
    expect((await getCycle(sub, c.bc)).status).toBe('Error');
    const res = await post(sub, c.bc, { reason: 'Gateway fixed?' });
    expect(res.status).toBe(201);
    expect(manualRetrySchema.parse(await res.json())).toMatchObject({
      status: 'Error',
      gatewayCode: 'UnknownGatewayError',
    });
    expect((await getCycle(sub, c.bc)).status).toBe('Error');
  });

  it('answers Pending when the charge takes longer than the wait; the GET shows the outcome later', async () => {
    const quick = await testApp(kind, {
      db: h.db,
      manualRetries: createManualRetryClient({
        client: h.temporal.client,
        taskQueue: h.taskQueue,
        waitMs: 100,
      }),
    });
    const sub = newSubscription();
    // The first charge request times out (no answer, nothing charged); its retry, same key, approves.
    const c = await hardDeclined('sim.timeout.approve', { subscription_id: sub });
    const res = await quick.app.request(retriesPath(sub, c.bc), {
      method: 'POST',
      headers: { 'x-api-key': TEST_TOKEN, ...POST_HEADERS },
      body: JSON.stringify({ reason: 'Slow gateway' }),
    });
    expect(res.status).toBe(201);
    const pending = manualRetrySchema.parse(await res.json());
    expect(pending).toMatchObject({
      status: 'Pending',
      amountCollected: null,
      executedAt: null,
      gatewayCode: null,
    });
    // One retry at a time: another is refused while this one is pending.
    await expectError(await post(sub, c.bc, { reason: 'Impatient' }), 409, /in progress/);
    const done = await eventually(async () => {
      const r = (await (await get(`${retriesPath(sub, c.bc)}/${pending.id}`)).json()) as Retry;
      return r.status === 'Pending' ? undefined : r;
    });
    expect(done).toMatchObject({ id: pending.id, status: 'Captured', createdAt: pending.createdAt });
    expect((await getCycle(sub, c.bc)).status).toBe('Captured');
    const charges = await ledger(h.simUrl, c.payment.payment_method_id);
    expect(charges.map((x) => [x.idempotency_key, x.status])).toEqual([
      [`cycle-${c.id}-attempt-2`, 'approved'],
    ]);
  });

  it('a declined manual retry in flight when the service stops completes after a restart on the same database', async () => {
    // Issue 12 wedged PGlite across restarts: the retried recordManualRetry waited on the lock again.
    // Here the first process stops while the retry's charge is unanswered; a second one opens the
    // same database (PGlite's directory, Postgres's URL) and takes over the task queue.
    const sim = createSimServer({});
    const { url: simUrl } = await sim.listen(0);
    const dataDir = kind === 'pglite' ? mkdtempSync(join(tmpdir(), 'cpr-restart-')) : undefined;
    let second: Harness | undefined;
    try {
      const first = await startHarness({
        kind,
        config: testConfig(2),
        simUrl,
        ...(dataDir ? { reopen: { dataDir } } : {}),
      });
      const reopen = dataDir ? { dataDir } : { url: first.db.url as string };
      const clientOf = (harness: Harness, waitMs?: number) =>
        createManualRetryClient({
          client: harness.temporal.client,
          taskQueue: harness.taskQueue,
          ...(waitMs ? { waitMs } : {}),
        });
      const sub = newSubscription();
      let payment: FailedPayment;
      let bc: string;
      let pending: Retry;
      try {
        const app = await testApp(kind, { db: first.db, manualRetries: clientOf(first, 100) });
        // Two soft declines exhaust the rules; the manual retry's first request gets no answer, and
        // its retry (same key) is declined again.
        payment = failedPayment('sim.insufficient_funds.insufficient_funds.timeout.insufficient_funds', {
          subscription_id: sub,
        });
        const submitted = await first.cycles.submit(payment);
        bc = submitted.billing_cycle_id;
        const ended = (await first.cycles.handle(documentOf(payment)).result()) as CycleDetails;
        expect(ended.status).toBe('attempts_exhausted');
        const res = await app.app.request(retriesPath(sub, bc), {
          method: 'POST',
          headers: { 'x-api-key': TEST_TOKEN, ...POST_HEADERS },
          body: JSON.stringify({ reason: 'Before the restart' }),
        });
        expect(res.status).toBe(201);
        pending = manualRetrySchema.parse(await res.json());
        expect(pending.status).toBe('Pending');
      } finally {
        await first.close();
      }

      // Between the two processes the retry is still pending: the second one has to finish it.
      const between = await openTestDb(kind, reopen);
      const [stored] = await between.db
        .select({ status: manualRetries.status })
        .from(manualRetries)
        .where(eq(manualRetries.retryId, pending.id));
      await between.close();
      expect(stored?.status).toBe('pending');

      second = await startHarness({
        kind,
        config: testConfig(2),
        simUrl,
        reopen,
        taskQueue: first.taskQueue,
      });
      const after = await testApp(kind, { db: second.db, manualRetries: clientOf(second) });
      const done = await eventually(async () => {
        const r = await after.app.request(`${retriesPath(sub, bc)}/${pending.id}`, {
          headers: { 'x-api-key': TEST_TOKEN },
        });
        const body = manualRetrySchema.parse(await r.json());
        return body.status === 'Pending' ? undefined : body;
      }, 60_000);
      expect(done).toMatchObject({ id: pending.id, status: 'Failed', gatewayCode: 'insufficient_funds' });
      const cycleRes = await after.app.request(`/subscriptions/${sub}/billing-cycles/${bc}`, {
        headers: { 'x-api-key': TEST_TOKEN },
      });
      expect(cycleRes.status).toBe(200);
      expect(billingCycleSchema.parse(await cycleRes.json()).transactions.map((x) => x.source)).toEqual([
        'PR-00000371',
        expect.stringMatching(/^PR-C/),
        expect.stringMatching(/^PR-C/),
        'MANUAL',
      ]);
      // One charge per key, the retry's included, whichever worker sent it.
      const keys = (await ledger(simUrl, payment.payment_method_id)).map((x) => x.idempotency_key);
      expect(keys.sort()).toEqual([...new Set(keys)].sort());
      expect(keys).toHaveLength(3);
    } finally {
      await second?.close();
      await sim.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('lists billing cycles by page, and reaches cycles without a subscription under `none`', async () => {
    const sub = newSubscription();
    const opened: string[] = [];
    for (let i = 0; i < 3; i++) opened.push((await hardDeclined('sim.approve', { subscription_id: sub })).bc);
    const page = async (query: string) => {
      const res = await get(`/subscriptions/${sub}/billing-cycles${query}`);
      expect(res.status).toBe(200);
      return billingCyclePageSchema.parse(await res.json());
    };
    const first = await page('?page=1&pageSize=2');
    expect(first).toMatchObject({ page: 1, pageSize: 2, count: 3, totalPages: 2 });
    expect(first.data.map((x) => x.id)).toEqual(opened.slice(0, 2));
    const second = await page('?page=2&pageSize=2');
    expect(second.data.map((x) => x.id)).toEqual(opened.slice(2));
    expect((await page('?page=3&pageSize=2')).data).toEqual([]);
    const all = await page('');
    expect(all).toMatchObject({ page: 1, pageSize: 20, count: 3, totalPages: 1 });
    expect(all.data[0]?.transactions).toHaveLength(1);
    for (const bad of ['?pageSize=101', '?pageSize=0', '?page=0', '?page=-1', '?page=abc', '?pageSize=2.5']) {
      await expectError(await get(`/subscriptions/${sub}/billing-cycles${bad}`), 400);
    }

    const lone = await hardDeclined('sim.approve');
    expect((await getCycle('none', lone.bc)).subscriptionId).toBeNull();
    const none = await get('/subscriptions/none/billing-cycles?pageSize=100');
    expect(none.status).toBe(200);
    expect(billingCyclePageSchema.parse(await none.json()).data.map((x) => x.id)).toContain(lone.bc);
    await expectError(await get(`/subscriptions/${sub}/billing-cycles/${lone.bc}`), 404);
    const res = await post('none', lone.bc, { reason: 'No subscription' });
    expect(res.status).toBe(201);
  });

  it('documents all four routes in /openapi.json', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, Json>>;
      components: { schemas: Record<string, unknown> };
    };
    const base = '/subscriptions/{subscriptionId}/billing-cycles';
    expect(Object.keys(doc.paths[`${base}/{billingCycleId}/manual-retries`] ?? {})).toEqual(['post']);
    expect(Object.keys(doc.paths[`${base}/{billingCycleId}/manual-retries/{retryId}`] ?? {})).toEqual([
      'get',
    ]);
    expect(Object.keys(doc.paths[`${base}/{billingCycleId}`] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.paths[base] ?? {})).toEqual(['get']);
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['ManualRetryRequest', 'ManualRetry', 'BillingCycle', 'BillingCyclePage']),
    );
    const postOp = doc.paths[`${base}/{billingCycleId}/manual-retries`]?.post as Json;
    expect(postOp.security).toEqual([{ apiKey: [] }]);
    expect(JSON.stringify(postOp.parameters)).toContain('accept-language');
    expect(String(postOp.description)).toContain('`none`');
  });
});
