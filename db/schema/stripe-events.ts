import { boolean, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The Stripe events the Billing connector has processed, one row per event id. Stripe delivers at least
 * once, so a row is written only after the event's effects succeeded: a redelivery of an event found here
 * does nothing, one that failed midway (no row) is processed again, and its effects are idempotent.
 */
export const stripeEvents = pgTable(
  'stripe_events',
  {
    eventId: text('event_id').primaryKey(),
    type: text('type').notNull(),
    /** Stripe's `created`: when the event happened at Stripe. */
    createdAt: ts('created_at').notNull(),
    /** The invoice the event is about, if any. */
    invoiceId: text('invoice_id'),
    /** The customer the event is about, if known. */
    customerId: text('customer_id'),
    /** What the connector did (api/connectors/stripe/outcomes.ts lists them). */
    outcome: text('outcome').notNull(),
    /** Why, in words, when the outcome alone does not say it. */
    reason: text('reason'),
    /**
     * A payment attempt on an invoice already in a retry cycle that was not our charge: Stripe's own
     * retries (Smart Retries), which must be off while we retry, or someone paying by hand.
     */
    foreignAttempt: boolean('foreign_attempt').notNull().default(false),
    receivedAt: ts('received_at').notNull(),
    processedAt: ts('processed_at').notNull().defaultNow(),
  },
  (t) => [index('stripe_events_invoice_idx').on(t.invoiceId)],
);
