import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { AttemptRecord } from '../domain/attempt-record';
import type { CycleStatus } from '../domain/cycle-status';
import type { DocumentType, FailedPayment } from '../domain/failed-payment';
import { attemptFieldValues } from './attempt-rows';
import type { Db } from './client';
import { functionCall, preparedPerDatabase, valueOfCall } from './prepared';
import { rowJson } from './row-json';
import { attempts, cycleEvents, cycles } from './schema';

// Everything a running cycle writes to Postgres. Every write is idempotent (keyed by the run, by
// (cycle, attempt number) or by (cycle, event seq)), so Temporal may retry the activity behind any of
// them after any failure. The input shapes are the activities' (snake_case, as Temporal records them):
// activities/cycle-store.ts re-exports them. Each write is one call of a SQL function (the
// record-cycle-function migration holds them and says what each does), prepared once per database:
// one round trip, atomic, with the rows passed as jsonb as drizzle would have sent their values
// (db/row-json.ts).

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

/** The cycle functions, prepared once per database. */
const statements = preparedPerDatabase((db) => ({
  open: functionCall<{ cycle_id: number; billing_cycle_id: string }>(
    db,
    'cpr_open_cycle',
    sql`cpr_open_cycle(${sql.placeholder('row')}::jsonb)`,
  ),
  insertAttempt: functionCall<unknown>(
    db,
    'cpr_insert_attempt',
    sql`cpr_insert_attempt(${sql.placeholder('cycle')}::bigint, ${sql.placeholder('row')}::jsonb)`,
  ),
  record: functionCall<unknown>(
    db,
    'cpr_record_cycle',
    sql`cpr_record_cycle(${sql.placeholder('cycle')}::bigint, ${sql.placeholder('attempts')}::text, ${sql.placeholder('events')}::text, ${sql.placeholder('row')}::text)`,
  ),
}));

/** The new cycle row of `input` (but its id, which the sequence gives), as cpr_open_cycle takes it. */
export function openingRow(input: OpenCycleInput): Record<string, unknown> {
  const p = input.payment;
  return rowJson(cycles, {
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
  });
}

/** Attempt `attempt` as the SQL functions take it (its cycle's id goes apart). */
export const attemptRow = (attempt: AttemptRecord) => rowJson(attempts, attemptFieldValues(attempt));

/** Opens the cycle row once per workflow run and returns its ids. */
export async function openCycle(
  db: Db,
  input: OpenCycleInput,
): Promise<{ cycle_id: number; billing_cycle_id: string }> {
  return await valueOfCall(statements(db).open.execute({ row: JSON.stringify(openingRow(input)) }));
}

/**
 * Stores attempt `attempt` of cycle `cycleId` unless that attempt number is stored already (a retried
 * claim): the call that claims its payment writes it, `recordCycle` later completes it.
 */
export async function insertAttempt(db: Db, cycleId: number, attempt: AttemptRecord): Promise<void> {
  await statements(db).insertAttempt.execute({ cycle: cycleId, row: JSON.stringify(attemptRow(attempt)) });
}

/**
 * What `recordCycle` passes cpr_record_cycle: the rows it writes, as drizzle would have sent them, each
 * attempt as JSON text of its own (the function reads each as the statement that writes it runs).
 */
function recordArguments(input: RecordInput) {
  const c = input.cycle;
  return {
    cycle: input.cycle_id,
    attempts: JSON.stringify(input.attempts.map((a) => JSON.stringify(attemptRow(a)))),
    events: JSON.stringify(
      input.events.map((e) =>
        rowJson(cycleEvents, {
          seq: e.seq,
          at: new Date(e.at),
          status: c.status,
          reason: e.reason,
          detail: e.detail,
        }),
      ),
    ),
    row: JSON.stringify(
      rowJson(cycles, {
        status: c.status,
        endReason: c.end_reason,
        endedAt: c.ended_at ? new Date(c.ended_at) : null,
        nextAttemptAt: c.next_attempt ? new Date(c.next_attempt) : null,
        outstanding: c.outstanding,
        paymentMethodId: c.payment_method_id,
        updatedAt: new Date(input.events.at(-1)?.at ?? Date.now()),
      }),
    ),
  };
}

/**
 * Stores what changed in one call: attempts are upserts on (cycle, attempt number) and events
 * upserts on (cycle, seq), so a retried call never duplicates a row and the last call's content stands.
 * The last write of a seq wins, as for attempts: a workflow task the server refused after its local
 * `record` ran is retried, and the retry may batch other messages and number its events differently;
 * the retry's events are the ones the history keeps (found by the fast tier).
 */
export async function recordCycle(db: Db, input: RecordInput): Promise<void> {
  await statements(db).record.execute(recordArguments(input));
}
