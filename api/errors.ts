import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { formatPath } from '../policy';

// Zuora shows one error shape, so every error we answer has it; validation errors add the list of
// problems, each with a path such as `customer_groups[1].attempts[0]`.
export const errorItemSchema = z.object({ path: z.string(), message: z.string() }).openapi('ErrorItem');
export const errorSchema = z
  .object({
    success: z.literal(false),
    message: z.string(),
    errors: z.array(errorItemSchema).optional(),
  })
  .openapi('Error');

export type ErrorItem = z.infer<typeof errorItemSchema>;

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly errors?: ErrorItem[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorJson(c: Context, status: ContentfulStatusCode, message: string, errors?: ErrorItem[]) {
  return c.json({ success: false as const, message, ...(errors ? { errors } : {}) }, status);
}

export function zodErrorItems(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []) {
  return issues.map((issue) => ({
    path: formatPath([...prefix, ...issue.path]) || '(root)',
    message: issue.message,
  }));
}
