import type { MiddlewareHandler } from 'hono';
import { tryDecodeURIComponent } from 'hono/utils/url';
import { isStorableText, UNSTORABLE_TEXT, unstorablePath } from '../domain/storable-text';
import { formatPath } from '../policy';
import { errorJson } from './errors';

// One check for every route: an id in the path or query, or a string anywhere in a JSON body, that
// Postgres could not store is refused here with a 400 naming it, instead of failing as a 500 (or, for
// a submitted payment, as a cycle whose first write can never succeed).

export function storableInput(): MiddlewareHandler {
  return async (c, next) => {
    const url = new URL(c.req.url);
    // Segment by segment, with the decoder Hono uses for path parameters: it decodes every valid
    // escape even in a segment that does not decode as a whole, so a %00 there reaches the route.
    const texts = {
      path: url.pathname.split('/').map(tryDecodeURIComponent),
      query: [...url.searchParams].flat(),
    };
    for (const where of ['path', 'query'] as const) {
      if (!texts[where].every(isStorableText)) {
        return errorJson(c, 400, `Invalid request: the ${where} ${UNSTORABLE_TEXT}`, [
          { path: `(${where})`, message: UNSTORABLE_TEXT },
        ]);
      }
    }
    if (/\bjson\b/i.test(c.req.header('content-type') ?? '')) {
      // Hono keeps the parsed body, so the route's validator reads the same value; a body that is not
      // JSON is left for that validator to refuse.
      const body: unknown = await c.req.json().catch(() => undefined);
      const path = unstorablePath(body);
      if (path) {
        const at = formatPath(path) || '(root)';
        return errorJson(c, 400, `Invalid request: ${at}: ${UNSTORABLE_TEXT}`, [
          { path: at, message: UNSTORABLE_TEXT },
        ]);
      }
    }
    await next();
  };
}
