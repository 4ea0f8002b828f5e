import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Db } from '../../db/client';
import {
  configVersion,
  currentConfig,
  listConfigVersions,
  PG_INTEGER_MAX,
  saveConfig,
  VersionConflictError,
} from '../../db/config-versions';
import {
  PolicyInputError,
  preview,
  type RetryConfig,
  retryConfigBaseSchema,
  type ValidationResult,
  validateConfig,
} from '../../policy';
import type { AppEnv } from '../context';
import { ApiError, errorSchema, zodErrorItems } from '../errors';
import { basicSecurity, forbidden, jsonResponse } from '../responses';

// The retry configuration: one versioned JSON document, edited whole. Every edit is validated by the
// same pure policy code the workflows run, and stored as a new version; cycles keep the version they
// started with.

const storedConfigSchema = z
  .object({
    version: z.number().int().openapi({ example: 3 }),
    config: retryConfigBaseSchema,
    updated_at: z.string().openapi({ example: '2026-11-22T10:00:00.000Z' }),
    updated_by: z.string().openapi({ example: 'ops@example.com' }),
  })
  .openapi('StoredRetryConfig');

const warningsSchema = z
  .array(z.object({ path: z.string(), message: z.string() }))
  .openapi({ description: 'What is valid but probably not meant, each with its path (as /config/validate)' });

const savedConfigSchema = storedConfigSchema.extend({ warnings: warningsSchema }).openapi('SavedRetryConfig');

const validSchema = z
  .object({
    success: z.literal(true),
    message: z.string(),
    warnings: warningsSchema,
  })
  .openapi('ConfigValidation');

const previewRequestSchema = z
  .object({
    gateway_id: z.string().min(1),
    gateway_response_code: z.string().min(1),
    gateway_response_message: z.string().optional(),
    attempt_number: z.number().int().min(1).max(1000),
    account: z.record(z.string(), z.unknown()).optional(),
    failed_at: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Default: now' }),
    customer_group_id: z.number().int().optional(),
    config: retryConfigBaseSchema.optional().openapi({
      description:
        'A draft: a full configuration document (as PUT /api/v1/config takes) to preview instead of the saved one. It is validated as /api/v1/config/validate does (nothing is stored); its problems answer 400 with their paths under `config.`.',
    }),
  })
  .openapi('ConfigPreviewRequest', {
    example: {
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      gateway_response_message: 'Your card has insufficient funds.',
      attempt_number: 1,
      account: { country: 'US', balance: 800 },
      failed_at: '2026-11-22T10:00:00.000Z',
    },
  });

const previewResponseSchema = z
  .object({
    customer_group: z.object({ id: z.number(), name: z.string() }),
    label: z.string(),
    level: z.enum(['code', 'description']),
    never_retry: z.boolean(),
    mapping_source: z.string(),
    action: z.enum(['Retry', 'Stop']),
    reason: z.string().nullable(),
    criteria: z.string().nullable(),
    next_attempt: z.string().nullable().openapi({ description: 'UTC, ISO-8601 with milliseconds' }),
    next_local: z
      .string()
      .nullable()
      .openapi({ description: 'The same instant in the configured time zone' }),
    webhook: z.string().nullable(),
    detail: z.string(),
    schedule: z.array(z.object({ attempt_number: z.number(), at: z.string(), local: z.string() })),
    ends: z.object({ after_attempt: z.number(), reason: z.string(), webhook: z.string().nullable() }),
    config_version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The saved version previewed; null for a draft (`config` in the request)' }),
  })
  .loose()
  .openapi('ConfigPreview');

const json = jsonResponse;
const errors = {
  400: json(errorSchema, 'Invalid request; `errors` lists every problem with its path'),
  401: json(errorSchema, 'Missing or bad credentials'),
};
const security = basicSecurity;

const getConfig = createRoute({
  method: 'get',
  path: '/api/v1/config',
  tags: ['Retry configuration'],
  summary: 'The current retry configuration and its version',
  security,
  responses: { 200: json(storedConfigSchema, 'The current version (ETag = version)'), 401: errors[401] },
});

const configBody = {
  required: true,
  content: { 'application/json': { schema: retryConfigBaseSchema } },
} as const;

const putConfig = createRoute({
  method: 'put',
  path: '/api/v1/config',
  tags: ['Retry configuration'],
  summary: 'Replace the retry configuration (stored as a new version)',
  description:
    'Validates the whole document (schema and cross-field rules) and stores it as the next version; nothing is stored when any problem is found. `If-Match: <version>` (bare or quoted) makes the write conditional. The new version applies to the next cycle that starts; running cycles keep theirs.',
  security,
  request: {
    headers: z.object({ 'if-match': z.string().optional().openapi({ example: '"3"' }) }),
    body: configBody,
  },
  responses: {
    200: json(savedConfigSchema, 'Stored, with the warnings of its validation'),
    ...errors,
    403: forbidden,
    412: json(errorSchema, 'If-Match does not name the current version'),
  },
});

