import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { currentConfig } from '../db/config-versions';
import { attempts, cycleEvents, cycles } from '../db/schema';
import type { AttemptRecord } from '../domain/attempt-record';
import type { CycleStatus } from '../domain/cycle-status';
import type { DocumentType, FailedPayment } from '../domain/failed-payment';
import { chooseGroup, type RetryConfig } from '../policy';

// Everything a cycle writes to Postgres. Every write is idempotent (keyed by the run, by (cycle,
// attempt number) or by (cycle, event seq)), so Temporal may retry any of them after any failure.

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

/** What a new cycle needs to open: its document and first payment; the rest is read or chosen here. */
export type BeginCycleInput = Omit<
  OpenCycleInput,
  'customer_group_id' | 'customer_group_name' | 'config_version'
>;

export interface BegunCycle {
  version: number;
  config: RetryConfig;
  lifecycle_webhooks: boolean;
  group: { id: number; name: string };
  cycle_id: number;
  billing_cycle_id: string;
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

export function attemptRow(cycleId: number, a: AttemptRecord) {
  return {
    cycleId,
    attemptNumber: a.attempt_number,
    transactionId: a.transaction_id,
    paymentId: a.zuora_payment_id,
    timeOfExecution: new Date(a.time_of_execution),
    source: a.source,
    cprGenerated: a.cpr_generated,
    success: a.success,
    amount: a.amount,
    amountCollected: a.amount_collected,
    currency: a.currency,
    paymentMethodId: a.payment_method_id,
    idempotencyKey: a.idempotency_key,
    gatewayPaymentId: a.gateway_payment_id,
    action: a.action,
    retryNext: a.retry_next,
    retryNextAt: a.retry_next_at ? new Date(a.retry_next_at) : null,
    retryCriteria: a.retry_criteria,
    apiUpdatedRetryTime: a.api_updated_retry_time,
    label: a.label,
    level: a.level,
    customerGroupId: a.customer_group_id,
    gatewayId: a.gateway_id,
    gatewayCode: a.gateway_code,
    gatewayResponse: a.gateway_response,
  };
}

/** Opens the cycle row once per workflow run (also inside a caller's transaction) and returns its ids. */
export async function openCycleIn(
  db: Db,
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

export function createCycleStore(db: Db, opts: { lifecycleWebhooks: boolean }) {
  const store = {
    /** The configuration a new cycle pins: read fresh, so a saved change applies to the next cycle. */
    async loadConfig(): Promise<{ version: number; config: RetryConfig; lifecycle_webhooks: boolean }> {
      const stored = await currentConfig<RetryConfig>(db);
      if (!stored) throw new Error('no retry configuration stored');
      return { version: stored.version, config: stored.config, lifecycle_webhooks: opts.lifecycleWebhooks };
    },

    /** Opens the cycle row once per workflow run and returns its ids. */
    openCycle: (input: OpenCycleInput) => openCycleIn(db, input),

    /**
     * Stores what changed in one transaction: attempts are upserts on (cycle, attempt number) and
     * events inserts on (cycle, seq), so a retried call never duplicates a row.
     */
    async record(input: RecordInput): Promise<void> {
      await db.transaction(async (tx) => {
        for (const attempt of input.attempts) {
          const row = attemptRow(input.cycle_id, attempt);
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
            .onConflictDoNothing();
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
    },

    /**
     * loadConfig, the customer group and openCycle in one call: the cycle opens in a single step of its
     * first workflow task. The group is chosen by the same pure policy function the workflow used.
     */
    async beginCycle(input: BeginCycleInput): Promise<BegunCycle> {
      const loaded = await store.loadConfig();
      const chosen = chooseGroup(loaded.config, input.payment.account);
      const group = { id: chosen.id, name: chosen.name };
      const ids = await store.openCycle({
        ...input,
        customer_group_id: group.id,
        customer_group_name: group.name,
        config_version: loaded.version,
      });
      return { ...loaded, group, ...ids };
    },
  };
  return store;
}
