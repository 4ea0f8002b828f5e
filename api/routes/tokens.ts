import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { TokenCache } from '../../auth/token-cache';
import { createToken, revokeTokens } from '../../auth/tokens';
import { listTokens } from '../../db/api-tokens';
import type { Db } from '../../db/client';
import { ROLES } from '../../domain/role';
import type { AppEnv } from '../context';
import { ApiError, errorSchema } from '../errors';
import { badRequest, basicSecurity, forbidden, jsonResponse, unauthorized } from '../responses';

// API tokens, for operators: the CLI goes through these while `npm start` owns the embedded database
// (it cannot open it itself), and they work the same against any deployment. Any login may manage
// tokens, an operator may also make and revoke them (a viewer only lists them: api/roles.ts). A
// revoked token is refused on its very next request: this process forgets its cached logins before it
// answers, and every other process when the database's notification reaches it (auth/token-cache.ts).

/** The CLI's rule for an email: something@something, no spaces; Zod's email() refuses dev@localhost. */
const emailSchema = z
  .string()
  .max(254)
  .regex(/^[^\s@]+@[^\s@]+$/, 'an email address')
  .openapi({ example: 'ops@example.com' });

const roleSchema = z.enum(ROLES).openapi({
  description: '`viewer` reads everything and changes nothing; `operator` may change everything',
  example: 'operator',
});

const createdSchema = z
  .object({
    success: z.literal(true),
    id: z.number().int(),
    email: z.string(),
    role: roleSchema,
    token: z.string().openapi({ description: 'The token itself: shown this once, stored only as a digest' }),
  })
  .openapi('CreatedApiToken');

const tokenInfoSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    prefix: z.string().openapi({ description: 'The first characters of the token, to tell tokens apart' }),
    role: roleSchema,
    created_at: z.string().openapi({ example: '2026-11-22T10:00:00.000Z' }),
  })
  .openapi('ApiToken');

const revokeSchema = z
  .object({
    id: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
    email: emailSchema.optional(),
    token: z.string().min(1).max(1000).optional(),
  })
  .strict()
  .refine((b) => [b.id, b.email, b.token].filter((v) => v !== undefined).length === 1, {
    message: 'exactly one of id, email or token',
  })
  .openapi('RevokeApiTokens', {
    description: 'One token by its id or by the token itself, or every token of an email.',
    example: { email: 'former-colleague@example.com' },
  });

const createTokenRoute = createRoute({
  method: 'post',
  path: '/api/v1/tokens',
  tags: ['API tokens'],
  summary: 'Create an API token (the user is created if new)',
  security: basicSecurity,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ email: emailSchema, role: roleSchema.optional().openapi({ default: 'operator' }) })
            .strict()
            .openapi('NewApiToken'),
        },
      },
    },
  },
  responses: {
    201: jsonResponse(createdSchema, 'Created'),
    400: badRequest,
    401: unauthorized,
    403: forbidden,
  },
});

const listTokensRoute = createRoute({
  method: 'get',
  path: '/api/v1/tokens',
  tags: ['API tokens'],
  summary: 'Every API token, without the secrets',
  security: basicSecurity,
  responses: {
    200: jsonResponse(
      z.object({ success: z.literal(true), tokens: z.array(tokenInfoSchema) }).openapi('ApiTokens'),
      'The tokens, oldest first',
    ),
    401: unauthorized,
  },
});

const revokeTokensRoute = createRoute({
  method: 'post',
  path: '/api/v1/tokens/revoke',
  tags: ['API tokens'],
  summary: 'Revoke tokens by id, by token or by email',
  description:
    'Refused from the very next request on, including the token that revokes itself. A body, not a path, so a token never ends up in an access log.',
  security: basicSecurity,
  request: { body: { required: true, content: { 'application/json': { schema: revokeSchema } } } },
  responses: {
    200: jsonResponse(
      z.object({ success: z.literal(true), revoked: z.number().int().min(1) }).openapi('RevokedApiTokens'),
      'Revoked',
    ),
    400: badRequest,
    401: unauthorized,
    403: forbidden,
    404: jsonResponse(errorSchema, 'No token matched'),
  },
});

export function registerTokenRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Db; tokenCache?: TokenCache | undefined },
) {
  const { db, tokenCache } = deps;

  app.openapi(createTokenRoute, async (c) => {
    const { email, role = 'operator' } = c.req.valid('json');
    const { id, token } = await createToken(db, email, role);
    c.header('Cache-Control', 'no-store');
    c.get('log').info({ tokenId: id, email, role, by: c.get('user') }, 'api token created');
    return c.json({ success: true as const, id, email, role, token }, 201);
  });

  app.openapi(listTokensRoute, async (c) => {
    const tokens = (await listTokens(db)).map((t) => ({
      id: t.id,
      email: t.email,
      prefix: t.prefix,
      role: t.role,
      created_at: t.createdAt.toISOString(),
    }));
    return c.json({ success: true as const, tokens }, 200);
  });

  app.openapi(revokeTokensRoute, async (c) => {
    const body = c.req.valid('json');
    const what =
      body.id !== undefined
        ? { id: body.id }
        : body.email !== undefined
          ? { email: body.email }
          : { token: body.token as string };
    const revoked = await revokeTokens(db, what);
    if (revoked === 0) throw new ApiError(404, 'No token matched');
    // Not left to the notification, which may reach this process after its next request.
    tokenCache?.invalidate('revoked through the API');
    c.get('log').info(
      { revoked, by: c.get('user'), ...('id' in what ? { tokenId: what.id } : {}) },
      'api tokens revoked',
    );
    return c.json({ success: true as const, revoked }, 200);
  });
}
