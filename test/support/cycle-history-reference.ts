import { asc } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { type CycleScope, scopeValues, scopeWhere, statementPerScope } from '../../db/cycle-queries';
import { type CycleWithAttempts, cycleWithAttempts } from '../../db/cycle-with-attempts';
import { preparedPerDatabase } from '../../db/prepared';
import { cycles } from '../../db/schema';
import type { CycleStatus } from '../../domain/cycle-status';
import type { CycleViewInput } from '../../domain/zuora-view';

// How the cycle GETs read before they answered JSON built by Postgres (db/zuora-cycle-json.ts): the
// rows with their attempts, mapped to the views toZuoraCycle takes. test/db/zuora-cycle-json.test.ts
// holds the SQL's answer equal to toZuoraCycle over these; keep this as it is, it is the definition.

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

/** One statement per scope (cycles with their attempts aggregated), as the cycle GETs read them. */
const historyStatements = preparedPerDatabase((db) =>
  statementPerScope((name, scope, active) =>
    db
      .select(cycleWithAttempts())
      .from(cycles)
      .where(scopeWhere(scope, active))
      .orderBy(asc(cycles.startedAt), asc(cycles.id))
      .prepare(`cycles_${name}`),
  ),
);

/** Every cycle in scope (or only the active ones), oldest first, each with its attempts. */
export async function cycleHistory(
  db: Db,
  scope: CycleScope,
  opts: { activeOnly?: boolean } = {},
): Promise<CycleViewInput[]> {
  const chosen =
    historyStatements(db)[opts.activeOnly ? 'active' : 'every']['document' in scope ? 'document' : 'account'];
  return (await chosen.execute(scopeValues(scope))).map(cycleViewOf);
}
