import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_MESSAGES } from '../../api/auth';
import { VIEWER_MESSAGE } from '../../api/roles';
import { sessionId } from '../../auth/sessions';
import type { ManualRetryClient } from '../../client/manual-retries';
import { setSessionExpiry } from '../../db/console-sessions';
import { basic, TEST_TOKEN, testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';

// Issue 15, the console's browser session: sign in once with email and token, then an HttpOnly,
// SameSite=Strict cookie; every cookie write carries the CSRF token; the session ends at sign-out,
// at its expiry, and the moment its token is revoked.

type Session = {
  success: true;
  email: string;
  role: 'viewer' | 'operator';
  expires_at: string | null;
  csrf_token: string | null;
};
type Token = { id: number; email: string; token: string };

describe.each<DbKind>(dbKinds)('console sessions on %s', (kind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  /** Every answer's headers and body, to show no token ever comes back. */
  const answers: string[] = [];
  const tokens: string[] = [TEST_TOKEN];

  beforeAll(async () => {
    t = await testApp(kind, { manualRetries: {} as ManualRetryClient });
  });
  afterAll(async () => {
    await t.close();
  });

  const request = async (path: string, init: RequestInit = {}, url = `http://localhost${path}`) => {
    const res = await t.app.request(url, init);
    const text = await res.clone().text();
    answers.push(`${JSON.stringify([...res.headers.entries()])}\n${text}`);
    return res;
  };
  const newToken = async (email: string, role: 'viewer' | 'operator' = 'operator'): Promise<Token> => {
    const res = await t.json('POST', '/api/v1/tokens', { email, role });
    expect(res.status).toBe(201);
    const made = (await res.json()) as Token;
    tokens.push(made.token);
    return made;
  };
  const signIn = (body: unknown, headers: Record<string, string> = {}, url?: string) =>
    request(
      '/api/v1/session',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      },
      url,
    );
  /** Signs in and returns the cookie's secret and the answer. */
  const session = async (who: Token) => {
    const res = await signIn({ email: who.email, token: who.token });
    expect(res.status).toBe(200);
    const secret = /cpr_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] as string;
    expect(secret).toBeDefined();
    return { secret, body: (await res.json()) as Session, cookie: { cookie: `cpr_session=${secret}` } };
  };
  const withCookie = (secret: string, path: string, init: RequestInit = {}) =>
    request(path, { ...init, headers: { cookie: `cpr_session=${secret}`, ...(init.headers ?? {}) } });
  const configVersion = async () =>
    ((await (await t.json('GET', '/api/v1/config')).json()) as { version: number }).version;
  const currentConfig = async () =>
    ((await (await t.json('GET', '/api/v1/config')).json()) as { config: unknown }).config;
  const putConfig = async (secret: string, headers: Record<string, string>) =>
    withCookie(secret, '/api/v1/config', {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(await currentConfig()),
    });

  it('signs in: an HttpOnly, SameSite=Strict cookie for the whole site, the login, its expiry and a CSRF token', async () => {
    const who = await newToken('console@example.com');
    const before = Date.now();
    const res = await signIn({ email: 'CONSOLE@example.com', token: who.token });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const cookie = res.headers.get('set-cookie') as string;
    expect(cookie).toMatch(/^cpr_session=[A-Za-z0-9_-]{43};/);
    const attributes = cookie.split(';').map((a) => a.trim());
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    // A browser-session cookie: the server ends the session (and says so), not a cookie expiry.
    expect(attributes.some((a) => /^(Max-Age|Expires)=/i.test(a))).toBe(false);
    expect(attributes).not.toContain('Secure');
    const body = (await res.json()) as Session;
    expect(body).toMatchObject({ success: true, email: 'console@example.com', role: 'operator' });
    expect(body.csrf_token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const expires = Date.parse(body.expires_at as string);
    expect(expires).toBeGreaterThanOrEqual(before + 480 * 60_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 480 * 60_000);
    expect(cookie).not.toContain(body.csrf_token as string);
  });

  it('adds Secure over https, directly or behind a proxy that says so', async () => {
    const who = await newToken('secure@example.com');
    const body = { email: who.email, token: who.token };
    const proxied = await signIn(body, { 'x-forwarded-proto': 'https' });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/);
    const direct = await signIn(body, {}, 'https://localhost/api/v1/session');
    expect(direct.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('answers the session again from its cookie, without a new secret, and logs in other routes with it', async () => {
    const who = await newToken('again@example.com');
    const s = await session(who);
    const again = await withCookie(s.secret, '/api/v1/session');
    expect(again.status).toBe(200);
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(await again.json()).toEqual(s.body);

    const config = await withCookie(s.secret, '/api/v1/config');
    expect(config.status).toBe(200);
    // The SmartPay routes take it too: the cycle does not exist, but the login is accepted.
    const smartpay = await withCookie(s.secret, '/subscriptions/S-1/billing-cycles/BillingCycle-1');
    expect(smartpay.status).toBe(404);
    expect((await request('/subscriptions/S-1/billing-cycles/BillingCycle-1')).status).toBe(401);
  });

  it('answers who a Basic login is, with no CSRF token; and 401 "Not signed in" without either', async () => {
    const res = await request('/api/v1/session', { headers: basic() });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      email: 'ops@example.com',
      role: 'operator',
      expires_at: null,
      csrf_token: null,
    });
    const none = await request('/api/v1/session');
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ success: false, message: SESSION_MESSAGES.missing });
    const unknown = await withCookie('never-issued', '/api/v1/session');
    expect(unknown.status).toBe(401);
    expect(await unknown.json()).toEqual({ success: false, message: SESSION_MESSAGES.ended });
  });

  it("challenges a browser's navigation to Basic auth, never a page script (the console shows its own sign-in)", async () => {
    const navigated = await request('/api/v1/config', { headers: { 'sec-fetch-mode': 'navigate' } });
    expect(navigated.status).toBe(401);
    expect(navigated.headers.get('www-authenticate')).toMatch(/^Basic /);
    for (const mode of ['cors', 'same-origin']) {
      const fetched = await request('/api/v1/config', { headers: { 'sec-fetch-mode': mode } });
      expect(fetched.status).toBe(401);
      expect(fetched.headers.get('www-authenticate')).toBeNull();
    }
  });

  it('refuses a cookie write without or with a wrong X-CSRF-Token (403, nothing written), and does it with the right one', async () => {
    const s = await session(await newToken('csrf@example.com'));
    const version = await configVersion();
    for (const headers of [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': '' }] as Record<
      string,
      string
    >[]) {
      const res = await putConfig(s.secret, headers);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ success: false, message: 'Missing or wrong X-CSRF-Token header' });
    }
    const made = await withCookie(s.secret, '/api/v1/tokens', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'csrf-made@example.com' }),
    });
    expect(made.status).toBe(403);
    expect(await configVersion()).toBe(version);

    const ok = await putConfig(s.secret, { 'x-csrf-token': s.body.csrf_token as string });
    expect(ok.status).toBe(200);
    expect(await configVersion()).toBe(version + 1);
  });

  it("keeps a viewer's session to reading: its writes are 403 even with the CSRF token", async () => {
    const s = await session(await newToken('console-viewer@example.com', 'viewer'));
    expect(s.body.role).toBe('viewer');
    const version = await configVersion();
    const res = await putConfig(s.secret, { 'x-csrf-token': s.body.csrf_token as string });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ success: false, message: VIEWER_MESSAGE });
    expect(await configVersion()).toBe(version);
    expect((await withCookie(s.secret, '/api/v1/config')).status).toBe(200);
    // A viewer may sign out.
    const out = await withCookie(s.secret, '/api/v1/session', {
      method: 'DELETE',
      headers: { 'x-csrf-token': s.body.csrf_token as string },
    });
    expect(out.status).toBe(200);
  });

  it('signs out with the CSRF token: the row goes, the cookie is cleared, the secret logs nobody in', async () => {
    const s = await session(await newToken('out@example.com'));
    const refused = await withCookie(s.secret, '/api/v1/session', { method: 'DELETE' });
    expect(refused.status).toBe(403);
    expect((await withCookie(s.secret, '/api/v1/session')).status).toBe(200);

    const out = await withCookie(s.secret, '/api/v1/session', {
      method: 'DELETE',
      headers: { 'x-csrf-token': s.body.csrf_token as string },
    });
    expect(out.status).toBe(200);
    expect(await out.json()).toEqual({ success: true });
    expect(out.headers.get('set-cookie')).toMatch(/^cpr_session=; Max-Age=0;/);

    for (const path of ['/api/v1/session', '/api/v1/config']) {
      const after = await withCookie(s.secret, path);
      expect(after.status).toBe(401);
      expect(await after.json()).toEqual({ success: false, message: SESSION_MESSAGES.ended });
    }
  });

  it('ends every session of a token the moment the token is revoked', async () => {
    const who = await newToken('revoked@example.com');
    const [a, b] = [await session(who), await session(who)];
    expect((await withCookie(a.secret, '/api/v1/config')).status).toBe(200);
    expect((await t.json('POST', '/api/v1/tokens/revoke', { id: who.id })).status).toBe(200);
    for (const s of [a, b]) {
      const res = await withCookie(s.secret, '/api/v1/session');
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ success: false, message: SESSION_MESSAGES.ended });
      expect((await withCookie(s.secret, '/api/v1/config')).status).toBe(401);
    }
  });

  it('refuses an expired session with the expiry message, on every route, and forgets it', async () => {
    const s = await session(await newToken('expired@example.com'));
    expect(await setSessionExpiry(t.handle.db, sessionId(s.secret), new Date(Date.now() - 1000))).toBe(1);
    const config = await withCookie(s.secret, '/api/v1/config');
    expect(config.status).toBe(401);
    expect(await config.json()).toEqual({ success: false, message: SESSION_MESSAGES.expired });
    // Deleted on the way: the row is gone.
    expect(await setSessionExpiry(t.handle.db, sessionId(s.secret), new Date())).toBe(0);
    expect(await (await withCookie(s.secret, '/api/v1/session')).json()).toEqual({
      success: false,
      message: SESSION_MESSAGES.ended,
    });

    const s2 = await session(await newToken('expired2@example.com'));
    await setSessionExpiry(t.handle.db, sessionId(s2.secret), new Date(Date.now() - 1000));
    const res = await withCookie(s2.secret, '/api/v1/session');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ success: false, message: SESSION_MESSAGES.expired });
  });

  it('refuses bad bodies with 400, listing the problems', async () => {
    for (const body of [
      {},
      { email: 'ops@example.com' },
      { token: TEST_TOKEN },
      { email: 'ops@example.com', token: 42 },
      { email: 'ops@example.com', token: TEST_TOKEN, extra: 1 },
      { email: '', token: '' },
      '{ not json',
      '[]',
    ]) {
      const res = await signIn(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const answer = (await res.json()) as { success: boolean; message: string };
      expect(answer.success).toBe(false);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('never answers a token it was given, in any header or body', () => {
    expect(answers.length).toBeGreaterThan(30);
    for (const token of tokens) for (const answer of answers) expect(answer).not.toContain(token);
  });
});

describe.each<DbKind>(dbKinds)('console sign-in and the failed-login limiter on %s', (kind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp(kind, { failedAuthMax: 2 });
  });
  afterAll(async () => {
    await t.close();
  });
  const signIn = (email: string, token: string) =>
    t.app.request('/api/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, token }),
    });

  it('answers 401 to bad credentials, counted as failed logins until the client is held off', async () => {
    const wrongToken = await signIn('ops@example.com', `${TEST_TOKEN}x`);
    expect(wrongToken.status).toBe(401);
    expect(await wrongToken.json()).toEqual({ success: false, message: 'Invalid credentials' });
    expect(wrongToken.headers.get('set-cookie')).toBeNull();
    const wrongEmail = await signIn('someone@example.com', TEST_TOKEN);
    expect(wrongEmail.status).toBe(401);
    // Two failures: even the right login waits now, and so does Basic.
    const held = await signIn('ops@example.com', TEST_TOKEN);
    expect(held.status).toBe(429);
    expect(held.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await t.app.request('/api/v1/config', { headers: basic() })).status).toBe(429);
  });
});
