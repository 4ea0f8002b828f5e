import { and, desc, eq, gt, sql } from 'drizzle-orm';
import type { Executor } from './client';
import { attempts, manualRetries } from './schema';

// What the charge gate (policy/charge-gate.ts) needs to know about a payment method, across every
// cycle: its recent attempts and the codes it answered since it last paid. Served by the indexes on
// (payment_method_id, time_of_execution) and (payment_method_id, status).

export interface MethodHistory {
  /** Times (ISO) of attempts on the method since `since`, and of manual retries still charging it. */
  attempts: string[];
  /** Distinct gateway codes of its failed attempts after its last approved one. */
  codes: string[];
}

export async function methodHistory(
  db: Executor,
  paymentMethodId: string,
  since: Date,
): Promise<MethodHistory> {
  const onMethod = eq(attempts.paymentMethodId, paymentMethodId);
  const recent = await db
    .select({ at: attempts.timeOfExecution })
    .from(attempts)
    .where(and(onMethod, gt(attempts.timeOfExecution, since)));
  // A claimed manual retry is charging (or about to) but has no attempt row yet: it counts already.
  const charging = await db
    .select({ at: manualRetries.createdAt })
    .from(manualRetries)
    .where(and(eq(manualRetries.paymentMethodId, paymentMethodId), eq(manualRetries.status, 'pending')));
  const [paid] = await db
    .select({ at: attempts.timeOfExecution })
    .from(attempts)
    .where(and(onMethod, eq(attempts.success, true)))
    .orderBy(desc(attempts.timeOfExecution))
    .limit(1);
  const codes = await db
    .selectDistinct({ code: attempts.gatewayCode })
    .from(attempts)
    .where(
      and(onMethod, eq(attempts.success, false), paid ? gt(attempts.timeOfExecution, paid.at) : undefined),
    );
  return {
    attempts: [...recent, ...charging].map((r) => r.at.toISOString()),
    codes: codes.map((c) => c.code),
  };
}

/**
 * Serialises every manual-retry claim on one payment method until the claiming transaction ends, so two
 * claims on different cycles of the same card cannot both take the 20th slot.
 */
export async function lockMethod(tx: Executor, paymentMethodId: string): Promise<void> {
  await tx.execute(
    sql`select pg_advisory_xact_lock(hashtextextended(${`cpr-method:${paymentMethodId}`}, 0))`,
  );
}
