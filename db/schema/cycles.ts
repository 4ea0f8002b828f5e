import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  numeric,
  pgSequence,
  pgTable,
  text,
  timestamp,
  unique,
} from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const money = (name: string) => numeric(name, { precision: 19, scale: 4 });

/** Zuora shows numeric cycle ids (the execute and remove answers list them); they come from here. */
export const cycleIdSequence = pgSequence('cycle_id_seq', { startWith: 1 });

export const cycles = pgTable(
  'cycles',
  {
    id: bigint('id', { mode: 'number' }).primaryKey(),
    billingCycleId: text('billing_cycle_id').notNull().unique(),
    workflowId: text('workflow_id').notNull(),
    /** The run that opened the cycle: opening is idempotent per run, so a retried activity reuses the row. */
    runId: text('run_id').notNull().unique(),
    documentType: text('document_type', { enum: ['invoice', 'debit_memo'] }).notNull(),
    documentId: text('document_id').notNull(),
    accountId: text('account_id').notNull(),
    subscriptionId: text('subscription_id'),
    paymentId: text('payment_id').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    gatewayId: text('gateway_id').notNull(),
    currency: text('currency').notNull(),
    amount: money('amount').notNull(),
    outstanding: money('outstanding').notNull(),
    amountCollected: money('amount_collected').notNull().default('0'),
    customerGroupId: integer('customer_group_id').notNull(),
    customerGroupName: text('customer_group_name').notNull(),
    configVersion: integer('config_version').notNull(),
    status: text('status').notNull(),
    endReason: text('end_reason'),
    dueDate: text('due_date'),
    startedAt: ts('started_at').notNull(),
    endedAt: ts('ended_at'),
    nextAttemptAt: ts('next_attempt_at'),
    updatedAt: ts('updated_at').notNull().defaultNow(),
  },
  (t) => [
    index('cycles_document_idx').on(t.documentType, t.documentId, t.startedAt),
    index('cycles_account_idx').on(t.accountId, t.startedAt),
    index('cycles_subscription_idx').on(t.subscriptionId, t.startedAt),
    index('cycles_status_idx').on(t.status),
    // The cycle explorer lists newest first (started_at desc, id desc) and pages by that key.
    index('cycles_started_idx').on(t.startedAt, t.id),
  ],
);

export const attempts = pgTable(
  'attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: bigint('cycle_id', { mode: 'number' })
      .notNull()
      .references(() => cycles.id),
    attemptNumber: integer('attempt_number').notNull(),
    transactionId: text('transaction_id').notNull().unique(),
    paymentId: text('payment_id').notNull(),
    timeOfExecution: ts('time_of_execution').notNull(),
    source: text('source').notNull(),
    cprGenerated: boolean('cpr_generated').notNull(),
    success: boolean('success').notNull(),
    amount: money('amount').notNull(),
    amountCollected: money('amount_collected').notNull(),
    currency: text('currency').notNull(),
    paymentMethodId: text('payment_method_id').notNull(),
    idempotencyKey: text('idempotency_key').unique(),
    gatewayPaymentId: text('gateway_payment_id'),
    action: text('action', { enum: ['Retry', 'Stop'] }),
    /** As Zuora shows it: ISO-8601 in the configured zone's offset. */
    retryNext: text('retry_next'),
    retryNextAt: ts('retry_next_at'),
    retryCriteria: text('retry_criteria'),
    apiUpdatedRetryTime: text('api_updated_retry_time'),
    label: text('label').notNull(),
    level: text('level', { enum: ['code', 'description'] }).notNull(),
    customerGroupId: integer('customer_group_id').notNull(),
    gatewayId: text('gateway_id').notNull(),
    gatewayCode: text('gateway_code').notNull(),
    gatewayResponse: text('gateway_response').notNull(),
    recordedAt: ts('recorded_at').notNull().defaultNow(),
  },
  (t) => [
    // A retried recording activity can never add a second row for the same attempt.
    unique('attempts_cycle_attempt_unique').on(t.cycleId, t.attemptNumber),
    index('attempts_time_idx').on(t.timeOfExecution),
    // Failed payments that became attempts before payment_claims existed are found by this
    // (db/payment-claims.ts adopts them as claims).
    index('attempts_external_payment_idx').on(t.paymentId).where(sql`not ${t.cprGenerated}`),
    // The charge gate counts a payment method's attempts across every cycle (db/method-history.ts).
    index('attempts_method_time_idx').on(t.paymentMethodId, t.timeOfExecution),
  ],
);

/** Every status change of a cycle, with its reason: the audit trail behind the history endpoints. */
export const cycleEvents = pgTable(
  'cycle_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    cycleId: bigint('cycle_id', { mode: 'number' })
      .notNull()
      .references(() => cycles.id),
    /** Numbered by the workflow, so a retried activity cannot record an event twice. */
    seq: integer('seq').notNull(),
    at: ts('at').notNull(),
    status: text('status').notNull(),
    reason: text('reason').notNull(),
    detail: jsonb('detail'),
  },
  (t) => [unique('cycle_events_cycle_seq_unique').on(t.cycleId, t.seq)],
);
