// `npm start`: the whole system on embedded defaults in one process tree: a dev Temporal server and the
// simulated gateway as child processes, PGlite (or DATABASE_URL), and the worker and API in this process.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { Runtime } from '@temporalio/worker';
import { createReadiness } from '../api/readiness';
import { openTokenCache } from '../auth/token-cache';
import { loadEnvOrExit } from '../config/env';
import { describeHeldDir, PgliteLockedError } from '../db/pglite-lock';
import { installPostgresWriteGuard } from '../db/postgres-write-guard';
import { createLogger } from '../log/logger';
import { activitiesFromEnv } from '../runtime/activities';
import { appFromEnv } from '../runtime/app';
import { bootstrapStore, checkStore } from '../runtime/bootstrap';
import { buildConsoleAssets } from '../runtime/console-assets';
import { devCredentialsFileOf, pgliteDirOf } from '../runtime/data-dir';
import { openDatabase } from '../runtime/database';
import { processMetrics, temporalTelemetry } from '../runtime/metrics';
import { onShutdown } from '../runtime/shutdown';
import { startSimulator } from '../runtime/simulator';
import { temporalRuntimeLogger } from '../runtime/temporal-logger';
import { tracingFromEnv } from '../runtime/tracing';
import { checkTemporal, connectClient, connectWorkerConnection } from '../temporal/connection';
import { type DevServer, startDevServer } from '../temporal/dev-server';
import { resolveTemporal } from '../temporal/resolve-binary';
import { createWorker } from '../worker/create-worker';

const env = loadEnvOrExit();
const logger = createLogger({ level: env.LOG_LEVEL, name: 'payment-retry' });
installPostgresWriteGuard(logger);
const say = (line: string) => process.stdout.write(`${line}\n`);
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

// Our shutdown sequence owns the signals, so the SDK must not start draining the worker on its own.
// Core's own metrics exporter listens on TEMPORAL_METRICS_PORT; our /metrics appends it.
Runtime.install({
  logger: temporalRuntimeLogger(logger),
  shutdownSignals: [],
  telemetryOptions: temporalTelemetry(env.TEMPORAL_METRICS_PORT),
});

