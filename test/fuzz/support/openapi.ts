// The routes to fuzz, read from the app's own /openapi.json, so a new route is fuzzed the day it is
// added. Also a plausible body for each route, from the schema's example or built from its types.

type Json = Record<string, unknown>;

export interface Operation {
  /** e.g. "POST /api/v1/payments/submit_failed_payment" */
  id: string;
  method: string;
  /** OpenAPI template, e.g. /api/v1/payments/invoice_cycle_history/{invoice_id} */
  path: string;
  pathParams: string[];
  queryParams: string[];
  headerParams: string[];
  security: 'basic' | 'apiKey' | 'none';
  /** The JSON body schema, if the route takes one. */
  bodySchema?: Json;
  /** Declared answers (status -> whether the body is the Error schema). */
  responses: Record<string, { error: boolean }>;
}

export function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries((doc.paths ?? {}) as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      const op = raw as Json;
      const params = (op.parameters ?? []) as { in: string; name: string }[];
      const security = (op.security ?? []) as Record<string, unknown>[];
      const names = security.flatMap((s) => Object.keys(s));
      const content = ((op.requestBody as Json | undefined)?.content ?? {}) as Record<
        string,
        { schema?: Json }
      >;
      const bodySchema = content['application/json']?.schema;
      const responses: Operation['responses'] = {};
      for (const [status, r] of Object.entries((op.responses ?? {}) as Record<string, Json>)) {
        const schema = ((r.content as Json | undefined)?.['application/json'] as Json | undefined)?.schema as
          | Json
          | undefined;
        responses[status] = { error: typeof schema?.$ref === 'string' && schema.$ref.endsWith('/Error') };
      }
      out.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => p.name),
        queryParams: params.filter((p) => p.in === 'query').map((p) => p.name),
        headerParams: params.filter((p) => p.in === 'header').map((p) => p.name),
        security: names.includes('apiKey') ? 'apiKey' : names.includes('basicAuth') ? 'basic' : 'none',
        ...(bodySchema ? { bodySchema } : {}),
        responses,
      });
    }
  }
  return out;
}

/** A value the schema probably accepts: its example, else one built from its types. */
export function exampleOf(schema: Json | undefined, doc: Json, depth = 0): unknown {
  if (!schema || depth > 8) return {};
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = ((doc.components as Json | undefined)?.schemas as Record<string, Json> | undefined)?.[
      name
    ];
    return exampleOf(target, doc, depth + 1);
  }
  if (schema.example !== undefined) return schema.example;
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  for (const key of ['allOf', 'anyOf', 'oneOf']) {
    const list = schema[key];
    if (Array.isArray(list) && list[0]) return exampleOf(list[0] as Json, doc, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const required = new Set((schema.required ?? []) as string[]);
      return Object.fromEntries(
        Object.entries(props)
          .filter(([k]) => required.has(k))
          .map(([k, v]) => [k, exampleOf(v, doc, depth + 1)]),
      );
    }
    case 'array':
      return [exampleOf(schema.items as Json | undefined, doc, depth + 1)];
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return 'x';
  }
}
