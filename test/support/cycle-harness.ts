import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { createGatewayRegistry } from '../../activities/gateway/registry';
import { type CycleClient, createCycleClient } from '../../client/cycles';
import type { DbHandle } from '../../db/client';
import { ensureConfig } from '../../db/config-versions';
import { defaultConfig, type RetryConfig } from '../../policy';
import { createWorker } from '../../worker/create-worker';
import type { FailedPayment } from '../../workflows/failed-payment';
import { openTestDb } from './databases';
import { testTemporal, uniqueName } from './temporal';

const retry = (interval: string) => ({
  action: 'Retry' as const,
  criteria: 'incremental_time' as const,
  interval,
});

/**
 * Second-scale rules for workflow tests: exact times (PT0S), retries after PT1S, and a "slow" group
 * (account.segment = "slow") that waits an hour so messages can be tested while it sleeps.
 */
export function testConfig(attempts = 4): RetryConfig {
  const catchAll = defaultConfig.customer_groups.find((g) => g.id === 1);
  if (!catchAll) throw new Error('default config has no catch-all');
  return {
    ...defaultConfig,
    settings: { ...defaultConfig.settings, time_zone: 'UTC', processor_interval: 'PT0S' },
    customer_groups: [
      {
        id: 2,
        name: 'Slow',
        active: true,
        priority: 1,
        filters: [{ field: 'segment', operator: 'eq', value: 'slow' }],
        attempts: Array.from({ length: attempts }, () => ({
          '*': retry('PT1H'),
          'Hard Decline': { action: 'Stop' },
        })),
      },
      {
        id: 3,
        name: 'Two seconds',
        active: true,
        priority: 2,
        filters: [{ field: 'segment', operator: 'eq', value: 'two-seconds' }],
        attempts: Array.from({ length: attempts }, () => ({
          '*': retry('PT2S'),
          'Hard Decline': { action: 'Stop' },
        })),
      },
      {
        ...catchAll,
        attempts: Array.from({ length: attempts }, () => ({
          '*': retry('PT1S'),
          'Hard Decline': { action: 'Stop' },
        })),
      },
    ],
  } as RetryConfig;
}

export interface Harness {
  db: DbHandle & { url?: string };
  cycles: CycleClient;
  taskQueue: string;
  temporal: Awaited<ReturnType<typeof testTemporal>>;
  worker: Worker | undefined;
  simUrl: string;
  close(): Promise<void>;
}

/** Real Postgres, real Temporal, a real worker on a private task queue, the shared simulator. */
export async function startHarness(
  opts: { config?: RetryConfig; simUrl?: string; worker?: boolean; gatewayTimeoutMs?: number } = {},
): Promise<Harness> {
  const db = await openTestDb('postgres');
  await ensureConfig(db.db, opts.config ?? testConfig());
  const temporal = await testTemporal();
  const taskQueue = uniqueName('cycles');
  const simUrl = opts.simUrl ?? inject('simUrl');
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (opts.worker !== false) {
    worker = await createWorker({
      connection: temporal.workerConnection,
      namespace: 'default',
      taskQueue,
      activities: createActivities({
        db: db.db,
        logger: pino({ level: 'silent' }),
        gateways: createGatewayRegistry({
          sim: { baseUrl: simUrl, timeoutMs: opts.gatewayTimeoutMs ?? 1500 },
        }),
      }),
    });
    running = worker.run();
  }
  return {
    db,
    cycles: createCycleClient({ client: temporal.client, taskQueue }),
    taskQueue,
    temporal,
    worker,
    simUrl,
    async close() {
      if (worker) {
        worker.shutdown();
        await running;
      }
      await temporal.close();
      await db.close();
    },
  };
}

let seq = 0;
/** A failed payment for a fresh invoice; `pm` is the simulator script for later charges. */
export function failedPayment(pm: string, extra: Partial<FailedPayment> = {}): FailedPayment {
  seq++;
  const id = uniqueName(`INV${seq}`);
  return {
    payment_id: `P-${id}`,
    account_id: `A-${id}`,
    invoice_id: id,
    amount: '100.00',
    currency: 'USD',
    payment_method_id: `${pm}#${id}`,
    gateway_id: 'sim',
    gateway_response_code: 'insufficient_funds',
    gateway_response_message: 'Your card has insufficient funds.',
    source: 'PR-00000371',
    ...extra,
  };
}

export interface LedgerCharge {
  idempotency_key: string;
  payment_method_id: string;
  amount: string;
  status: string;
}

export async function ledger(simUrl: string, paymentMethodId: string): Promise<LedgerCharge[]> {
  const res = await fetch(`${simUrl}/charges?payment_method_id=${encodeURIComponent(paymentMethodId)}`);
  const body = (await res.json()) as LedgerCharge[] | { charges: LedgerCharge[] };
  return Array.isArray(body) ? body : body.charges;
}

export async function eventually<T>(
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}
