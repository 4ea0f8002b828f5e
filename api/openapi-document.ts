import { pino } from 'pino';
import type { CycleClient } from '../client/cycles';
import type { ManualRetryClient } from '../client/manual-retries';
import type { Db } from '../db/client';
import { createApp } from './app';
import { createReadiness } from './readiness';

// The OpenAPI document exactly as /openapi.json serves it, without a database or Temporal: every
// route is registered, and no handler runs. The console's typed client is generated from it.

const unused = <T>(what: string): T =>
  new Proxy({} as object, {
    get: (_t, prop) => {
      throw new Error(`${what}.${String(prop)} used while only building the OpenAPI document`);
    },
  }) as T;

export async function openApiDocument(): Promise<Record<string, unknown>> {
  const app = createApp({
    db: unused<Db>('db'),
    logger: pino({ level: 'silent' }),
    readiness: createReadiness(),
    cycles: unused<CycleClient>('cycles'),
    manualRetries: unused<ManualRetryClient>('manualRetries'),
  });
  const res = await app.request('/openapi.json');
  return (await res.json()) as Record<string, unknown>;
}
