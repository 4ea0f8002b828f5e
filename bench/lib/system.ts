// The product as production runs it, started for one bench: a migrated database holding the bench's
// retry configuration and a login, the simulated gateway, `worker/main.ts` and `api/main.ts` as child
// processes (so their memory can be sampled), all on a real Temporal dev server.

import { createDb } from '../../db/client';
import { ensureConfig } from '../../db/config-versions';
import { migrateDb } from '../../db/migrate';
import type { RetryConfig } from '../../policy';
import { bootstrapStore } from '../../runtime/bootstrap';
import { startSimulator } from '../../runtime/simulator';
import { connectClient } from '../../temporal/connection';
import { freePort } from '../../temporal/dev-server';
import { bundlerOptions, workflowsPath } from '../../worker/create-worker';
import {
  bundleWorkflows,
  createBenchDatabase,
  defer,
  type NodeChild,
  say,
  sleep,
  spawnNode,
  startTemporal,
  waitForPollers,
} from './stack';

export const BENCH_USER = 'bench@example.com';
export const BENCH_TOKEN = 'bench-token-0123456789-abcdefghijklmnop';
export const basicAuth = `Basic ${Buffer.from(`${BENCH_USER}:${BENCH_TOKEN}`).toString('base64')}`;

export interface System {
  temporalAddress: string;
  client: Awaited<ReturnType<typeof connectClient>>;
  databaseUrl: string;
  databaseName: string;
  simUrl: string;
  apiUrl: string;
  taskQueue: string;
  worker: NodeChild;
  api: NodeChild;
  /** Extra workflow bundles built alongside the product's (e.g. the Temporal floor). */
  bundles: Record<string, string>;
  /** Process ids of what the bench started, for CPU accounting. */
  pids: Record<string, number>;
}

export async function startSystem(opts: {
  tag: string;
  config: RetryConfig;
  /** More workflow bundles to build while the server starts: name → workflows path. */
  extraBundles?: Record<string, string>;
  workerEnv?: Record<string, string>;
}): Promise<System> {
  say('starting Temporal dev server, Postgres database, simulator; bundling workflows');
  const [temporal, database, sim, bundle, extra] = await Promise.all([
    startTemporal(),
    (async () => {
      const { url, name } = await createBenchDatabase(opts.tag);
      const handle = await createDb({ kind: 'postgres', url, poolSize: 2 });
      try {
        await migrateDb(handle);
        await ensureConfig(handle.db, opts.config);
        await bootstrapStore(handle.db, { CPR_BOOTSTRAP_USER: BENCH_USER, CPR_BOOTSTRAP_TOKEN: BENCH_TOKEN });
      } finally {
        await handle.close();
      }
      say(`database ${name} migrated, bench configuration stored`);
      return { url, name };
    })(),
    (async () => {
      const s = await startSimulator({ port: await freePort(), latencyMs: 0 });
      defer('simulator', () => s.stop());
      return s;
    })(),
    bundleWorkflows(workflowsPath, bundlerOptions.preloadModules),
    Promise.all(
      Object.entries(opts.extraBundles ?? {}).map(
        async ([name, path]) => [name, await bundleWorkflows(path)] as const,
      ),
    ),
  ]);
  const client = await connectClient({ address: temporal.address, namespace: 'default' });
  defer('temporal client', () => client.connection.close());
  const taskQueue = `bench-${opts.tag}`;
  const common = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TASK_QUEUE: taskQueue,
    DATABASE_URL: database.url,
    NODE_ENV: 'production',
  };
  // BENCH_CPU_PROF=<dir>: the worker and the API write V8 CPU profiles there when they stop.
  const prof = process.env.BENCH_CPU_PROF;
  const nodeArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const worker = spawnNode(
    'worker',
    'worker/main.ts',
    {
      ...common,
      SIM_URL: sim.url,
      WORKFLOW_BUNDLE: bundle,
      // Its /metrics and the SDK's exporter on free ports: the API beside it takes a /metrics port too.
      METRICS_PORT: String(await freePort()),
      TEMPORAL_METRICS_PORT: String(await freePort()),
      ...opts.workerEnv,
    },
    { nodeArgs },
  );
  const apiPort = await freePort();
  const api = spawnNode(
    'api',
    'api/main.ts',
    {
      ...common,
      // The API refuses a failed payment for a gateway the workers do not have.
      SIM_URL: sim.url,
      PORT: String(apiPort),
      HOST: '127.0.0.1',
      METRICS_PORT: String(await freePort()),
      CPR_BOOTSTRAP_USER: BENCH_USER,
      CPR_BOOTSTRAP_TOKEN: BENCH_TOKEN,
    },
    { nodeArgs },
  );
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  await Promise.all([
    waitForPollers(client, taskQueue).catch((err) => {
      throw new Error(`${String(err)}\nworker output: ${worker.output()}`);
    }),
    (async () => {
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (api.child.exitCode !== null) throw new Error(`api exited: ${api.output()}`);
        const ok = await fetch(`${apiUrl}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) return;
        if (Date.now() > deadline) throw new Error(`api not ready: ${api.output()}`);
        await sleep(250);
      }
    })(),
  ]);
  say(`worker (pid ${worker.pid}) polls ${taskQueue}; API (pid ${api.pid}) on ${apiUrl}; sim ${sim.url}`);
  return {
    temporalAddress: temporal.address,
    client,
    databaseUrl: database.url,
    databaseName: database.name,
    simUrl: sim.url,
    apiUrl,
    taskQueue,
    worker,
    api,
    bundles: Object.fromEntries(extra),
    pids: {
      'temporal server': temporal.process.pid ?? 0,
      worker: worker.pid,
      api: api.pid,
      simulator: sim.process.pid ?? 0,
      'bench (client)': process.pid,
    },
  };
}

/** The failed payment the bench submits for document `i`. */
export function failedPaymentBody(
  tag: string,
  i: number,
  opts: { paymentMethod: string; account?: string; invoice?: string },
) {
  const invoice = opts.invoice ?? `INV-${tag}-${i}`;
  return {
    payment_id: `P-${invoice}`,
    account_id: opts.account ?? `A-${tag}-${i}`,
    invoice_id: invoice,
    amount: '100.00',
    currency: 'USD',
    payment_method_id: opts.paymentMethod,
    gateway_id: 'sim',
    gateway_response_code: 'insufficient_funds',
    gateway_response_message: 'Your card has insufficient funds.',
  };
}
