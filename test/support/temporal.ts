import { randomBytes } from 'node:crypto';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { connectClient, connectWorkerConnection } from '../../temporal/connection';

/** Unique per test, so parallel files never share a queue or a workflow id. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

export async function testTemporal() {
  const target = { address: inject('temporalAddress'), namespace: 'default' };
  const [client, workerConnection] = await Promise.all([
    connectClient(target),
    connectWorkerConnection(target),
  ]);
  return {
    client,
    workerConnection,
    async close() {
      await Promise.all([client.connection.close(), workerConnection.close()]);
    },
  };
}

// The SDK logs every worker state change at INFO; tests only want warnings.
try {
  Runtime.install({ logger: new DefaultLogger('WARN') });
} catch {
  // Already installed in this process.
}
