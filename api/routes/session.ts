import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { closeSession, openSession } from '../../auth/sessions';
import { tokenLogin, verifyCredentials } from '../../auth/tokens';
import type { Db } from '../../db/client';
import { ROLES } from '../../domain/role';
import {
  clientKey,
  cookieSession,
  parseBasic,
  refuseWhileBlocked,
  requireCsrf,
  SESSION_COOKIE,
  SESSION_MESSAGES,
} from '../auth';
import type { AppEnv } from '../context';
import { ApiError, errorSchema } from '../errors';
import type { FailedAuthLimiter } from '../failed-auth-limiter';
import { badRequest, jsonResponse } from '../responses';

// The operator console's sign-in: email and token once, then an HttpOnly, SameSite=Strict cookie
// holding a random session secret (auth/sessions.ts), so the page keeps neither the token nor the
// secret where a script could read them. These routes answer before the `/api/*` auth middleware:
// signing in needs no login yet, and each checks what it needs itself.

export const DEFAULT_SESSION_TTL_MINUTES = 480;

const tags = ['Console session'];
const cookieSecurity = [{ sessionCookie: [] }];

const sessionSchema = z
  .object({
    success: z.literal(true),
    email: z.string(),
    role: z.enum(ROLES),
    expires_at: z
      .string()
      .nullable()
      .openapi({ description: 'When the session ends (UTC, ISO-8601); null for a Basic login' }),
    csrf_token: z.string().nullable().openapi({
      description:
        'Send it as `X-CSRF-Token` on every write made with the session cookie; null for a Basic login',
    }),
  })
  .openapi('ConsoleSession');

const signInSchema = z
  .object({
    email: z.string().min(1).max(254).openapi({ example: 'ops@example.com' }),
    token: z.string().min(1).max(1000).openapi({ description: 'An API token of that email' }),
  })
  .strict()
  .openapi('ConsoleSignIn');

const e401 = jsonResponse(
  errorSchema,
  `Not signed in: \`${SESSION_MESSAGES.missing}\`, \`${SESSION_MESSAGES.expired}\`, \`${SESSION_MESSAGES.ended}\`, or \`Invalid credentials\``,
);

const signInRoute = createRoute({
  method: 'post',
  path: '/api/v1/session',
  tags,
  summary: 'Sign in to the console with an email and API token',
  description: `Sets the cookie \`${SESSION_COOKIE}\` (HttpOnly, SameSite=Strict, Path=/, Secure over https) holding the session secret; the token is never echoed. The session ends at \`expires_at\` (SESSION_TTL_MINUTES), at sign-out, or when its token is revoked. Bad credentials count as a failed login.`,
  request: { body: { required: true, content: { 'application/json': { schema: signInSchema } } } },
  responses: {
    200: jsonResponse(sessionSchema, 'Signed in'),
    400: badRequest,
    401: jsonResponse(errorSchema, '`Invalid credentials`'),
    429: jsonResponse(errorSchema, 'Too many failed logins from this client'),
  },
});

const currentSessionRoute = createRoute({
  method: 'get',
  path: '/api/v1/session',
  tags,
  summary: 'Who the session cookie (or Basic login) is, with its CSRF token',
  description:
    'The same answer as the sign-in, without a new secret: what a reloaded console asks first. With Basic auth it answers the login with `expires_at` and `csrf_token` null.',
  security: [...cookieSecurity, { basicAuth: [] }],
  responses: {
    200: jsonResponse(sessionSchema, 'Signed in'),
    401: e401,
    429: jsonResponse(errorSchema, 'Too many failed logins from this client'),
  },
});

const signOutRoute = createRoute({
  method: 'delete',
  path: '/api/v1/session',
  tags,
  summary: 'Sign out: end the session and clear its cookie',
  description: 'Needs `X-CSRF-Token`, as every write with the session cookie does.',
  security: cookieSecurity,
  responses: {
    200: jsonResponse(z.object({ success: z.literal(true) }).openapi('SignedOut'), 'Signed out'),
    401: e401,
    403: jsonResponse(errorSchema, 'Missing or wrong `X-CSRF-Token`'),
  },
});

/** Over https (directly, or as the proxy in front says) the cookie is sent only over https. */
const overHttps = (c: Context) =>
  new URL(c.req.url).protocol === 'https:' ||
  c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';

const cookieOptions = (c: Context) =>
  ({ httpOnly: true, sameSite: 'Strict', path: '/', ...(overHttps(c) ? { secure: true } : {}) }) as const;

export function registerSessionRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Db; limiter: FailedAuthLimiter; ttlMinutes?: number },
) {
  const { db, limiter } = deps;
  const ttlMinutes = deps.ttlMinutes ?? DEFAULT_SESSION_TTL_MINUTES;

  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description:
      'The console session (`POST /api/v1/session`); every write with it needs the `X-CSRF-Token` header.',
  });

  app.openapi(signInRoute, async (c) => {
    const client = clientKey(c);
    refuseWhileBlocked(limiter, client);
    const { email, token } = c.req.valid('json');
    const login = await tokenLogin(db, email, token);
    if (!login) {
      limiter.fail(client);
      throw new ApiError(401, 'Invalid credentials');
    }
    const opened = await openSession(db, login.tokenId, ttlMinutes);
    // A browser-session cookie (no Max-Age): the server alone ends it at its expiry, so the console
    // can say "expired" instead of a cookie silently gone ("not signed in").
    setCookie(c, SESSION_COOKIE, opened.secret, cookieOptions(c));
    c.header('Cache-Control', 'no-store');
    c.get('log').info({ email: login.email, role: login.role }, 'console session opened');
    return c.json(
      {
        success: true as const,
        email: login.email,
        role: login.role,
        expires_at: opened.expiresAt.toISOString(),
        csrf_token: opened.csrfToken,
      },
      200,
    );
  });

  app.openapi(currentSessionRoute, async (c) => {
    const client = clientKey(c);
    refuseWhileBlocked(limiter, client);
    c.header('Cache-Control', 'no-store');
    const header = c.req.header('authorization');
    if (header) {
      const creds = parseBasic(header);
      const login = creds ? await verifyCredentials(db, creds.user, creds.password) : null;
      if (!login) {
        limiter.fail(client);
        throw new ApiError(401, 'Invalid credentials');
      }
      return c.json({ success: true as const, ...login, expires_at: null, csrf_token: null }, 200);
    }
    const session = await cookieSession(c, { db, limiter });
    if (!session) throw new ApiError(401, SESSION_MESSAGES.missing);
    return c.json(
      {
        success: true as const,
        ...session.login,
        expires_at: session.expiresAt.toISOString(),
        csrf_token: session.csrfToken,
      },
      200,
    );
  });

  app.openapi(signOutRoute, async (c) => {
    refuseWhileBlocked(limiter, clientKey(c));
    let session: Awaited<ReturnType<typeof cookieSession>>;
    try {
      session = await cookieSession(c, { db, limiter });
    } catch (err) {
      // Already over: the browser's cookie goes too, so the console lands on its sign-in page.
      if (err instanceof ApiError && err.status === 401) {
        deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
        return c.json({ success: false as const, message: err.message }, 401);
      }
      throw err;
    }
    if (!session) throw new ApiError(401, SESSION_MESSAGES.missing);
    requireCsrf(c, session);
    // A session was found, so the cookie is there.
    await closeSession(db, getCookie(c, SESSION_COOKIE) as string);
    deleteCookie(c, SESSION_COOKIE, cookieOptions(c));
    c.get('log').info({ email: session.login.email }, 'console session closed');
    return c.json({ success: true as const }, 200);
  });
}
