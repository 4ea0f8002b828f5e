import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AttemptRecord } from '../domain/attempt-record';
import { type DocumentRef, type FailedPayment, failedPaymentShape } from '../domain/failed-payment';
import type { Db, Executor } from './client';
import { insertAttempt, type OpenCycleInput, openCycle } from './cycle-writes';
import { canonicalJson } from './failed-payment-store';
import { attempts, cycles, paymentClaims } from './schema';

// Payment claims: a failed payment (by payment_id) enters a cycle once, ever. The claim is inserted in
// the transaction that stores the payment's attempt; the primary key makes the first claim win, so two
// cycles (two runs, two documents, two API replicas) can never both take the same payment. Since the
// 'payment-claims' patch a failed payment becomes an attempt only through openClaimedCycle or
// claimPaymentAsAttempt, each one transaction that claims the payment and stores its (not yet
// decided) attempt together; recordCycle (db/cycle-writes.ts) then completes the attempt.

export interface PaymentClaim {
  payment_id: string;
  workflow_id: string;
  run_id: string;
  cycle_id: number;
  billing_cycle_id: string;
  attempt_number: number;
  document: DocumentRef;
  /** The failed payment as claimed (jsonb: compare with `samePayment`). */
  payment: unknown;
}

/** The claim on a payment_id with its cycle's ids, or null when no cycle has taken it. */
export async function findClaim(db: Executor, paymentId: string): Promise<PaymentClaim | null> {
  const [row] = await db
    .select({
      paymentId: paymentClaims.paymentId,
      workflowId: cycles.workflowId,
      runId: cycles.runId,
      cycleId: paymentClaims.cycleId,
      billingCycleId: cycles.billingCycleId,
      attemptNumber: paymentClaims.attemptNumber,
      documentType: paymentClaims.documentType,
      documentId: paymentClaims.documentId,
      payment: paymentClaims.payment,
    })
    .from(paymentClaims)
    .innerJoin(cycles, eq(cycles.id, paymentClaims.cycleId))
    .where(eq(paymentClaims.paymentId, paymentId));
  if (!row) return null;
  return {
    payment_id: row.paymentId,
    workflow_id: row.workflowId,
    run_id: row.runId,
    cycle_id: row.cycleId,
    billing_cycle_id: row.billingCycleId,
    attempt_number: row.attemptNumber,
    document: { type: row.documentType, id: row.documentId },
    payment: row.payment,
  };
}

/** The fields of a claimed payment a charge carries besides the cycle row's (domain/payer.ts). */
const claimedPayer = z.object({ account: failedPaymentShape.account, source: failedPaymentShape.source });

/**
 * The `account` and `source` of the failed payment that opened the cycle, from its claim; null for a
 * cycle opened before claims existed (the cycle row keeps only its account_id and document).
 */
export async function openingPayerOf(
  db: Executor,
  cycle: { id: number; paymentId: string },
): Promise<Pick<FailedPayment, 'account' | 'source'> | null> {
  const [row] = await db
    .select({ payment: paymentClaims.payment })
    .from(paymentClaims)
    .where(and(eq(paymentClaims.cycleId, cycle.id), eq(paymentClaims.paymentId, cycle.paymentId)));
  const parsed = claimedPayer.safeParse(row?.payment);
  return parsed.success ? parsed.data : null;
}

/**
 * Claims `payment` for attempt `attempt_number` of `cycle_id`. True when this call (or an earlier try
 * of the same claim: same cycle, same attempt) holds it; false when another cycle or attempt does.
 * Call it inside the transaction that writes the attempt.
 */
export async function insertClaim(
  db: Executor,
  claim: { cycle_id: number; attempt_number: number; document: DocumentRef; payment: FailedPayment },
): Promise<boolean> {
  const inserted = await db
    .insert(paymentClaims)
    .values({
      paymentId: claim.payment.payment_id,
      cycleId: claim.cycle_id,
      attemptNumber: claim.attempt_number,
      documentType: claim.document.type,
      documentId: claim.document.id,
      payment: claim.payment,
    })
    .onConflictDoNothing({ target: paymentClaims.paymentId })
    .returning({ paymentId: paymentClaims.paymentId });
  if (inserted.length > 0) return true;
  const [held] = await db
    .select({ cycleId: paymentClaims.cycleId, attemptNumber: paymentClaims.attemptNumber })
    .from(paymentClaims)
    .where(eq(paymentClaims.paymentId, claim.payment.payment_id));
  return held?.cycleId === claim.cycle_id && held.attemptNumber === claim.attempt_number;
}

/**
 * Failed payments that became attempts before claims existed (or in cycles still running the code from
 * before the 'payment-claims' patch) hold no claim: the first time such a payment_id is submitted
 * again, its earliest external attempt becomes its claim, with the details submitted now (the original
 * details were not kept). So an upgrade does not reopen payments that already entered a cycle.
 */
