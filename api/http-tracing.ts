import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from '@opentelemetry/semantic-conventions';
import type { MiddlewareHandler } from 'hono';
import { routeTemplate } from './route-template';

// The HTTP layer of the trace (issue 17): one server span per request, the parent of whatever the
// handler does with Temporal, since the client interceptors start their spans in the active context.
// Installed only when tracing is on (runtime/tracing.ts loads this module then, and only then).

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/**
 * Probes and scrapes, every few seconds from every orchestrator and Prometheus: a trace each would
 * bury the requests worth reading.
 */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

export function httpTracing(tracer: Tracer): MiddlewareHandler {
  return async (c, next) => {
    if (UNTRACED_PATHS.has(c.req.path)) return await next();
    const method = c.req.method;
    const route = routeTemplate(c);
    // A caller's W3C traceparent makes this request a part of its trace.
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter);
    const span = tracer.startSpan(
      route ? `${method} ${route}` : method,
      {
        kind: SpanKind.SERVER,
        attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}) },
      },
      parent,
    );
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      const status = c.res.status;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      // Hono's onError has turned a thrown error into an answer by now; the span keeps the error.
      if (c.error) span.recordException(c.error);
      // For a server span only 5xx is an error: a 4xx is the caller's mistake, answered as designed.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }
  };
}
