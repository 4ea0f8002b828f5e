import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import { attemptValues } from '../../db/attempt-rows';
import type { Db, Executor } from '../../db/client';
import type { OpenCycleInput, RecordInput } from '../../db/cycle-writes';
import type { OpenedClaimedCycle, PaymentClaim } from '../../db/payment-claims';
import { attempts, cycleEvents, cycles, paymentClaims } from '../../db/schema';
import type { AttemptRecord } from '../../domain/attempt-record';
import type { DocumentRef, FailedPayment } from '../../domain/failed-payment';

// The cycle's writes as they were before the record-cycle-function migration moved them into SQL
// functions: drizzle statements, several per transaction (db/cycle-writes.ts and db/payment-claims.ts
// at 6786441, verbatim but for imports). test/db/cycle-functions.test.ts runs both on twin databases and expects the same
// rows, answers and failures; keep this as it is, it is the definition the functions must meet.

/** Opens the cycle row once per workflow run (also inside a caller's transaction) and returns its ids. */
export async function openCycle(
  db: Executor,
  input: OpenCycleInput,
): Promise<{ cycle_id: number; billing_cycle_id: string }> {
  const p = input.payment;
  const [inserted] = await db
    .insert(cycles)
    .values({
      id: sql`nextval('cycle_id_seq')`,
      billingCycleId: `BillingCycle-${randomUUID()}`,
      workflowId: input.workflow_id,
      runId: input.run_id,
      documentType: input.document_type,
      documentId: input.document_id,
      accountId: p.account_id,
      subscriptionId: p.subscription_id ?? null,
      paymentId: p.payment_id,
      paymentMethodId: p.payment_method_id,
      gatewayId: p.gateway_id,
      currency: p.currency,
      amount: p.amount,
      outstanding: p.amount,
      customerGroupId: input.customer_group_id,
      customerGroupName: input.customer_group_name,
      configVersion: input.config_version,
      status: 'in_retry',
      dueDate: p.due_date ?? null,
      startedAt: new Date(input.started_at),
    })
    .onConflictDoNothing({ target: cycles.runId })
    .returning({ id: cycles.id, billingCycleId: cycles.billingCycleId });
  const row =
    inserted ??
    (
      await db
        .select({ id: cycles.id, billingCycleId: cycles.billingCycleId })
        .from(cycles)
        .where(eq(cycles.runId, input.run_id))
    )[0];
  if (!row) throw new Error(`cycle for run ${input.run_id} neither inserted nor found`);
  return { cycle_id: row.id, billing_cycle_id: row.billingCycleId };
}

/**
 * Stores attempt `attempt` of cycle `cycleId` unless that attempt number is stored already (a retried
 * claim): the transaction that claims its payment writes it, `recordCycle` later completes it.
 */
export async function insertAttempt(db: Executor, cycleId: number, attempt: AttemptRecord): Promise<void> {
  await db.insert(attempts).values(attemptValues(cycleId, attempt)).onConflictDoNothing();
}

/**
 * Stores what changed in one transaction: attempts are upserts on (cycle, attempt number) and events
 * upserts on (cycle, seq), so a retried call never duplicates a row and the last call's content stands.
 */
export async function recordCycle(db: Db, input: RecordInput): Promise<void> {
  await db.transaction(async (tx) => {
    for (const attempt of input.attempts) {
      const row = attemptValues(input.cycle_id, attempt);
      const { cycleId: _c, attemptNumber: _n, transactionId: _t, ...changeable } = row;
      await tx
        .insert(attempts)
        .values(row)
        .onConflictDoUpdate({ target: [attempts.cycleId, attempts.attemptNumber], set: changeable });
    }
    if (input.events.length > 0) {
      await tx
        .insert(cycleEvents)
        .values(
          input.events.map((e) => ({
            cycleId: input.cycle_id,
            seq: e.seq,
            at: new Date(e.at),
            status: input.cycle.status,
            reason: e.reason,
            detail: e.detail,
          })),
        )
        // The last write of a seq wins, as for attempts: a workflow task the server refused after its
        // local `record` ran is retried, and the retry may batch other messages and number its events
        // differently; the retry's events are the ones the history keeps (found by the fast tier).
        .onConflictDoUpdate({
          target: [cycleEvents.cycleId, cycleEvents.seq],
          set: {
            at: sql`excluded.at`,
            status: sql`excluded.status`,
            reason: sql`excluded.reason`,
            detail: sql`excluded.detail`,
          },
        });
    }
    const c = input.cycle;
    await tx
      .update(cycles)
      .set({
        status: c.status,
        endReason: c.end_reason,
        endedAt: c.ended_at ? new Date(c.ended_at) : null,
        nextAttemptAt: c.next_attempt ? new Date(c.next_attempt) : null,
        outstanding: c.outstanding,
        paymentMethodId: c.payment_method_id,
        // In the same statement: the attempts upserted above are visible to it (same transaction).
        amountCollected: sql`(select coalesce(sum(${attempts.amountCollected}), 0) from ${attempts} where ${attempts.cycleId} = ${input.cycle_id})`,
        updatedAt: new Date(input.events.at(-1)?.at ?? Date.now()),
      })
      .where(eq(cycles.id, input.cycle_id));
  });
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