export async function adoptLegacyAttempt(db: Executor, payment: FailedPayment): Promise<void> {
  const [legacy] = await db
    .select({
      cycleId: attempts.cycleId,
      attemptNumber: attempts.attemptNumber,
      documentType: cycles.documentType,
      documentId: cycles.documentId,
    })
    .from(attempts)
    .innerJoin(cycles, eq(cycles.id, attempts.cycleId))
    .where(and(eq(attempts.paymentId, payment.payment_id), sql`not ${attempts.cprGenerated}`))
    .orderBy(asc(attempts.cycleId), asc(attempts.attemptNumber))
    .limit(1);
  if (!legacy) return;
  await insertClaim(db, {
    cycle_id: legacy.cycleId,
    attempt_number: legacy.attemptNumber,
    document: { type: legacy.documentType, id: legacy.documentId },
    payment,
  });
}

/** The claim on the payment's id, adopting a legacy attempt of it first when there is no claim yet. */
export async function claimOf(db: Executor, payment: FailedPayment): Promise<PaymentClaim | null> {
  const held = await findClaim(db, payment.payment_id);
  if (held) return held;
  await adoptLegacyAttempt(db, payment);
  return await findClaim(db, payment.payment_id);
}

/** Whether a submitted payment is the one claimed (a payment_id names one payment). */
export function samePayment(claimed: unknown, submitted: FailedPayment): boolean {
  return canonicalJson(claimed) === canonicalJson(submitted);
}

/** The document's latest cycle other than `exceptCycleId`, with its status. */
export async function previousCycleOf(
  db: Executor,
  doc: DocumentRef,
  exceptCycleId: number,
): Promise<{ cycle_id: number; billing_cycle_id: string; status: string } | null> {
  const [row] = await db
    .select({ id: cycles.id, billingCycleId: cycles.billingCycleId, status: cycles.status })
    .from(cycles)
    .where(
      and(eq(cycles.documentType, doc.type), eq(cycles.documentId, doc.id), ne(cycles.id, exceptCycleId)),
    )
    .orderBy(desc(cycles.startedAt), desc(cycles.id))
    .limit(1);
  return row ? { cycle_id: row.id, billing_cycle_id: row.billingCycleId, status: row.status } : null;
}

/** A document's previous cycle, as openClaimedCycle answers it. */
export interface PreviousCycle {
  cycle_id: number;
  billing_cycle_id: string;
  status: string;
}

export type OpenedClaimedCycle =
  | { kind: 'opened'; cycle_id: number; billing_cycle_id: string; previous: PreviousCycle | null }
  | { kind: 'claimed_elsewhere' };

/** Thrown inside a transaction to roll it back when another cycle won the claim. */
class ClaimedElsewhere extends Error {}

/**
 * Opens the cycle with its first payment claimed as attempt 1 (stored as `first`, numbered 1 and in the
 * cycle's customer group), in one transaction, and answers the document's previous cycle read in it.
 * When a cycle of another document took the same payment_id in between, nothing is written. Retrying
 * it is harmless: the cycle opens once per run, and the claim and attempt are keyed by it.
 */
export async function openClaimedCycle(
  db: Db,
  open: OpenCycleInput,
  first: AttemptRecord,
): Promise<OpenedClaimedCycle> {
  const document = { type: open.document_type, id: open.document_id };
  try {
    return await db.transaction(async (tx) => {
      const ids = await openCycle(tx, open);
      const won = await insertClaim(tx, {
        cycle_id: ids.cycle_id,
        attempt_number: 1,
        document,
        payment: open.payment,
      });
      if (!won) throw new ClaimedElsewhere();
      await insertAttempt(tx, ids.cycle_id, {
        ...first,
        attempt_number: 1,
        customer_group_id: open.customer_group_id,
      });
      const previous = await previousCycleOf(tx, document, ids.cycle_id);
      return { kind: 'opened' as const, ...ids, previous };
    });
  } catch (err) {
    if (err instanceof ClaimedElsewhere) return { kind: 'claimed_elsewhere' };
    throw err;
  }
}

/**
 * Claims a further payment for the cycle as `attempt`, storing the attempt in the same transaction
 * (after adopting a legacy attempt of it as its claim). True when this cycle holds the claim.
 */
export async function claimPaymentAsAttempt(
  db: Db,
  cycleId: number,
  document: DocumentRef,
  payment: FailedPayment,
  attempt: AttemptRecord,
): Promise<boolean> {
  return await db.transaction(async (tx) => {
    await adoptLegacyAttempt(tx, payment);
    const claimed = await insertClaim(tx, {
      cycle_id: cycleId,
      attempt_number: attempt.attempt_number,
      document,
      payment,
    });
    if (claimed) await insertAttempt(tx, cycleId, attempt);
    return claimed;
  });
}
