import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES, type AttemptRecord, type CycleStatus } from '../workflows/cycle-types';
import type { DocumentRef, DocumentType } from '../workflows/failed-payment';
import type { CycleViewInput } from '../workflows/zuora-view';
import type { Db } from './client';
import { preparedPerDatabase } from './prepared';
import { attempts, cycles } from './schema';

// Reads behind the cycle endpoints: the history (every cycle) and the active cycles of a document or
// account, both from Postgres, where the workflow records every change in the workflow task that makes
// it. Two queries at most, never N+1.

/** Which cycles: those of one billing document, or every document of one account. */
export type CycleScope = { document: DocumentRef } | { accountId: string };

const iso = (d: Date) => d.toISOString();
const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export type AttemptRow = typeof attempts.$inferSelect;
export type CycleRow = typeof cycles.$inferSelect;

export function attemptRecordOf(row: AttemptRow): AttemptRecord {
  return {
    attempt_number: row.attemptNumber,
    zuora_payment_id: row.paymentId,
    transaction_id: row.transactionId,
    time_of_execution: iso(row.timeOfExecution),
    source: row.source,
    cpr_generated: row.cprGenerated,
    success: row.success,
    amount: row.amount,
    amount_collected: row.amountCollected,
    currency: row.currency,
    payment_method_id: row.paymentMethodId,
    idempotency_key: row.idempotencyKey,
    gateway_payment_id: row.gatewayPaymentId,
    action: row.action,
    retry_next: row.retryNext,
    retry_next_at: isoOrNull(row.retryNextAt),
    retry_criteria: row.retryCriteria,
    api_updated_retry_time: row.apiUpdatedRetryTime,
    label: row.label,
    level: row.level,
    customer_group_id: row.customerGroupId,
    gateway_id: row.gatewayId,
    gateway_code: row.gatewayCode,
    gateway_response: row.gatewayResponse,
  };
}

export function cycleViewOf(row: CycleRow, rows: AttemptRow[]): CycleViewInput {
  return {
    account_id: row.accountId,
    document_type: row.documentType,
    document_id: row.documentId,
    payment_method_id: row.paymentMethodId,
    currency: row.currency,
    status: row.status as CycleStatus,
    next_attempt: isoOrNull(row.nextAttemptAt),
    customer_group: row.customerGroupName,
    attempts: rows.map(attemptRecordOf),
  };
}

/**
 * The read statements behind the cycle GETs, built once per database: building a drizzle query on
 * every request was a quarter of the API's CPU. Scope values are placeholders; the attempts come
 * from a subquery on the same scope, so both statements run at once.
 */
const historyStatements = preparedPerDatabase((db) => {
  const docScope = and(
    eq(cycles.documentType, sql.placeholder('type')),
    eq(cycles.documentId, sql.placeholder('id')),
  );
  const accountScope = eq(cycles.accountId, sql.placeholder('account'));
  const active = inArray(cycles.status, [...ACTIVE_STATUSES]);
  const statements = (name: string, where: SQL | undefined) => ({
    cycles: db
      .select()
      .from(cycles)
      .where(where)
      .orderBy(asc(cycles.startedAt), asc(cycles.id))
      .prepare(`cycles_${name}`),
    attempts: db
      .select()
      .from(attempts)
      .where(inArray(attempts.cycleId, db.select({ id: cycles.id }).from(cycles).where(where)))
      .orderBy(asc(attempts.cycleId), asc(attempts.attemptNumber))
      .prepare(`attempts_${name}`),
  });
  return {
    every: { document: statements('document', docScope), account: statements('account', accountScope) },
    active: {
      document: statements('active_document', and(docScope, active)),
      account: statements('active_account', and(accountScope, active)),
    },
  };
});

/** Attempt rows (in attempt order) grouped by their cycle. */
function groupByCycle(rows: AttemptRow[]): Map<number, AttemptRow[]> {
  const byCycle = new Map<number, AttemptRow[]>();
  for (const a of rows) {
    const list = byCycle.get(a.cycleId);
    if (list) list.push(a);
    else byCycle.set(a.cycleId, [a]);
  }
  return byCycle;
}

/** Every cycle in scope (or only the active ones), oldest first, each with its attempts. */
export async function cycleHistory(
  db: Db,
  scope: CycleScope,
  opts: { activeOnly?: boolean } = {},
): Promise<CycleViewInput[]> {
  const byDocument = 'document' in scope;
  const chosen =
    historyStatements(db)[opts.activeOnly ? 'active' : 'every'][byDocument ? 'document' : 'account'];
  const values = byDocument
    ? { type: scope.document.type, id: scope.document.id }
    : { account: scope.accountId };
  const [found, rows] = await Promise.all([chosen.cycles.execute(values), chosen.attempts.execute(values)]);
  const byCycle = groupByCycle(rows);
  return found.map((c) => cycleViewOf(c, byCycle.get(c.id) ?? []));
}

/** The attempts of these cycles in one query, grouped by cycle, in attempt order. */
export async function attemptsByCycle(db: Db, cycleIds: number[]): Promise<Map<number, AttemptRow[]>> {
  if (cycleIds.length === 0) return new Map();
  const rows = await db
    .select()
    .from(attempts)
    .where(inArray(attempts.cycleId, cycleIds))
    .orderBy(asc(attempts.cycleId), asc(attempts.attemptNumber));
  return groupByCycle(rows);
}

export interface ActiveCycleRef {
  /** Our numeric cycle id: the one the execute and remove answers list. */
  id: number;
  document_type: DocumentType;
  document_id: string;
  account_id: string;
}

/** Accounts and documents whose active cycles are wanted (bulk execute takes all three lists). */
export interface CycleSelection {
  account_ids?: readonly string[];
  invoice_ids?: readonly string[];
  debit_memo_ids?: readonly string[];
}

export function selectionOf(scope: CycleScope): CycleSelection {
  if ('accountId' in scope) return { account_ids: [scope.accountId] };
  return scope.document.type === 'invoice'
    ? { invoice_ids: [scope.document.id] }
    : { debit_memo_ids: [scope.document.id] };
}

/**
 * The active cycles (in_retry or paused) selected, oldest first. The workflow writes the row in its
 * first activity, before a submit returns, so a cycle is here as soon as it is submitted.
 */
export async function activeCycles(db: Db, selection: CycleSelection): Promise<ActiveCycleRef[]> {
  const ors: SQL[] = [];
  if (selection.account_ids?.length) ors.push(inArray(cycles.accountId, [...selection.account_ids]));
  for (const [type, list] of [
    ['invoice', selection.invoice_ids],
    ['debit_memo', selection.debit_memo_ids],
  ] as const) {
    const clause = list?.length
      ? and(eq(cycles.documentType, type), inArray(cycles.documentId, [...list]))
      : undefined;
    if (clause) ors.push(clause);
  }
  if (ors.length === 0) return [];
  return await db
    .select({
      id: cycles.id,
      document_type: cycles.documentType,
      document_id: cycles.documentId,
      account_id: cycles.accountId,
    })
    .from(cycles)
    .where(and(or(...ors), inArray(cycles.status, [...ACTIVE_STATUSES])))
    .orderBy(asc(cycles.startedAt), asc(cycles.id));
}
