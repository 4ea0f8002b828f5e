import { eq } from 'drizzle-orm';
import type { FailedPayment } from '../domain/failed-payment';
import type { Db } from './client';
import { failedPayments } from './schema';

// Failed payments registered ahead of `submit_failed_payment`, keyed by payment_id.

/** JSON with sorted keys: jsonb does not keep key order, so documents are compared this way. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export type RegisterResult = 'created' | 'identical' | 'conflict';

/**
 * Stores the payment once; the same payment_id again is fine only with identical details. `onRecorded`
 * runs in the same transaction when the outcome is not a conflict (e.g. to store an Idempotency-Key's
 * answer with the registration it answers for).
 */
export async function registerFailedPayment(
  db: Db,
  payment: FailedPayment,
  createdBy: string,
  onRecorded?: (tx: Db, outcome: Exclude<RegisterResult, 'conflict'>) => Promise<void>,
): Promise<RegisterResult> {
  return await db.transaction(async (tx): Promise<RegisterResult> => {
    const inserted = await tx
      .insert(failedPayments)
      .values({ paymentId: payment.payment_id, document: payment, createdBy })
      .onConflictDoNothing({ target: failedPayments.paymentId })
      .returning({ paymentId: failedPayments.paymentId });
    let outcome: RegisterResult = 'created';
    if (inserted.length === 0) {
      const existing = await findFailedPayment(tx, payment.payment_id);
      const same = existing !== null && canonicalJson(existing) === canonicalJson(payment);
      outcome = same ? 'identical' : 'conflict';
    }
    if (outcome !== 'conflict') await onRecorded?.(tx, outcome);
    return outcome;
  });
}

/** The registered document, as stored (the caller validates it). */
export async function findFailedPayment(db: Db, paymentId: string): Promise<unknown> {
  const [row] = await db
    .select({ document: failedPayments.document })
    .from(failedPayments)
    .where(eq(failedPayments.paymentId, paymentId));
  return row ? row.document : null;
}
