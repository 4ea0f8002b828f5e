import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';

/**
 * The route template that answers this request (`/api/v1/payments/invoice_cycle_history/:invoice_id`),
 * never its raw path, so ids cannot multiply metric series or span names; undefined when no route
 * matches (404, 405). Known before any handler runs, so a request a middleware (auth) answers is still
 * named by its route. Middleware is registered for every method (`ALL`), routes for theirs.
 */
export function routeTemplate(c: Context): string | undefined {
  return matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path;
}
