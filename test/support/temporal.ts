import { randomBytes } from 'node:crypto';
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
