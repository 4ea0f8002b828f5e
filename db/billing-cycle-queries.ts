import { randomUUID } from 'node:crypto';
import { and, asc, count, eq, inArray, isNull, ne, type SQL, sql } from 'drizzle-orm';
import type { GateRule } from '../domain/action-result';
import { chargeKey } from '../domain/charge';
import { ACTIVE_STATUSES } from '../domain/cycle-status';
import { fromUnits, toUnits } from '../domain/money/decimal';
import { billingCycleStatus } from '../domain/smartpay-view';
import type { Db } from './client';
import { type CycleRow, type CycleWithAttempts, cycleWithAttempts } from './cycle-with-attempts';
import { gateManualRetry } from './manual-retry-gate';
import { preparedPerDatabase } from './prepared';
import { attempts, cycles, manualRetries } from './schema';

// Reads and the one write behind the SmartPay-style routes under /subscriptions: billing cycles are
// our cycles (by their `BillingCycle-<uuid>`), grouped by the subscription_id sent with the failed
// payment; cycles sent without one belong to the pseudo-subscription `none`.

/** The subscription id under which cycles without a subscription_id are reached. */
export const NO_SUBSCRIPTION = 'none';

export type { CycleRow };
export type ManualRetryRow = typeof manualRetries.$inferSelect;

/** `billingcycle-<UUID>` and `BillingCycle-<uuid>` name the same cycle (the vendor's examples mix cases). */
export function canonicalId(prefix: string, value: string): string {
  return value.toLowerCase().startsWith(`${prefix.toLowerCase()}-`)
    ? `${prefix}-${value.slice(prefix.length + 1).toLowerCase()}`
    : value;
}

function inSubscription(subscriptionId: string): SQL {
  return subscriptionId === NO_SUBSCRIPTION
    ? isNull(cycles.subscriptionId)
    : eq(cycles.subscriptionId, subscriptionId);
}

function cycleWhere(subscriptionId: string, billingCycleId: string): SQL | undefined {
  return and(
    eq(cycles.billingCycleId, canonicalId('BillingCycle', billingCycleId)),
    inSubscription(subscriptionId),
  );
}

/** A billing cycle with its transactions (attempts), read together in one statement. */
export type BillingCycleRecord = CycleWithAttempts;

/**
 * The billing-cycle reads, built once per database, one statement per answer: the cycle and its
 * attempts (and, for a page, the total count) come from one snapshot. Cycles sent without a
 * subscription_id match `is null`, so each read has two statements: `none` and a named subscription.
 */
const billingStatements = preparedPerDatabase((db) => {
  const bySubscription = (none: boolean) => {
    const scope = none ? isNull(cycles.subscriptionId) : eq(cycles.subscriptionId, sql.placeholder('sub'));
    const suffix = none ? 'none' : 'sub';
    const one = db
      .select(cycleWithAttempts())
      .from(cycles)
      .where(and(eq(cycles.billingCycleId, sql.placeholder('id')), scope))
      .prepare(`billing_cycle_${suffix}`);
    // The count joins the page (rather than riding on its rows) so that a page past the last still
    // answers the count, from the same statement.
    const total = db
      .select({ n: count().as('n') })
      .from(cycles)
      .where(scope)
      .as('total');
    const rows = db
      .select(cycleWithAttempts())
      .from(cycles)
      .where(scope)
      .orderBy(asc(cycles.startedAt), asc(cycles.id))
      .limit(sql.placeholder('limit'))
      .offset(sql.placeholder('offset'))
      .as('page');
    const page = db
      .select()
      .from(total)
      .leftJoin(rows, sql`true`)
      .orderBy(asc(rows.startedAt), asc(rows.id))
      .prepare(`billing_cycle_page_${suffix}`);
    return { one, page };
  };
  return { none: bySubscription(true), sub: bySubscription(false) };
});

const forSubscription = (db: Db, subscriptionId: string) =>
  subscriptionId === NO_SUBSCRIPTION
    ? { statements: billingStatements(db).none, values: {} }
    : { statements: billingStatements(db).sub, values: { sub: subscriptionId } };

