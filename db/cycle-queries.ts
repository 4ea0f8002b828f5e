import { and, asc, eq, inArray, or, type SQL, sql } from 'drizzle-orm';
import { ACTIVE_STATUSES } from '../domain/cycle-status';
import type { DocumentRef, DocumentType } from '../domain/failed-payment';
import type { Db } from './client';
import type { CycleRow, CycleWithAttempts } from './cycle-with-attempts';
import { cycles } from './schema';

// Reads of a document's or an account's cycles: which cycles a scope selects (the cycle GETs'
// statements in db/zuora-cycle-json.ts select by `scopeWhere`, one per scope), and the active cycles
// a bulk action applies to, from Postgres, where the workflow records every change in the workflow task
// that makes it.

/** Which cycles: those of one billing document, or every document of one account. */
export type CycleScope = { document: DocumentRef } | { accountId: string };

export type { CycleRow, CycleWithAttempts };

/** Which cycles a scope selects (and, with `active`, only the active ones); its values are placeholders. */
export function scopeWhere(scope: 'document' | 'account', active: boolean): SQL | undefined {
  const where =
    scope === 'document'
      ? and(eq(cycles.documentType, sql.placeholder('type')), eq(cycles.documentId, sql.placeholder('id')))
      : eq(cycles.accountId, sql.placeholder('account'));
  return active ? and(where, inArray(cycles.status, [...ACTIVE_STATUSES])) : where;
}

/** The placeholder values of `scopeWhere` for one scope. */
export function scopeValues(scope: CycleScope): Record<string, string> {
  return 'document' in scope
    ? { type: scope.document.type, id: scope.document.id }
    : { account: scope.accountId };
}

/** One statement per scope and choice of cycles (every one, or only the active ones), named after both. */
export function statementPerScope<T>(
  statement: (name: string, scope: 'document' | 'account', active: boolean) => T,
): { every: { document: T; account: T }; active: { document: T; account: T } } {
  return {
    every: {
      document: statement('document', 'document', false),
      account: statement('account', 'account', false),
    },
    active: {
      document: statement('active_document', 'document', true),
      account: statement('active_account', 'account', true),
    },
  };
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