const validate = createRoute({
  method: 'post',
  path: '/api/v1/config/validate',
  tags: ['Retry configuration'],
  summary: 'Dry run: validate a configuration document without storing it',
  security,
  request: { body: configBody },
  responses: { 200: json(validSchema, 'Valid'), ...errors },
});

const getVersion = createRoute({
  method: 'get',
  path: '/api/v1/config/versions/{n}',
  tags: ['Retry configuration'],
  summary: 'An earlier version, with who stored it and when',
  security,
  description:
    'Versions are numbered from 1. `n` must be digits only (400 otherwise); a number past any stored version, however large, answers 404.',
  request: {
    params: z.object({
      n: z
        .string()
        .regex(/^\d{1,30}$/, 'a version number: digits only')
        .transform(Number)
        .pipe(z.number().min(1, 'versions are numbered from 1'))
        .openapi({ param: { name: 'n', in: 'path' }, example: '1' }),
    }),
  },
  responses: {
    200: json(storedConfigSchema, 'That version'),
    ...errors,
    404: json(errorSchema, 'No such version (including any number past the versions a database can hold)'),
  },
});

const listVersions = createRoute({
  method: 'get',
  path: '/api/v1/config/versions',
  operationId: 'GET_ConfigVersions',
  tags: ['Retry configuration'],
  summary: 'The stored versions, newest first, with who stored each and when',
  description:
    '`limit` (1–200, default 50) versions per page; `before` lists only versions numbered below it. `next_before` is the `before` of the next page, null on the last. Version 1 is the shipped default, stored by `system`.',
  security,
  request: {
    query: z.object({
      limit: z
        .string()
        .regex(/^\d{1,3}$/, 'an integer from 1 to 200')
        .transform(Number)
        .pipe(z.number().int().min(1).max(200))
        .optional()
        .openapi({ param: { name: 'limit', in: 'query' }, example: '50' }),
      before: z
        .string()
        .regex(/^\d{1,30}$/, 'a version number: digits only')
        .transform(Number)
        .pipe(z.number().min(1, 'versions are numbered from 1'))
        .optional()
        .openapi({ param: { name: 'before', in: 'query' }, example: '12' }),
    }),
  },
  responses: {
    200: json(
      z
        .object({
          success: z.literal(true),
          versions: z.array(
            z.object({
              version: z.number().int().openapi({ example: 3 }),
              created_at: z.string().openapi({ example: '2026-11-22T10:00:00.000Z' }),
              created_by: z.string().nullable().openapi({ example: 'ops@example.com' }),
            }),
          ),
          next_before: z.number().int().nullable().openapi({ example: 3 }),
        })
        .openapi('ConfigVersionList'),
      'One page of versions',
    ),
    ...errors,
  },
});

const previewRoute = createRoute({
  method: 'post',
  path: '/api/v1/config/preview',
  tags: ['Retry configuration'],
  summary: 'What the current rules, or a draft, would do with a failed payment',
  description:
    'Chooses the customer group, maps the response code, and returns the action and the next attempt time, plus the rest of the schedule if every later attempt failed the same way. With `config` it previews that draft (validated first, nothing stored) instead of the saved configuration.',
  security,
  request: { body: { required: true, content: { 'application/json': { schema: previewRequestSchema } } } },
  responses: { 200: json(previewResponseSchema, 'The decision'), ...errors },
});

const problemsOf = (result: Extract<ValidationResult, { ok: false }>) =>
  result.errors.map((e) => ({ path: e.path || '(root)', message: e.message }));
const summary = (items: { path: string; message: string }[]) =>
  items.map((e) => `${e.path}: ${e.message}`).join('; ');

function invalid(result: Extract<ValidationResult, { ok: false }>): never {
  const items = problemsOf(result);
  throw new ApiError(400, `Invalid configuration: ${summary(items)}`, items);
}

/** `3`, `"3"` and `W/"3"` all name version 3; `*` names whatever is current. */
export function parseIfMatch(header: string): number | '*' | null {
  const value = header.trim();
  if (value === '*') return '*';
  const match = /^(?:W\/)?"?(\d{1,9})"?$/.exec(value);
  return match?.[1] ? Number(match[1]) : null;
}

async function loadCurrent(db: Db) {
  const stored = await currentConfig<RetryConfig>(db);
  if (!stored) throw new ApiError(503, 'No retry configuration is stored yet');
  return stored;
}

/** A draft's problems, with paths under `config` (where they are in the preview request). */
const underConfig = (items: { path: string; message: string }[]) =>
  items.map((e) => ({
    path: e.path === '(root)' ? 'config' : `config${e.path.startsWith('[') ? '' : '.'}${e.path}`,
    message: e.message,
  }));

/** The saved configuration, or the validated draft (version null). */
async function previewedConfig(
  db: Db,
  draft: unknown,
): Promise<{ config: RetryConfig; version: number | null }> {
  if (draft === undefined) {
    const stored = await loadCurrent(db);
    return { config: stored.config, version: stored.version };
  }
  const previous = (await currentConfig<RetryConfig>(db))?.config;
  const result = validateConfig(draft, previous ? { previous } : {});
  if (!result.ok) {
    const items = underConfig(problemsOf(result));
    throw new ApiError(400, `Invalid draft configuration: ${summary(items)}`, items);
  }
  return { config: result.config, version: null };
}

