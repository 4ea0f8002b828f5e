import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { verifyCredentials, verifyToken } from '../auth/tokens';
import type { Db } from '../db/client';
import type { AppEnv } from './context';
import { ApiError } from './errors';
import type { FailedAuthLimiter } from './failed-auth-limiter';

function clientKey(c: Context): string {
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

interface Scheme {
  /** The user's email, null for bad credentials, undefined when none were sent. */
  verify(c: Context, db: Db): Promise<string | null | undefined>;
  missing: string;
  invalid: string;
  challenge?: Record<string, string>;
}

function authenticate(
  deps: { db: Db; limiter: FailedAuthLimiter },
  scheme: Scheme,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const client = clientKey(c);
    const wait = deps.limiter.blocked(client);
    if (wait !== null) {
      throw new ApiError(429, 'Too many failed authentication attempts; try again later', undefined, {
        'Retry-After': String(wait),
      });
    }
    const email = await scheme.verify(c, deps.db);
    if (!email) {
      deps.limiter.fail(client);
      throw new ApiError(
        401,
        email === undefined ? scheme.missing : scheme.invalid,
        undefined,
        scheme.challenge,
      );
    }
    c.set('user', email);
    await next();
  };
}

/** HTTP Basic (user = email, password = API token), as Zuora's CPR API takes it. */
export function basicAuth(deps: { db: Db; limiter: FailedAuthLimiter }): MiddlewareHandler<AppEnv> {
  return authenticate(deps, {
    async verify(c, db) {
      const header = c.req.header('authorization');
      if (!header) return undefined;
      const creds = parseBasic(header);
      return creds ? await verifyCredentials(db, creds.user, creds.password) : null;
    },
    missing: 'Authentication required: HTTP Basic with your email and API token',
    invalid: 'Invalid credentials',
    challenge: { 'WWW-Authenticate': 'Basic realm="payment-retry", charset="UTF-8"' },
  });
}

/** `x-api-key: <token>`, as the SmartPay-style routes take it; the same tokens as Basic auth. */
export function apiKeyAuth(deps: { db: Db; limiter: FailedAuthLimiter }): MiddlewareHandler<AppEnv> {
  return authenticate(deps, {
    async verify(c, db) {
      const key = c.req.header('x-api-key');
      if (!key) return undefined;
      return await verifyToken(db, key);
    },
    missing: 'The x-api-key header is required',
    invalid: 'Invalid API key',
  });
}
