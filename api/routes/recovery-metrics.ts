import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../db/client';
import { cyclesEndingSoon, recoveryByDeclineCode, recoveryByLabel } from '../../db/metrics/recovery';
import type { AppEnv } from '../context';
import { errorSchema } from '../errors';
import { basicSecurity, jsonResponse, unauthorized } from '../responses';
import {
  cyclesEndingSoonSchema,
  endingSoonQuerySchema,
  recoveryByDeclineCodeSchema,
  recoveryByLabelSchema,
  sinceQuerySchema,
} from '../schemas/recovery-metrics';

// The operator console's dashboard (issue 15), next to Zuora's four metrics: what the retries of each
// decline code and of each label won back, and the active cycles that end soonest. Each answer is one
// statement over the history tables (db/metrics/recovery.ts), so it is as fresh as the last attempt.

const tags = ['Recovery metrics'];
const e400 = jsonResponse(errorSchema, 'Invalid query; `errors` lists every problem with its path');

/** The definitions, shared by every endpoint's description (and the README). */
export const RECOVERY_DEFINITIONS = `
**Definitions.** A *CPR attempt* is an attempt with \`cpr_generated: true\` (our retries and manual retries; the original failed payment is not one). Each CPR attempt *retried* one failure: the attempt of the same cycle numbered one less (\`attempt_number − 1\`), whose \`gateway_code\` and \`label\` it is counted under. A CPR attempt whose previous attempt is not stored is not counted.
- **decline_codes**, per (\`gateway_code\`, \`label\`) of the retried failure: \`attempts\` = CPR attempts, \`successful\` = the successful ones, \`success_rate\` = 100 × successful / attempts, \`amount_recovered\` = sum of \`amount_collected\` of the successful ones per currency (only currencies with something recovered). \`since\` (ISO instant, default all time) keeps attempts with \`time_of_execution\` ≥ since. Ordered by attempts (most first), then code, then label.
- **labels**: the same, per \`label\` of the retried failure; ordered by attempts, then label. With since = the start of the month: what was recovered this month, by the rule (label) that retried.
- **cycles_ending_soon**: active cycles (\`in_retry\`, \`paused\`) whose \`ends_at\` is at or before now + \`within_days\` × 24 h (1–90, default 7), soonest first, then by id, at most \`limit\` (1–100, default 20). \`ends_at\` = \`started_at\` + \`settings.max_cycle_days\` × 24 h of the configuration version the cycle pinned (90 when it does not say): the hard limit past which a cycle charges no more and a paused cycle expires. A cycle may end earlier (its group's attempts run out, a Stop rule, a payment); that is not known before the failures happen. \`attempt_count\` counts every stored attempt, the failed payment included.
- Rates and amounts are strings with exactly 2 decimals, rounded half away from zero. With no data the lists are empty and \`success\` is true.`;

const recoveryRoute = <S extends typeof recoveryByDeclineCodeSchema | typeof recoveryByLabelSchema>(
  operationId: string,
  path: string,
  schema: S,
  summary: string,
) =>
  createRoute({
    method: 'get',
    path: `/api/v1/metrics/${path}`,
    operationId,
    tags,
    summary,
    description: RECOVERY_DEFINITIONS,
    security: basicSecurity,
    request: { query: sinceQuerySchema },
    responses: { 200: jsonResponse(schema, 'The rows'), 400: e400, 401: unauthorized },
  });

export const recoveryByDeclineCodeRoute = recoveryRoute(
  'GET_RecoveryByDeclineCode',
  'decline_codes',
  recoveryByDeclineCodeSchema,
  'Get recovery by decline code',
);
export const recoveryByLabelRoute = recoveryRoute(
  'GET_RecoveryByLabel',
  'labels',
  recoveryByLabelSchema,
  'Get recovery by label',
);
export const cyclesEndingSoonRoute = createRoute({
  method: 'get',
  path: '/api/v1/metrics/cycles_ending_soon',
  operationId: 'GET_CyclesEndingSoon',
  tags,
  summary: 'Get the active cycles that end soonest',
  description: RECOVERY_DEFINITIONS,
  security: basicSecurity,
  request: { query: endingSoonQuerySchema },
  responses: { 200: jsonResponse(cyclesEndingSoonSchema, 'The cycles'), 400: e400, 401: unauthorized },
});

export const recoveryMetricRoutes = {
  recoveryByDeclineCodeRoute,
  recoveryByLabelRoute,
  cyclesEndingSoonRoute,
};

export function registerRecoveryMetricRoutes(app: OpenAPIHono<AppEnv>, deps: { db: Db; now?: () => Date }) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());
  const sinceOf = (since: string | undefined) => (since === undefined ? undefined : new Date(since));
  app.openapi(recoveryByDeclineCodeRoute, async (c) => {
    const rows = await recoveryByDeclineCode(db, sinceOf(c.req.valid('query').since));
    return c.json({ success: true as const, rows }, 200);
  });
  app.openapi(recoveryByLabelRoute, async (c) => {
    const rows = await recoveryByLabel(db, sinceOf(c.req.valid('query').since));
    return c.json({ success: true as const, rows }, 200);
  });
  app.openapi(cyclesEndingSoonRoute, async (c) => {
    const { within_days, limit } = c.req.valid('query');
    const cycles = await cyclesEndingSoon(db, { now: now(), withinDays: within_days, limit });
    return c.json({ success: true as const, cycles }, 200);
  });
}
