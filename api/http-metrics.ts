import type { MiddlewareHandler } from 'hono';
import type { Histogram } from 'prom-client';
import { routeTemplate } from './route-template';

/** The route label of a request no route answers (404, 405): one series, whatever was asked. */
export const UNMATCHED_ROUTE = 'unmatched';

/** Observes every request's duration under its route template (./route-template.ts). */
export function httpMetrics(duration: Histogram<'method' | 'route' | 'status'>): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const route = routeTemplate(c) ?? UNMATCHED_ROUTE;
      duration.observe(
        { method: c.req.method, route, status: String(c.res.status) },
        (performance.now() - started) / 1000,
      );
    }
  };
}
