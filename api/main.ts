// `npm run api`: the API alone, for production (several replicas behind a load balancer). It needs
// DATABASE_URL and TEMPORAL_ADDRESS; workers run separately (`npm run worker`).
import { serve } from '@hono/node-server';
import { openTokenCache } from '../auth/token-cache';
import { loadEnvOrExit } from '../config/env';
import { describeHeldDir } from '../db/pglite-lock';
import { installPostgresWriteGuard } from '../db/postgres-write-guard';
import { createLogger } from '../log/logger';
import { appFromEnv } from '../runtime/app';
import { bootstrapStore, checkStore } from '../runtime/bootstrap';
import { buildConsoleAssets } from '../runtime/console-assets';
import { pgliteDirOf } from '../runtime/data-dir';
import { openDatabase } from '../runtime/database';
import { processMetrics } from '../runtime/metrics';
import { onShutdown } from '../runtime/shutdown';
import { tracingFromEnv } from '../runtime/tracing';
import { checkTemporal, connectClient } from '../temporal/connection';
import { createReadiness } from './readiness';

const env = loadEnvOrExit();
const logger = createLogger({ level: env.LOG_LEVEL, name: 'payment-retry-api' });
installPostgresWriteGuard(logger);
if (!env.TEMPORAL_ADDRESS) {
  logger.fatal('TEMPORAL_ADDRESS is required for `npm run api` (use `npm start` for the all-in-one system)');
  process.exit(1);
}
const database = await openDatabase(env);
await bootstrapStore(database.db, env);
const tracing = await tracingFromEnv(env, 'payment-retry-api');
const client = await connectClient(
  { address: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE },
  tracing?.client,
);

// The store-derived cpr_* counts and request durations (no Temporal worker runs here).
const metrics = processMetrics(env, { api: { db: database.db } });
const metricsServer = await metrics.serve();
logger.info({ url: metricsServer.url }, 'metrics listening');

// Logins verified here are kept until the database notifies a token change (auth/token-cache.ts).
const tokenCache = await openTokenCache(database, { logger });

const readiness = createReadiness();
readiness.register('database', () => checkStore(database.db));
readiness.register('temporal', () => checkTemporal(client));
const app = appFromEnv(env, {
  console: await buildConsoleAssets(),
  db: database.db,
  logger,
  readiness,
  client,
  tokenCache,
  simUrl: env.SIM_URL,
  requestDuration: metrics.requestDuration,
  httpTracing: tracing?.http,
});
const server = serve({ fetch: app.fetch, port: env.PORT, hostname: env.HOST }, (info) => {
  const url = `http://${env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST}:${info.port}`;
  logger.info({ url }, 'api listening');
  // On PGlite this process owns the data: the CLI goes through this API (see scripts/start.ts).
  if (database.kind === 'pglite') describeHeldDir(pgliteDirOf(env), { command: 'npm run api', api: url });
});
onShutdown(logger, [
  { name: 'api', run: () => new Promise<void>((r) => server.close(() => r())) },
  { name: 'metrics', run: () => metricsServer.close() },
  { name: 'temporal', run: () => client.connection.close() },
  { name: 'token cache', run: () => tokenCache.close() },
  { name: 'database', run: () => database.close() },
  // Last: the spans of the requests that were still running are sent too.
  ...(tracing ? [{ name: 'tracing', run: () => tracing.shutdown() }] : []),
]);
