import { count, eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { stripeEvents } from './schema';

// The Stripe Billing connector's record of processed events (db/schema/stripe-events.ts says why a
// row is written only once an event's effects succeeded).

export type StripeEventRow = typeof stripeEvents.$inferSelect;

export interface StripeEventRecord {
  eventId: string;
  type: string;
  createdAt: Date;
  invoiceId: string | null;
  customerId: string | null;
  outcome: string;
  reason: string | null;
  foreignAttempt: boolean;
  receivedAt: Date;
}

export async function findStripeEvent(db: Db, eventId: string): Promise<StripeEventRow | null> {
  const [row] = await db.select().from(stripeEvents).where(eq(stripeEvents.eventId, eventId));
  return row ?? null;
}

/**
 * Records a processed event; false when a concurrent delivery of the same event recorded it first (its
 * effects were the same, being idempotent, so the first row stands).
 */
export async function recordStripeEvent(db: Db, record: StripeEventRecord): Promise<boolean> {
  const inserted = await db
    .insert(stripeEvents)
    .values(record)
    .onConflictDoNothing({ target: stripeEvents.eventId })
    .returning({ eventId: stripeEvents.eventId });
  return inserted.length > 0;
}

export interface StripeEventCounts {
  total: number;
  by_outcome: Record<string, number>;
  foreign_attempts: number;
}

/** How many events were processed, per outcome, and how many were foreign payment attempts. */
export async function stripeEventCounts(db: Db): Promise<StripeEventCounts> {
  const rows = await db
    .select({
      outcome: stripeEvents.outcome,
      events: count(),
      foreign: sql<number>`count(*) filter (where ${stripeEvents.foreignAttempt})`.mapWith(Number),
    })
    .from(stripeEvents)
    .groupBy(stripeEvents.outcome);
  const by_outcome: Record<string, number> = {};
  let total = 0;
  let foreign_attempts = 0;
  for (const row of rows) {
    by_outcome[row.outcome] = row.events;
    total += row.events;
    foreign_attempts += row.foreign;
  }
  return { total, by_outcome, foreign_attempts };
}
