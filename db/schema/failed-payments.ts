import { jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Failed payments registered ahead of `submit_failed_payment`, which then names them by payment_id
 * alone, as Zuora's body does. Registering does not open a cycle.
 */
export const failedPayments = pgTable('failed_payments', {
  paymentId: text('payment_id').primaryKey(),
  /** The failed-payment document, exactly as `domain/failed-payment.ts` accepts it. */
  document: jsonb('document').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  createdBy: text('created_by').notNull(),
});
