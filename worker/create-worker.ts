import { join } from 'node:path';
import { type NativeConnection, Worker } from '@temporalio/worker';

export const workflowsPath = join(import.meta.dirname, '..', 'workflows', 'index.ts');

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** A prebuilt bundle (production); otherwise the workflows are bundled from source at start. */
  workflowBundlePath?: string | undefined;
  /** Only tests point this elsewhere. */
  workflowsPath?: string;
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: opts.workflowsPath ?? workflowsPath }),
    // Running charges get this long to finish on shutdown; whatever is cut off is retried by
    // another worker with the same idempotency key.
    shutdownGraceTime: '5s',
  });
}
