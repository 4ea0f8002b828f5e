import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrfMatches, findSession, type SessionLookup } from '../auth/sessions';
import type { TokenCache } from '../auth/token-cache';
import { type Login, verifyCredentials, verifyToken } from '../auth/tokens';
import type { Db } from '../db/client';
import type { AppEnv } from './context';
import { ApiError } from './errors';
import type { FailedAuthLimiter } from './failed-auth-limiter';

/** The console's session cookie (api/routes/session.ts sets it). */
export const SESSION_COOKIE = 'cpr_session';

/** Why a session cookie logs nobody in; the console shows the message on its sign-in page. */
export const SESSION_MESSAGES = {
  missing: 'Not signed in',
  expired: 'Your session has expired; sign in again',
  ended: 'Your session has ended (signed out, or the token was revoked); sign in again',
} as const;

export const CSRF_MESSAGE = 'Missing or wrong X-CSRF-Token header';

/** The methods that change nothing: no CSRF token needed, and a viewer may use them. */
export const READ_METHODS: readonly string[] = ['GET', 'HEAD', 'OPTIONS'];
export const isReadMethod = (method: string) => READ_METHODS.includes(method.toUpperCase());

export function clientKey(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    // app.request() in tests has no socket.
    return 'local';
  }
}

export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** 429 while the client has failed to log in too often. */
export function refuseWhileBlocked(limiter: FailedAuthLimiter, client: string): void {
  const wait = limiter.blocked(client);
  if (wait !== null) {
    throw new ApiError(429, 'Too many failed authentication attempts; try again later', undefined, {
      'Retry-After': String(wait),
    });
  }
}

/**
 * The console's session behind the request's cookie, or undefined without a cookie. A session that
 * has ended or expired is a 401 with the message the console shows on its sign-in page; a cookie that
 * was never issued (or whose token was revoked) counts as a failed login, an expired one was genuine.
 */
export async function cookieSession(
  c: Context,
  deps: { db: Db; limiter: FailedAuthLimiter },
): Promise<Extract<SessionLookup, { status: 'active' }> | undefined> {
  const cookie = getCookie(c, SESSION_COOKIE);
  if (!cookie) return undefined;
  const found = await findSession(deps.db, cookie);
  if (found.status === 'active') return found;
  if (found.status === 'ended') deps.limiter.fail(clientKey(c));
  throw new ApiError(401, SESSION_MESSAGES[found.status]);
}

/**
 * 403 unless a cookie's write carries the session's CSRF token in `X-CSRF-Token`: a cross-site page
 * can make the browser send the cookie, never the header, as it cannot read the token.
 */
export function requireCsrf(c: Context, session: { csrfToken: string }): void {
  if (!isReadMethod(c.req.method) && !csrfMatches(session.csrfToken, c.req.header('x-csrf-token'))) {
    throw new ApiError(403, CSRF_MESSAGE);
  }
}

/** The login of the session cookie (its writes CSRF-checked), or undefined without a cookie. */
async function sessionCookieLogin(
  c: Context,
  deps: { db: Db; limiter: FailedAuthLimiter },
): Promise<Login | undefined> {
  const session = await cookieSession(c, deps);
  if (!session) return undefined;
  requireCsrf(c, session);
  return session.login;
}

/**
 * Whether a page's script sent the request (fetch/XHR say `Sec-Fetch-Mode: cors` or `same-origin`): it
 * gets no Basic challenge, which would make the browser open its own login dialog over the console
 * instead of letting the console show its sign-in page.
 */
const fromScript = (c: Context) => {
  const mode = c.req.header('sec-fetch-mode');
  return mode !== undefined && mode !== 'navigate';
};

/** What the auth middlewares need; without `tokenCache` every request looks its token up. */
export interface AuthDeps {
  db: Db;
  limiter: FailedAuthLimiter;
  tokenCache?: TokenCache | undefined;
}

interface Scheme {
  /** The login, null for bad credentials, undefined when none were sent. */
  verify(c: Context, deps: AuthDeps): Promise<Login | null | undefined>;
  missing: string;
  invalid: string;
  challenge?: Record<string, string>;
}

function authenticate(deps: AuthDeps, scheme: Scheme): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const client = clientKey(c);
    refuseWhileBlocked(deps.limiter, client);
    // The scheme's own header first; without it, the console's session cookie.
    const sent = await scheme.verify(c, deps);
    const login = sent === undefined ? await sessionCookieLogin(c, deps) : sent;
    if (!login) {
      deps.limiter.fail(client);
      throw new ApiError(
        401,
        login === undefined ? scheme.missing : scheme.invalid,
        undefined,
        fromScript(c) ? undefined : scheme.challenge,
      );
    }
    c.set('user', login.email);
    c.set('role', login.role);
    await next();
  };
}

/** HTTP Basic (user = email, password = API token), as Zuora's CPR API takes it; or the session cookie. */
export function basicAuth(deps: AuthDeps): MiddlewareHandler<AppEnv> {
  return authenticate(deps, {
    async verify(c, { db, tokenCache }) {
      const header = c.req.header('authorization');
      if (!header) return undefined;
      const creds = parseBasic(header);
      if (!creds) return null;
      return tokenCache
        ? await tokenCache.verifyCredentials(db, creds.user, creds.password)
        : await verifyCredentials(db, creds.user, creds.password);
    },
    missing: 'Authentication required: HTTP Basic with your email and API token',
    invalid: 'Invalid credentials',
    challenge: { 'WWW-Authenticate': 'Basic realm="payment-retry", charset="UTF-8"' },
  });
}

/** `x-api-key: <token>`, as the SmartPay-style routes take it (the same tokens as Basic auth); or the session cookie. */
export function apiKeyAuth(deps: AuthDeps): MiddlewareHandler<AppEnv> {
  return authenticate(deps, {
    async verify(c, { db, tokenCache }) {
      const key = c.req.header('x-api-key');
      if (!key) return undefined;
      return tokenCache ? await tokenCache.verifyToken(db, key) : await verifyToken(db, key);
    },
    missing: 'The x-api-key header is required',
    invalid: 'Invalid API key',
  });
}