/** On a schema failure the hook re-validates the raw body, so cross-field problems are listed too. */
async function validateRawBody(c: Context, previous: RetryConfig | undefined) {
  const body: unknown = await c.req.json().catch(() => undefined);
  const result = validateConfig(body, previous ? { previous } : {});
  if (!result.ok) invalid(result);
  return result;
}

export function registerConfigRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  // On a schema failure, re-validate the raw body so cross-field problems are listed too.
  const fullValidation = (result: { success: true } | { success: false; error: z.ZodError }, c: Context) => {
    if (result.success) return undefined;
    return (async () => {
      const previous = (await currentConfig<RetryConfig>(db))?.config;
      // No body, or not JSON: validateConfig(undefined) lists what a configuration needs.
      const full = validateConfig(await c.req.json().catch(() => undefined), previous ? { previous } : {});
      const items = full.ok ? zodErrorItems(result.error.issues) : problemsOf(full);
      return c.json(
        { success: false as const, message: `Invalid configuration: ${summary(items)}`, errors: items },
        400 as const,
      );
    })();
  };

  app.openapi(getConfig, async (c) => {
    const stored = await loadCurrent(db);
    c.header('ETag', `"${stored.version}"`);
    return c.json(stored, 200);
  });

  app.openapi(
    putConfig,
    async (c) => {
      const current = await loadCurrent(db);
      const ifMatch = c.req.valid('header')['if-match'];
      let expected: number | undefined;
      if (ifMatch !== undefined) {
        const parsed = parseIfMatch(ifMatch);
        if (parsed === null || (parsed !== '*' && parsed !== current.version)) {
          throw new ApiError(
            412,
            `If-Match ${ifMatch} does not match the current version ${current.version}`,
          );
        }
        expected = current.version;
      }
      const result = await validateRawBody(c, current.config);
      try {
        const stored = await saveConfig(db, result.config, c.get('user'), expected);
        c.header('ETag', `"${stored.version}"`);
        return c.json({ ...stored, warnings: result.warnings }, 200);
      } catch (err) {
        if (err instanceof VersionConflictError) {
          throw new ApiError(412, `The configuration changed meanwhile; it is now at version ${err.current}`);
        }
        throw err;
      }
    },
    fullValidation,
  );

  app.openapi(
    validate,
    async (c) => {
      const previous = (await currentConfig<RetryConfig>(db))?.config;
      const result = await validateRawBody(c, previous);
      return c.json(
        { success: true as const, message: 'The configuration is valid', warnings: result.warnings },
        200,
      );
    },
    fullValidation,
  );

  app.openapi(getVersion, async (c) => {
    const { n } = c.req.valid('param');
    const stored = await configVersion<RetryConfig>(db, n);
    if (!stored) throw new ApiError(404, `No configuration version ${n}`);
    return c.json(stored, 200);
  });

  app.openapi(listVersions, async (c) => {
    const { limit, before } = c.req.valid('query');
    // Past any integer version every stored one is below it.
    const page = await listConfigVersions(db, {
      limit: limit ?? 50,
      ...(before === undefined ? {} : { before: Math.min(before, PG_INTEGER_MAX) }),
    });
    return c.json({ success: true as const, versions: page.versions, next_before: page.nextBefore }, 200);
  });

  // A draft that fails the schema is re-validated whole, so its cross-field problems are listed too.
  const previewValidation = (
    result: { success: true } | { success: false; error: z.ZodError },
    c: Context,
  ) => {
    if (result.success) return undefined;
    return (async () => {
      const body: unknown = await c.req.json().catch(() => undefined);
      const draft =
        typeof body === 'object' && body !== null ? (body as { config?: unknown }).config : undefined;
      const others = zodErrorItems(result.error.issues.filter((i) => i.path[0] !== 'config'));
      const previous = (await currentConfig<RetryConfig>(db))?.config;
      const full = draft === undefined ? undefined : validateConfig(draft, previous ? { previous } : {});
      const drafts =
        full && !full.ok
          ? underConfig(problemsOf(full))
          : zodErrorItems(result.error.issues.filter((i) => i.path[0] === 'config'));
      const items = [...others, ...drafts];
      return c.json(
        { success: false as const, message: `Invalid request: ${summary(items)}`, errors: items },
        400 as const,
      );
    })();
  };

  app.openapi(
    previewRoute,
    async (c) => {
      const { config: draft, ...body } = c.req.valid('json');
      const { config, version } = await previewedConfig(db, draft);
      try {
        const result = preview(config, {
          ...body,
          failed_at: body.failed_at ? new Date(body.failed_at).toISOString() : now().toISOString(),
        });
        return c.json({ ...result, config_version: version }, 200);
      } catch (err) {
        if (err instanceof PolicyInputError) {
          throw new ApiError(400, err.message, [{ path: err.field, message: err.message }]);
        }
        throw err;
      }
    },
    previewValidation,
  );
}
