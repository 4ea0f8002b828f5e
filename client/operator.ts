// A client for the operator routes (API tokens and the retry configuration) over HTTP: what the CLI
// uses while a running server owns the embedded database, and what scripts can use against any
// deployment. Errors keep the API's status and body (RestClientError, as client/rest.ts).
import { type ApiErrorBody, RestClientError } from './rest';

export interface TokenInfo {
  id: number;
  email: string;
  prefix: string;
  created_at: string;
}

export interface StoredConfigBody<T = unknown> {
  version: number;
  config: T;
  updated_at: string;
  updated_by: string;
}

export type RevokeWhat = { id: number } | { token: string } | { email: string };

export function createOperatorClient(opts: {
  baseUrl: string;
  email: string;
  token: string;
  fetch?: typeof fetch;
}) {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${opts.email}:${opts.token}`).toString('base64')}`;
  const fetchFn = opts.fetch ?? fetch;

  async function call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> {
    const res = await fetchFn(`${base}${path}`, {
      method,
      headers: {
        Authorization: authorization,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page, say): keep the text.
    }
    if (!res.ok) throw new RestClientError(res.status, parsed as ApiErrorBody | string, `${method} ${path}`);
    return parsed as T;
  }

  return {
    createToken: (email: string) =>
      call<{ id: number; email: string; token: string }>('POST', '/api/v1/tokens', { email }),
    listTokens: async () => (await call<{ tokens: TokenInfo[] }>('GET', '/api/v1/tokens')).tokens,
    /** How many tokens went; 0 when none matched (the API's 404). */
    revokeTokens: async (what: RevokeWhat) => {
      try {
        return (await call<{ revoked: number }>('POST', '/api/v1/tokens/revoke', what)).revoked;
      } catch (err) {
        if (err instanceof RestClientError && err.status === 404) return 0;
        throw err;
      }
    },
    currentConfig: <T>() => call<StoredConfigBody<T>>('GET', '/api/v1/config'),
    /** Stores `config` as the next version, only if `expectedVersion` is still current (412 otherwise). */
    putConfig: <T>(config: T, expectedVersion?: number) =>
      call<StoredConfigBody<T>>(
        'PUT',
        '/api/v1/config',
        config,
        expectedVersion === undefined ? {} : { 'If-Match': `"${expectedVersion}"` },
      ),
  };
}

export type OperatorClient = ReturnType<typeof createOperatorClient>;
