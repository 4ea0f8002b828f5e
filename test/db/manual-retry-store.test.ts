import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { createCycleStore } from '../../activities/cycle-store';
import { createManualRetryStore } from '../../activities/manual-retry-store';
import { createManualRetry } from '../../db/billing-cycle-queries';
import { createDb, type DbHandle } from '../../db/client';
import { ensureConfig } from '../../db/config-versions';
import { migrateDb } from '../../db/migrate';
import { attempts, cycles, manualRetries } from '../../db/schema';
import type { RecordManualRetryInput } from '../../domain/manual-retry';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';
import { testConfig } from '../support/test-config';

// The manual-retry store on executors that cannot lend a second session: PGlite (one lock for the
// whole instance) and Postgres with a pool of one connection (DATABASE_POOL_SIZE=1). Recording a
// declined retry labels it by the cycle's pinned rules, a read that used to go through the outer
// handle inside the transaction and wedged both: PGlite forever, across restarts.

/** A cycle that ended attempts_exhausted after a soft decline, and a pending manual retry of it. */
async function declinedCycleWithRetry(db: DbHandle['db']) {
  const store = createCycleStore(db, { lifecycleWebhooks: false });
  const id = randomUUID();
  const subscription = `Subscription-${id}`;
  const began = await store.beginCycle({
    workflow_id: `cpr-invoice-INV-${id}`,
    run_id: `run-${id}`,
    document_type: 'invoice',
    document_id: `INV-${id}`,
    started_at: '2026-11-22T10:00:00.000Z',
    payment: {
      payment_id: `P-${id}`,
      account_id: `A-${id}`,
      invoice_id: `INV-${id}`,
      amount: '100.00',
      currency: 'USD',
      payment_method_id: `sim.insufficient_funds#${id}`,
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      gateway_response_message: 'Your card has insufficient funds.',
      subscription_id: subscription,
    },
  });
  await store.record({
    cycle_id: began.cycle_id,
    attempts: [],
    cycle: {
      status: 'attempts_exhausted',
      end_reason: 'attempts_exhausted',
      ended_at: '2026-11-22T10:00:01.000Z',
      next_attempt: null,
      outstanding: '100.00',
      payment_method_id: `sim.insufficient_funds#${id}`,
    },
    events: [{ seq: 1, at: '2026-11-22T10:00:01.000Z', reason: 'attempts_exhausted', detail: {} }],
  });
  const created = await createManualRetry(db, {
    subscriptionId: subscription,
    billingCycleId: began.billing_cycle_id,
    reason: 'Customer says the card is topped up',
    requestedBy: 'ops@example.com',
  });
  if (created.kind !== 'created') throw new Error(`manual retry not created: ${created.kind}`);
  const input: RecordManualRetryInput = {
    retry_id: created.retry.retryId,
    executed_at: '2026-11-23T09:00:00.000Z',
    result: {
      status: 'declined',
      code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      gateway_payment_id: `sim-${id}`,
      amount_collected: '0',
    },
    failed_hard: false,
  };
  return { cycleId: began.cycle_id, input };
}

const expectedOutcome = (input: RecordManualRetryInput) => ({
  retry_id: input.retry_id,
  status: 'declined',
  code: 'insufficient_funds',
  amount_collected: '0.0000',
  cycle_status: 'attempts_exhausted',
});

describe.each(dbKinds)('manual-retry store on %s, one session only', (kind: DbKind) => {
  const opened: (DbHandle & { url?: string })[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const h of opened.reverse()) await h.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** A database a second open can reach again: PGlite on disk, Postgres with a pool of one. */
  const open = async () => {
    if (kind === 'pglite') {
      const dataDir = mkdtempSync(join(tmpdir(), 'cpr-pglite-'));
      dirs.push(dataDir);
      const h = await openTestDb('pglite', { dataDir });
      opened.push(h);
      return { h, reopen: () => createDb({ kind: 'pglite', dataDir }) };
    }
    const h = await openTestDb('postgres', { poolSize: 1 });
    opened.push(h);
    return { h, reopen: () => createDb({ kind: 'postgres', url: h.url as string, poolSize: 1 }) };
  };

  it('records a declined manual retry, labelled by the pinned rules, and keeps answering', async () => {
    const { h } = await open();
    await ensureConfig(h.db, testConfig(2));
    const { cycleId, input } = await declinedCycleWithRetry(h.db);
    const outcome = await createManualRetryStore(h.db).recordManualRetry(input);
    expect(outcome).toMatchObject(expectedOutcome(input));
    const [row] = await h.db.select().from(manualRetries).where(eq(manualRetries.retryId, input.retry_id));
    expect(row?.status).toBe('declined');
    const stored = await h.db.select().from(attempts).where(eq(attempts.cycleId, cycleId));
    expect(stored.map((a) => [a.source, a.success, a.label])).toEqual([['MANUAL', false, 'Soft Decline']]);
    // The handle was not left wedged: the next read answers.
    const [cycle] = await h.db.select().from(cycles).where(eq(cycles.id, cycleId));
    expect(cycle?.status).toBe('attempts_exhausted');
  });

  it('after a restart on the same database, the retried activity answers the stored outcome', async () => {
    const { h, reopen } = await open();
    await ensureConfig(h.db, testConfig(2));
    const { cycleId, input } = await declinedCycleWithRetry(h.db);
    const first = await createManualRetryStore(h.db).recordManualRetry(input);
    await h.close();
    opened.splice(opened.indexOf(h), 1);

    // A fresh process: the same directory (or database) opened and migrated again, and Temporal
    // retrying recordManualRetry because the first answer never reached the workflow.
    const again = await reopen();
    opened.push(again);
    await migrateDb(again);
    const replayed = await createManualRetryStore(again.db).recordManualRetry({
      ...input,
      executed_at: '2026-11-23T09:05:00.000Z',
    });
    expect(replayed).toEqual(first);
    expect(replayed).toMatchObject(expectedOutcome(input));
    const stored = await again.db.select().from(attempts).where(eq(attempts.cycleId, cycleId));
    expect(stored).toHaveLength(1);
    expect(stored[0]?.timeOfExecution.toISOString()).toBe(input.executed_at);
  });
});
