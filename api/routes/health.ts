import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import type { AppEnv } from '../context';
import type { Readiness } from '../readiness';

const healthSchema = z.object({ status: z.literal('ok') }).openapi('Health');
const readySchema = z
  .object({
    ready: z.boolean(),
    checks: z.record(z.string(), z.string()).openapi({ example: { database: 'ok', temporal: 'ok' } }),
  })
  .openapi('Readiness');

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['Operations'],
  summary: 'Liveness: the process is up',
  responses: { 200: { description: 'Alive', content: { 'application/json': { schema: healthSchema } } } },
});

const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  tags: ['Operations'],
  summary: 'Readiness: the process can serve (database migrated, configuration stored, Temporal reachable)',
  responses: {
    200: { description: 'Ready', content: { 'application/json': { schema: readySchema } } },
    503: {
      description: 'Not ready; `checks` says what is missing',
      content: { 'application/json': { schema: readySchema } },
    },
  },
});

export function registerHealthRoutes(app: OpenAPIHono<AppEnv>, readiness: Readiness) {
  app.openapi(healthz, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readyz, async (c) => {
    const result = await readiness.run();
    return c.json(result, result.ready ? 200 : 503);
  });
}
