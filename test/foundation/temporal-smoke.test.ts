import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerSearchAttributes } from '../../temporal/register-search-attributes';
import { createWorker } from '../../worker/create-worker';
import { customSearchAttributes } from '../../workflows/search-attributes';
import { testTemporal, uniqueName } from '../support/temporal';

describe('a real worker on the real dev server', () => {
  let temporal: Awaited<ReturnType<typeof testTemporal>>;
  beforeAll(async () => {
    temporal = await testTemporal();
  });
  afterAll(async () => {
    await temporal.close();
  });

  it('runs a workflow that calls an activity', async () => {
    const taskQueue = uniqueName('smoke');
    const calls: string[] = [];
    const worker = await createWorker({
      connection: temporal.workerConnection,
      namespace: 'default',
      taskQueue,
      workflowsPath: join(import.meta.dirname, '..', 'fixtures', 'smoke-workflows.ts'),
      activities: {
        async greet(name: string) {
          calls.push(name);
          return `hello ${name}`;
        },
      },
    });
    const result = await worker.runUntil(
      temporal.client.workflow.execute('smoke', {
        taskQueue,
        workflowId: uniqueName('smoke-wf'),
        args: ['cpr'],
      }),
    );
    expect(result).toBe('hello cpr');
    expect(calls).toEqual(['cpr']);
  });

  it('has our custom search attributes registered', async () => {
    const { customAttributes } = await temporal.client.connection.operatorService.listSearchAttributes({
      namespace: 'default',
    });
    for (const key of customSearchAttributes) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
  });
});

describe('registerSearchAttributes on an existing server', () => {
  it('adds the missing attributes once, then nothing', async () => {
    const temporal = await testTemporal();
    const namespace = uniqueName('ns');
    try {
      await temporal.client.workflowService.registerNamespace({
        namespace,
        workflowExecutionRetentionPeriod: msToTs('1 day'),
      });
      const client = new Client({ connection: temporal.client.connection, namespace });
      const added = await retryUntilNamespaceVisible(() => registerSearchAttributes(client));
      expect(added.sort()).toEqual(customSearchAttributes.map((k) => k.name).sort());
      expect(await registerSearchAttributes(client)).toEqual([]);
    } finally {
      await temporal.close();
    }
  });
});

async function retryUntilNamespaceVisible<T>(fn: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
