import { spawnSync } from 'node:child_process';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, MAX_BODY_BYTES } from '../../api/app';
import { createReadiness } from '../../api/readiness';
import type { DbHandle } from '../../db/client';
import { projectRoot } from '../../temporal/resolve-binary';
import { openTestDb } from '../support/databases';

// PGlite only: health, error shapes and load order, with the database only behind readiness.
describe('API skeleton', () => {
  let handle: DbHandle;
  let ready = false;
  let app: ReturnType<typeof createApp>;
  const logLines: string[] = [];
  beforeAll(async () => {
    handle = await openTestDb('pglite');
    const readiness = createReadiness();
    readiness.register('flag', async () => {
      if (!ready) throw new Error('not yet');
    });
    const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
    app = createApp({ db: handle.db, logger, readiness });
    app.get('/boom', () => {
      throw new Error('secret stack detail');
    });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('answers liveness at once and readiness only when every check passes', async () => {
    expect((await app.request('/healthz')).status).toBe(200);
    const notReady = await app.request('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, checks: { flag: 'not yet' } });
    ready = true;
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ready: true, checks: { flag: 'ok' } });
  });

  it('generates the OpenAPI document from the routes and serves docs', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
      components: { securitySchemes: Record<string, unknown> };
    };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz']));
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(['basicAuth', 'apiKey']),
    );
    const docs = await app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('answers unknown routes, wrong methods and big bodies in the one error shape', async () => {
    const missing = await app.request('/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ success: false, message: 'No route for GET /nope' });

    const wrong = await app.request('/healthz', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toContain('GET');
    expect(await wrong.json()).toMatchObject({ success: false });

    const big = await app.request('/healthz', {
      method: 'POST',
      body: 'x'.repeat(MAX_BODY_BYTES + 1),
      headers: { 'content-length': String(MAX_BODY_BYTES + 1) },
    });
    expect(big.status).toBe(413);
    expect(await big.json()).toMatchObject({ success: false });
  });

  it('hides internal errors behind the request id, which every log line and the response carry', async () => {
    const res = await app.request('/boom', { headers: { 'X-Request-Id': 'req-123' } });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    const body = (await res.json()) as { success: boolean; message: string };
    expect(body.success).toBe(false);
    expect(body.message).toContain('req-123');
    expect(body.message).not.toContain('secret');
    const lines = logLines.map((l) => JSON.parse(l) as { reqId?: string; msg: string });
    expect(lines.filter((l) => l.reqId === 'req-123').map((l) => l.msg)).toEqual([
      'unhandled error',
      'request',
    ]);
    const generated = await app.request('/healthz');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('module load order', () => {
  it('builds the route schemas even when the workflow schemas were created first', () => {
    // Entry points import workflow modules (plain zod) and API modules (zod extended with .openapi())
    // in whatever order; the API must not depend on which came first.
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "await import('./domain/failed-payment.ts'); await import('./client/cycles.ts'); await import('./api/routes/payments/routes.ts'); console.log('loaded');",
      ],
      { cwd: projectRoot, encoding: 'utf8' },
    );
    expect(r.stderr).not.toContain('is not a function');
    expect(r.stdout).toContain('loaded');
  });
});
