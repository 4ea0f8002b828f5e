import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf } from '../../domain/failed-payment';
import { createSimServer } from '../../sim/server';
import { testApp } from '../support/api';
import { failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// Issue 13, item 3: `remove` used to answer "removed" while a charge an earlier execute had scheduled
// was still on its way to the gateway. Remove is now an Update that stops the cycle before any further
// charge starts, or waits for the charge already at the gateway and tells the truth. Raced 20 times:
// no charge reaches the gateway after remove answered that it removed the cycle.

const P = '/api/v1/payments';
const RACES = 20;

interface SimCharge {
  idempotency_key: string;
  payment_method_id: string;
  status: string;
  at: string;
}

describe.each(dbKinds)('remove raced with execute (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  // Charges take a moment at the gateway, so a remove often finds one there.
  const sim = createSimServer({ latencyMs: 150 });
  beforeAll(async () => {
    const { url } = await sim.listen(0, '127.0.0.1');
    h = await startHarness({ kind, config: testConfig(4), simUrl: url });
    t = await testApp(kind, { db: h.db, cycles: h.cycles });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
    await sim.close();
  });

  const charges = async (): Promise<SimCharge[]> =>
    (await (await fetch(`${h.simUrl}/charges`)).json()) as SimCharge[];

  it(`never lets a charge start after remove answered that it removed (${RACES} races)`, async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < RACES; i++) {
      // Half approve (a charge at the gateway then collects, and the cycle is not removed), half decline.
      const payment = failedPayment(i % 2 === 0 ? 'sim.approve' : 'sim.insufficient_funds', {
        account: { segment: 'slow' },
      });
      const invoice = payment.invoice_id ?? '';
      const submitted = await t.json('POST', `${P}/submit_failed_payment`, payment);
      expect(submitted.status).toBe(200);

      const execute = t.json('PUT', `${P}/execute_invoice_payment/${invoice}`);
      const remove = Promise.resolve(t.json('PUT', `${P}/remove_invoice_from_retry_cycle/${invoice}`)).then(
        async (res) => {
          const answeredAt = Date.now();
          return {
            status: res.status,
            body: (await res.json()) as { success: boolean; message: string },
            answeredAt,
          };
        },
      );
      const [executed, removed] = await Promise.all([execute, remove]);
      expect(executed.status).toBe(200);
      expect(removed.status).toBe(200);

      const doc = documentOf(payment);
      const final = (await h.cycles.handle(doc).result()) as CycleDetails;
      const mine = (await charges()).filter((c) => c.payment_method_id === payment.payment_method_id);
      const listed = /removed from the retry cycle: \[(\d+)\]/.exec(removed.body.message);
      if (listed) {
        // It said removed: it was, and nothing reached the gateway after that answer.
        expect(listed[1]).toBe(String(final.cycle_id));
        expect(final.status).toBe('removed');
        for (const c of mine) {
          expect(Date.parse(c.at), `${c.idempotency_key} at ${c.at}`).toBeLessThanOrEqual(removed.answeredAt);
          expect(c.status).not.toBe('approved');
        }
        outcomes.push(mine.length === 0 ? 'removed before the charge' : 'removed after a declined charge');
      } else {
        // It said it did not remove: the cycle ended otherwise (collected by the charge already there).
        expect(removed.body.message).toMatch(/\[\]\. Not removed: \d+: (not_removed|pending)/);
        expect(final.status).toBe('collected');
        expect(mine.filter((c) => c.status === 'approved')).toHaveLength(1);
        outcomes.push('collected first');
      }
    }
    // No idempotency key charged twice, no document collected twice, across every race.
    const all = await charges();
    expect(new Set(all.map((c) => c.idempotency_key)).size).toBe(all.length);
    const approvedPerMethod = new Map<string, number>();
    for (const c of all.filter((x) => x.status === 'approved')) {
      approvedPerMethod.set(c.payment_method_id, (approvedPerMethod.get(c.payment_method_id) ?? 0) + 1);
    }
    expect([...approvedPerMethod.values()].every((n) => n === 1)).toBe(true);
    expect(outcomes).toHaveLength(RACES);
    const tally: Record<string, number> = {};
    for (const o of outcomes) tally[o] = (tally[o] ?? 0) + 1;
    console.log(`remove races (${kind}): ${JSON.stringify(tally)}`);
  });
});
