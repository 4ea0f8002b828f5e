import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWER_MESSAGE, VIEWER_WRITE_EXCEPTIONS } from '../../api/roles';
import { createToken } from '../../auth/tokens';
import type { CycleClient } from '../../client/cycles';
import type { ManualRetryClient } from '../../client/manual-retries';
import { apiTokens, users } from '../../db/schema';
import { basic, TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';
import { freshFailedPayment } from '../support/failed-payment';

// Issue 15, roles: a viewer reads everything and changes nothing. The write routes are taken from
// the generated OpenAPI document, so a route added later is covered without touching this file.

/** Temporal stand-ins that record every use: a viewer's refused write must never reach them. */
function recorder<T>(calls: string[]): T {
  return new Proxy(
    {},
    {
      get: (_target, name) =>
        name === 'then'
          ? undefined
          : (..._args: unknown[]) => {
              calls.push(String(name));
              throw new Error(`Temporal was called: ${String(name)}`);
            },
    },
  ) as T;
}

type Operation = { method: string; path: string };
type Listed = { tokens: { id: number; email: string; role: string }[] };

describe.each<DbKind>(dbKinds)('token roles on %s', (kind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const temporalCalls: string[] = [];
  let viewer: { email: string; token: string; id: number };
  let viewerByCreate: { email: string; token: string; id: number };
  let writes: Operation[];
  let reads: Operation[];

  beforeAll(async () => {
    t = await testApp(kind, {
      cycles: recorder<CycleClient>(temporalCalls),
      manualRetries: recorder<ManualRetryClient>(temporalCalls),
    });
    const res = await t.json('POST', '/api/v1/tokens', { email: 'viewer@example.com', role: 'viewer' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: number; email: string; role: string; token: string };
    expect(body.role).toBe('viewer');
    viewer = body;
    const made = await createToken(t.handle.db, 'viewer2@example.com', 'viewer');
    viewerByCreate = { ...made, email: 'viewer2@example.com' };

    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const all = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => ({ method: m.toUpperCase(), path })),
    );
    writes = all.filter(
      (o) => o.method !== 'GET' && !VIEWER_WRITE_EXCEPTIONS.includes(`${o.method} ${o.path}`),
    );
    reads = all.filter((o) => o.method === 'GET');
  });
  afterAll(async () => {
    await t.close();
  });

  /** The path with every `{param}` filled in. */
  const concrete = (path: string) => path.replace(/\{[^}]+\}/g, 'X-1');
  const as = (who: { email: string; token: string }, path: string) =>
    path.startsWith('/subscriptions/') ? { 'x-api-key': who.token } : basic(who.email, who.token);
  const send = (who: { email: string; token: string }, op: Operation, body: unknown = {}) =>
    t.app.request(concrete(op.path), {
      method: op.method,
      headers: {
        ...as(who, op.path),
        'content-type': 'application/json',
        'accept-language': 'en-US',
        'idempotency-key': 'roles-test-key',
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const configVersion = async () =>
    ((await (await t.json('GET', '/api/v1/config')).json()) as { version: number }).version;
  const tokens = async () => ((await (await t.json('GET', '/api/v1/tokens')).json()) as Listed).tokens;

  it('finds the write routes in the OpenAPI document (the list the next test walks)', () => {
    const names = writes.map((o) => `${o.method} ${o.path}`);
    for (const known of [
      'PUT /api/v1/config',
      'POST /api/v1/tokens',
      'POST /api/v1/tokens/revoke',
      'POST /api/v1/payments/submit_failed_payment',
      'POST /api/v1/payments/failed_payments',
      'POST /api/v1/payments/execute_payments',
      'PUT /api/v1/payments/execute_invoice_payment/{invoice_id}',
      'POST /subscriptions/{subscriptionId}/billing-cycles/{billingCycleId}/manual-retries',
    ]) {
      expect(names).toContain(known);
    }
    // The exceptions are real routes, and no exception is a write of the list.
    for (const e of VIEWER_WRITE_EXCEPTIONS) expect(names).not.toContain(e);
  });

  it('answers 403 to a viewer on every write route, before the body is read, reaching nothing', async () => {
    const version = await configVersion();
    const before = await tokens();
    for (const who of [viewer, viewerByCreate]) {
      for (const op of writes) {
        for (const body of [{}, '{ not json']) {
          const res = await send(who, op, body);
          expect(res.status, `${op.method} ${op.path}`).toBe(403);
          expect(await res.json()).toEqual({ success: false, message: VIEWER_MESSAGE });
        }
      }
    }
    expect(temporalCalls).toEqual([]);
    expect(await configVersion()).toBe(version);
    expect(await tokens()).toEqual(before);
  });

  it("refuses a viewer's valid writes too, and nothing is stored", async () => {
    const version = await configVersion();
    const current = ((await (await t.json('GET', '/api/v1/config')).json()) as { config: unknown }).config;
    const put = await send(viewer, { method: 'PUT', path: '/api/v1/config' }, current);
    expect(put.status).toBe(403);
    expect(await configVersion()).toBe(version);

    const made = await send(viewer, { method: 'POST', path: '/api/v1/tokens' }, { email: 'x@example.com' });
    expect(made.status).toBe(403);
    const revoke = await send(viewer, { method: 'POST', path: '/api/v1/tokens/revoke' }, { id: viewer.id });
    expect(revoke.status).toBe(403);
    expect((await tokens()).map((x) => x.email)).not.toContain('x@example.com');
    expect((await tokens()).map((x) => x.id)).toContain(viewer.id);

    // Registered by the viewer, it would answer 200 (already registered) to the operator.
    const payment = freshFailedPayment('pm-roles');
    const register = { method: 'POST', path: '/api/v1/payments/failed_payments' };
    expect((await send(viewer, register, payment)).status).toBe(403);
    const byOperator = await t.json('POST', '/api/v1/payments/failed_payments', payment);
    expect(byOperator.status).toBe(201);
  });

  it('lets a viewer read every GET route and use the read-only POSTs', async () => {
    const viewed = reads.filter((o) => o.path.startsWith('/api/'));
    expect(viewed.length).toBeGreaterThan(5);
    for (const op of viewed) {
      const res = await t.app.request(concrete(op.path), { headers: basic(viewer.email, viewer.token) });
      // Without parameters every read answers; with made-up ones it may not find them, never refuse.
      if (op.path.includes('{')) expect([200, 400, 404], op.path).toContain(res.status);
      else expect(res.status, op.path).toBe(200);
    }
    const version = await t.app.request('/api/v1/config/versions/1', {
      headers: basic(viewer.email, viewer.token),
    });
    expect(version.status).toBe(200);
    const listed = await t.app.request('/api/v1/tokens', { headers: basic(viewer.email, viewer.token) });
    expect(((await listed.json()) as Listed).tokens.find((x) => x.id === viewer.id)?.role).toBe('viewer');

    const current = ((await (await t.json('GET', '/api/v1/config')).json()) as { config: unknown }).config;
    const validate = await send(viewer, { method: 'POST', path: '/api/v1/config/validate' }, current);
    expect(validate.status).toBe(200);
    const preview = await send(viewer, { method: 'POST', path: '/api/v1/config/preview' }, {});
    expect(preview.status).toBe(400); // validated, so not refused by role
  });

  it('lets an operator write: one made with the role, one made without, and the bootstrap login', async () => {
    const res = await t.json('POST', '/api/v1/tokens', { email: 'op@example.com', role: 'operator' });
    const op = (await res.json()) as { email: string; token: string; role: string };
    expect(op.role).toBe('operator');
    const plain = await t.json('POST', '/api/v1/tokens', { email: 'plain@example.com' });
    const plainBody = (await plain.json()) as { email: string; token: string; role: string };
    expect(plainBody.role).toBe('operator');
    const byFunction = await createToken(t.handle.db, 'fn@example.com');

    const current = ((await (await t.json('GET', '/api/v1/config')).json()) as { config: unknown }).config;
    const version = await configVersion();
    for (const [i, who] of [
      op,
      plainBody,
      { email: 'fn@example.com', token: byFunction.token },
      { email: TEST_USER, token: TEST_TOKEN },
    ].entries()) {
      const put = await send(who, { method: 'PUT', path: '/api/v1/config' }, current);
      expect(put.status, who.email).toBe(200);
      expect(await configVersion()).toBe(version + i + 1);
    }
  });

  it('refuses a bad role with 400, creating nothing', async () => {
    const before = await tokens();
    const res = await t.json('POST', '/api/v1/tokens', { email: 'bad-role@example.com', role: 'admin' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { path: string }[] }).errors[0]?.path).toBe('role');
    expect(await tokens()).toEqual(before);
  });

  it('gives a token row stored without a role the operator role (the migration default), and allows no other', async () => {
    const [user] = await t.handle.db.select({ id: users.id }).from(users).limit(1);
    const [row] = await t.handle.db
      .insert(apiTokens)
      .values({ userId: user?.id as number, digest: `roles-default-${kind}`, prefix: 'x' })
      .returning({ role: apiTokens.role });
    expect(row?.role).toBe('operator');
    await expect(
      t.handle.db.insert(apiTokens).values({
        userId: user?.id as number,
        digest: `roles-bad-${kind}`,
        prefix: 'x',
        role: 'admin' as 'viewer',
      }),
    ).rejects.toThrow();
  });
});
