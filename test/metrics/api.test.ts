import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricRoutes } from '../../api/routes/metrics';
import {
  amountRecoveredSchema,
  baselineMetricsSchema,
  customerGroupMetricsSchema,
  groupOverTimeSchema,
} from '../../api/schemas/metrics';
import { createMetrics } from '../../db/metrics';
import { basic, testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';
import { insertHistory } from './history';

const DAY = 86_400_000;
const PATHS = {
  baseline: ['/api/v1/metrics/baseline', baselineMetricsSchema],
  amount_recovered: ['/api/v1/metrics/amount_recovered', amountRecoveredSchema],
  customer_group_over_time: ['/api/v1/metrics/customer_group_over_time', groupOverTimeSchema],
  customer_group: ['/api/v1/metrics/customer_group', customerGroupMetricsSchema],
} as const;

describe.each(dbKinds)('metrics API on %s', (kind: DbKind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = async (path: string) => {
    const res = await t.json('GET', path);
    expect(res.status).toBe(200);
    return (await res.json()) as unknown;
  };

  it('requires Basic auth on every metrics endpoint', async () => {
    for (const [path] of Object.values(PATHS)) {
      const none = await t.app.request(path);
      expect(none.status).toBe(401);
      expect(await none.json()).toMatchObject({ success: false });
      const bad = await t.app.request(path, { headers: basic('ops@example.com', 'wrong-token') });
      expect(bad.status).toBe(401);
    }
  });

  it('answers the documented shapes with nulls while there is no data', async () => {
    expect(await get(PATHS.baseline[0])).toEqual({
      retry_success_rate: null,
      retry_success_rate_trend: null,
      document_success_rate: null,
      document_success_rate_trend: null,
      average_days_outstanding: null,
      average_days_outstanding_trend: null,
      success: true,
    });
    expect(await get(PATHS.amount_recovered[0])).toEqual({ currency: {}, success: true });
    expect(await get(PATHS.customer_group[0])).toEqual({
      customer_groups: [
        {
          id: 1,
          name: 'All Remaining Customers',
          smart_retry: false,
          document_success_rate: null,
          document_success_rate_trend: null,
          retry_success_rate: null,
          average_attempts: null,
        },
      ],
      success: true,
    });
    const overTime = groupOverTimeSchema.parse(await get(PATHS.customer_group_over_time[0]));
    const months = Object.entries(overTime.customer_groups['1'] ?? {});
    expect(months).toHaveLength(6);
    expect(months.every(([label, value]) => /^\d\d_\d\d$/.test(label) && value === null)).toBe(true);
  });

  it('answers two-decimal strings that match the metrics of the history, in strict shapes', async () => {
    const now = Date.now();
    const iso = (daysAgo: number) => new Date(now - daysAgo * DAY).toISOString();
    await insertHistory(t.handle.db, [
      {
        id: 1,
        doc: 'INV-A',
        group: 1,
        currency: 'USD',
        amount: '19.99',
        started: iso(70),
        ended: iso(66),
        attempts: [
          { n: 1, at: iso(70), cpr: false },
          { n: 2, at: iso(68), cpr: true },
          { n: 3, at: iso(66), cpr: true, success: true },
        ],
      },
      {
        id: 2,
        doc: 'INV-B',
        group: 1,
        currency: 'GBP',
        amount: '5',
        started: iso(12),
        ended: iso(10),
        attempts: [
          { n: 1, at: iso(12), cpr: false },
          { n: 2, at: iso(10), cpr: true, success: true },
        ],
      },
    ]);
    const expected = createMetrics(t.handle.db);
    for (const [name, [path, schema]] of Object.entries(PATHS)) {
      const body = await get(path);
      expect(() => schema.parse(body), name).not.toThrow();
    }
    const baseline = baselineMetricsSchema.parse(await get(PATHS.baseline[0]));
    expect(baseline).toEqual(await expected.baseline());
    expect(baseline).toMatchObject({
      retry_success_rate: '66.67',
      retry_success_rate_trend: 'up',
      document_success_rate: '100.00',
      document_success_rate_trend: 'neutral',
      average_days_outstanding: '3.00',
      average_days_outstanding_trend: 'down',
    });
    expect(await get(PATHS.amount_recovered[0])).toEqual({
      currency: { GBP: { total_amount: '5.00', last_30_days: '5.00' } },
      success: true,
    });
    expect(await get(PATHS.customer_group[0])).toEqual(await expected.customerGroups());
    expect(await get(PATHS.customer_group_over_time[0])).toEqual(await expected.customerGroupOverTime());
  });

  it('documents the four operations with their definitions', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, { get?: { operationId?: string; description?: string; security?: unknown } }>;
    };
    for (const route of Object.values(metricRoutes)) {
      const op = doc.paths[route.path]?.get;
      expect(op?.operationId).toBe(route.operationId);
      expect(op?.description).toContain('retry_success_rate');
      expect(op?.security).toEqual([{ basicAuth: [] }, { sessionCookie: [] }]);
    }
  });
});
