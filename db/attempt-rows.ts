import type { AttemptRecord } from '../domain/attempt-record';
import { attempts } from './schema';

// The one mapping between an AttemptRecord (domain/attempt-record.ts) and its row in `attempts`. Every
// writer stores an attempt through attemptValues and every reader answers one through attemptRecordOf
// (db/cycle-with-attempts.ts reads them through it too), so a field of the record has one place that
// names its column, and the two directions cannot drift apart. The cycle GETs' JSON, built in SQL
// (db/zuora-cycle-json.ts), finds each field's column through ATTEMPT_COLUMN_KEYS as well.

export type AttemptRow = typeof attempts.$inferSelect;

/** The attempts column (by its schema key) that stores each field of an AttemptRecord; every field, checked by type. */
export const ATTEMPT_COLUMN_KEYS = {
  attempt_number: 'attemptNumber',
  zuora_payment_id: 'paymentId',
  transaction_id: 'transactionId',
  time_of_execution: 'timeOfExecution',
  source: 'source',
  cpr_generated: 'cprGenerated',
  success: 'success',
  amount: 'amount',
  amount_collected: 'amountCollected',
  currency: 'currency',
  payment_method_id: 'paymentMethodId',
  idempotency_key: 'idempotencyKey',
  gateway_payment_id: 'gatewayPaymentId',
  action: 'action',
  retry_next: 'retryNext',
  retry_next_at: 'retryNextAt',
  retry_criteria: 'retryCriteria',
  api_updated_retry_time: 'apiUpdatedRetryTime',
  label: 'label',
  level: 'level',
  customer_group_id: 'customerGroupId',
  gateway_id: 'gatewayId',
  gateway_code: 'gatewayCode',
  gateway_response: 'gatewayResponse',
} as const satisfies { [F in keyof AttemptRecord]: keyof AttemptRow };

/** The schema keys of the columns an AttemptRecord is stored in. */
export type AttemptColumnKey = (typeof ATTEMPT_COLUMN_KEYS)[keyof AttemptRecord];

const FIELDS = Object.entries(ATTEMPT_COLUMN_KEYS) as [keyof AttemptRecord, AttemptColumnKey][];

/** The record keeps instants as ISO text; their columns hold Dates. */
const isTimestamp = (key: AttemptColumnKey) => attempts[key].columnType === 'PgTimestamp';

/** The insert values of attempt `record` of cycle `cycleId`. */
export type AttemptValues = Pick<AttemptRow, 'cycleId' | AttemptColumnKey>;

/** What is stored of an attempt, as a select or a JSON aggregate answers it (instants as Dates or text). */
export type StoredAttempt = { [K in AttemptColumnKey]: DateOrText<AttemptRow[K]> };
type DateOrText<T> = T extends Date ? Date | string : T;

/** Attempt `record` of cycle `cycleId` as the values of its `attempts` row. */
export function attemptValues(cycleId: number, record: AttemptRecord): AttemptValues {
  return { cycleId, ...attemptFieldValues(record) };
}

/**
 * Attempt `record` as the values of its `attempts` row but the cycle's id: for the SQL functions that
 * take the cycle's id apart (db/cycle-writes.ts, db/payment-claims.ts).
 */
export function attemptFieldValues(record: AttemptRecord): Omit<AttemptValues, 'cycleId'> {
  const values: Record<string, unknown> = {};
  for (const [field, key] of FIELDS) {
    const value = record[field];
    if (!isTimestamp(key)) values[key] = value;
    // An empty nullable instant is stored as none; a required one is always converted (an invalid
    // one then fails the write), exactly as the writers always did.
    else values[key] = value || attempts[key].notNull ? new Date(value as string) : null;
  }
  return values as Omit<AttemptValues, 'cycleId'>;
}

/** A stored attempt as an AttemptRecord: instants in ISO-8601 UTC with milliseconds, as Date#toISOString writes them. */
export function attemptRecordOf(stored: StoredAttempt): AttemptRecord {
  const record: Record<string, unknown> = {};
  for (const [field, key] of FIELDS) {
    const value = stored[key];
    record[field] =
      isTimestamp(key) && value !== null ? new Date(value as Date | string).toISOString() : value;
  }
  return record as unknown as AttemptRecord;
}
