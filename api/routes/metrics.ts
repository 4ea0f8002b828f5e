import { createRoute, type OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Db } from '../../db/client';
import { createMetrics, type MetricsOptions } from '../../db/metrics';
import type { AppEnv } from '../context';
import { basicSecurity, jsonResponse, unauthorized } from '../responses';
import {
  amountRecoveredSchema,
  baselineMetricsSchema,
  customerGroupMetricsSchema,
  groupOverTimeSchema,
} from '../schemas/metrics';

// Zuora's four CPR metrics endpoints (reference §3.5), computed on every request from rollups that
// the database keeps current in the same transaction as each attempt (migration 0004), so an attempt
// counts in the very next call after it was recorded.

const json = jsonResponse;
const e401 = unauthorized;
const security = basicSecurity;
const tags = ['Configurable Payment Retry'];

/** The definitions, shared by every endpoint's description (and the README). */
export const METRIC_DEFINITIONS = `
**Definitions.** A *CPR attempt* is an attempt with \`cpr_generated: true\`: our retries and manual retries count, the original failed payment does not. A *document* is (document type, document id).
- **retry_success_rate** = 100 × successful CPR attempts / CPR attempts, over all time.
- **document_success_rate** = 100 × documents with a successful CPR attempt / documents that entered at least one cycle, over all time. A document collected externally counts in the denominator only.
- **average_days_outstanding** = the mean, over documents collected by a CPR attempt, of the days (fractional) from attempt 1 of the collecting cycle to the document's first successful CPR attempt.
- **\`*_trend\`** compares the metric over all data with the same metric over the data up to 30 days (720 h) ago (attempts by time of execution, documents by the start of their first cycle and the time of their first successful CPR attempt): \`up\`, \`down\`, or \`neutral\` (equal at 2 decimals, or no earlier data); null when the metric is null.
- **amount_recovered**, per currency: \`total_amount\` = sum of \`amount_collected\` over successful CPR attempts; \`last_30_days\` = the same over attempts executed in the last 30 days. A currency with nothing recovered in the last 30 days is left out.
- **customer_group_over_time**, per active group id: the 6 full months before the current one in \`settings.time_zone\`, keys \`MM_YY\`, newest first; each value is the document success rate of the group's documents whose cycle ended (\`ended_at\`) that month, or null for a month with none.
- **customer_group**, per active group: as above over the group's cycles (a cycle belongs to the group it was opened in; its attempts carry that group); \`average_attempts\` = the mean attempt number of each collected document's first successful CPR attempt; \`smart_retry\` is false.
- Rates, amounts and averages are strings with exactly 2 decimals, rounded half away from zero. With no data every scalar is null (\`currency\` is \`{}\`; every active group is still listed) and \`success\` is true.`;

const metricRoute = <S extends z.ZodType>(
  operationId: string,
  path: string,
  schema: S,
  summary: string,
  description: string,
) =>
  createRoute({
    method: 'get',
    path: `/api/v1/metrics/${path}`,
    operationId,
    tags,
    summary,
    description: `${description}\n${METRIC_DEFINITIONS}`,
    security,
    responses: { 200: json(schema, 'The metrics'), 401: e401 },
  });

export const baselineMetricsRoute = metricRoute(
  'GET_BaselineMetrics',
  'baseline',
  baselineMetricsSchema,
  'Get baseline metrics',
  'Retry Success Rate, Document Success Rate and Average Days Outstanding over all time, each with its trend over the last 30 days.',
);
export const amountRecoveredRoute = metricRoute(
  'GET_AmountRecovered',
  'amount_recovered',
  amountRecoveredSchema,
  'Get the amount recovered',
  'The amount recovered by CPR attempts per currency: in total and over the last 30 days.',
);
export const groupOverTimeRoute = metricRoute(
  'GET_DocumentSuccessRateByCustomerGroup',
  'customer_group_over_time',
  groupOverTimeSchema,
  'Get the Document Success Rate timeseries for each customer group',
  'For each active customer group, the Document Success Rate of each of the 6 full months before the current one.',
);
export const customerGroupMetricsRoute = metricRoute(
  'GET_CustomerGroupMetrics',
  'customer_group',
  customerGroupMetricsSchema,
  'Get customer group metrics',
  'For each active customer group: Document Success Rate and its trend, Retry Success Rate and Average Attempts.',
);

export const metricRoutes = {
  baselineMetricsRoute,
  amountRecoveredRoute,
  groupOverTimeRoute,
  customerGroupMetricsRoute,
};

export function registerMetricRoutes(
  app: OpenAPIHono<AppEnv>,
  deps: { db: Db } & Pick<MetricsOptions, 'now' | 'source'>,
) {
  const metrics = createMetrics(deps.db, deps);
  app.openapi(baselineMetricsRoute, async (c) => c.json(await metrics.baseline(), 200));
  app.openapi(amountRecoveredRoute, async (c) => c.json(await metrics.amountRecovered(), 200));
  app.openapi(groupOverTimeRoute, async (c) => c.json(await metrics.customerGroupOverTime(), 200));
  app.openapi(customerGroupMetricsRoute, async (c) => c.json(await metrics.customerGroups(), 200));
}
