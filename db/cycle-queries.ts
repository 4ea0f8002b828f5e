import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES, type CycleStatus } from '../domain/cycle-status';
import type { DocumentRef, DocumentType } from '../domain/failed-payment';
import type { CycleViewInput } from '../domain/zuora-view';
import type { Db } from './client';
import { type CycleRow, type CycleWithAttempts, cycleWithAttempts } from './cycle-with-attempts';
import { preparedPerDatabase } from './prepared';
import { cycles } from './schema';

// Reads behind the cycle endpoints: the history (every cycle) and the active cycles of a document or
// account, both from Postgres, where the workflow records every change in the workflow task that makes
// it. One statement per answer (db/cycle-with-attempts.ts), never N+1.

/** Which cycles: those of one billing document, or every document of one account. */
export type CycleScope = { document: DocumentRef } | { accountId: string };

export type { CycleRow, CycleWithAttempts };

export function cycleViewOf(row: CycleWithAttempts): CycleViewInput {
  return {
    account_id: row.accountId,
    document_type: row.documentType,
    document_id: row.documentId,
    payment_method_id: row.paymentMethodId,
    currency: row.currency,
    status: row.status as CycleStatus,
    next_attempt: row.nextAttemptAt ? row.nextAttemptAt.toISOString() : null,
    customer_group: row.customerGroupName,
    attempts: row.attempts,
  };
}

/**
 * The read statements behind the cycle GETs, built once per database: building a drizzle query on
 * every request was a quarter of the API's CPU. Scope values are placeholders. Each is ONE statement
 * (cycles with their attempts aggregated), so an answer never mixes two moments of a cycle.
 */
const historyStatements = preparedPerDatabase((db) => {
  const docScope = and(
    eq(cycles.documentType, sql.placeholder('type')),
    eq(cycles.documentId, sql.placeholder('id')),
  );
  const accountScope = eq(cycles.accountId, sql.placeholder('account'));
  const active = inArray(cycles.status, [...ACTIVE_STATUSES]);
  const statement = (name: string, where: SQL | undefined) =>
    db
      .select(cycleWithAttempts())
      .from(cycles)
      .where(where)
      .orderBy(asc(cycles.startedAt), asc(cycles.id))
      .prepare(`cycles_${name}`);
  return {
    every: { document: statement('document', docScope), account: statement('account', accountScope) },
    active: {
      document: statement('active_document', and(docScope, active)),
      account: statement('active_account', and(accountScope, active)),
    },
  };
});

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
  return (await chosen.execute(values)).map(cycleViewOf);
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
