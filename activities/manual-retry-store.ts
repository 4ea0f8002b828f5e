import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { configVersion } from '../db/config-versions';
import { attempts, cycleEvents, cycles, manualRetries } from '../db/schema';
import type {
  ManualRetryOutcome,
  ManualRetryOutcomeStatus,
  ManualRetryStatus,
  RecordManualRetryInput,
} from '../domain/manual-retry';
import { payDown, toUnits } from '../domain/money/decimal';
import { mapResponseCode, type RetryConfig } from '../policy';

// What a manual retry writes once its charge has answered, in one transaction: the attempt (appended
// to the cycle's history, `source: "MANUAL"`), the retry's outcome, and — when it paid the document —
// the cycle itself. The retry row leaves `pending` in the same transaction, so a retried activity
// finds it done and answers the stored outcome instead of writing twice.

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

export function createManualRetryStore(db: Db) {
  return {
    async recordManualRetry(input: RecordManualRetryInput): Promise<ManualRetryOutcome> {
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

        await tx
          .insert(attempts)
          .values({
            cycleId: cycle.id,
            attemptNumber: retry.attemptNumber,
            transactionId: retry.transactionId,
            paymentId: r.gateway_payment_id ?? retry.chargeKey,
            timeOfExecution: at,
            source: MANUAL_SOURCE,
            cprGenerated: true,
            success: approved,
            amount: retry.amount,
            amountCollected: collected,
            currency: retry.currency,
            paymentMethodId: retry.paymentMethodId,
            idempotencyKey: retry.chargeKey,
            gatewayPaymentId: r.gateway_payment_id,
            // No automatic retry follows a manual one.
            action: 'Stop',
            label,
            level,
            customerGroupId: cycle.customerGroupId,
            gatewayId: retry.gatewayId,
            gatewayCode: r.code,
            gatewayResponse: r.message,
          })
          .onConflictDoNothing({ target: [attempts.cycleId, attempts.attemptNumber] });

        let cycleStatus = cycle.status;
        let outstanding = cycle.outstanding;
        if (approved) {
          outstanding = payDown(outstanding, collected);
          if (toUnits(outstanding) <= 0n) cycleStatus = 'collected';
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
    },
  };
}
