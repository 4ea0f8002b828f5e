import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attemptValues } from '../../db/attempt-rows';
import type { DbHandle } from '../../db/client';
import { openCycle as openCycleRow } from '../../db/cycle-writes';
import { claimOf, findClaim, insertClaim, samePayment } from '../../db/payment-claims';
import { attempts } from '../../db/schema';
import { externalAttempt } from '../../domain/attempt-record';
import type { FailedPayment } from '../../domain/failed-payment';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// payment_claims on both drivers: the first claim wins, a retried claim is still its own, and payments
// that became attempts before claims existed are adopted the first time they come back.

let n = 0;
const payment = (extra: Partial<FailedPayment> = {}): FailedPayment => {
  n++;
  return {
    payment_id: `P-claim-${n}`,
    account_id: 'A-1',
    invoice_id: `INV-claim-${n}`,
    amount: '100.00',
    currency: 'USD',
    payment_method_id: 'pm',
    gateway_id: 'sim',
    gateway_response_code: 'insufficient_funds',
    ...extra,
  };
};

describe.each(dbKinds)('payment claims on %s', (kind: DbKind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(kind);
  });
  afterAll(async () => {
    await handle.close();
  });

  const openCycle = (p: FailedPayment, runId = `run-${p.payment_id}-${Math.random()}`) =>
    openCycleRow(handle.db, {
      workflow_id: `cpr-invoice-${p.invoice_id}`,
      run_id: runId,
      document_type: 'invoice',
      document_id: p.invoice_id ?? '',
      payment: p,
      customer_group_id: 1,
      customer_group_name: 'Default',
      config_version: 1,
      started_at: new Date().toISOString(),
    });
  const claim = (cycleId: number, p: FailedPayment, attempt = 1) =>
    insertClaim(handle.db, {
      cycle_id: cycleId,
      attempt_number: attempt,
      document: { type: 'invoice', id: p.invoice_id ?? '' },
      payment: p,
    });

  it('lets exactly one of many concurrent claims on a payment_id win, and a retried claim stays its own', async () => {
    const p = payment();
    const cycleIds = await Promise.all(Array.from({ length: 8 }, () => openCycle(p)));
    const won = await Promise.all(cycleIds.map((c) => claim(c.cycle_id, p)));
    expect(won.filter(Boolean)).toHaveLength(1);
    const winner = cycleIds[won.indexOf(true)];
    expect(await claim(winner?.cycle_id ?? 0, p)).toBe(true);
    expect(await claim(winner?.cycle_id ?? 0, p, 2)).toBe(false);
    expect(await findClaim(handle.db, p.payment_id)).toMatchObject({
      cycle_id: winner?.cycle_id,
      billing_cycle_id: winner?.billing_cycle_id,
      attempt_number: 1,
      document: { type: 'invoice', id: p.invoice_id },
    });
  });

  it('compares the claimed details whatever the key order jsonb keeps', async () => {
    const p = payment({ source: 'PR-1', account: { segment: 'smb', country: 'US' } });
    const { cycle_id } = await openCycle(p);
    await claim(cycle_id, p);
    const held = await findClaim(handle.db, p.payment_id);
    const reordered = Object.fromEntries(Object.entries(p).reverse()) as FailedPayment;
    expect(samePayment(held?.payment, reordered)).toBe(true);
    expect(samePayment(held?.payment, { ...p, amount: '99.00' })).toBe(false);
  });

  it('adopts an external attempt from before claims as the claim, once, and nothing for an unknown payment', async () => {
    const p = payment();
    const { cycle_id } = await openCycle(p);
    // A cycle from before 'payment-claims': its attempt 1 was stored with no claim.
    const legacy = externalAttempt(p, 1, 1, `Transaction-${p.payment_id}`, new Date().toISOString());
    await handle.db.insert(attempts).values(attemptValues(cycle_id, legacy));
    expect(await findClaim(handle.db, p.payment_id)).toBeNull();
    expect(await claimOf(handle.db, p)).toMatchObject({ cycle_id, attempt_number: 1 });
    expect(await claimOf(handle.db, { ...p, amount: '1.00' })).toMatchObject({ cycle_id, payment: p });
    expect(await claimOf(handle.db, payment())).toBeNull();
  });
});
