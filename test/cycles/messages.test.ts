import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, cycles } from '../../db/schema';
import type { CycleDetails } from '../../workflows/cycle-types';
import { type DocumentRef, documentOf } from '../../workflows/failed-payment';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';

describe('RetryCycle messages', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ config: testConfig(4) });
  });
  afterAll(async () => {
    await h.close();
  });

  const result = (doc: DocumentRef) => h.cycles.handle(doc).result() as Promise<CycleDetails>;
  const slow = (pm: string) => failedPayment(pm, { account: { segment: 'slow' } });

  it('executeNow pulls the next attempt forward and records api_updated_retry_time', async () => {
    const payment = slow('sim.approve');
    const { cycle_id } = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const before = await h.cycles.state(doc);
    expect(Date.parse(before?.next_attempt ?? '') - Date.now()).toBeGreaterThan(50 * 60_000);
    expect(await h.cycles.executeNow(doc, 'ops@example.com')).toBe(true);
    const final = await result(doc);
    expect(final.status).toBe('collected');
    const stored = await h.db.db
      .select()
      .from(attempts)
      .where(eq(attempts.cycleId, cycle_id))
      .orderBy(asc(attempts.attemptNumber));
    expect(stored).toHaveLength(2);
    expect(stored[0]?.apiUpdatedRetryTime).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(Z|[+-]\d\d:\d\d)$/,
    );
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(1);
  });

  it('remove ends the cycle at once with no later attempt, keeping its history', async () => {
    const payment = slow('sim.approve');
    const { cycle_id } = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    await h.cycles.remove(doc, 'ops@example.com');
    expect(await result(doc)).toMatchObject({ status: 'removed', next_attempt: null });
    expect(await h.db.db.select().from(attempts).where(eq(attempts.cycleId, cycle_id))).toHaveLength(1);
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
    expect(await h.cycles.executeNow(doc)).toBe(false);
  });

  it('a payment with text Postgres cannot store is refused, and opens no cycle that spins', async () => {
    for (const odd of ['\u0000', '\udc00']) {
      const payment = slow('sim.approve');
      const bad = { ...payment, gateway_response_message: `card declined${odd}` };
      await expect(h.cycles.submit(bad)).rejects.toThrow();
      // The run the Update-with-start created fails at once instead of retrying a refused write.
      const handle = h.cycles.handle(documentOf(payment));
      await expect(handle.result()).rejects.toThrow();
      expect((await handle.describe()).status.name).toBe('FAILED');
      expect(await h.db.db.select().from(cycles).where(eq(cycles.workflowId, handle.workflowId))).toEqual([]);
    }
  });

  it('pause holds attempts; resume reschedules without a burst of missed attempts', async () => {
    const payment = failedPayment('sim.insufficient_funds.approve', { account: { segment: 'two-seconds' } });
    await h.cycles.submit(payment);
    const doc = documentOf(payment);
    await h.cycles.pause(doc);
    await eventually(async () => (await h.cycles.details(doc))?.status === 'paused');
    // The attempt was due 2 s after the failure; 4 s later, still nothing was charged.
    await new Promise((r) => setTimeout(r, 4000));
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
    expect((await h.cycles.state(doc))?.status).toBe('Cycle Incomplete');

    await h.cycles.resume(doc);
    // One overdue attempt runs at the next boundary (now, with PT0S), then the rules' 2 s spacing.
    const charges = await eventually(async () => {
      const c = await ledger(h.simUrl, payment.payment_method_id);
      return c.length >= 1 ? c : undefined;
    }, 10_000);
    expect(charges).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 500));
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(1);
    expect((await result(doc)).status).toBe('collected');
  });

  it('a partial external payment leaves the rest to collect; a full one ends the cycle as collected externally', async () => {
    const payment = slow('sim.insufficient_funds');
    await h.cycles.submit(payment);
    const doc = documentOf(payment);
    await h.cycles.paymentReceived(doc, { amount: '40.00', currency: 'USD', payment_id: 'EXT-1' });
    // A duplicate notification of the same payment changes nothing.
    await h.cycles.paymentReceived(doc, { amount: '40.00', currency: 'USD', payment_id: 'EXT-1' });
    await eventually(async () => (await h.cycles.details(doc))?.outstanding === '60.00');
    await h.cycles.executeNow(doc);
    const [charge] = await eventually(async () => {
      const c = await ledger(h.simUrl, payment.payment_method_id);
      return c.length === 1 ? c : undefined;
    });
    expect(charge?.amount).toMatch(/^60(\.0+)?$/);
    expect((await h.cycles.details(doc))?.status).toBe('in_retry');
    await h.cycles.paymentReceived(doc, { amount: '60.00', currency: 'USD' });
    expect(await result(doc)).toMatchObject({ status: 'collected_external', outstanding: '0.00' });
  });

  it('an updated payment method is used by the next attempt, which moves up', async () => {
    const payment = slow('sim.insufficient_funds');
    await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const newMethod = `sim.approve#${payment.invoice_id}-new`;
    await h.cycles.paymentMethodUpdated(doc, newMethod);
    expect(await result(doc)).toMatchObject({ status: 'collected', payment_method_id: newMethod });
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
    expect(await ledger(h.simUrl, newMethod)).toHaveLength(1);
  });

  it('a failed payment signalled as the cycle ends is not lost: it opens the next cycle', async () => {
    const payment = slow('sim.approve');
    const first = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const late = { ...payment, payment_id: `${payment.payment_id}-late` };
    // Both may land in the same workflow task or one after the other; either way nothing is dropped.
    await Promise.all([h.cycles.remove(doc), h.cycles.submitAsync(late)]);
    const next = await eventually(async () => {
      const d = await h.cycles.details(doc);
      const s = await h.cycles.state(doc);
      if (d && d.cycle_id !== first.cycle_id && s?.attempts.length) return d;
      // The late payment may also have joined the first cycle before the removal was processed.
      if (d?.cycle_id === first.cycle_id && s?.attempts.some((a) => a.zuora_payment_id === late.payment_id))
        return d;
      return undefined;
    });
    const state = await h.cycles.state(doc);
    if (next.cycle_id !== first.cycle_id) {
      expect(state?.attempts.map((a) => a.zuora_payment_id)).toEqual([late.payment_id]);
      const [old] = await h.db.db.select().from(cycles).where(eq(cycles.id, first.cycle_id));
      expect(old?.status).toBe('removed');
    }
    await h.cycles.remove(doc);
  });

  it('continues as new before the history grows large, carrying its state', async () => {
    const payment = slow('sim.approve');
    const { cycle_id } = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const firstRun = (await h.cycles.handle(doc).describe()).runId;
    // Each pause/resume pair is recorded as two events: enough of them push the history past the limit.
    for (let i = 0; i < 700; i++) {
      await h.cycles.pause(doc);
      await h.cycles.resume(doc);
    }
    const runId = await eventually(async () => {
      const d = await h.cycles.handle(doc).describe();
      return d.runId !== firstRun ? d.runId : undefined;
    }, 180_000);
    expect(runId).not.toBe(firstRun);
    expect(await h.cycles.details(doc)).toMatchObject({ cycle_id, status: 'in_retry' });
    expect((await h.cycles.state(doc))?.attempts).toHaveLength(1);
    await h.cycles.executeNow(doc);
    expect(await h.cycles.handle(doc).result()).toMatchObject({ status: 'collected', cycle_id });
  }, 300_000);
});
