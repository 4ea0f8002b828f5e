import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoveryMetricRoutes } from '../../api/routes/recovery-metrics';
import {
  cyclesEndingSoonSchema,
  recoveryByDeclineCodeSchema,
  recoveryByLabelSchema,
} from '../../api/schemas/recovery-metrics';
import { saveConfig } from '../../db/config-versions';
import { defaultConfig } from '../../policy';
import { testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';
import { insertHistory } from './history';

// The console's recovery views over a hand-written history, every expected value computed by hand
// from the definitions (RECOVERY_DEFINITIONS): each CPR attempt counts under the code and label of
// the attempt before it in its cycle.

const DAY = 86_400_000;
const HOUR = 3_600_000;

describe.each(dbKinds)('recovery metrics on %s', (kind: DbKind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  const now = Date.now();
  const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
  beforeAll(async () => {
    t = await testApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const get = async (path: string) => {
    const res = await t.json('GET', path);
    expect(res.status, path).toBe(200);
    return (await res.json()) as unknown;
  };

  it('answers empty lists while there is no data', async () => {
    expect(await get('/api/v1/metrics/decline_codes')).toEqual({ success: true, rows: [] });
    expect(await get('/api/v1/metrics/labels')).toEqual({ success: true, rows: [] });
    expect(await get('/api/v1/metrics/cycles_ending_soon')).toEqual({ success: true, cycles: [] });
  });

  it('counts each CPR attempt under the failure it retried, all time and since an instant', async () => {
    await insertHistory(t.handle.db, [
      {
        id: 1,
        doc: 'INV-R1',
        group: 1,
        currency: 'USD',
        amount: '19.99',
        started: iso(70 * DAY),
        ended: iso(66 * DAY),
        attempts: [
          { n: 1, at: iso(70 * DAY), cpr: false },
          { n: 2, at: iso(68 * DAY), cpr: true, code: 'do_not_honor', label: 'Hard Decline' },
          { n: 3, at: iso(66 * DAY), cpr: true, success: true },
        ],
      },
      {
        id: 2,
        doc: 'INV-R2',
        group: 1,
        currency: 'GBP',
        amount: '5',
        started: iso(12 * DAY),
        ended: iso(10 * DAY),
        attempts: [
          { n: 1, at: iso(12 * DAY), cpr: false },
          { n: 2, at: iso(10 * DAY), cpr: true, success: true },
        ],
      },
      {
        id: 3,
        doc: 'INV-R3',
        group: 1,
        currency: 'USD',
        amount: '10',
        started: iso(5 * DAY),
        ended: iso(3 * DAY),
        attempts: [
          { n: 1, at: iso(5 * DAY), cpr: false },
          { n: 2, at: iso(4 * DAY), cpr: true },
          { n: 3, at: iso(3 * DAY), cpr: true, success: true, collected: '7.5' },
        ],
      },
      {
        id: 4,
        doc: 'INV-R4',
        group: 1,
        currency: 'EUR',
        amount: '3',
        started: iso(3 * DAY),
        attempts: [
          { n: 1, at: iso(3 * DAY), cpr: false, code: 'expired_card', label: 'Card Expired' },
          { n: 2, at: iso(2 * DAY), cpr: true, code: 'expired_card', label: 'Card Expired' },
        ],
      },
      {
        id: 5,
        doc: 'INV-R5',
        group: 1,
        currency: 'USD',
        amount: '20',
        started: iso(1 * DAY),
        ended: iso(12 * HOUR),
        attempts: [
          { n: 1, at: iso(1 * DAY), cpr: false, code: 'card_declined' },
          { n: 2, at: iso(12 * HOUR), cpr: true, success: true },
        ],
      },
    ]);
    // Retried failures: C1#2 ← insufficient_funds/Soft, C1#3 ← do_not_honor/Hard (19.99 USD),
    // C2#2 ← insufficient_funds/Soft (5 GBP), C3#2 ← insufficient_funds/Soft, C3#3 ← insufficient_funds/Soft
    // (7.50 USD), C4#2 ← expired_card/Card Expired, C5#2 ← card_declined/Soft (20 USD).
    const codes = recoveryByDeclineCodeSchema.parse(await get('/api/v1/metrics/decline_codes'));
    expect(codes.rows).toEqual([
      row('insufficient_funds', 'Soft Decline', 4, 2, '50.00', { GBP: '5.00', USD: '7.50' }),
      row('card_declined', 'Soft Decline', 1, 1, '100.00', { USD: '20.00' }),
      row('do_not_honor', 'Hard Decline', 1, 1, '100.00', { USD: '19.99' }),
      row('expired_card', 'Card Expired', 1, 0, '0.00', {}),
    ]);
    const labels = recoveryByLabelSchema.parse(await get('/api/v1/metrics/labels'));
    expect(labels.rows).toEqual([
      labelRow('Soft Decline', 5, 3, '60.00', { GBP: '5.00', USD: '27.50' }),
      labelRow('Card Expired', 1, 0, '0.00', {}),
      labelRow('Hard Decline', 1, 1, '100.00', { USD: '19.99' }),
    ]);

    // Since 7 days ago: C3#2, C3#3, C4#2 and C5#2 only.
    const since = encodeURIComponent(iso(7 * DAY));
    expect((await get(`/api/v1/metrics/decline_codes?since=${since}`)) as unknown).toEqual({
      success: true,
      rows: [
        row('insufficient_funds', 'Soft Decline', 2, 1, '50.00', { USD: '7.50' }),
        row('card_declined', 'Soft Decline', 1, 1, '100.00', { USD: '20.00' }),
        row('expired_card', 'Card Expired', 1, 0, '0.00', {}),
      ],
    });
    expect(await get(`/api/v1/metrics/labels?since=${since}`)).toEqual({
      success: true,
      rows: [
        labelRow('Soft Decline', 3, 2, '66.67', { USD: '27.50' }),
        labelRow('Card Expired', 1, 0, '0.00', {}),
      ],
    });
    // The bound is inclusive: since = C5#2's own time still counts it.
    const atC5 = encodeURIComponent(iso(12 * HOUR));
    expect(await get(`/api/v1/metrics/labels?since=${atC5}`)).toEqual({
      success: true,
      rows: [labelRow('Soft Decline', 1, 1, '100.00', { USD: '20.00' })],
    });
  });

  it('lists active cycles by their hard end: started_at + max_cycle_days of the pinned version', async () => {
    const short = await saveConfig(
      t.handle.db,
      { ...defaultConfig, settings: { ...defaultConfig.settings, max_cycle_days: 10 } },
      'recovery-test',
    );
    const v = short.version;
    const cycle = (id: number, started: number, extra: { status?: string; configVersion?: number } = {}) => ({
      id,
      doc: `INV-E${id}`,
      group: 1,
      currency: 'USD',
      amount: '12.5',
      started: iso(started),
      ...extra,
      attempts: [{ n: 1, at: iso(started), cpr: false }],
    });
    await insertHistory(t.handle.db, [
      { ...cycle(6, 85 * DAY, { status: 'paused' }) }, // v1, 90 days: ends in 5 days
      { ...cycle(7, 4 * DAY, { configVersion: v }), nextAttemptAt: iso(-HOUR) }, // 10 days: ends in 6 days
      cycle(8, 9 * DAY + 12 * HOUR, { configVersion: v }), // ends in 12 hours
      cycle(9, 1 * DAY, { configVersion: v }), // ends in 9 days
      cycle(10, 9 * DAY + 12 * HOUR, { configVersion: v, status: 'collected' }), // not active
    ]);
    const soon = cyclesEndingSoonSchema.parse(await get('/api/v1/metrics/cycles_ending_soon'));
    // Cycle 4 (in retry, 90 days from 3 days ago) ends in 87 days: outside every window here.
    expect(soon.cycles.map((c) => c.id)).toEqual([8, 6, 7]);
    expect(soon.cycles[2]).toEqual({
      id: 7,
      billing_cycle_id: 'BillingCycle-7',
      document_type: 'invoice',
      document_id: 'INV-E7',
      account_id: 'ACC-INV-E7',
      customer_group_name: 'Group 1',
      amount: '12.50',
      outstanding: '12.50',
      currency: 'USD',
      status: 'in_retry',
      next_attempt_at: iso(-HOUR),
      ends_at: new Date(now - 4 * DAY + 10 * DAY).toISOString(),
      attempt_count: 1,
    });
    expect(soon.cycles[1]?.ends_at).toBe(new Date(now - 85 * DAY + 90 * DAY).toISOString());
    expect(soon.cycles[1]?.status).toBe('paused');
    const limited = cyclesEndingSoonSchema.parse(await get('/api/v1/metrics/cycles_ending_soon?limit=2'));
    expect(limited.cycles.map((c) => c.id)).toEqual([8, 6]);
    const wider = cyclesEndingSoonSchema.parse(
      await get('/api/v1/metrics/cycles_ending_soon?within_days=10&limit=100'),
    );
    expect(wider.cycles.map((c) => c.id)).toEqual([8, 6, 7, 9]);
    const widest = cyclesEndingSoonSchema.parse(
      await get('/api/v1/metrics/cycles_ending_soon?within_days=90'),
    );
    expect(widest.cycles.map((c) => c.id)).toEqual([8, 6, 7, 9, 4]);
  });

  it('refuses bad query values with the error shape', async () => {
    for (const path of [
      '/api/v1/metrics/decline_codes?since=yesterday',
      '/api/v1/metrics/labels?since=2026-13-01T00:00:00Z',
      '/api/v1/metrics/cycles_ending_soon?within_days=0',
      '/api/v1/metrics/cycles_ending_soon?within_days=91',
      '/api/v1/metrics/cycles_ending_soon?within_days=abc',
      '/api/v1/metrics/cycles_ending_soon?limit=0',
      '/api/v1/metrics/cycles_ending_soon?limit=101',
    ]) {
      const res = await t.json('GET', path);
      expect(res.status, path).toBe(400);
      const body = (await res.json()) as { success: boolean; errors?: { path: string }[] };
      expect(body.success, path).toBe(false);
      expect(body.errors?.length, path).toBeGreaterThan(0);
    }
    const none = await t.app.request('/api/v1/metrics/decline_codes');
    expect(none.status).toBe(401);
  });

  it('documents the three operations with their definitions', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, { get?: { operationId?: string; description?: string; security?: unknown } }>;
    };
    for (const route of Object.values(recoveryMetricRoutes)) {
      const op = doc.paths[route.path]?.get;
      expect(op?.operationId).toBe(route.operationId);
      expect(op?.description).toContain('ends_at');
      expect(op?.security).toEqual([{ basicAuth: [] }]);
    }
  });
});

function row(
  gateway_code: string,
  label: string,
  attempts: number,
  successful: number,
  success_rate: string,
  amount_recovered: Record<string, string>,
) {
  return { gateway_code, label, attempts, successful, success_rate, amount_recovered };
}

function labelRow(
  label: string,
  attempts: number,
  successful: number,
  success_rate: string,
  amount_recovered: Record<string, string>,
) {
  return { label, attempts, successful, success_rate, amount_recovered };
}
