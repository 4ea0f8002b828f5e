import type { z } from '@hono/zod-openapi';
import { errorSchema } from './errors';

// The pieces every route definition repeats: a JSON response, and the error answers in our one shape.

export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

export const badRequest = jsonResponse(
  errorSchema,
  'Invalid request; `errors` lists every problem with its path',
);
export const unauthorized = jsonResponse(errorSchema, 'Missing or bad credentials');
export const forbidden = jsonResponse(
  errorSchema,
  'The login may not do this: a `viewer` token reads everything and changes nothing',
);
/** Basic auth, or the console's session cookie (api/routes/session.ts). */
export const basicSecurity: Record<string, string[]>[] = [{ basicAuth: [] }, { sessionCookie: [] }];
