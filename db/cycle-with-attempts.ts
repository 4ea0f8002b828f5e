import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { AttemptRecord } from '../domain/attempt-record';
import { attempts, cycles } from './schema';

// A cycle row and its attempts, read by ONE statement: the attempts come back aggregated into a JSON
// array by a correlated subquery, so the cycle row (its status, next_attempt) and its attempts are
// read in the same snapshot. Two statements (or two connections) could show attempt 3 with the
// next_attempt that attempt 2 scheduled: the workflow records both in one transaction that may
// commit between the two reads.

export type CycleRow = typeof cycles.$inferSelect;

/** A cycle row with its attempts, oldest attempt first. */
export type CycleWithAttempts = CycleRow & { attempts: AttemptRecord[] };

/** Which attempts column each field of an AttemptRecord is stored in (every field, checked by type). */
const ATTEMPT_COLUMNS: Record<keyof AttemptRecord, AnyPgColumn> = {
  attempt_number: attempts.attemptNumber,
  zuora_payment_id: attempts.paymentId,
  transaction_id: attempts.transactionId,
  time_of_execution: attempts.timeOfExecution,
  source: attempts.source,
  cpr_generated: attempts.cprGenerated,
  success: attempts.success,
  amount: attempts.amount,
  amount_collected: attempts.amountCollected,
  currency: attempts.currency,
  payment_method_id: attempts.paymentMethodId,
  idempotency_key: attempts.idempotencyKey,
  gateway_payment_id: attempts.gatewayPaymentId,
  action: attempts.action,
  retry_next: attempts.retryNext,
  retry_next_at: attempts.retryNextAt,
  retry_criteria: attempts.retryCriteria,
  api_updated_retry_time: attempts.apiUpdatedRetryTime,
  label: attempts.label,
  level: attempts.level,
  customer_group_id: attempts.customerGroupId,
  gateway_id: attempts.gatewayId,
  gateway_code: attempts.gatewayCode,
  gateway_response: attempts.gatewayResponse,
};

// Qualified by hand: drizzle leaves columns unqualified in a one-table query, and inside the
// subquery an unqualified "id" would be the attempt's id, not the cycle's.
const A = sql.identifier('a');
const inner = (column: AnyPgColumn) => sql`${A}.${sql.identifier(column.name)}`;

/**
 * One JSON value per field. A numeric would become a JSON number (and then a JS number, losing
 * "100.0000"), so decimals go as text, exactly as stored. Timestamps go as Postgres renders them in
 * JSON ("…T10:00:00.123+00:00", in the session's zone) and are normalised by attemptRecordOf.
 */
const jsonFields = sql.join(
  Object.entries(ATTEMPT_COLUMNS).map(([key, column]) => {
    // Our own identifiers, inlined: as parameters they would add 24 placeholders per statement.
    const name = sql.raw(`'${key}'`);
    return column.columnType === 'PgNumeric'
      ? sql`${name}, ${inner(column)}::text`
      : sql`${name}, ${inner(column)}`;
  }),
  sql`, `,
);

type AttemptJson = Omit<AttemptRecord, 'time_of_execution' | 'retry_next_at'> & {
  time_of_execution: string;
  retry_next_at: string | null;
};

/** ISO-8601 in UTC with milliseconds, as Date#toISOString writes it (and as the API always showed). */
const isoUtc = (timestamp: string) => new Date(timestamp).toISOString();

/** The one mapping from a stored attempt (as the aggregate returns it) to an AttemptRecord. */
export function attemptRecordOf(json: AttemptJson): AttemptRecord {
  return {
    ...json,
    time_of_execution: isoUtc(json.time_of_execution),
    retry_next_at: json.retry_next_at === null ? null : isoUtc(json.retry_next_at),
  };
}

/** postgres-js and PGlite both parse a json column; a driver that answers its text is parsed here. */
function attemptsOf(value: unknown): AttemptRecord[] {
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as AttemptJson[];
  return list.map(attemptRecordOf);
}

/**
 * The attempts of the `cycles` row of the enclosing query (which must select from `cycles`
 * unaliased), in attempt order, as one column.
 */
function attemptsOfCycle(): SQL.Aliased<AttemptRecord[]> {
  return sql<
    AttemptRecord[]
  >`(select coalesce(json_agg(json_build_object(${jsonFields}) order by ${inner(attempts.attemptNumber)}), '[]'::json) from ${attempts} as ${A} where ${inner(attempts.cycleId)} = ${sql.identifier('cycles')}.${sql.identifier(cycles.id.name)})`
    .mapWith(attemptsOf)
    .as('attempts');
}

/** The selection of a cycle with its attempts, for `db.select(cycleWithAttempts()).from(cycles)`. */
export function cycleWithAttempts() {
  return { ...getTableColumns(cycles), attempts: attemptsOfCycle() };
}
