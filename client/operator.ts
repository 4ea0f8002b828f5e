// A client for the operator routes (API tokens and the retry configuration) over HTTP: what the CLI
// uses while a running server owns the embedded database, and what scripts can use against any
// deployment. Errors keep the API's status and body (RestClientError, as client/rest.ts).
import type { Role } from '../domain/role';
import { createJsonCaller, type JsonCallerOptions, RestClientError } from './json-call';

export interface TokenInfo {
  id: number;
  email: string;
  prefix: string;
  role: Role;
  created_at: string;
}

export interface StoredConfigBody<T = unknown> {
  version: number;
  config: T;
  updated_at: string;
  updated_by: string;
}

export type RevokeWhat = { id: number } | { token: string } | { email: string };

export function createOperatorClient(opts: JsonCallerOptions) {
  const send = createJsonCaller(opts);
  const call = <T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    send<T>({ method, path, body, headers });

  return {
    createToken: (email: string, role: Role = 'operator') =>
      call<{ id: number; email: string; role: Role; token: string }>('POST', '/api/v1/tokens', {
        email,
        role,
      }),
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
