import type { MiddlewareHandler } from 'hono';
import { canWrite } from '../domain/role';
import { isReadMethod } from './auth';
import type { AppEnv } from './context';
import { errorJson } from './errors';

// Roles (domain/role.ts): a viewer reads everything and changes nothing. Runs right after auth, so a
// viewer's write is refused before its body is parsed or validated and before anything is written.

/**
 * The requests that are not GET/HEAD/OPTIONS yet change nothing, so a viewer may send them. Each is
 * `METHOD path` exactly. The two configuration dry runs only compute an answer; the console session
 * is every login's own sign-in and sign-out (its routes answer before auth, listed here so that moving
 * them behind it keeps them open). Anything added here must store nothing.
 */
export const VIEWER_WRITE_EXCEPTIONS: readonly string[] = [
  'POST /api/v1/config/validate',
  'POST /api/v1/config/preview',
  'POST /api/v1/session',
  'DELETE /api/v1/session',
];

export const VIEWER_MESSAGE = 'This login has the viewer role: it can read but not change anything';

export function viewerReadsOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { method, path } = c.req;
    if (
      !canWrite(c.get('role')) &&
      !isReadMethod(method) &&
      !VIEWER_WRITE_EXCEPTIONS.includes(`${method.toUpperCase()} ${path}`)
    ) {
      return errorJson(c, 403, VIEWER_MESSAGE);
    }
    await next();
  };
}
