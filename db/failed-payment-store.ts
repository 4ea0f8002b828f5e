import { eq } from 'drizzle-orm';
import type { FailedPayment } from '../workflows/failed-payment';
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

/** Stores the payment once; the same payment_id again is fine only with identical details. */
export async function registerFailedPayment(
  db: Db,
  payment: FailedPayment,
  createdBy: string,
): Promise<RegisterResult> {
  const inserted = await db
    .insert(failedPayments)
    .values({ paymentId: payment.payment_id, document: payment, createdBy })
    .onConflictDoNothing({ target: failedPayments.paymentId })
    .returning({ paymentId: failedPayments.paymentId });
  if (inserted.length > 0) return 'created';
  const existing = await findFailedPayment(db, payment.payment_id);
  return existing !== null && canonicalJson(existing) === canonicalJson(payment) ? 'identical' : 'conflict';
}

/** The registered document, as stored (the caller validates it). */
export async function findFailedPayment(db: Db, paymentId: string): Promise<unknown> {
  const [row] = await db
    .select({ document: failedPayments.document })
    .from(failedPayments)
    .where(eq(failedPayments.paymentId, paymentId));
  return row ? row.document : null;
}
