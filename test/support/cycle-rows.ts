import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { openCycle } from '../../db/cycle-writes';
import { attempts, cycles } from '../../db/schema';
import type { DocumentRef } from '../../domain/failed-payment';

// What the store holds for a document, in order: the cycle rows (oldest first) and a cycle's attempts;
// and a cycle row to write to.

export const cyclesOf = (db: Db, doc: DocumentRef) =>
  db
    .select()
    .from(cycles)
    .where(and(eq(cycles.documentType, doc.type), eq(cycles.documentId, doc.id)))
    .orderBy(asc(cycles.id));

export const attemptsOf = (db: Db, cycleId: number) =>
  db.select().from(attempts).where(eq(attempts.cycleId, cycleId)).orderBy(asc(attempts.attemptNumber));

/** Opens a cycle row for a fresh invoice (the way a run opens one) and answers its id. */
export async function openTestCycle(db: Db): Promise<number> {
  const id = randomUUID();
  const { cycle_id } = await openCycle(db, {
    workflow_id: `cpr-invoice-INV-${id}`,
    run_id: `run-${id}`,
    document_type: 'invoice',
    document_id: `INV-${id}`,
    payment: {
      payment_id: `P-${id}`,
      account_id: `A-${id}`,
      invoice_id: `INV-${id}`,
      amount: '100.00',
      currency: 'USD',
      payment_method_id: 'pm',
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
    },
    customer_group_id: 1,
    customer_group_name: 'Default',
    config_version: 1,
    started_at: '2026-11-22T10:00:00.000Z',
  });
  return cycle_id;
}