/** One billing cycle of a subscription, with its attempts; null when it is not that subscription's. */
export async function findBillingCycle(
  db: Db,
  subscriptionId: string,
  billingCycleId: string,
): Promise<BillingCycleRecord | null> {
  const { statements, values } = forSubscription(db, subscriptionId);
  const [record] = await statements.one.execute({
    ...values,
    id: canonicalId('BillingCycle', billingCycleId),
  });
  return record ?? null;
}

/** One page of a subscription's billing cycles, oldest first, with the total count. */
export async function listBillingCycles(
  db: Db,
  subscriptionId: string,
  page: { page: number; pageSize: number },
): Promise<{ count: number; items: BillingCycleRecord[] }> {
  const { statements, values } = forSubscription(db, subscriptionId);
  const rows = await statements.page.execute({
    ...values,
    limit: page.pageSize,
    offset: (page.page - 1) * page.pageSize,
  });
  const items = rows.flatMap((r) => (r.page ? [r.page] : []));
  return { count: Number(rows[0]?.total.n ?? 0), items };
}

/** A manual retry of a subscription's billing cycle; null when any of the three ids does not match. */
export async function findManualRetry(
  db: Db,
  subscriptionId: string,
  billingCycleId: string,
  retryId: string,
): Promise<{ retry: ManualRetryRow; cycle: CycleRow } | null> {
  const [row] = await db
    .select({ retry: manualRetries, cycle: cycles })
    .from(manualRetries)
    .innerJoin(cycles, eq(manualRetries.cycleId, cycles.id))
    .where(
      and(
        eq(manualRetries.retryId, canonicalId('Retry', retryId)),
        cycleWhere(subscriptionId, billingCycleId),
      ),
    );
  return row ?? null;
}

export async function manualRetryById(db: Db, retryId: string): Promise<ManualRetryRow | null> {
  const [row] = await db.select().from(manualRetries).where(eq(manualRetries.retryId, retryId));
  return row ?? null;
}

/** Which cycle to retry: a billing cycle of a subscription (SmartPay), or a cycle by its numeric id. */
export type ManualRetryTarget = { subscriptionId: string; billingCycleId: string } | { cycleId: number };

export type CreateManualRetryRequest = ManualRetryTarget & {
  reason: string;
  requestedBy: string;
  /** The caller's Idempotency-Key: the same key on the same cycle names the same retry. */
  requestKey?: string | undefined;
};

export type CreateManualRetryResult =
  | { kind: 'created' | 'existing'; retry: ManualRetryRow; cycle: CycleRow }
  | { kind: 'not_found' }
  | { kind: 'key_reused'; retry: ManualRetryRow }
  | { kind: 'conflict'; message: string; cycle: CycleRow; pending?: ManualRetryRow }
  /** The charge gate refused it (a network rule); nothing was written. */
  | { kind: 'refused'; rule: GateRule; message: string; cycle: CycleRow };

/** The Temporal workflow that runs one manual retry. */
export function manualRetryWorkflowId(cycleId: number, retryId: string): string {
  return `cpr-manual-${cycleId}-${retryId.replace(/^Retry-/, '')}`;
}

/**
 * Records a manual retry in one transaction that holds the cycle's row lock: it checks the cycle's
 * status, allocates the next attempt number (after every attempt and every earlier manual retry, so
 * its charge key `cycle-<id>-attempt-<n>` never collides) and inserts the row as `pending`. Two
 * concurrent requests serialise on the lock; the partial unique index on (cycle_id) where pending
 * is the backstop, so at most one retry per cycle is ever pending and only that one charges.
 */
