import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { AttemptRecord } from '../domain/attempt-record';
import { ATTEMPT_COLUMN_KEYS, attemptRecordOf, type StoredAttempt } from './attempt-rows';
import { attempts, cycles } from './schema';

// A cycle row and its attempts, read by ONE statement: the attempts come back aggregated into a JSON
// array by a correlated subquery, so the cycle row (its status, next_attempt) and its attempts are
// read in the same snapshot. Two statements (or two connections) could show attempt 3 with the
// next_attempt that attempt 2 scheduled: the workflow records both in one transaction that may
// commit between the two reads.

export type CycleRow = typeof cycles.$inferSelect;

/** A cycle row with its attempts, oldest attempt first. */
export type CycleWithAttempts = CycleRow & { attempts: AttemptRecord[] };

// Qualified by hand: drizzle leaves columns unqualified in a one-table query, and inside the
// subquery an unqualified "id" would be the attempt's id, not the cycle's.
const A = sql.identifier('a');
const inner = (column: AnyPgColumn) => sql`${A}.${sql.identifier(column.name)}`;

/**
 * One JSON value per stored column, keyed by its schema key (db/attempt-rows.ts reads them back). A
 * numeric would become a JSON number (and then a JS number, losing "100.0000"), so decimals go as
 * text, exactly as stored. Timestamps go as Postgres renders them in JSON ("…T10:00:00.123+00:00", in
 * the session's zone) and are normalised by attemptRecordOf.
 */
const jsonFields = sql.join(
  Object.values(ATTEMPT_COLUMN_KEYS).map((key) => {
    const column = attempts[key];
    // Our own identifiers, inlined: as parameters they would add 24 placeholders per statement.
    const name = sql.raw(`'${key}'`);
    return column.columnType === 'PgNumeric'
      ? sql`${name}, ${inner(column)}::text`
      : sql`${name}, ${inner(column)}`;
  }),
  sql`, `,
);

/** postgres-js and PGlite both parse a json column; a driver that answers its text is parsed here. */
function attemptsOf(value: unknown): AttemptRecord[] {
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as StoredAttempt[];
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
