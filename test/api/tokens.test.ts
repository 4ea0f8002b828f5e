import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basic, TEST_USER, testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';

type Created = { success: true; id: number; email: string; token: string };
type Listed = { success: true; tokens: { id: number; email: string; prefix: string; created_at: string }[] };

describe.each<DbKind>(dbKinds)('API token routes on %s', (kind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (email: string) => {
    const res = await t.json('POST', '/api/v1/tokens', { email });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return (await res.json()) as Created;
  };
  /** A request with the given login: its status only. */
  const statusAs = async (email: string, token: string) =>
    (await t.app.request('/api/v1/config', { headers: basic(email, token) })).status;
  const list = async () => ((await (await t.json('GET', '/api/v1/tokens')).json()) as Listed).tokens;

  it('creates a token that works at once, and lists it without the secret', async () => {
    const created = await create('new-ops@example.com');
    expect(created).toMatchObject({ success: true, email: 'new-ops@example.com' });
    expect(created.token).toMatch(/^cpr_[A-Za-z0-9_-]{43}$/);
    expect(await statusAs('new-ops@example.com', created.token)).toBe(200);
    const tokens = await list();
    const row = tokens.find((x) => x.id === created.id);
    expect(row).toMatchObject({ email: 'new-ops@example.com', prefix: created.token.slice(0, 10) });
    expect(JSON.stringify(tokens)).not.toContain(created.token);
  });

  it('refuses a revoked token on its very next request, by id, by token and by email', async () => {
    const byId = await create('rev-id@example.com');
    const byToken = await create('rev-token@example.com');
    const byEmail = [await create('rev-email@example.com'), await create('rev-email@example.com')];
    for (const c of [byId, byToken, ...byEmail]) expect(await statusAs(c.email, c.token)).toBe(200);

    const revoke = (body: unknown) => t.json('POST', '/api/v1/tokens/revoke', body);
    const r1 = await revoke({ id: byId.id });
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ success: true, revoked: 1 });
    expect(await statusAs(byId.email, byId.token)).toBe(401);
    expect(await statusAs(byToken.email, byToken.token)).toBe(200);

    expect((await revoke({ token: byToken.token })).status).toBe(200);
    expect(await statusAs(byToken.email, byToken.token)).toBe(401);

    expect(await (await revoke({ email: 'rev-email@example.com' })).json()).toEqual({
      success: true,
      revoked: 2,
    });
    for (const c of byEmail) expect(await statusAs(c.email, c.token)).toBe(401);

    // Nothing left to match: 404, in the error shape.
    const again = await revoke({ id: byId.id });
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual({ success: false, message: 'No token matched' });
  });

  it('lets a login revoke itself, refused from its next request on', async () => {
    const self = await create('self@example.com');
    const res = await t.app.request('/api/v1/tokens/revoke', {
      method: 'POST',
      headers: { ...basic(self.email, self.token), 'content-type': 'application/json' },
      body: JSON.stringify({ token: self.token }),
    });
    expect(res.status).toBe(200);
    expect(await statusAs(self.email, self.token)).toBe(401);
  });

  it('refuses bad bodies with every problem listed, and writes nothing', async () => {
    const before = await list();
    for (const [path, body] of [
      ['/api/v1/tokens', { email: 'not-an-email' }],
      ['/api/v1/tokens', { email: 'a b@example.com' }],
      ['/api/v1/tokens', { email: `${'x'.repeat(250)}@example.com` }],
      ['/api/v1/tokens', { email: 'ok@example.com', role: 'admin' }],
      ['/api/v1/tokens', {}],
      ['/api/v1/tokens/revoke', {}],
      ['/api/v1/tokens/revoke', { id: 1, email: TEST_USER }],
      ['/api/v1/tokens/revoke', { id: 0 }],
      ['/api/v1/tokens/revoke', { id: '1' }],
      ['/api/v1/tokens/revoke', { token: '' }],
    ] as const) {
      const res = await t.json('POST', path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      const answer = (await res.json()) as { success: boolean; message: string; errors: unknown[] };
      expect(answer.success).toBe(false);
      expect(answer.errors.length).toBeGreaterThan(0);
    }
    expect(await list()).toEqual(before);
    expect(await statusAs(TEST_USER, 'test-token-0123456789-abcdefghijklmnop')).toBe(200);
  });

  it('needs credentials for every token route', async () => {
    for (const [method, path] of [
      ['POST', '/api/v1/tokens'],
      ['GET', '/api/v1/tokens'],
      ['POST', '/api/v1/tokens/revoke'],
    ] as const) {
      const res = await t.app.request(path, {
        method,
        headers: { 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ email: TEST_USER }) } : {}),
      });
      expect(res.status).toBe(401);
    }
    expect((await list()).some((x) => x.email === TEST_USER)).toBe(true);
  });
});
