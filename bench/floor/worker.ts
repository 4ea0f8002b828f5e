// The floor's worker, a child process like the product's worker: default Worker options, the
// prebuilt bundle of bench/floor/workflows.ts, one activity that returns the time.
//   TEMPORAL_ADDRESS=… FLOOR_TASK_QUEUE=… FLOOR_BUNDLE=… node --import tsx bench/floor/worker.ts
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { FloorActivities } from './workflows';

const address = process.env.TEMPORAL_ADDRESS;
const taskQueue = process.env.FLOOR_TASK_QUEUE;
const bundle = process.env.FLOOR_BUNDLE;
if (!address || !taskQueue || !bundle) {
  process.stderr.write('TEMPORAL_ADDRESS, FLOOR_TASK_QUEUE and FLOOR_BUNDLE are required\n');
  process.exit(2);
}
Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
const connection = await NativeConnection.connect({ address });
const activities: FloorActivities = { noop: async () => Date.now() };
const worker = await Worker.create({
  connection,
  namespace: 'default',
  taskQueue,
  activities,
  workflowBundle: { codePath: bundle },
});
const done = worker.run();
const stop = () => worker.shutdown();
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
await done;
await connection.close();
