// The one JSON-over-HTTP flow of our clients (client/rest.ts, client/operator.ts): Basic auth, a JSON
// body when there is one, the answer parsed as JSON (or kept as text, e.g. a proxy's error page), and a
// non-2xx answer thrown with its status and body. Imports nothing of the server.

/** Every error the API answers. */
export interface ApiErrorBody {
  success: false;
  message: string;
  errors?: { path: string; message: string }[];
}

/** A non-2xx answer: its status and its body (the API's error shape, or the raw text). */
export class RestClientError extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiErrorBody | string,
    readonly operation: string,
  ) {
    super(`${operation} failed with ${status}: ${typeof body === 'string' ? body : body.message}`);
    this.name = 'RestClientError';
  }
}

export interface JsonCallerOptions {
  /** e.g. `http://127.0.0.1:3000`; no trailing path. */
  baseUrl: string;
  /** HTTP Basic user: the API user's email. */
  email: string;
  /** HTTP Basic password: the user's API token. */
  token: string;
  fetch?: typeof fetch;
}

export interface JsonCall {
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** What a RestClientError names; `METHOD path` by default. */
  operation?: string;
}

export function createJsonCaller(opts: JsonCallerOptions) {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const authorization = `Basic ${Buffer.from(`${opts.email}:${opts.token}`).toString('base64')}`;
  const fetchFn = opts.fetch ?? fetch;
  return async function call<T>({ method, path, body, headers = {}, operation }: JsonCall): Promise<T> {
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
    if (!res.ok) {
      throw new RestClientError(
        res.status,
        parsed as ApiErrorBody | string,
        operation ?? `${method} ${path}`,
      );
    }
    return parsed as T;
  };
}