const cleanup: { name: string; run: () => Promise<unknown> }[] = [];
async function main() {
  // 0. Database first: when another process holds DATA_DIR's PGlite, we fail at once naming it, before
  // starting anything. Migrated, with the default configuration and a login stored.
  const database = await openDatabase(env);
  // The API keeps the logins it verified until the database notifies a token change
  // (auth/token-cache.ts); it stops listening just before the database closes.
  const tokenCache = await openTokenCache(database, { logger });
  cleanup.push({ name: 'database', run: () => tokenCache.close().finally(() => database.close()) });
  const credentials = await bootstrapStore(database.db, env, devCredentialsFileOf(env));

  // 1. Temporal: an existing server, or a dev server on a SQLite file under DATA_DIR.
  let devServer: DevServer | undefined;
  let address = env.TEMPORAL_ADDRESS;
  if (!address) {
    const source = resolveTemporal({ cli: env.TEMPORAL_CLI, log: say });
    if (source.kind !== 'binary') throw new Error('unreachable');
    say(`[temporal] starting dev server (${source.path})`);
    devServer = await startDevServer({
      binary: source.path,
      port: env.TEMPORAL_DEV_PORT,
      uiPort: env.TEMPORAL_UI_PORT,
      dbFile: join(dataDir, 'temporal.sqlite'),
      namespace: env.TEMPORAL_NAMESPACE,
      log: say,
    });
    address = devServer.address;
    cleanup.push({ name: 'temporal dev server', run: () => (devServer as DevServer).stop() });
  }

  // 2. The simulated gateway, unless SIM_URL points at one. Its ledger is kept under DATA_DIR: a real
  // gateway remembers idempotency keys, so a charge in flight when `npm start` died is not made twice.
  let simUrl = env.SIM_URL;
  if (!simUrl) {
    const sim = await startSimulator({
      port: env.SIM_PORT,
      latencyMs: env.SIM_LATENCY_MS,
      ledgerPath: join(dataDir, 'sim-ledger.jsonl'),
    });
    simUrl = sim.url;
    cleanup.push({ name: 'simulator', run: () => sim.stop() });
  }

  // 3. Worker and API in this process, and one /metrics for both (runtime/metrics).
  const metrics = processMetrics(env, { api: { db: database.db }, worker: true });
  const metricsServer = await metrics.serve();
  cleanup.push({ name: 'metrics', run: () => metricsServer.close() });
  const target = { address, namespace: env.TEMPORAL_NAMESPACE };
  const tracing = await tracingFromEnv(env, 'payment-retry');
  // Pushed after the database, dev server and simulator, so it ends last and the last spans are sent.
  if (tracing) cleanup.push({ name: 'tracing', run: () => tracing.shutdown() });
  const client = await connectClient(target, tracing?.client);
  const workerConnection = await connectWorkerConnection(target);
  const worker = await createWorker({
    connection: workerConnection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    activities: activitiesFromEnv(env, { db: database.db, logger, simUrl, metrics: metrics.charge }),
    workflowBundlePath: env.WORKFLOW_BUNDLE,
    tracing: tracing?.worker,
    threadTuning: env.WORKFLOW_THREAD_TUNING === 'on' ? {} : false,
  });
  const workerDone = worker.run();
  workerDone.catch((err) => {
    logger.fatal({ err }, 'worker stopped');
    process.kill(process.pid, 'SIGTERM');
  });

  const readiness = createReadiness();
  readiness.register('database', () => checkStore(database.db));
  readiness.register('temporal', () => checkTemporal(client));
  readiness.register('worker', async () => {
    if (worker.getState() !== 'RUNNING') throw new Error(`worker is ${worker.getState()}`);
  });
  readiness.register('simulator', async () => {
    const res = await fetch(`${simUrl}/healthz`);
    if (!res.ok) throw new Error(`simulator answered ${res.status}`);
  });
  const app = appFromEnv(env, {
    console: await buildConsoleAssets(),
    db: database.db,
    logger,
    readiness,
    client,
    tokenCache,
    simUrl,
    devUiUrl: devServer?.uiUrl,
    requestDuration: metrics.requestDuration,
    httpTracing: tracing?.http,
  });
  const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST });
  await new Promise<void>((r) => server.once('listening', () => r()));

  // Stop in reverse order of dependency: stop taking requests, let running charges finish, then the
  // connections and the child processes.
  cleanup.unshift(
    { name: 'api', run: () => new Promise<void>((r) => server.close(() => r())) },
    {
      name: 'worker',
      run: async () => {
        worker.shutdown();
        await workerDone.catch(() => {});
      },
    },
    {
      name: 'temporal connections',
      run: async () => Promise.all([client.connection.close(), workerConnection.close()]),
    },
  );
  const apiUrl = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${env.PORT}`;
  // The lock on PGlite's directory says who holds it and where its API answers: the CLI, which cannot
  // open the data while we hold it, goes through this API instead (runtime/operator-store.ts).
  if (database.kind === 'pglite') describeHeldDir(pgliteDirOf(env), { command: 'npm start', api: apiUrl });
  say('');
  say('payment-retry is running');
  say(`  API          ${apiUrl}/api/v1`);
  say(`  console      ${apiUrl}/console`);
  say(`  API docs     ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
  say(`  health       ${apiUrl}/healthz  ${apiUrl}/readyz`);
  say(`  Temporal UI  ${devServer?.uiUrl ?? '(external server: use its own UI)'}`);
  say(
    `  Temporal     ${address}  namespace=${env.TEMPORAL_NAMESPACE}  task queue=${env.TEMPORAL_TASK_QUEUE}`,
  );
  say(`  gateway sim  ${simUrl}`);
  say(`  metrics      ${metricsServer.url}`);
  say(
    `  database     ${database.kind === 'pglite' ? `PGlite in ${pgliteDirOf(env)}` : 'Postgres (DATABASE_URL)'}`,
  );
  if (credentials) {
    say(`  login        ${credentials.email} / ${credentials.token}`);
    say(`               (curl -u '${credentials.email}:${credentials.token}' ${apiUrl}/api/v1/config)`);
  }
  say('Press Ctrl-C to stop.');
}

onShutdown(logger, cleanup);
main().catch(async (err) => {
  logger.fatal({ err }, 'start failed');
  // Said plainly too: another process has this DATA_DIR, and here is which one.
  if (err instanceof PgliteLockedError) process.stderr.write(`${err.message}\n`);
  for (const step of [...cleanup].reverse()) await step.run().catch(() => {});
  process.exit(1);
});
