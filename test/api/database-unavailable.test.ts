import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { createFailedAuthLimiter } from '../../api/failed-auth-limiter';
import { createReadiness } from '../../api/readiness';
import { createDb } from '../../db/client';
import { isDatabaseUnavailable } from '../../db/unavailable';
import { basic } from '../support/api';

// A database that cannot be reached is a temporary state of the server: every route answers 503 with
// Retry-After (clients retry), never a 500.

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('database unavailable', async () => {
  const handle = await createDb({
    kind: 'postgres',
    url: `postgres://postgres@127.0.0.1:${await deadPort()}/none`,
    poolSize: 1,
  });
  afterAll(() => handle.close());
  const app = createApp({
    db: handle.db,
    logger: pino({ level: 'silent' }),
    readiness: createReadiness(),
    limiter: createFailedAuthLimiter({ max: 1000, windowMs: 60_000 }),
  });

  it.each([
    ['GET', '/api/v1/config'],
    ['GET', '/api/v1/metrics/baseline'],
    ['POST', '/api/v1/config/validate'],
  ])('%s %s answers 503 with Retry-After', async (method, path) => {
    const res = await app.request(path, {
      method,
      headers: { ...basic(), 'Content-Type': 'application/json' },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('5');
    expect(await res.json()).toEqual({
      success: false,
      message: 'The database is unavailable; try again shortly',
    });
  });

  it('recognises unavailable-database errors, wrapped or not, and nothing else', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      errno: -111,
    });
    expect(isDatabaseUnavailable(refused)).toBe(true);
    expect(isDatabaseUnavailable(new Error('Failed query', { cause: refused }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'CONNECTION_CLOSED' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '23505' }))).toBe(false);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '22P02' }))).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable('08006')).toBe(false);
  });
});
