import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, cycles } from '../../db/schema';
import type { CycleDetails } from '../../domain/cycle-details';
import { cycleWorkflowId, type DocumentRef, documentOf } from '../../domain/failed-payment';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { replayHistories } from '../support/replay';

describe.each(dbKinds)('RetryCycle messages on %s', (kind: DbKind) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(4) });
  });
  afterAll(async () => {
    await h.close();
  });

  const result = (doc: DocumentRef) => h.cycles.handle(doc).result() as Promise<CycleDetails>;

  /** Writes a run's history to a file for replaying and prints where, with its last events. */
  const keepHistory = async (doc: DocumentRef, runId: string) => {
    const history = await h.temporal.client.workflow.getHandle(cycleWorkflowId(doc), runId).fetchHistory();
    const file = join(tmpdir(), `cpr-history-${cycleWorkflowId(doc)}-${runId}.json`);
    writeFileSync(file, historyToJSON(history));
    const last = (history.events ?? []).slice(-40).map((e) => `${e.eventId} ${e.eventType}`);
    console.error(`history of ${cycleWorkflowId(doc)} run ${runId} kept in ${file}; last events:`, last);
    // Whether today's code replays it tells our nondeterminism from the SDK's.
    const { failures } = await replayHistories(dirname(file), [basename(file)]);
    console.error(failures.length ? `it does NOT replay: ${failures.join('; ')}` : 'it replays');
  };
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

  /**
   * A late failed payment and a removal of the same document's cycle can be handled in two orders, and
   * nothing may be dropped in either:
   * - removal first: the cycle ends as removed with its one attempt, and the late payment opens the
   *   document's next cycle (continue-as-new with the payment queued as it ended, or signal-with-start
   *   of a new run once it had closed), where it is attempt 1;
   * - late payment first: it joins the cycle as attempt 2, then the removal ends that cycle, and no
   *   other cycle opens.
   * Nothing is charged in either (the slow group's next attempt is an hour away).
   */
  const lateAndRemove = async (order: 'race' | 'remove first' | 'late first') => {
    const payment = slow('sim.approve');
    const first = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const late = { ...payment, payment_id: `${payment.payment_id}-late` };
    const paymentsOf = async (cycleId: number) =>
      (
        await h.db.db
          .select({ id: attempts.paymentId })
          .from(attempts)
          .where(eq(attempts.cycleId, cycleId))
          .orderBy(asc(attempts.attemptNumber))
      ).map((a) => a.id);
    const cyclesOfDoc = () =>
      h.db.db.select().from(cycles).where(eq(cycles.documentId, doc.id)).orderBy(asc(cycles.id));

    if (order === 'race') {
      await Promise.all([h.cycles.remove(doc), h.cycles.submitAsync(late)]);
    } else if (order === 'remove first') {
      await h.cycles.remove(doc);
      await eventually(async () => (await cyclesOfDoc())[0]?.status === 'removed');
      await h.cycles.submitAsync(late);
    } else {
      await h.cycles.submitAsync(late);
      await eventually(async () => (await paymentsOf(first.cycle_id)).includes(late.payment_id));
      await h.cycles.remove(doc);
    }

    // Settled once the first cycle is removed and the late payment is an attempt somewhere.
    const settled = await eventually(async () => {
      const rows = await cyclesOfDoc();
      if (rows[0]?.status !== 'removed') return undefined;
      const firstPayments = await paymentsOf(first.cycle_id);
      if (firstPayments.includes(late.payment_id)) return { joined: true, rows, firstPayments } as const;
      const next = rows[1];
      if (next && (await paymentsOf(next.id)).length > 0)
        return { joined: false, rows, firstPayments } as const;
      return undefined;
    });
    expect(settled.rows[0]?.id).toBe(first.cycle_id);
    if (order === 'remove first') expect(settled.joined).toBe(false);
    if (order === 'late first') expect(settled.joined).toBe(true);

    if (settled.joined) {
      expect(settled.firstPayments).toEqual([payment.payment_id, late.payment_id]);
      // The run closes without a successor: result() follows continue-as-new, so it would not be this.
      expect(await result(doc)).toMatchObject({ cycle_id: first.cycle_id, status: 'removed' });
      expect((await cyclesOfDoc()).map((c) => c.id)).toEqual([first.cycle_id]);
    } else {
      expect(settled.firstPayments).toEqual([payment.payment_id]);
      const next = settled.rows[1];
      expect(settled.rows).toHaveLength(2);
      expect(next).toMatchObject({ status: 'in_retry', paymentId: late.payment_id });
      expect(await paymentsOf(next?.id ?? 0)).toEqual([late.payment_id]);
      expect(await h.cycles.details(doc)).toMatchObject({ cycle_id: next?.id, status: 'in_retry' });
      expect((await h.cycles.state(doc))?.attempts.map((a) => a.zuora_payment_id)).toEqual([late.payment_id]);
      await h.cycles.remove(doc);
      expect(await result(doc)).toMatchObject({ cycle_id: next?.id, status: 'removed' });
    }
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
  };

  it('a failed payment signalled as the cycle is removed is not lost, in whichever order they land', async () => {
    await lateAndRemove('race');
  });

  it('a failed payment signalled after the removal opens the next cycle', async () => {
    await lateAndRemove('remove first');
  });

  it('a failed payment signalled before the removal joins the cycle, and no other cycle opens', async () => {
    await lateAndRemove('late first');
  });

  it('continues as new before the history grows large, carrying its state', async () => {
    const payment = slow('sim.approve');
    const { cycle_id } = await h.cycles.submit(payment);
    const doc = documentOf(payment);
    const firstRun = (await h.cycles.handle(doc).describe()).runId;
    // Each pause/resume pair adds two signal events, plus workflow-task events for each task: a quiet
    // machine gives every signal a task of its own, a loaded one batches them. So pairs go in batches
    // until the run has continued as new; 20 batches are 4,000 signal events, twice the 2,000 limit.
    let runId = firstRun;
    for (let batch = 0; batch < 20 && runId === firstRun; batch++) {
      for (let i = 0; i < 100; i++) {
        await h.cycles.pause(doc);
        await h.cycles.resume(doc);
      }
      runId = (await h.cycles.handle(doc).describe()).runId;
    }
    runId = await eventually(async () => {
      const d = await h.cycles.handle(doc).describe();
      return d.runId !== firstRun ? d.runId : undefined;
    }, 180_000).catch(async (err: unknown) => {
      // Seen once in CI under full load: Core failing this run's workflow task with a nondeterminism
      // error (README, Known issues). Keep the history, so the next occurrence can be replayed.
      await keepHistory(doc, firstRun);
      throw err;
    });
    expect(runId).not.toBe(firstRun);
    expect(await h.cycles.details(doc)).toMatchObject({ cycle_id, status: 'in_retry' });
    expect((await h.cycles.state(doc))?.attempts).toHaveLength(1);
    await h.cycles.executeNow(doc);
    expect(await h.cycles.handle(doc).result()).toMatchObject({ status: 'collected', cycle_id });
  }, 300_000);
});
