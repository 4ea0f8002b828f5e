import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AttemptRecord } from '../domain/attempt-record';
import { type DocumentRef, type FailedPayment, failedPaymentShape } from '../domain/failed-payment';
import type { Db, Executor } from './client';
import { attemptRow, type OpenCycleInput, openingRow } from './cycle-writes';
import { canonicalJson } from './failed-payment-store';
import { functionCall, preparedPerDatabase, valueOfCall } from './prepared';
import { paymentClaims } from './schema';

// Payment claims: a failed payment (by payment_id) enters a cycle once, ever. The claim is inserted in
// the transaction that stores the payment's attempt; the primary key makes the first claim win, so two
// cycles (two runs, two documents, two API replicas) can never both take the same payment. Since the
// 'payment-claims' patch a failed payment becomes an attempt only through openClaimedCycle or
// claimPaymentAsAttempt, each one call (so one transaction) that claims the payment and stores its
// (not yet decided) attempt together; recordCycle (db/cycle-writes.ts) then completes the attempt.
// Each is a SQL function of the record-cycle-function migration, called as one statement prepared
// once per database.

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

/** Thrown by cpr_open_claimed_cycle when another cycle holds the payment (nothing is written then). */
const CLAIMED_ELSEWHERE = 'PRC01';

const statements = preparedPerDatabase((db) => {
  const text = (name: string) => sql`${sql.placeholder(name)}::text`;
  return {
    find: functionCall<PaymentClaim | null>(db, 'cpr_find_claim', sql`cpr_find_claim(${text('id')})`),
    insert: functionCall<boolean>(
      db,
      'cpr_insert_claim',
      sql`cpr_insert_claim(${sql.placeholder('cycle')}::bigint, ${sql.placeholder('attempt')}::integer, ${text('type')}, ${text('doc')}, ${text('id')}, ${text('payment')})`,
    ),
    adopt: functionCall<unknown>(
      db,
      'cpr_adopt_legacy_attempt',
      sql`cpr_adopt_legacy_attempt(${text('id')}, ${text('payment')})`,
    ),
    claimOf: functionCall<PaymentClaim | null>(
      db,
      'cpr_claim_of',
      sql`cpr_claim_of(${text('id')}, ${text('payment')})`,
    ),
    openClaimed: functionCall<{ cycle_id: number; billing_cycle_id: string; previous: PreviousCycle | null }>(
      db,
      'cpr_open_claimed_cycle',
      sql`cpr_open_claimed_cycle(${sql.placeholder('cycle')}::jsonb, ${text('id')}, ${text('payment')}, ${text('first')})`,
    ),
    claimAsAttempt: functionCall<boolean>(
      db,
      'cpr_claim_payment_as_attempt',
      sql`cpr_claim_payment_as_attempt(${sql.placeholder('cycle')}::bigint, ${text('type')}, ${text('doc')}, ${text('id')}, ${text('payment')}, ${sql.placeholder('number')}::integer, ${text('attempt')})`,
    ),
  };
});

/** The claim on a payment_id with its cycle's ids, or null when no cycle has taken it. */
export async function findClaim(db: Db, paymentId: string): Promise<PaymentClaim | null> {
  return await valueOfCall(statements(db).find.execute({ id: paymentId }));
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
 */
export async function insertClaim(
  db: Db,
  claim: { cycle_id: number; attempt_number: number; document: DocumentRef; payment: FailedPayment },
): Promise<boolean> {
  return await valueOfCall(
    statements(db).insert.execute({
      cycle: claim.cycle_id,
      attempt: claim.attempt_number,
      type: claim.document.type,
      doc: claim.document.id,
      id: claim.payment.payment_id,
      payment: JSON.stringify(claim.payment),
    }),
  );
}

/**
 * Failed payments that became attempts before claims existed (or in cycles still running the code from
 * before the 'payment-claims' patch) hold no claim: the first time such a payment_id is submitted
 * again, its earliest external attempt becomes its claim, with the details submitted now (the original
 * details were not kept). So an upgrade does not reopen payments that already entered a cycle.
 */
export async function adoptLegacyAttempt(db: Db, payment: FailedPayment): Promise<void> {
  await statements(db).adopt.execute({ id: payment.payment_id, payment: JSON.stringify(payment) });
}

/** The claim on the payment's id, adopting a legacy attempt of it first when there is no claim yet. */
export async function claimOf(db: Db, payment: FailedPayment): Promise<PaymentClaim | null> {
  return await valueOfCall(
    statements(db).claimOf.execute({ id: payment.payment_id, payment: JSON.stringify(payment) }),
  );
}

/** Whether a submitted payment is the one claimed (a payment_id names one payment). */
export function samePayment(claimed: unknown, submitted: FailedPayment): boolean {
  return canonicalJson(claimed) === canonicalJson(submitted);
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

/** True for the error cpr_open_claimed_cycle raises when another cycle holds the payment. */
function isClaimedElsewhere(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === CLAIMED_ELSEWHERE) return true;
  }
  return false;
}

/**
 * Opens the cycle with its first payment claimed as attempt 1 (stored as `first`, numbered 1 and in the
 * cycle's customer group), in one call, and answers the document's previous cycle read in it. When a
 * cycle of another document took the same payment_id in between, nothing is written. Retrying it is
 * harmless: the cycle opens once per run, and the claim and attempt are keyed by it.
 */
export async function openClaimedCycle(
  db: Db,
  open: OpenCycleInput,
  first: AttemptRecord,
): Promise<OpenedClaimedCycle> {
  try {
    const opened = await valueOfCall(
      statements(db).openClaimed.execute({
        cycle: JSON.stringify(openingRow(open)),
        id: open.payment.payment_id,
        payment: JSON.stringify(open.payment),
        first: JSON.stringify(
          attemptRow({ ...first, attempt_number: 1, customer_group_id: open.customer_group_id }),
        ),
      }),
    );
    return { kind: 'opened', ...opened };
  } catch (err) {
    if (isClaimedElsewhere(err)) return { kind: 'claimed_elsewhere' };
    throw err;
  }
}

/**
 * Claims a further payment for the cycle as `attempt`, storing the attempt in the same call (after
 * adopting a legacy attempt of it as its claim). True when this cycle holds the claim.
 */
export async function claimPaymentAsAttempt(
  db: Db,
  cycleId: number,
  document: DocumentRef,
  payment: FailedPayment,
  attempt: AttemptRecord,
): Promise<boolean> {
  return await valueOfCall(
    statements(db).claimAsAttempt.execute({
      cycle: cycleId,
      type: document.type,
      doc: document.id,
      id: payment.payment_id,
      payment: JSON.stringify(payment),
      number: attempt.attempt_number,
      attempt: JSON.stringify(attemptRow(attempt)),
    }),
  );
}
