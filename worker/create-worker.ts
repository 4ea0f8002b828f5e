import { join } from 'node:path';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { cycleLogInterceptor } from './cycle-log-interceptor';

export const workflowsPath = join(import.meta.dirname, '..', 'workflows', 'index.ts');

/**
 * Pure, stateless modules every cycle imports, evaluated once per worker and shared by all workflows
 * instead of once per workflow: measured in bench/, this cut the worker's CPU per cycle by a fifth and
 * its memory per cached cycle by two thirds. Only modules with no per-workflow state may be listed.
 */
export const bundlerOptions = {
  preloadModules: ['zod', 'luxon', join(import.meta.dirname, '..', 'policy', 'index.ts')],
};

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
    // Activity log lines name the cycle they are about (worker/cycle-log-interceptor.ts).
    interceptors: { activity: [cycleLogInterceptor] },
    ...(opts.workflowBundlePath
      ? { workflowBundle: { codePath: opts.workflowBundlePath } }
      : { workflowsPath: opts.workflowsPath ?? workflowsPath, bundlerOptions }),
    // Running charges get this long to finish on shutdown; whatever is cut off is retried by
    // another worker with the same idempotency key.
    shutdownGraceTime: '5s',
  });
}
