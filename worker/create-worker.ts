import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, type Logger, type NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { type WorkerTracing, workflowTracingModules } from '../runtime/tracing';
import { cycleLogInterceptor } from './cycle-log-interceptor';
import { type ThreadTuningOptions, tuneWorkflowThreads } from './workflow-thread-tuning';

export const workflowsPath = join(import.meta.dirname, '..', 'workflows', 'index.ts');

/**
 * Pure, stateless modules every cycle imports, evaluated once per worker and shared by all workflows
 * instead of once per workflow: measured in bench/, this cut the worker's CPU per cycle by a fifth and
 * its memory per cached cycle by two thirds. Only modules with no per-workflow state may be listed.
 */
export const bundlerOptions = {
  preloadModules: ['zod', 'luxon', join(import.meta.dirname, '..', 'policy', 'index.ts')],
};

/**
 * The prebuilt bundle with the tracing interceptors compiled in, beside the plain one: a prebuilt
 * bundle cannot take workflow interceptors at start, so `npm run build:workflows` writes both, and the
 * plain one keeps the sandbox free of tracing when it is off.
 */
export const tracedBundlePath = (plain: string) => plain.replace(/(\.js)?$/, '.traced.js');

/** The prebuilt workflow bundle (`npm run build:workflows`); `traced`: the twin with the tracing interceptors. */
export async function bundleWorkflows(opts: { traced: boolean; logger?: Logger }): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath,
    ...bundlerOptions,
    workflowInterceptorModules: opts.traced ? workflowTracingModules : [],
    ...(opts.logger ? { logger: opts.logger } : {}),
  });
  return code;
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: object;
  /** A prebuilt bundle (production); otherwise the workflows are bundled from source at start. */
  workflowBundlePath?: string | undefined;
  /** Only tests point this elsewhere. */
  workflowsPath?: string;
  /** The tracing interceptors and sink (runtime/tracing.ts), when tracing is on. */
  tracing?: WorkerTracing | undefined;
  /**
   * The workflow-thread tuning (worker/workflow-thread-tuning.ts), on unless `false`
   * (WORKFLOW_THREAD_TUNING=off): no per-call vm watchdog, no promise hook, one deadlock guard instead.
   */
  threadTuning?: ThreadTuningOptions | false;
}

function workflowCode(opts: WorkerOptions) {
  if (!opts.workflowBundlePath) {
    return { workflowsPath: opts.workflowsPath ?? workflowsPath, bundlerOptions };
  }
  if (!opts.tracing) return { workflowBundle: { codePath: opts.workflowBundlePath } };
  const codePath = tracedBundlePath(opts.workflowBundlePath);
  if (!existsSync(codePath)) {
    throw new Error(
      `tracing is on but ${codePath} is missing: build the bundles with \`npm run build:workflows\` (it writes both), or unset OTEL_EXPORTER_OTLP_ENDPOINT`,
    );
  }
  return { workflowBundle: { codePath } };
}

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  tuneWorkflowThreads(
    opts.threadTuning === false
      ? false
      : {
          onStuck: ({ threadId, runningForMs }) =>
            Runtime.instance().logger.error(
              'workflow thread stuck in one call into the sandbox (a workflow that never yields): terminating it, which stops this worker',
              { threadId, runningForMs },
            ),
          ...opts.threadTuning,
        },
  );
  return await Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: opts.activities,
    ...workflowCode(opts),
    interceptors: {
      // Activity log lines name the cycle they are about (worker/cycle-log-interceptor.ts); with tracing
      // on, activities also run in their span.
      activity: [cycleLogInterceptor, ...(opts.tracing?.interceptors.activity ?? [])],
      // Bundled from source they are compiled in now; a prebuilt bundle has them already.
      ...(opts.tracing && !opts.workflowBundlePath
        ? { workflowModules: opts.tracing.interceptors.workflowModules }
        : {}),
    },
    ...(opts.tracing ? { sinks: opts.tracing.sinks } : {}),
    // Running charges get this long to finish on shutdown; whatever is cut off is retried by
    // another worker with the same idempotency key.
    shutdownGraceTime: '5s',
  });
}
