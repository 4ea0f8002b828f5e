import fc from 'fast-check';
import type { Operation } from './openapi';

// Requests to throw at a route: its path with odd ids, its method or another, good and bad
// credentials, content types, and bodies from valid to absurd (arbitrary JSON, broken JSON, deep
// nesting, over the 1 MB limit).

export interface RequestSpec {
  op: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | { oversize: 'length' | 'stream' };
  /** The credentials are certainly wrong: a 2xx on a secured route would be a bypass. */
  badAuth: boolean;
  /** What was fuzzed, for the report. */
  kinds: string[];
  /** Input the route must refuse: any answer under 400 is a violation. */
  refused?: true;
}

export const OVERSIZE_BYTES = 1024 * 1024 + 100;

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/** Characters a header value may hold (Latin-1 without controls). */
const headerChar = fc
  .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
  .map((c) => String.fromCharCode(c));
const headerValue = (maxLength = 60) => fc.string({ unit: headerChar, maxLength });

export const NASTY_STRINGS = [
  "' OR '1'='1",
  "'; DROP TABLE cycles; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)',
  "x' UNION SELECT digest FROM api_tokens --",
  '%',
  '%%',
  '%zz',
  '%E0%A4%A',
  '%00',
  '\u0000',
  'a\u0000b',
  'null',
  'undefined',
  '../../etc/passwd',
  '..',
  '.',
  '<script>alert(1)</script>',
  '$' + '{jndi:ldap://x/a}',
  '{{7*7}}',
  '\u202e\u0644\u0644\u202c',
  '\ufeff',
  'Ω≈ç√∫',
  '😀'.repeat(60),
  'ß'.repeat(201),
  'a'.repeat(200),
  'a'.repeat(201),
  'x'.repeat(5000),
  ' ',
  '\t\n',
  'NaN',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  '__proto__',
  'constructor',
];

/** Strings for bodies: the above, lone surrogates, a very long one, and random code points. */
const nastyBodyString = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS, '\ud800', 'a\udfffb', 'x'.repeat(100_000)),
  fc.string({ unit: 'binary', maxLength: 30 }),
);

/** Lone surrogates replaced, as String.prototype.toWellFormed does (ES2024). */
const wellFormed = (s: string) =>
  s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
const safeEncode = (s: string) => encodeURIComponent(wellFormed(s));

