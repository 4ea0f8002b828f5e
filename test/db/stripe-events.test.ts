import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import {
  findStripeEvent,
  recordStripeEvent,
  type StripeEventRecord,
  stripeEventCounts,
} from '../../db/stripe-events';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// The Stripe connector's record of processed events: one row per event id (the first recorded stands,
// as a concurrent delivery of the same event did the same idempotent effects), counted per outcome.

describe.each(dbKinds)('stripe_events on %s', (kind: DbKind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const record = (eventId: string, outcome: string, foreignAttempt = false): StripeEventRecord => ({
    eventId,
    type: 'invoice.payment_failed',
    createdAt: new Date('2026-11-30T10:00:00Z'),
    invoiceId: `in_${eventId}`,
    customerId: 'cus_1',
    outcome,
    reason: null,
    foreignAttempt,
    receivedAt: new Date('2026-11-30T10:00:01Z'),
  });

  it('records an event once: a second record of the same id changes nothing', async () => {
    expect(await findStripeEvent(handle.db, 'evt_a')).toBeNull();
    expect(await recordStripeEvent(handle.db, record('evt_a', 'submitted'))).toBe(true);
    expect(await recordStripeEvent(handle.db, record('evt_a', 'already_submitted', true))).toBe(false);
    const row = await findStripeEvent(handle.db, 'evt_a');
    expect(row).toMatchObject({
      eventId: 'evt_a',
      type: 'invoice.payment_failed',
      invoiceId: 'in_evt_a',
      outcome: 'submitted',
      foreignAttempt: false,
      createdAt: new Date('2026-11-30T10:00:00Z'),
      receivedAt: new Date('2026-11-30T10:00:01Z'),
    });
    expect(row?.processedAt).toBeInstanceOf(Date);
  });

  it('counts events per outcome and the foreign attempts among them', async () => {
    const before = await stripeEventCounts(handle.db);
    await recordStripeEvent(handle.db, record('evt_b', 'submitted', true));
    await recordStripeEvent(handle.db, record('evt_c', 'ignored'));
    await recordStripeEvent(handle.db, record('evt_d', 'payment_received', true));
    const after = await stripeEventCounts(handle.db);
    expect(after.total).toBe(before.total + 3);
    expect(after.foreign_attempts).toBe(before.foreign_attempts + 2);
    expect(after.by_outcome).toEqual({
      ...before.by_outcome,
      submitted: (before.by_outcome.submitted ?? 0) + 1,
      ignored: (before.by_outcome.ignored ?? 0) + 1,
      payment_received: (before.by_outcome.payment_received ?? 0) + 1,
    });
  });
});
