import { and, eq, sql } from 'drizzle-orm';
import type { AttemptRecord } from '../domain/attempt-record';
import type {
  ManualRetryOutcome,
  ManualRetryOutcomeStatus,
  ManualRetryStatus,
  RecordManualRetryInput,
} from '../domain/manual-retry';
import { isZeroOrLess, payDown } from '../domain/money/decimal';
import { mapResponseCode, type RetryConfig } from '../policy';
import { attemptValues } from './attempt-rows';
import type { Db } from './client';
import { configVersion } from './config-versions';
import { attempts, cycleEvents, cycles, manualRetries } from './schema';

// What a manual retry writes once its charge has answered, in one transaction: the attempt (appended
// to the cycle's history, `source: "MANUAL"`), the retry's outcome, and — when it paid the document —
// the cycle itself. The retry row leaves `pending` in the same transaction, so a retried activity
// finds it done and answers the stored outcome instead of writing twice. (The retry row itself is
// allocated by createManualRetry, db/billing-cycle-queries.ts.)

export const MANUAL_SOURCE = 'MANUAL';
export const MANUAL_RETRY_EVENT = 'manual_retry';

type RetryRow = typeof manualRetries.$inferSelect;

function outcomeOf(row: RetryRow, cycleStatus: string): ManualRetryOutcome {
  return {
    retry_id: row.retryId,
    status: row.status === 'pending' ? 'error' : row.status,
    code: row.gatewayCode ?? '',
    message: row.gatewayResponse ?? '',
    amount_collected: row.amountCollected ?? '0',
    cycle_status: cycleStatus,
  };
}

/**
 * Records what manual retry `input.retry_id`'s charge answered, in one transaction; a retry no longer
 * pending answers its stored outcome and writes nothing.
 */
export async function recordManualRetryOutcome(
  db: Db,
  input: RecordManualRetryInput,
): Promise<ManualRetryOutcome> {
  return await db.transaction(async (tx) => {
    const [retry] = await tx
      .select()
      .from(manualRetries)
      .where(eq(manualRetries.retryId, input.retry_id))
      .for('update');
    if (!retry) throw new Error(`manual retry ${input.retry_id} not found`);
    const [cycle] = await tx.select().from(cycles).where(eq(cycles.id, retry.cycleId)).for('update');
    if (!cycle) throw new Error(`cycle ${retry.cycleId} not found`);
    if (retry.status !== 'pending') return outcomeOf(retry, cycle.status);

    const r = input.result;
    const approved = r.status === 'approved';
    const status: ManualRetryOutcomeStatus = approved
      ? 'succeeded'
      : input.failed_hard || r.status === 'error'
        ? 'error'
        : 'declined';
    let label = approved ? 'Approved' : 'System Error';
    let level: 'code' | 'description' = 'code';
    if (status === 'declined') {
      // Labelled by the rules the cycle ran with, so reports group it with the cycle's declines.
      // On `tx`, never the outer `db`: that would wait on this very transaction (db/client.ts Executor).
      const pinned = await configVersion<RetryConfig>(tx, cycle.configVersion);
      if (pinned) {
        const mapped = mapResponseCode(pinned.config, {
          gateway_id: retry.gatewayId,
          code: r.code,
          message: r.message,
        });
        label = mapped.label;
        level = mapped.level;
      } else {
        label = '';
      }
    }
    const collected = approved ? r.amount_collected : '0';
    const at = new Date(input.executed_at);

    const attempt: AttemptRecord = {
      attempt_number: retry.attemptNumber,
      zuora_payment_id: r.gateway_payment_id ?? retry.chargeKey,
      transaction_id: retry.transactionId,
      time_of_execution: input.executed_at,
      source: MANUAL_SOURCE,
      cpr_generated: true,
      success: approved,
      amount: retry.amount,
      amount_collected: collected,
      currency: retry.currency,
      payment_method_id: retry.paymentMethodId,
      idempotency_key: retry.chargeKey,
      gateway_payment_id: r.gateway_payment_id,
      // No automatic retry follows a manual one.
      action: 'Stop',
      retry_next: null,
      retry_next_at: null,
      retry_criteria: null,
      api_updated_retry_time: null,
      label,
      level,
      customer_group_id: cycle.customerGroupId,
      gateway_id: retry.gatewayId,
      gateway_code: r.code,
      gateway_response: r.message,
    };
    await tx
      .insert(attempts)
      .values(attemptValues(cycle.id, attempt))
      .onConflictDoNothing({ target: [attempts.cycleId, attempts.attemptNumber] });

    let cycleStatus = cycle.status;
    let outstanding = cycle.outstanding;
    if (approved) {
      outstanding = payDown(outstanding, collected);
      if (isZeroOrLess(outstanding)) cycleStatus = 'collected';
    }
    const [sum] = await tx
      .select({ sum: sql<string>`coalesce(sum(${attempts.amountCollected}), 0)::text` })
      .from(attempts)
      .where(eq(attempts.cycleId, cycle.id));
    const now = new Date();
    const paid = cycleStatus === 'collected' && cycle.status !== 'collected';
    await tx
      .update(cycles)
      .set({
        status: cycleStatus,
        outstanding,
        amountCollected: sum?.sum ?? '0',
        ...(paid ? { endReason: MANUAL_RETRY_EVENT, endedAt: cycle.endedAt ?? at } : {}),
        nextAttemptAt: null,
        updatedAt: now,
      })
      .where(eq(cycles.id, cycle.id));

    const [last] = await tx
      .select({ seq: sql<number>`coalesce(max(${cycleEvents.seq}), 0)`.mapWith(Number) })
      .from(cycleEvents)
      .where(eq(cycleEvents.cycleId, cycle.id));
    await tx.insert(cycleEvents).values({
      cycleId: cycle.id,
      seq: (last?.seq ?? 0) + 1,
      at: now,
      status: cycleStatus,
      reason: MANUAL_RETRY_EVENT,
      detail: {
        retry_id: retry.retryId,
        attempt_number: retry.attemptNumber,
        outcome: status,
        code: r.code,
        amount_collected: collected,
        requested_by: retry.requestedBy,
        reason: retry.reason,
        previous_status: cycle.status,
      },
    });

    const finalStatus: ManualRetryStatus = status;
    const [updated] = await tx
      .update(manualRetries)
      .set({
        status: finalStatus,
        amountCollected: collected,
        gatewayCode: r.code,
        gatewayResponse: r.message,
        gatewayPaymentId: r.gateway_payment_id,
        executedAt: at,
        updatedAt: now,
      })
      .where(and(eq(manualRetries.id, retry.id), eq(manualRetries.status, 'pending')))
      .returning();
    if (!updated) throw new Error(`manual retry ${retry.retryId} changed while being recorded`);
    return outcomeOf(updated, cycleStatus);
  });
}
