import { type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { AttemptRecord } from '../domain/attempt-record';
import { ACTIVE_STATUSES, type ZuoraStatus } from '../domain/cycle-status';
import type { ZuoraAttempt, ZuoraCycle } from '../domain/zuora-view';
import { ATTEMPT_COLUMN_KEYS } from './attempt-rows';
import type { Db } from './client';
import { type CycleScope, scopeValues, scopeWhere, statementPerScope } from './cycle-queries';
import { preparedPerDatabase } from './prepared';
import { attempts, cycles } from './schema';

// The six cycle GETs' answers, built by Postgres: ONE statement per answer returns the whole
// `{"cycles": [...]}` body as text, which the route sends as it is. Reading the cycles with their
// attempts as JSON, parsing it in the driver, mapping each attempt and cycle in JS and stringifying
// the result again was most of an account answer's CPU (issue 18).
//
// This is a second implementation of domain/zuora-view.ts's toZuoraCycle (which the workflow's
// `state` query still uses), field for field and key for key in the same order:
// test/db/zuora-cycle-json.test.ts holds this JSON equal to toZuoraCycle over cycleHistory
// (test/support/cycle-history-reference.ts, the read this replaced), on
// generated cycles and on both drivers. A change to either side must be made to both.
//
// Being one statement, an answer is one snapshot: a cycle row and its attempts never come from two
// moments (test/api/read-consistency.test.ts).

/** A literal of ours (a key, a status), inlined: a parameter inside json_build_object has no type. */
const literal = (text: string) => {
  if (!/^[a-z_ A-Z]+$/.test(text)) throw new Error(`not a plain literal: ${text}`);
  return sql.raw(`'${text}'`);
};

// Qualified by hand (as in cycle-with-attempts.ts): drizzle leaves columns unqualified in a one-table
// query, and inside the attempts subquery an unqualified "id" would be the attempt's.
const C = sql.identifier('cycles');
const A = sql.identifier('a');
const cycleColumn = (column: AnyPgColumn) => sql`${C}.${sql.identifier(column.name)}`;
/** The attempts column an AttemptRecord field is stored in (db/attempt-rows.ts, the one mapping). */
const field = (name: keyof AttemptRecord) =>
  sql`${A}.${sql.identifier(attempts[ATTEMPT_COLUMN_KEYS[name]].name)}`;

/** An instant as Date#toISOString writes it (UTC, milliseconds, `Z`), whatever the session's zone. */
const isoMillis = (instant: SQL) =>
  sql`to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * zuoraAmount in SQL: the decimal without trailing zeros, with at least one fraction digit ("100.0",
 * "0.0", "12.34"). trim_scale exists since Postgres 13 (PGlite included).
 */
const zuoraAmount = (amount: SQL) =>
  sql`(trim_scale(${amount})::text || case when scale(trim_scale(${amount})) = 0 then '.0' else '' end)`;

/** `json_build_object` of the fields, keys in the order given (the order c.json wrote them in). */
const jsonObject = (fields: [key: SQL, value: SQL][]) =>
  sql`json_build_object(${sql.join(
    fields.map(([key, value]) => sql`${key}, ${value}`),
    sql`, `,
  )})`;
const named = (fields: Record<string, SQL>): [SQL, SQL][] =>
  Object.entries(fields).map(([key, value]) => [literal(key), value]);

/** The attempt's action; a stored null is Retry, as toZuoraAttempt reads it. */
const action = sql`coalesce(${field('action')}, ${literal('Retry' satisfies ZuoraAttempt['action_info']['action'])})`;

/** Only on a Retry, and only the keys that have a value (json_strip_nulls keeps the order). */
const retryInfo = sql`case when ${action} = ${literal('Retry')} then json_strip_nulls(${jsonObject(
  named({
    next: field('retry_next'),
    criteria: field('retry_criteria'),
    api_updated_retry_time: field('api_updated_retry_time'),
  } satisfies Record<keyof ZuoraAttempt['retry_info'], SQL>),
)}) else '{}'::json end`;

const attemptFields: Record<keyof ZuoraAttempt, SQL> = {
  attempt_number: field('attempt_number'),
  zuora_payment_id: field('zuora_payment_id'),
  time_of_execution: isoMillis(field('time_of_execution')),
  source: field('source'),
  cpr_generated: field('cpr_generated'),
  success: field('success'),
  amount_collected: zuoraAmount(field('amount_collected')),
  action_info: jsonObject(named({ action })),
  retry_info: retryInfo,
  mapping_info: jsonObject(
    named({
      label: field('label'),
      level: field('level'),
      customer_group_id: field('customer_group_id'),
    } satisfies Record<keyof ZuoraAttempt['mapping_info'], SQL>),
  ),
  gateway_info: jsonObject(
    named({
      id: field('gateway_id'),
      code: field('gateway_code'),
      response: field('gateway_response'),
    } satisfies Record<keyof ZuoraAttempt['gateway_info'], SQL>),
  ),
};

/** The FROM and WHERE of a subquery on the attempts of the enclosing query's cycle. */
const ofThisCycle = sql`from ${attempts} as ${A} where ${A}.${sql.identifier(attempts.cycleId.name)} = ${cycleColumn(cycles.id)}`;

const INCOMPLETE: ZuoraStatus = 'Cycle Incomplete';
const COMPLETE: ZuoraStatus = 'Cycle Complete';
/** zuoraStatus in SQL: active statuses are an incomplete cycle. */
const isActive = sql`${cycleColumn(cycles.status)} in (${sql.join(ACTIVE_STATUSES.map(literal), sql`, `)})`;

/** The cycle's document id under the key of its type, as toZuoraCycle names it. */
const documentKey = sql`case ${cycleColumn(cycles.documentType)} when ${literal('invoice')} then ${literal(
  'invoice_id' satisfies keyof ZuoraCycle,
)} else ${literal('debit_memo_id' satisfies keyof ZuoraCycle)} end`;

const { account_id, ...cycleRest } = {
  account_id: cycleColumn(cycles.accountId),
  payment_method_id: cycleColumn(cycles.paymentMethodId),
  currency: cycleColumn(cycles.currency),
  status: sql`case when ${isActive} then ${literal(INCOMPLETE)} else ${literal(COMPLETE)} end`,
  current_attempt_number: sql`(select count(*) ${ofThisCycle})`,
  next_attempt: sql`case when ${isActive} then ${isoMillis(cycleColumn(cycles.nextAttemptAt))} end`,
  customer_group: cycleColumn(cycles.customerGroupName),
  attempts: sql`(select coalesce(json_agg(${jsonObject(named(attemptFields))} order by ${field('attempt_number')}), '[]'::json) ${ofThisCycle})`,
} satisfies Record<Exclude<keyof ZuoraCycle, 'invoice_id' | 'debit_memo_id'>, SQL>;

const cycleObject = jsonObject([
  ...named({ account_id }),
  [documentKey, cycleColumn(cycles.documentId)],
  ...named(cycleRest),
]);

/** The whole answer, as text: the driver hands it over without parsing it. */
const body = sql<string>`json_build_object(${literal('cycles')}, coalesce(json_agg(${cycleObject} order by ${cycleColumn(cycles.startedAt)}, ${cycleColumn(cycles.id)}), '[]'::json))::text`;

/** One statement per scope and choice of cycles (every one, or only the active ones), built once per database. */
const answerStatements = preparedPerDatabase((db) =>
  statementPerScope((name, scope, active) =>
    db.select({ body }).from(cycles).where(scopeWhere(scope, active)).prepare(`zuora_cycles_${name}`),
  ),
);

/**
 * The cycle GET answer for `scope` (every cycle, or only the active ones), oldest first: the JSON
 * text of `{"cycles": [...]}` exactly as toZuoraCycle maps each cycle of cycleHistory.
 */
export async function zuoraCyclesJson(
  db: Db,
  scope: CycleScope,
  opts: { activeOnly?: boolean } = {},
): Promise<string> {
  const chosen =
    answerStatements(db)[opts.activeOnly ? 'active' : 'every']['document' in scope ? 'document' : 'account'];
  const [row] = await chosen.execute(scopeValues(scope));
  if (!row) throw new Error('an aggregate answered no row');
  return row.body;
}
