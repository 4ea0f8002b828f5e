import { bigint, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { cycles } from './cycles';

/**
 * The one owner of "has this failed payment entered a cycle": a payment_id enters a cycle once, ever.
 * Written in the transaction that stores the payment's attempt (so a claim and its attempt never
 * disagree); every entry point answers a payment already claimed from here instead of opening a cycle.
 */
export const paymentClaims = pgTable(
  'payment_claims',
  {
    paymentId: text('payment_id').primaryKey(),
    cycleId: bigint('cycle_id', { mode: 'number' })
      .notNull()
      .references(() => cycles.id),
    /** The attempt the payment became in that cycle (1 when it opened the cycle). */
    attemptNumber: integer('attempt_number').notNull(),
    documentType: text('document_type', { enum: ['invoice', 'debit_memo'] }).notNull(),
    documentId: text('document_id').notNull(),
    /** The failed payment as it was claimed: a later submit with other details is refused (409). */
    payment: jsonb('payment').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('payment_claims_cycle_idx').on(t.cycleId)],
);