export async function createManualRetry(
  db: Db,
  req: CreateManualRetryRequest,
): Promise<CreateManualRetryResult> {
  return await db.transaction(async (tx): Promise<CreateManualRetryResult> => {
    const [cycle] = await tx
      .select()
      .from(cycles)
      .where(
        'cycleId' in req ? eq(cycles.id, req.cycleId) : cycleWhere(req.subscriptionId, req.billingCycleId),
      )
      .for('update');
    if (!cycle) return { kind: 'not_found' };

    if (req.requestKey !== undefined) {
      const [earlier] = await tx
        .select()
        .from(manualRetries)
        .where(and(eq(manualRetries.cycleId, cycle.id), eq(manualRetries.requestKey, req.requestKey)));
      if (earlier) {
        return earlier.reason === req.reason
          ? { kind: 'existing', retry: earlier, cycle }
          : { kind: 'key_reused', retry: earlier };
      }
    }

    const status = billingCycleStatus(cycle.status);
    if (status === 'Retrying') {
      return {
        kind: 'conflict',
        cycle,
        message: `Billing cycle ${cycle.billingCycleId} is still retrying automatically (${cycle.status}); a manual retry is allowed only once it has ended as Failed or Error`,
      };
    }
    if (status === 'Captured') {
      return {
        kind: 'conflict',
        cycle,
        message: `Billing cycle ${cycle.billingCycleId} is already Captured (${cycle.status}); there is nothing left to collect`,
      };
    }
    const [pending] = await tx
      .select()
      .from(manualRetries)
      .where(and(eq(manualRetries.cycleId, cycle.id), eq(manualRetries.status, 'pending')));
    if (pending) {
      return {
        kind: 'conflict',
        cycle,
        message: `A manual retry of billing cycle ${cycle.billingCycleId} is already in progress (${pending.retryId})`,
        pending,
      };
    }
    // A newer cycle retrying the same document would charge it again: manage that one instead.
    const [active] = await tx
      .select({ billingCycleId: cycles.billingCycleId })
      .from(cycles)
      .where(
        and(
          eq(cycles.documentType, cycle.documentType),
          eq(cycles.documentId, cycle.documentId),
          inArray(cycles.status, [...ACTIVE_STATUSES]),
          ne(cycles.id, cycle.id),
        ),
      )
      .limit(1);
    if (active) {
      return {
        kind: 'conflict',
        cycle,
        message: `The ${cycle.documentType.replace('_', ' ')} ${cycle.documentId} of billing cycle ${cycle.billingCycleId} is being retried by the active billing cycle ${active.billingCycleId}`,
      };
    }
    if (toUnits(cycle.outstanding) <= 0n) {
      return {
        kind: 'conflict',
        cycle,
        message: `Billing cycle ${cycle.billingCycleId} has nothing outstanding`,
      };
    }
    // The same gate as every automatic charge: never-retry codes, 20 per payment method in 30 days
    // across every cycle, max_cycle_days.
    const verdict = await gateManualRetry(tx, cycle, new Date());
    if (!verdict.allowed) {
      return {
        kind: 'refused',
        cycle,
        rule: verdict.rule,
        message: `A manual retry of billing cycle ${cycle.billingCycleId} is refused by the network rule ${verdict.rule}: ${verdict.detail}`,
      };
    }

    const maxOf = sql<number>`coalesce(max(attempt_number), 0)`.mapWith(Number);
    const [lastAttempt] = await tx.select({ n: maxOf }).from(attempts).where(eq(attempts.cycleId, cycle.id));
    const [lastRetry] = await tx
      .select({ n: maxOf })
      .from(manualRetries)
      .where(eq(manualRetries.cycleId, cycle.id));
    const attemptNumber = Math.max(lastAttempt?.n ?? 0, lastRetry?.n ?? 0) + 1;
    const retryId = `Retry-${randomUUID()}`;
    const [retry] = await tx
      .insert(manualRetries)
      .values({
        retryId,
        cycleId: cycle.id,
        attemptNumber,
        transactionId: `Transaction-${randomUUID()}`,
        chargeKey: chargeKey(cycle.id, attemptNumber),
        requestKey: req.requestKey ?? null,
        workflowId: manualRetryWorkflowId(cycle.id, retryId),
        reason: req.reason,
        requestedBy: req.requestedBy,
        status: 'pending',
        gatewayId: cycle.gatewayId,
        paymentMethodId: cycle.paymentMethodId,
        amount: fromUnits(toUnits(cycle.outstanding)),
        currency: cycle.currency,
      })
      // The lock makes a conflict unreachable; were it reached, nothing is written and nothing charged.
      .onConflictDoNothing()
      .returning();
    if (!retry) {
      return {
        kind: 'conflict',
        cycle,
        message: `A manual retry of billing cycle ${cycle.billingCycleId} is already in progress`,
      };
    }
    return { kind: 'created', retry, cycle };
  });
}
