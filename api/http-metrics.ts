import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Histogram } from 'prom-client';

/** The route label of a request no route answers (404, 405): one series, whatever was asked. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Observes every request's duration under its route template (`/api/v1/…/:invoice_id`), never its
 * raw path, so ids cannot multiply the series. The template is the matched route of the request's
 * method (middleware is registered for every method, routes for theirs), also when a middleware such
 * as auth answered before it.
 */
export function httpMetrics(duration: Histogram<'method' | 'route' | 'status'>): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = matchedRoutes(c).findLast((r) => r.method !== 'ALL')?.path ?? UNMATCHED_ROUTE;
      duration.observe(
        { method: c.req.method, route, status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
