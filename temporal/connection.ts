import { Client, type ClientInterceptors, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export interface TemporalTarget {
  address: string;
  namespace: string;
}

/** `interceptors`: the tracing ones (runtime/tracing.ts) when tracing is on, else none. */
export async function connectClient(
  target: TemporalTarget,
  interceptors?: ClientInterceptors | undefined,
): Promise<Client> {
  const connection = await Connection.connect({ address: target.address, connectTimeout: 10_000 });
  return new Client({ connection, namespace: target.namespace, ...(interceptors ? { interceptors } : {}) });
}

export async function connectWorkerConnection(target: TemporalTarget): Promise<NativeConnection> {
  return await NativeConnection.connect({ address: target.address });
}

/** Readiness probe: the frontend answers and the namespace exists. */
export async function checkTemporal(client: Client): Promise<void> {
  await client.workflowService.describeNamespace({ namespace: client.options.namespace });
}
