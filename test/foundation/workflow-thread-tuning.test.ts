import { join } from 'node:path';
import { WorkflowFailedError } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker } from '../../worker/create-worker';
import type { ThreadTuningOptions } from '../../worker/workflow-thread-tuning';
import { finish, ping } from '../fixtures/thread-tuning-workflows';
import { testTemporal, uniqueName } from '../support/temporal';

// worker/workflow-thread-tuning.ts and its preload change how the SDK enters the workflow sandbox.
// These tests prove the preload really runs in the SDK's workflow thread (the stack-trace query, which
// needs the promise hook it turns off, is refused) while Node's own hooks still work (an Update, which
// the SDK handles in an AsyncLocalStorage), that a worker without it is the SDK's own, and that a
// workflow that never yields is still caught without Node's per-call watchdog.

const { EventType } = proto.api.enums.v1;
const workflowsPath = join(import.meta.dirname, '..', 'fixtures', 'thread-tuning-workflows.ts');

describe('the workflow-thread tuning', () => {
  let temporal: Awaited<ReturnType<typeof testTemporal>>;
  beforeAll(async () => {
    temporal = await testTemporal();
  });
  afterAll(async () => {
    await temporal.close();
  });

  /** A worker for the fixture workflows; `threadTuning` as createWorker takes it (default: on). */
  const fixtureWorker = (taskQueue: string, threadTuning?: ThreadTuningOptions | false) =>
    createWorker({
      connection: temporal.workerConnection,
      namespace: 'default',
      taskQueue,
      workflowsPath,
      activities: {},
      ...(threadTuning === undefined ? {} : { threadTuning }),
    });

  async function stackTraceOnce(threadTuning: false | undefined): Promise<string> {
    const taskQueue = uniqueName('tuning');
    const worker = await fixtureWorker(taskQueue, threadTuning);
    return await worker.runUntil(async () => {
      const handle = await temporal.client.workflow.start('waiting', {
        taskQueue,
        workflowId: uniqueName('waiting'),
      });
      const trace = await handle.query<string>('__stack_trace').then(
        (text) => `trace: ${text}`,
        (err: unknown) => `refused: ${String(err)}`,
      );
      // The workflow itself runs the same either way, Updates included.
      expect(await handle.executeUpdate(ping)).toBe('pong');
      await handle.signal(finish);
      expect(await handle.result()).toBe('finished');
      // ...and no workflow task failed on the way (a task that fails is retried, so the answers alone
      // would not show it).
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED)).toEqual([]);
      return trace;
    });
  }

  it('is on by default: the preload runs in the workflow thread (stack traces are off)', async () => {
    expect(await stackTraceOnce(undefined)).toMatch(/refused: .*stack traces are not enabled/i);
  });

  it('off, the SDK keeps its promise hook and answers the stack-trace query', async () => {
    expect(await stackTraceOnce(false)).toMatch(/trace: .*waiting/);
  });

  it('still catches a workflow that never yields: the thread is terminated and the worker stops', async () => {
    const taskQueue = uniqueName('tuning-spin');
    const stuck: number[] = [];
    const worker = await fixtureWorker(taskQueue, {
      stuckAfterMs: 1500,
      onStuck: ({ runningForMs }) => stuck.push(runningForMs),
    });
    const handle = await temporal.client.workflow.start('spinning', {
      taskQueue,
      workflowId: uniqueName('spinning'),
    });
    await expect(worker.run()).rejects.toThrow(/Workflow Worker Thread exited/i);
    expect(stuck).toHaveLength(1);
    expect(stuck[0]).toBeGreaterThan(1500);
    await handle.terminate('test over').catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    });
  });
});
