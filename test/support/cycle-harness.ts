import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Worker } from '@temporalio/worker';
import { pino } from 'pino';
import { inject } from 'vitest';
import { createActivities } from '../../activities';
import { createGatewayRegistry } from '../../activities/gateway/registry';
import type { WebhookOptions } from '../../activities/webhook';
import { type CycleClient, createCycleClient } from '../../client/cycles';
import { loadEnv } from '../../config/env';
import type { DbHandle } from '../../db/client';
import { ensureConfig } from '../../db/config-versions';
import type { FailedPayment } from '../../domain/failed-payment';
import type { RetryConfig } from '../../policy';
import { gatewaysFromEnv } from '../../runtime/gateways';
import type { WorkerTracing } from '../../runtime/tracing';
import { createSimServer } from '../../sim/server';
import { freePort } from '../../temporal/dev-server';
import { projectRoot } from '../../temporal/resolve-binary';
import { createWorker } from '../../worker/create-worker';
import { type DbKind, openTestDb } from './databases';
import { testConfig } from './test-config';

export { testConfig };

import { freshFailedPayment } from './failed-payment';
import { testTemporal, uniqueName } from './temporal';

export interface Harness {
  db: DbHandle & { url?: string };
  cycles: CycleClient;
  taskQueue: string;
  temporal: Awaited<ReturnType<typeof testTemporal>>;
  worker: Worker | undefined;
  simUrl: string;
  close(): Promise<void>;
}

/**
 * A real database (Postgres by default, or in-process PGlite with `kind: 'pglite'`), real Temporal, a
 * real worker on a private task queue, a simulator of its own. Tests that touch the database run the
 * same body on both kinds (`describe.each(dbKinds)`).
 */
export async function startHarness(
  opts: {
    kind?: DbKind;
    /** Postgres pool size (default 4); 1 is production's DATABASE_POOL_SIZE=1. */
    poolSize?: number;
    /** The database of an earlier harness, opened again as a restarted process would (see openTestDb). */
    reopen?: { dataDir?: string; url?: string };
    /** An earlier harness's task queue, so this worker takes over its workflows. */
    taskQueue?: string;
    config?: RetryConfig;
    simUrl?: string;
    worker?: boolean;
    gatewayTimeoutMs?: number;
    webhooks?: WebhookOptions;
    /**
     * Gateway environment variables (e.g. STRIPE_SECRET_KEY, STRIPE_API_BASE): the worker's gateways are
     * then built from them as production builds them (runtime/gateways.ts), the simulator as `sim`.
     */
    gatewayEnv?: Record<string, string>;
    /** The worker's tracing interceptors (test/observability); it then loads this bundle's traced twin. */
    tracing?: { worker: WorkerTracing; workflowBundlePath: string };
  } = {},
): Promise<Harness> {
  const db = await openTestDb(opts.kind ?? 'postgres', {
    ...(opts.poolSize ? { poolSize: opts.poolSize } : {}),
    ...opts.reopen,
  });
  await ensureConfig(db.db, opts.config ?? testConfig());
  const temporal = await testTemporal();
  const taskQueue = opts.taskQueue ?? uniqueName('cycles');
  // A simulator per harness: idempotency keys contain the cycle id, which each test database numbers
  // from 1, so a shared simulator would see the same key from different files.
  const sim = opts.simUrl ? undefined : createSimServer({});
  const simUrl = opts.simUrl ?? (await (sim as ReturnType<typeof createSimServer>).listen(0)).url;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  if (opts.worker !== false) {
    worker = await createWorker({
      connection: temporal.workerConnection,
      namespace: 'default',
      taskQueue,
      workflowBundlePath: opts.tracing?.workflowBundlePath ?? inject('workflowBundlePath'),
      tracing: opts.tracing?.worker,
      activities: createActivities({
        db: db.db,
        logger: pino({ level: 'silent' }),
        gateways: opts.gatewayEnv
          ? gatewaysFromEnv(
              loadEnv({ GATEWAY_TIMEOUT_MS: String(opts.gatewayTimeoutMs ?? 1500), ...opts.gatewayEnv }),
              simUrl,
            )
          : createGatewayRegistry({
              sim: { baseUrl: simUrl, timeoutMs: opts.gatewayTimeoutMs ?? 1500 },
            }),
        ...(opts.webhooks ? { webhooks: opts.webhooks } : {}),
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
      await sim?.close();
    },
  };
}

/** A failed payment for a fresh invoice; `pm` is the simulator script for later charges. */
export const failedPayment = (pm: string, extra: Partial<FailedPayment> = {}): FailedPayment =>
  freshFailedPayment(pm, extra);

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

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The production worker entry point (worker/main.ts) as a child process on the harness's queue. */
export async function spawnWorker(h: Harness, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(projectRoot, 'worker', 'main.ts')], {
    cwd: projectRoot,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_TASK_QUEUE: h.taskQueue,
      DATABASE_URL: h.db.url,
      SIM_URL: h.simUrl,
      WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      LOG_LEVEL: 'info',
      // Free ports for its /metrics and the SDK's exporter, so workers of parallel tests do not collide.
      METRICS_PORT: String(await freePort()),
      TEMPORAL_METRICS_PORT: String(await freePort()),
      // Tracing off whatever the shell says: that bundle has no traced twin (runtime/tracing.ts).
      OTEL_EXPORTER_OTLP_ENDPOINT: '',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const collect = (d: Buffer) => {
    out = (out + d.toString()).slice(-200_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await eventually(async () => out.includes('worker polling') || child.exitCode !== null, 60_000);
  if (child.exitCode !== null) throw new Error(`worker exited at start: ${out}`);
  return {
    child,
    output: () => out,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
