import type { MiddlewareHandler } from 'hono';

// An answer sent before the request's body was read (413 from the size limit, 401 before a route
// parsed its body, 404/405 for a body-bearing request) leaves the rest of that body on the wire. The
// Node adapter drains it for a short while and then destroys the socket without a word, so a keep-alive
// client that reuses the connection gets a reset on its next request (undici: UND_ERR_SOCKET). Saying
// `Connection: close` on such answers tells the client not to reuse the connection: its next request
// opens a fresh one. Answers to requests whose body was read keep the connection alive as usual.

const hasBody = (headers: Headers) =>
  headers.has('transfer-encoding') || Number(headers.get('content-length') ?? 0) > 0;

export function closeOnUnreadBody(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (c.res.status === 413 || (hasBody(c.req.raw.headers) && !c.req.raw.bodyUsed)) {
      c.res.headers.set('Connection', 'close');
    }
  };
}
