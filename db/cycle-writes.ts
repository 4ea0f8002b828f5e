import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { AttemptRecord } from '../domain/attempt-record';
import type { CycleStatus } from '../domain/cycle-status';
import type { DocumentType, FailedPayment } from '../domain/failed-payment';
import { attemptValues } from './attempt-rows';
import type { Db, Executor } from './client';
import { attempts, cycleEvents, cycles } from './schema';

// Everything a running cycle writes to Postgres. Every write is idempotent (keyed by the run, by
// (cycle, attempt number) or by (cycle, event seq)), so Temporal may retry the activity behind any of
// them after any failure. The input shapes are the activities' (snake_case, as Temporal records them):
// activities/cycle-store.ts re-exports them.

export interface OpenCycleInput {
  workflow_id: string;
  run_id: string;
  document_type: DocumentType;
  document_id: string;
  payment: FailedPayment;
  customer_group_id: number;
  customer_group_name: string;
  config_version: number;
  started_at: string;
}

export interface RecordInput {
  cycle_id: number;
  attempts: AttemptRecord[];
  cycle: {
    status: CycleStatus;
    end_reason: string | null;
    ended_at: string | null;
    next_attempt: string | null;
    outstanding: string;
    payment_method_id: string;
  };
  events: { seq: number; at: string; reason: string; detail: Record<string, unknown> }[];
}

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
