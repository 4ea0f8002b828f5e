import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  index,
  integer,
  numeric,
  pgTable,
  text,
  timestamp,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { MANUAL_RETRY_STATUSES } from '../../domain/manual-retry';
import { cycles } from './cycles';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const money = (name: string) => numeric(name, { precision: 19, scale: 4 });

/**
 * One operator-requested retry of a cycle that ended without collecting (SmartPay "manual retry").
 * The row is written, with its attempt number and charge key, in the transaction that checks the
 * cycle's status; the partial unique index lets only one retry per cycle be pending at a time.
 */
export const manualRetries = pgTable(
  'manual_retries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `Retry-<uuid>`: the id the API shows. */
    retryId: text('retry_id').notNull().unique(),
    cycleId: bigint('cycle_id', { mode: 'number' })
      .notNull()
      .references(() => cycles.id),
    /** The attempt this retry adds to the cycle's history (next after every earlier one). */
    attemptNumber: integer('attempt_number').notNull(),
    /** `Transaction-<uuid>`: becomes attempts.transaction_id. */
    transactionId: text('transaction_id').notNull().unique(),
    /** The gateway idempotency key: `cycle-<id>-attempt-<n>`, like the cycle's own attempts. */
    chargeKey: text('charge_key').notNull().unique(),
    /** The caller's Idempotency-Key header, unique per cycle. */
    requestKey: text('request_key'),
    workflowId: text('workflow_id').notNull(),
    reason: text('reason').notNull(),
    requestedBy: text('requested_by').notNull(),
    status: text('status', { enum: MANUAL_RETRY_STATUSES }).notNull(),
    gatewayId: text('gateway_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    amountCollected: money('amount_collected'),
    gatewayCode: text('gateway_code'),
    gatewayResponse: text('gateway_response'),
    gatewayPaymentId: text('gateway_payment_id'),
    executedAt: ts('executed_at'),
    createdAt: ts('created_at').notNull().defaultNow(),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('manual_retries_one_pending_per_cycle').on(t.cycleId).where(sql`${t.status} = 'pending'`),
    unique('manual_retries_cycle_attempt_unique').on(t.cycleId, t.attemptNumber),
    unique('manual_retries_cycle_request_key_unique').on(t.cycleId, t.requestKey),
    index('manual_retries_cycle_idx').on(t.cycleId, t.createdAt),
    // Manual retries still charging a payment method count against its 20-in-30-days limit.
    index('manual_retries_method_status_idx').on(t.paymentMethodId, t.status),
  ],
);
