import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

// The console's only way to the server: the public API, typed from its generated OpenAPI document
// (schema.d.ts). The login travels as the HttpOnly session cookie the browser sends by itself; a
// write also carries the session's CSRF token, which a page of another origin cannot read.

export type Schemas = components['schemas'];

interface SessionHooks {
  csrf: () => string | null;
  /** The server no longer knows this session: back to the sign-in page, with its message. */
  ended: (message: string) => void;
}

let hooks: SessionHooks = { csrf: () => null, ended: () => {} };
export const setSessionHooks = (next: SessionHooks) => {
  hooks = next;
};

const session: Middleware = {
  onRequest({ request }) {
    const csrf = hooks.csrf();
    if (csrf && request.method !== 'GET' && request.method !== 'HEAD') {
      request.headers.set('X-CSRF-Token', csrf);
    }
    return request;
  },
  async onResponse({ request, response }) {
    // A 401 from the session routes themselves is the sign-in form's business, not a lost session.
    if (response.status === 401 && !new URL(request.url).pathname.endsWith('/api/v1/session')) {
      const body = (await response
        .clone()
        .json()
        .catch(() => null)) as { message?: string } | null;
      hooks.ended(body?.message ?? 'Your session has ended; sign in again');
    }
    return response;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(session);

/** The `message` of an error answer (our one error shape), or a fallback. */
export function messageOf(error: unknown, fallback = 'The request failed'): string {
  if (error && typeof error === 'object' && 'message' in error && typeof error.message === 'string') {
    return error.message;
  }
  return fallback;
}

/** Every `{path, message}` of an error answer, for showing problems at their fields. */
export function fieldErrorsOf(error: unknown): { path: string; message: string }[] {
  if (error && typeof error === 'object' && 'errors' in error && Array.isArray(error.errors)) {
    return error.errors.filter(
      (e): e is { path: string; message: string } =>
        typeof e?.path === 'string' && typeof e?.message === 'string',
    );
  }
  return [];
}
