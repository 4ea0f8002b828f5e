import type { Db } from '../../db/client';
import { saveConfig } from '../../db/config-versions';
import { attempts, cycles } from '../../db/schema';
import { defaultConfig, type RetryConfig, validateConfig } from '../../policy';

// Hand-written histories for the metrics tests: cycles and attempts inserted straight into the tables
// (every non-null column filled), as the cycle store would have written them.

export interface AttemptSpec {
  n: number;
  at: string;
  cpr: boolean;
  success?: boolean;
  /** amount_collected of a successful attempt; the cycle's amount by default. */
  collected?: string;
  /** gateway_code and label of a failed attempt; insufficient_funds / Soft Decline by default. */
  code?: string;
  label?: string;
}

export interface CycleSpec {
  id: number;
  doc: string;
  type?: 'invoice' | 'debit_memo';
  group: number;
  currency: string;
  amount: string;
  started: string;
  ended?: string;
  status?: string;
  /** The configuration version the cycle pinned; 1 by default. */
  configVersion?: number;
  nextAttemptAt?: string;
  attempts: AttemptSpec[];
}

export function cycleRow(c: CycleSpec): typeof cycles.$inferInsert {
  const collected = c.attempts.find((a) => a.success);
  return {
    id: c.id,
    billingCycleId: `BillingCycle-${c.id}`,
    workflowId: `wf-${c.doc}`,
    runId: `run-${c.id}`,
    documentType: c.type ?? 'invoice',
    documentId: c.doc,
    accountId: `ACC-${c.doc}`,
    paymentId: `PAY-${c.id}`,
    paymentMethodId: 'PM-1',
    gatewayId: 'sim',
    currency: c.currency,
    amount: c.amount,
    outstanding: collected ? '0' : c.amount,
    amountCollected: collected ? (collected.collected ?? c.amount) : '0',
    customerGroupId: c.group,
    customerGroupName: `Group ${c.group}`,
    configVersion: c.configVersion ?? 1,
    status: c.status ?? (c.ended ? (collected ? 'collected' : 'attempts_exhausted') : 'in_retry'),
    startedAt: new Date(c.started),
    endedAt: c.ended ? new Date(c.ended) : null,
    nextAttemptAt: c.nextAttemptAt ? new Date(c.nextAttemptAt) : null,
  };
}

export function attemptRow(c: CycleSpec, a: AttemptSpec): typeof attempts.$inferInsert {
  const ok = a.success ?? false;
  return {
    cycleId: c.id,
    attemptNumber: a.n,
    transactionId: `Transaction-${c.id}-${a.n}`,
    paymentId: `PAY-${c.id}-${a.n}`,
    timeOfExecution: new Date(a.at),
    source: a.cpr ? `PR-C${c.id}-${a.n}` : 'EXTERNAL',
    cprGenerated: a.cpr,
    success: ok,
    amount: c.amount,
    amountCollected: ok ? (a.collected ?? c.amount) : '0',
    currency: c.currency,
    paymentMethodId: 'PM-1',
    label: ok ? 'Approved' : (a.label ?? 'Soft Decline'),
    level: 'code',
    customerGroupId: c.group,
    gatewayId: 'sim',
    gatewayCode: ok ? 'approved' : (a.code ?? 'insufficient_funds'),
    gatewayResponse: ok ? 'Approved' : 'Insufficient funds',
  };
}

export async function insertHistory(db: Db, specs: CycleSpec[]): Promise<void> {
  for (const c of specs) {
    await db.insert(cycles).values(cycleRow(c));
    if (c.attempts.length > 0) await db.insert(attempts).values(c.attempts.map((a) => attemptRow(c, a)));
  }
}

/** The default configuration with these groups ahead of "All Remaining Customers" (id 1). */
export function configWithGroups(
  groups: { id: number; name: string; active: boolean }[],
  timeZone: string,
): RetryConfig {
  const catchAll = defaultConfig.customer_groups[0];
  if (!catchAll) throw new Error('the default configuration has no group');
  const doc = {
    ...defaultConfig,
    settings: { ...defaultConfig.settings, time_zone: timeZone },
    customer_groups: [
      ...groups.map((g, i) => ({
        ...catchAll,
        ...g,
        priority: i + 1,
        filters: [{ field: 'segment', operator: 'eq' as const, value: `s${g.id}` }],
      })),
      catchAll,
    ],
  };
  const result = validateConfig(doc);
  if (!result.ok) throw new Error(`invalid test configuration: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export async function storeConfig(db: Db, config: RetryConfig): Promise<void> {
  await saveConfig(db, config, 'metrics-test');
}