/** A path parameter: a known id, an odd string, unicode, a long one; mostly percent-encoded. */
function pathValue(known: string[]) {
  const value = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(known.length ? known : ['x'])) },
    { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 150, maxLength: 400 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }) },
  );
  return fc
    .tuple(value, fc.integer({ min: 0, max: 9 }))
    .map(([v, r]) => (r === 0 && !/[/?#]/.test(v) ? wellFormed(v) : safeEncode(v)));
}

interface Auth {
  headers: Record<string, string>;
  bad: boolean;
  kind: string;
}

function auth(valid: Record<string, string>, user: string, token: string): fc.Arbitrary<Auth> {
  const bad = (kind: string) => (headers: Record<string, string>) => ({ headers, bad: true, kind });
  return fc.oneof(
    { weight: 14, arbitrary: fc.constant({ headers: valid, bad: false, kind: 'valid auth' }) },
    { weight: 1, arbitrary: fc.constant({ headers: {}, bad: true, kind: 'no auth' }) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'Basic',
          'Basic ',
          'Basic ====',
          'Basic !!!!',
          'Bearer abc',
          'Digest username="x"',
          `Basic ${'A'.repeat(20_000)}`,
          `Basic ${b64(user)}`,
          `Basic ${b64(`:${token}`)}`,
          `Basic ${b64(`${user}:`)}`,
          `Basic ${b64(`${user}:wrong-token`)}`,
          `Basic ${b64(`${user}:${token}\u0000`)}`,
          `Basic ${b64(`${user}:${token}x`)}`,
          `Basic ${b64(`' OR 1=1 --:${token}`)}`,
        )
        .map((a) => bad('malformed Basic')({ authorization: a })),
    },
    {
      weight: 1,
      arbitrary: headerValue().map((s) => bad('malformed Basic')({ authorization: `Basic ${s}` })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 60 }))
        .map(([u, p]) => bad('malformed Basic')({ authorization: `Basic ${b64(`${u}:${p}`)}` })),
    },
    { weight: 1, arbitrary: headerValue().map((k) => bad('malformed x-api-key')({ 'x-api-key': k })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(
          'x'.repeat(10_000),
          `${token}x`,
          token.slice(1),
          `Basic ${b64(`${user}:${token}`)}`,
          "' OR 1=1 --",
        )
        .map((k) => bad('malformed x-api-key')({ 'x-api-key': k })),
    },
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/json; charset=utf-16',
  '',
  'garbage',
  'APPLICATION/JSON',
];

const DEEP_ARRAY = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
/** `{"a":{"a":…"bottom"…}}`, as text: JSON.stringify would run out of stack. */
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}"bottom"${'}'.repeat(depth)}`;
const DEEP = '__fuzz_deep__';

function bodies(base: unknown): fc.Arbitrary<RequestSpec['body'] & {}> {
  const json = (v: unknown) => JSON.stringify(v) ?? 'null';
  const keys = base && typeof base === 'object' && !Array.isArray(base) ? Object.keys(base) : [];
  const obj = (base ?? {}) as Record<string, unknown>;
  const key = (i: number) => keys[i % Math.max(1, keys.length)] ?? 'x';
  const mutations = fc.oneof(
    fc.nat().map((i) => {
      const { [key(i)]: _dropped, ...rest } = obj;
      return rest;
    }),
    fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 3 })).map(([i, v]) => ({ ...obj, [key(i)]: v })),
    fc.tuple(fc.nat(), nastyBodyString).map(([i, s]) => ({ ...obj, [key(i)]: s })),
    fc
      .tuple(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }))
      .map(([k, v]) => ({ ...obj, [k]: v })),
    fc.nat().map((i) => ({ ...obj, [key(i)]: DEEP })),
  );
  const text = (v: unknown) => json(v).replace(`"${DEEP}"`, deepObject(2000));
  return fc.oneof(
    { weight: 6, arbitrary: mutations.map(text) },
    { weight: 1, arbitrary: fc.constant(json(base)) },
    { weight: 2, arbitrary: fc.jsonValue().map(json) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 100 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '',
        'null',
        '{',
        '[1,2',
        '{"a":1}}',
        '\u0000',
        '"str"',
        '1e999',
        DEEP_ARRAY,
        deepObject(5000),
        '{"__proto__":{"polluted":1}}',
        '{"constructor":{"prototype":{"polluted":1}}}',
      ),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom({ oversize: 'length' as const }, { oversize: 'stream' as const }),
    },
  );
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const canHaveBody = (method: string) => method !== 'GET' && method !== 'HEAD';

/** Requests for one route. */
export function requestsFor(
  op: Operation,
  ctx: {
    known: Record<string, string[]>;
    base: unknown;
    valid: Record<string, string>;
    user: string;
    token: string;
  },
): fc.Arbitrary<RequestSpec> {
  const params = fc.tuple(...op.pathParams.map((p) => pathValue(ctx.known[p] ?? [])));
  const query = fc.oneof(
    { weight: 4, arbitrary: fc.constant('') },
    {
      weight: 1,
      arbitrary: fc
        .tuple(pathValue(['1', '2', '100']), pathValue(['1', '20', '101']))
        .map(([a, b]) => `?${op.queryParams[0] ?? 'page'}=${a}&${op.queryParams[1] ?? 'pageSize'}=${b}`),
    },
    {
      weight: 1,
      arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 40 }).map((q) => `?${safeEncode(q)}`),
    },
  );
  const method = fc.oneof(
    { weight: 5, arbitrary: fc.constant(op.method) },
    { weight: 1, arbitrary: fc.constantFrom(...METHODS) },
  );
  const contentType = fc.oneof(
    { weight: 6, arbitrary: fc.constant('application/json') },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
  );
  const extraHeaders = fc.record({
    'accept-language': fc.oneof(
      { weight: 6, arbitrary: fc.constant('en-US') },
      { weight: 1, arbitrary: headerValue(20) },
      { weight: 1, arbitrary: fc.constant(undefined) },
    ),
    'if-match': fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: headerValue(20) },
    ),
    'idempotency-key': fc.oneof(
      { weight: 4, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: headerValue(300) },
    ),
  });
  return fc
    .record({
      params,
      query,
      method,
      auth: auth(ctx.valid, ctx.user, ctx.token),
      contentType,
      extraHeaders,
      body: fc.option(bodies(ctx.base), { freq: 8, nil: undefined }),
    })
    .map((r) => {
      let path = op.path;
      op.pathParams.forEach((name, i) => {
        path = path.replace(`{${name}}`, r.params[i] as string);
      });
      const kinds = [r.auth.kind];
      if (r.method !== op.method) kinds.push('wrong method');
      const headers: Record<string, string> = { ...r.auth.headers };
      for (const [k, v] of Object.entries(r.extraHeaders)) if (v !== undefined) headers[k] = v;
      const withBody = canHaveBody(r.method) && (op.bodySchema !== undefined || r.body !== undefined);
      let body: RequestSpec['body'];
      if (withBody) {
        body = r.body ?? JSON.stringify(ctx.base ?? {});
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.contentType !== 'application/json') kinds.push('content type');
        kinds.push(typeof body === 'string' ? 'body' : 'oversize body');
      }
      return {
        op: op.id,
        method: r.method,
        path: `${path}${r.query}`,
        headers,
        body,
        badAuth: r.auth.bad,
        kinds,
      };
    });
}

/**
 * A Request for app.request(); a fresh one each time, so a spec can be replayed. `placeholder` in the
 * body is replaced by `value`.
 */
export function toRequestInit(spec: RequestSpec, placeholder?: string, value = ''): RequestInit {
  const init: RequestInit & { duplex?: 'half' } = { method: spec.method, headers: { ...spec.headers } };
  if (spec.body === undefined) return init;
  if (typeof spec.body === 'string') {
    init.body = placeholder ? spec.body.replaceAll(placeholder, value) : spec.body;
    return init;
  }
  const big = `{"x":"${'a'.repeat(OVERSIZE_BYTES)}"}`;
  if (spec.body.oversize === 'length') {
    init.body = big;
    (init.headers as Record<string, string>)['content-length'] = String(Buffer.byteLength(big));
  } else {
    const bytes = new TextEncoder().encode(big);
    init.body = new ReadableStream({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 64 * 1024)
          controller.enqueue(bytes.subarray(i, i + 64 * 1024));
        controller.close();
      },
    });
    init.duplex = 'half';
  }
  return init;
}
