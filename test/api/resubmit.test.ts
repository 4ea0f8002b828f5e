import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cycleEvents } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { type DocumentRef, documentOf, type FailedPayment } from '../../domain/failed-payment';
import { testApp } from '../support/api';
import { failedPayment, type Harness, ledger, startHarness, testConfig } from '../support/cycle-harness';
import { attemptsOf as storedAttempts, cyclesOf as storedCycles } from '../support/cycle-rows';
import { dbKinds } from '../support/databases';
import { expectNoDoubleCharge } from '../support/ledger-checks';

// Resubmitting through REST (issue 13): a payment enters a cycle once, ever. Retried POSTs and
// at-least-once buses get the first answer again, and nothing is charged twice.

const P = '/api/v1/payments';
const SUBMITTED = { success: true, message: 'Payment entered into retry process' };

describe.each(dbKinds)('resubmitting failed payments (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(4) });
    t = await testApp(kind, { db: h.db, cycles: h.cycles });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  const slow = (pm: string, extra: Partial<FailedPayment> = {}) =>
    failedPayment(pm, { account: { segment: 'slow' }, ...extra });
  const post = async (body: unknown) => {
    const res = await t.json('POST', `${P}/submit_failed_payment`, body);
    return { status: res.status, replayed: res.headers.get('Idempotent-Replayed'), body: await res.json() };
  };
  const cyclesOf = (doc: DocumentRef) => storedCycles(h.db.db, doc);
  const attemptsOf = (cycleId: number) => storedAttempts(h.db.db, cycleId);
  const latestRun = (doc: DocumentRef) => h.cycles.handle(doc).result() as Promise<CycleDetails>;

  it('a collected payment submitted again answers 200 as a replay and charges nothing', async () => {
    const p = slow('sim.approve');
    const doc = documentOf(p);
    expect(await post(p)).toEqual({ status: 200, replayed: null, body: SUBMITTED });
    const res = await t.json('PUT', `${P}/execute_invoice_payment/${p.invoice_id}`);
    expect(res.status).toBe(200);
    const collected = await latestRun(doc);
    expect(collected.status).toBe('collected');
    for (let i = 0; i < 3; i++) {
      expect(await post(p)).toEqual({ status: 200, replayed: 'true', body: SUBMITTED });
    }
    // Zuora's body names the payment alone: known by its claim, and by its registration once registered.
    expect(await post({ payment_id: p.payment_id })).toEqual({
      status: 200,
      replayed: 'true',
      body: SUBMITTED,
    });
    expect((await t.json('POST', `${P}/failed_payments`, p)).status).toBe(201);
    expect(await post({ payment_id: p.payment_id })).toEqual({
      status: 200,
      replayed: 'true',
      body: SUBMITTED,
    });
    expect(await latestRun(doc)).toMatchObject({ cycle_id: collected.cycle_id, status: 'collected' });
    expect((await cyclesOf(doc)).map((c) => c.id)).toEqual([collected.cycle_id]);
    expect((await ledger(h.simUrl, p.payment_method_id)).filter((c) => c.status === 'approved')).toHaveLength(
      1,
    );
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it.each([
    ['sleeping', () => slow('sim.approve')],
    ['stopping', () => failedPayment('sim.approve', { gateway_response_code: 'lost_card' })],
  ])(
    '30 parallel identical submits of a %s cycle all answer 200 and make one cycle, one attempt 1',
    async (what, make) => {
      const p = make();
      const doc = documentOf(p);
      const answers = await Promise.all(Array.from({ length: 30 }, () => post(p)));
      expect(answers.map((a) => [a.status, a.body])).toEqual(answers.map(() => [200, SUBMITTED]));
      // One answer is the first; the rest are replays. When the cycle ends at once the SDK may re-send
      // the first caller's update-with-start to a new run, which answers it as a replay too.
      const first = answers.filter((a) => a.replayed === null).length;
      if (what === 'sleeping') expect(first).toBe(1);
      else expect(first).toBeLessThanOrEqual(1);
      const [cycle, ...more] = await cyclesOf(doc);
      expect(more).toEqual([]);
      expect(cycle?.status).toBe(what === 'sleeping' ? 'in_retry' : 'stopped_by_rule');
      expect((await attemptsOf(cycle?.id ?? 0)).map((a) => [a.attemptNumber, a.paymentId])).toEqual([
        [1, p.payment_id],
      ]);
      if (what === 'sleeping') await h.cycles.remove(doc);
      await latestRun(doc);
      expect(await cyclesOf(doc)).toHaveLength(1);
      await expectNoDoubleCharge(h.simUrl, h.db.db);
    },
    120_000,
  );

  it('the same payment through REST and a signal at once enters one cycle once', async () => {
    const p = failedPayment('sim.approve', { gateway_response_code: 'lost_card' });
    const doc = documentOf(p);
    const [rest] = await Promise.all([post(p), h.cycles.submitAsync(p), h.cycles.submitAsync(p)]);
    expect(rest).toMatchObject({ status: 200, body: SUBMITTED });
    await latestRun(doc);
    expect(await post(p)).toEqual({ status: 200, replayed: 'true', body: SUBMITTED });
    const [cycle, ...more] = await cyclesOf(doc);
    expect(more).toEqual([]);
    expect(await attemptsOf(cycle?.id ?? 0)).toHaveLength(1);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it("answers 409 for a payment whose currency or account differs from the document's active cycle, writing nothing", async () => {
    const p = slow('sim.approve');
    const doc = documentOf(p);
    await post(p);
    const [cycle] = await cyclesOf(doc);
    for (const bad of [
      { ...p, payment_id: `${p.payment_id}-eur`, currency: 'EUR' },
      { ...p, payment_id: `${p.payment_id}-acct`, account_id: `${p.account_id}-other` },
    ]) {
      const res = await post(bad);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        success: false,
        message: expect.stringMatching(/differs from the active cycle/),
      });
    }
    expect((await attemptsOf(cycle?.id ?? 0)).map((a) => a.paymentId)).toEqual([p.payment_id]);
    await h.cycles.remove(doc);
    await latestRun(doc);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it('answers 409 for a claimed payment_id submitted with other details, before and after its cycle ended', async () => {
    const p = slow('sim.approve');
    const doc = documentOf(p);
    await post(p);
    const other = slow('sim.approve');
    for (const changed of [
      { ...p, amount: '99.00' },
      { ...other, payment_id: p.payment_id },
    ]) {
      const res = await post(changed);
      expect(res.status).toBe(409);
      expect(res.body).toEqual({ success: false, message: expect.stringMatching(/with other details/) });
    }
    await h.cycles.remove(doc);
    await latestRun(doc);
    expect((await post({ ...p, amount: '99.00' })).status).toBe(409);
    expect(await cyclesOf(documentOf(other))).toEqual([]);
    expect(await cyclesOf(doc)).toHaveLength(1);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it('documents the replay header and the warning in /openapi.json', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<
        string,
        Record<string, { responses: Record<string, { headers?: Record<string, unknown> }> }>
      >;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    const ok = doc.paths[`${P}/submit_failed_payment`]?.post?.responses['200'];
    expect(Object.keys(ok?.headers ?? {})).toEqual(['Idempotent-Replayed']);
    expect(Object.keys(doc.components.schemas.SubmitPaymentToCycleResponse?.properties ?? {})).toEqual([
      'success',
      'message',
      'warning',
    ]);
  });

  it('a new payment for an invoice collected in full is accepted with a warning, recorded as a cycle event', async () => {
    const p = failedPayment('sim.approve');
    const doc = documentOf(p);
    await post(p);
    const collected = await latestRun(doc);
    expect(collected.status).toBe('collected');
    const next = { ...p, payment_id: `${p.payment_id}-2`, account: { segment: 'slow' } };
    const res = await post(next);
    expect(res).toMatchObject({ status: 200, replayed: null });
    const [, opened] = await cyclesOf(doc);
    expect(res.body).toEqual({
      ...SUBMITTED,
      warning: {
        code: 'document_already_collected',
        message: `Invoice ${p.invoice_id} was already collected in full by retry cycle ${collected.cycle_id} (collected); this payment opened retry cycle ${opened?.id} anyway`,
        previous_cycle_id: collected.cycle_id,
        previous_billing_cycle_id: collected.billing_cycle_id,
        cycle_id: opened?.id,
        billing_cycle_id: opened?.billingCycleId,
      },
    });
    const events = await h.db.db
      .select()
      .from(cycleEvents)
      .where(
        and(eq(cycleEvents.cycleId, opened?.id ?? 0), eq(cycleEvents.reason, 'document_already_collected')),
      );
    expect(events).toHaveLength(1);
    // Submitted again, it is a replay like any other.
    expect(await post(next)).toEqual({ status: 200, replayed: 'true', body: SUBMITTED });
    await h.cycles.remove(doc);
    await latestRun(doc);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);
});
