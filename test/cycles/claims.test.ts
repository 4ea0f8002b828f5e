import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { updateFailure } from '../../api/temporal-errors';
import { attemptValues } from '../../db/attempt-rows';
import { openCycle } from '../../db/cycle-writes';
import { attempts, cycleEvents, cycles } from '../../db/schema';
import { externalAttempt } from '../../domain/attempt-record';
import type { CycleDetails } from '../../domain/cycle-details';
import { type DocumentRef, documentOf, type FailedPayment } from '../../domain/failed-payment';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { attemptsOf as storedAttempts, cyclesOf as storedCycles } from '../support/cycle-rows';
import { dbKinds } from '../support/databases';
import { expectNoDoubleCharge } from '../support/ledger-checks';

// A payment enters a cycle once, ever (issue 13): through the typed client's update-with-start and
// signal-with-start, in parallel, after its cycle ended, and across documents.

describe.each(dbKinds)('payment claims (%s)', (kind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(4) });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  const slow = (pm: string, extra: Partial<FailedPayment> = {}) =>
    failedPayment(pm, { account: { segment: 'slow' }, ...extra });
  /** Hard decline: the rules stop at attempt 1, so the run ends in its first workflow task. */
  const stopping = () => failedPayment('sim.approve', { gateway_response_code: 'lost_card' });
  const cyclesOf = (doc: DocumentRef) => storedCycles(h.db.db, doc);
  const attemptsOf = (cycleId: number) => storedAttempts(h.db.db, cycleId);
  /** The latest run of the document's workflow, awaited to its end. */
  const latestRun = (doc: DocumentRef) => h.cycles.handle(doc).result() as Promise<CycleDetails>;
  const refusal = async (call: Promise<unknown>) => {
    try {
      await call;
    } catch (err) {
      const failure = updateFailure(err);
      // The type is what the API answers by (domain/failures.ts); the words are for people.
      return failure ? `${failure.type}: ${failure.message}` : String(err);
    }
    throw new Error('the submit was accepted');
  };

  it('30 parallel identical submits of a sleeping cycle make one cycle, one attempt 1, one "added"; a resubmit after it ended opens nothing', async () => {
    const p = slow('sim.approve');
    const doc = documentOf(p);
    const answers = await Promise.all(Array.from({ length: 30 }, () => h.cycles.submit(p)));
    expect(new Set(answers.map((a) => a.cycle_id)).size).toBe(1);
    expect(answers.every((a) => a.attempt_number === 1)).toBe(true);
    expect(answers.filter((a) => a.added)).toHaveLength(1);
    const [cycle] = await cyclesOf(doc);
    expect(cycle?.id).toBe(answers[0]?.cycle_id);
    expect((await attemptsOf(cycle?.id ?? 0)).map((a) => a.paymentId)).toEqual([p.payment_id]);

    await h.cycles.remove(doc);
    expect(await latestRun(doc)).toMatchObject({ status: 'removed', cycle_id: cycle?.id });
    // The same payment again, through both entry points, after its cycle ended.
    expect(await h.cycles.submit(p)).toMatchObject({ cycle_id: cycle?.id, added: false, attempt_number: 1 });
    expect(await latestRun(doc)).toMatchObject({ cycle_id: null });
    await h.cycles.submitAsync(p);
    expect(await latestRun(doc)).toMatchObject({ cycle_id: null });
    expect(await cyclesOf(doc)).toHaveLength(1);
    expect(await ledger(h.simUrl, p.payment_method_id)).toEqual([]);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it('30 parallel identical submits of a cycle that stops at once make one cycle and one attempt', async () => {
    const p = stopping();
    const doc = documentOf(p);
    const settled = await Promise.allSettled(Array.from({ length: 30 }, () => h.cycles.submit(p)));
    const answers = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const [cycle, ...more] = await cyclesOf(doc);
    expect(more).toEqual([]);
    expect(cycle?.status).toBe('stopped_by_rule');
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.every((a) => a.cycle_id === cycle?.id && a.attempt_number === 1)).toBe(true);
    expect(answers.filter((a) => a.added).length).toBeLessThanOrEqual(1);
    expect((await attemptsOf(cycle?.id ?? 0)).map((a) => a.paymentId)).toEqual([p.payment_id]);
    // Whatever runs the retries started end without a cycle; one more submit is answered the same way.
    await latestRun(doc);
    expect(await h.cycles.submit(p)).toMatchObject({ cycle_id: cycle?.id, added: false });
    await latestRun(doc);
    expect(await cyclesOf(doc)).toHaveLength(1);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it('a payment resubmitted after its cycle collected is answered with that cycle and charges nothing', async () => {
    const p = failedPayment('sim.approve');
    const doc = documentOf(p);
    const first = await h.cycles.submit(p);
    expect(await latestRun(doc)).toMatchObject({ status: 'collected', cycle_id: first.cycle_id });
    expect(await h.cycles.submit(p)).toEqual({ ...first, added: false });
    expect(await latestRun(doc)).toMatchObject({
      cycle_id: null,
      end_reason: expect.stringMatching(/already/),
    });
    await h.cycles.submitAsync(p);
    expect(await latestRun(doc)).toMatchObject({ cycle_id: null });
    expect((await cyclesOf(doc)).map((c) => c.id)).toEqual([first.cycle_id]);
    expect(await attemptsOf(first.cycle_id)).toHaveLength(2);
    expect(await ledger(h.simUrl, p.payment_method_id)).toHaveLength(1);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it("refuses a new payment whose currency or account differs from the document's active cycle", async () => {
    const p = slow('sim.approve');
    const doc = documentOf(p);
    const { cycle_id } = await h.cycles.submit(p);
    const eur = { ...p, payment_id: `${p.payment_id}-eur`, currency: 'EUR' };
    expect(await refusal(h.cycles.submit(eur))).toMatch(
      /^PaymentNotMember: the payment's currency EUR differs from the active cycle's USD/,
    );
    const other = { ...p, payment_id: `${p.payment_id}-acct`, account_id: `${p.account_id}-other` };
    expect(await refusal(h.cycles.submit(other))).toMatch(/^PaymentNotMember: .*account .* differs/);
    // A signal cannot be answered: the cycle records the refusal instead of taking the payment.
    const signalled = { ...p, payment_id: `${p.payment_id}-eur-signal`, currency: 'EUR' };
    await h.cycles.submitAsync(signalled);
    const matches = (await h.cycles.submit({ ...p, payment_id: `${p.payment_id}-usd` })).attempt_number;
    expect(matches).toBe(2);
    const refused = await eventually(async () => {
      const rows = await h.db.db
        .select()
        .from(cycleEvents)
        .where(and(eq(cycleEvents.cycleId, cycle_id), eq(cycleEvents.reason, 'payment_refused')));
      return rows.length > 0 ? rows : undefined;
    });
    expect(refused.map((e) => (e.detail as { payment_id: string }).payment_id)).toEqual([
      signalled.payment_id,
    ]);
    expect((await attemptsOf(cycle_id)).map((a) => a.paymentId)).toEqual([
      p.payment_id,
      `${p.payment_id}-usd`,
    ]);
    await h.cycles.remove(doc);
    await latestRun(doc);
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it("a payment_id one document's cycle holds never becomes an attempt of another document", async () => {
    const a = slow('sim.approve');
    const b = slow('sim.approve');
    const c = slow('sim.approve');
    const held = await h.cycles.submit(a);
    const other = await h.cycles.submit(b);
    // Joining b's active cycle, and opening c's first cycle, with a's payment_id.
    expect(await refusal(h.cycles.submit({ ...b, payment_id: a.payment_id }))).toMatch(
      new RegExp(`^PaymentIdConflict: payment ${a.payment_id} already entered cycle ${held.cycle_id}`),
    );
    expect(await refusal(h.cycles.submit({ ...c, payment_id: a.payment_id }))).toMatch(
      /^PaymentIdConflict: .*other details/,
    );
    // By signal there is no answer to refuse it with: b's cycle records the refusal instead.
    await h.cycles.submitAsync({ ...b, payment_id: a.payment_id });
    const refused = await eventually(async () => {
      const [row] = await h.db.db
        .select()
        .from(cycleEvents)
        .where(and(eq(cycleEvents.cycleId, other.cycle_id), eq(cycleEvents.reason, 'payment_refused')));
      return row;
    });
    expect(refused.detail).toMatchObject({
      payment_id: a.payment_id,
      why: expect.stringMatching(/other details/),
    });
    expect(await latestRun(documentOf(c))).toMatchObject({ cycle_id: null });
    expect(await cyclesOf(documentOf(c))).toEqual([]);
    expect((await attemptsOf(other.cycle_id)).map((x) => x.paymentId)).toEqual([b.payment_id]);
    for (const p of [a, b]) {
      await h.cycles.remove(documentOf(p));
      await latestRun(documentOf(p));
    }
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it('payments signalled as a cycle ends are carried to the next run, where a claimed one still opens nothing', async () => {
    const a = slow('sim.approve');
    const held = await h.cycles.submit(a);
    const b = slow('sim.approve');
    const doc = documentOf(b);
    const first = await h.cycles.submit(b);
    const fresh = { ...b, payment_id: `${b.payment_id}-next` };
    // Before or after the removal, in this run or carried to the next: the order is the server's.
    await Promise.all([
      h.cycles.remove(doc),
      h.cycles.submitAsync({ ...a, invoice_id: b.invoice_id }),
      h.cycles.submitAsync(b),
      h.cycles.submitAsync(fresh),
    ]);
    const took = await eventually(async () => {
      const rows = await h.db.db.select().from(attempts).where(eq(attempts.paymentId, fresh.payment_id));
      return rows.length > 0 ? rows : undefined;
    });
    expect(took).toHaveLength(1);
    const ofDoc = await cyclesOf(doc);
    const all = (await Promise.all(ofDoc.map((c) => attemptsOf(c.id)))).flat();
    expect(all.filter((x) => x.paymentId === a.payment_id)).toEqual([]);
    expect(all.filter((x) => x.paymentId === b.payment_id).map((x) => x.cycleId)).toEqual([first.cycle_id]);
    expect((await attemptsOf(held.cycle_id)).map((x) => x.paymentId)).toEqual([a.payment_id]);
    for (const d of [doc, documentOf(a)]) {
      await h.cycles.remove(d);
      await latestRun(d);
    }
    await expectNoDoubleCharge(h.simUrl, h.db.db);
  }, 120_000);

  it('a payment that became an attempt before claims existed is answered with that cycle, not reopened', async () => {
    const p = failedPayment('sim.approve');
    const doc = documentOf(p);
    // A cycle from before the 'payment-claims' patch: its rows, no claim.
    const legacy = await openCycle(h.db.db, {
      workflow_id: `cpr-${doc.type}-${doc.id}`,
      run_id: `legacy-${p.payment_id}`,
      document_type: doc.type,
      document_id: doc.id,
      payment: p,
      customer_group_id: 1,
      customer_group_name: 'Default',
      config_version: 1,
      started_at: new Date().toISOString(),
    });
    const attempt = externalAttempt(p, 1, 1, `Transaction-legacy-${p.payment_id}`, new Date().toISOString());
    await h.db.db.insert(attempts).values(attemptValues(legacy.cycle_id, attempt));
    await h.db.db.update(cycles).set({ status: 'collected' }).where(eq(cycles.id, legacy.cycle_id));
    expect(await h.cycles.submit(p)).toMatchObject({
      cycle_id: legacy.cycle_id,
      added: false,
      attempt_number: 1,
    });
    expect(await latestRun(doc)).toMatchObject({ cycle_id: null });
    expect((await cyclesOf(doc)).map((c) => c.id)).toEqual([legacy.cycle_id]);
    expect(await ledger(h.simUrl, p.payment_method_id)).toEqual([]);
  }, 120_000);

  it('a new payment for a document its last cycle collected in full opens a cycle, and the answer and the events say so', async () => {
    const p = failedPayment('sim.approve');
    const doc = documentOf(p);
    const first = await h.cycles.submit(p);
    expect(await latestRun(doc)).toMatchObject({ status: 'collected' });
    const next = { ...p, payment_id: `${p.payment_id}-2`, account: { segment: 'slow' } };
    const answer = await h.cycles.submit(next);
    expect(answer).toMatchObject({
      added: true,
      attempt_number: 1,
      document_already_collected: {
        cycle_id: first.cycle_id,
        billing_cycle_id: first.billing_cycle_id,
        status: 'collected',
      },
    });
    const events = await h.db.db.select().from(cycleEvents).where(eq(cycleEvents.cycleId, answer.cycle_id));
    expect(events.map((e) => e.reason)).toContain('document_already_collected');
    await h.cycles.remove(doc);
    await latestRun(doc);
    expect(await expectNoDoubleCharge(h.simUrl, h.db.db)).toBeGreaterThan(0);
  }, 120_000);
});
