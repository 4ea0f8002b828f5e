// `npm start`: the whole system on embedded defaults in one process tree: a dev Temporal server and the
// simulated gateway as child processes, PGlite (or DATABASE_URL), and the worker and API in this process.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { serve } from '@hono/node-server';
import { Runtime } from '@temporalio/worker';
import { createReadiness } from '../api/readiness';
import { loadEnvOrExit } from '../config/env';
import { installPostgresWriteGuard } from '../db/postgres-write-guard';
import { createLogger } from '../log/logger';
import { activitiesFromEnv } from '../runtime/activities';
import { appFromEnv } from '../runtime/app';
import { bootstrapStore, checkStore } from '../runtime/bootstrap';
import { openDatabase } from '../runtime/database';
import { onShutdown } from '../runtime/shutdown';
import { startSimulator } from '../runtime/simulator';
import { temporalRuntimeLogger } from '../runtime/temporal-logger';
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
Runtime.install({ logger: temporalRuntimeLogger(logger), shutdownSignals: [] });

const cleanup: { name: string; run: () => Promise<unknown> }[] = [];
async function main() {
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

  // 2. The simulated gateway, unless SIM_URL points at one.
  let simUrl = env.SIM_URL;
  if (!simUrl) {
    const sim = await startSimulator({ port: env.SIM_PORT, latencyMs: env.SIM_LATENCY_MS });
    simUrl = sim.url;
    cleanup.push({ name: 'simulator', run: () => sim.stop() });
  }

  // 3. Database, migrated, with the default configuration and a login stored.
  const database = await openDatabase(env);
  cleanup.push({ name: 'database', run: () => database.close() });
  const credentials = await bootstrapStore(database.db, env, join(dataDir, 'dev-credentials.json'));

  // 4. Worker and API in this process.
  const target = { address, namespace: env.TEMPORAL_NAMESPACE };
  const client = await connectClient(target);
  const workerConnection = await connectWorkerConnection(target);
  const worker = await createWorker({
    connection: workerConnection,
    namespace: env.TEMPORAL_NAMESPACE,
    taskQueue: env.TEMPORAL_TASK_QUEUE,
    activities: activitiesFromEnv(env, { db: database.db, logger, simUrl }),
    workflowBundlePath: env.WORKFLOW_BUNDLE,
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
  const app = appFromEnv(env, { db: database.db, logger, readiness, client, simUrl });
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
  say('');
  say('payment-retry is running');
  say(`  API          ${apiUrl}/api/v1`);
  say(`  API docs     ${apiUrl}/docs   (OpenAPI: ${apiUrl}/openapi.json)`);
  say(`  health       ${apiUrl}/healthz  ${apiUrl}/readyz`);
  say(`  Temporal UI  ${devServer?.uiUrl ?? '(external server: use its own UI)'}`);
  say(
    `  Temporal     ${address}  namespace=${env.TEMPORAL_NAMESPACE}  task queue=${env.TEMPORAL_TASK_QUEUE}`,
  );
  say(`  gateway sim  ${simUrl}`);
  say(
    `  database     ${database.kind === 'pglite' ? `PGlite in ${join(dataDir, 'pglite')}` : 'Postgres (DATABASE_URL)'}`,
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
  for (const step of [...cleanup].reverse()) await step.run().catch(() => {});
  process.exit(1);
});
