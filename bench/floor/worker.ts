// The floor's worker, a child process like the product's worker: default Worker options, the
// prebuilt bundle of bench/floor/workflows.ts, one activity that returns the time. Its workflow threads
// are tuned exactly as the product's are (worker/workflow-thread-tuning.ts; WORKFLOW_THREAD_TUNING=off
// for neither), so that saving is not counted as the engine's.
//   TEMPORAL_ADDRESS=… FLOOR_TASK_QUEUE=… FLOOR_BUNDLE=… node --import tsx bench/floor/worker.ts
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { tuneWorkflowThreads } from '../../worker/workflow-thread-tuning';
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
tuneWorkflowThreads(process.env.WORKFLOW_THREAD_TUNING === 'off' ? false : {});
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
