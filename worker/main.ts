// `npm run worker`: one worker process for production; run as many as the load needs, all polling
// TEMPORAL_TASK_QUEUE. It needs DATABASE_URL and TEMPORAL_ADDRESS.
import { Runtime } from '@temporalio/worker';
import { loadEnvOrExit } from '../config/env';
import { installPostgresWriteGuard } from '../db/postgres-write-guard';
import { createLogger } from '../log/logger';
import { activitiesFromEnv } from '../runtime/activities';
import { openDatabase } from '../runtime/database';
import { processMetrics, temporalTelemetry } from '../runtime/metrics';
import { onShutdown } from '../runtime/shutdown';
import { temporalRuntimeLogger } from '../runtime/temporal-logger';
import { tracingFromEnv } from '../runtime/tracing';
import { connectWorkerConnection } from '../temporal/connection';
import { createWorker } from './create-worker';

const env = loadEnvOrExit();
const logger = createLogger({ level: env.LOG_LEVEL, name: 'payment-retry-worker' });
installPostgresWriteGuard(logger);
if (!env.TEMPORAL_ADDRESS) {
  logger.fatal(
    'TEMPORAL_ADDRESS is required for `npm run worker` (use `npm start` for the all-in-one system)',
  );
  process.exit(1);
}
// Our shutdown sequence owns the signals, so the SDK must not start draining the worker on its own.
// Core's own metrics exporter listens on TEMPORAL_METRICS_PORT; our /metrics appends it.
Runtime.install({
  logger: temporalRuntimeLogger(logger),
  shutdownSignals: [],
  telemetryOptions: temporalTelemetry(env.TEMPORAL_METRICS_PORT),
});
// Engine metrics only: the store-derived cpr_* counts are the API's (else summing processes doubles them).
const metrics = processMetrics(env, { worker: true });
const metricsServer = await metrics.serve();
logger.info({ url: metricsServer.url }, 'metrics listening');
const tracing = await tracingFromEnv(env, 'payment-retry-worker');
const database = await openDatabase(env);
const connection = await connectWorkerConnection({
  address: env.TEMPORAL_ADDRESS,
  namespace: env.TEMPORAL_NAMESPACE,
});
const worker = await createWorker({
  connection,
  namespace: env.TEMPORAL_NAMESPACE,
  taskQueue: env.TEMPORAL_TASK_QUEUE,
  activities: activitiesFromEnv(env, {
    db: database.db,
    logger,
    simUrl: env.SIM_URL,
    metrics: metrics.charge,
  }),
  workflowBundlePath: env.WORKFLOW_BUNDLE,
  tracing: tracing?.worker,
  threadTuning: env.WORKFLOW_THREAD_TUNING === 'on' ? {} : false,
});
const done = worker.run();
logger.info({ taskQueue: env.TEMPORAL_TASK_QUEUE }, 'worker polling');
onShutdown(logger, [
  {
    name: 'worker',
    run: async () => {
      worker.shutdown();
      await done;
    },
  },
  { name: 'metrics', run: () => metricsServer.close() },
  { name: 'temporal', run: () => connection.close() },
  { name: 'database', run: () => database.close() },
  // Last: the spans of the workflow tasks and activities that ran up to the end are sent too.
  ...(tracing ? [{ name: 'tracing', run: () => tracing.shutdown() }] : []),
]);
await done.catch((err) => {
  logger.fatal({ err }, 'worker failed');
  process.exit(1);
});
