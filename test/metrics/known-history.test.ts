import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { createMetrics } from '../../db/metrics';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';
import { type CycleSpec, configWithGroups, insertHistory, storeConfig } from './history';

// A hand-built history with a known answer for every field. Now = 2026-11-15T12:00Z, so "30 days ago"
// = 2026-10-16T12:00Z; the zone is New York, whose November starts at 2026-11-01T04:00Z. The window is
// 10_26 … 05_26.
//
//  doc    group  cur  cycle: started → ended             attempts (n: time, CPR?, result)
//  INV-1  1      USD  07-10 → 07-13 12:00                1 orig, 2 CPR fail 07-12, 3 CPR ok 07-13 12:00 (100)
//  INV-2  1      USD  10-31 13:00 → 11-01 01:00Z (NY Oct) 1 orig, 2 CPR ok 11-01 01:00 (50.255): 0.5 days
//  DM-3   2      EUR  08-01 → 08-05                      1 orig, 2+3 CPR fail, 4 CPR ok 08-05 (200)
//  INV-4  2      USD  09-01 → 09-05 collected externally 1 orig, 2 CPR fail 09-03
//  INV-5  2      USD  05-20 → 06-01 03:00Z (NY May)       1 orig, 2 CPR fail 05-25
//                     10-20 → 10-25                      1 orig 10-20, 2 CPR ok 10-25 (70): 5 days
//  INV-6  1      CAD  11-10 → (in retry)                 1 orig, 2 CPR fail 11-12
//  INV-7  3*     USD  04-01 → 04-02                      1 orig, 2 CPR ok 04-02 (10)       (*inactive)
//  DM-8   2      USD  11-01 05:00 → 11-03 (current month) 1 orig, 2 CPR fail 11-02
//  INV-9  5      USD  11-05 → (in retry)                 1 orig
//  INV-10 1      USD  09-10 → 09-15                      1 orig, 2 CPR fail 09-12
//  INV-11 2      USD  09-06 → 09-10                      1 orig, 2 CPR fail 09-08
//                     09-20 → 09-22 (both Sep)           1 orig 09-20, 2 CPR ok 09-22 (25): 2 days

const NOW = new Date('2026-11-15T12:00:00Z');
const Y = '2026-';

let nextId = 1;
const cycle = (
  spec: Omit<CycleSpec, 'id' | 'started' | 'ended' | 'attempts'> & {
    started: string;
    ended?: string;
    attempts: [number, string, boolean, boolean?, string?][];
  },
): CycleSpec => ({
  ...spec,
  id: nextId++,
  started: `${Y}${spec.started}Z`,
  ...(spec.ended ? { ended: `${Y}${spec.ended}Z` } : {}),
  attempts: spec.attempts.map(([n, at, cpr, success, collected]) => ({
    n,
    at: `${Y}${at}Z`,
    cpr,
    ...(success === undefined ? {} : { success }),
    ...(collected === undefined ? {} : { collected }),
  })),
});

const HISTORY: CycleSpec[] = [
  cycle({
    doc: 'INV-1',
    group: 1,
    currency: 'USD',
    amount: '100',
    started: '07-10T00:00',
    ended: '07-13T12:00',
    attempts: [
      [1, '07-10T00:00', false],
      [2, '07-12T00:00', true],
      [3, '07-13T12:00', true, true],
    ],
  }),
  cycle({
    doc: 'INV-2',
    group: 1,
    currency: 'USD',
    amount: '50.255',
    started: '10-31T13:00',
    ended: '11-01T01:00',
    attempts: [
      [1, '10-31T13:00', false],
      [2, '11-01T01:00', true, true],
    ],
  }),
  cycle({
    doc: 'DM-3',
    type: 'debit_memo',
    group: 2,
    currency: 'EUR',
    amount: '200',
    started: '08-01T00:00',
    ended: '08-05T00:00',
    attempts: [
      [1, '08-01T00:00', false],
      [2, '08-02T00:00', true],
      [3, '08-04T00:00', true],
      [4, '08-05T00:00', true, true],
    ],
  }),
  cycle({
    doc: 'INV-4',
    group: 2,
    currency: 'USD',
    amount: '80',
    started: '09-01T00:00',
    ended: '09-05T00:00',
    status: 'collected_external',
    attempts: [
      [1, '09-01T00:00', false],
      [2, '09-03T00:00', true],
    ],
  }),
  cycle({
    doc: 'INV-5',
    group: 2,
    currency: 'USD',
    amount: '70',
    started: '05-20T00:00',
    ended: '06-01T03:00',
    attempts: [
      [1, '05-20T00:00', false],
      [2, '05-25T00:00', true],
    ],
  }),
  cycle({
    doc: 'INV-5',
    group: 2,
    currency: 'USD',
    amount: '70',
    started: '10-20T00:00',
    ended: '10-25T00:00',
    attempts: [
      [1, '10-20T00:00', false],
      [2, '10-25T00:00', true, true],
    ],
  }),
  cycle({
    doc: 'INV-6',
    group: 1,
    currency: 'CAD',
    amount: '30',
    started: '11-10T00:00',
    attempts: [
      [1, '11-10T00:00', false],
      [2, '11-12T00:00', true],
    ],
  }),
  cycle({
    doc: 'INV-7',
    group: 3,
    currency: 'USD',
    amount: '10',
    started: '04-01T00:00',
    ended: '04-02T00:00',
    attempts: [
      [1, '04-01T00:00', false],
      [2, '04-02T00:00', true, true],
    ],
  }),
  cycle({
    doc: 'DM-8',
    type: 'debit_memo',
    group: 2,
    currency: 'USD',
    amount: '40',
    started: '11-01T05:00',
    ended: '11-03T00:00',
    attempts: [
      [1, '11-01T05:00', false],
      [2, '11-02T00:00', true],
    ],
  }),
  cycle({
    doc: 'INV-9',
    group: 5,
    currency: 'USD',
    amount: '60',
    started: '11-05T00:00',
    attempts: [[1, '11-05T00:00', false]],
  }),
  cycle({
    doc: 'INV-10',
    group: 1,
    currency: 'USD',
    amount: '90',
    started: '09-10T00:00',
    ended: '09-15T00:00',
    attempts: [
      [1, '09-10T00:00', false],
      [2, '09-12T00:00', true],
    ],
  }),
  cycle({
    doc: 'INV-11',
    group: 2,
    currency: 'USD',
    amount: '25',
    started: '09-06T00:00',
    ended: '09-10T00:00',
    attempts: [
      [1, '09-06T00:00', false],
      [2, '09-08T00:00', true],
    ],
  }),
  cycle({
    doc: 'INV-11',
    group: 2,
    currency: 'USD',
    amount: '25',
    started: '09-20T00:00',
    ended: '09-22T00:00',
    attempts: [
      [1, '09-20T00:00', false],
      [2, '09-22T00:00', true, true],
    ],
  }),
];

const GROUPS = [
  { id: 2, name: 'High value', active: true },
  { id: 3, name: 'Dormant', active: false },
  { id: 4, name: 'Empty', active: true },
  { id: 5, name: 'Recent', active: true },
];

const nullGroup = (id: number, name: string) => ({
  id,
  name,
  smart_retry: false,
  document_success_rate: null,
  document_success_rate_trend: null,
  retry_success_rate: null,
  average_attempts: null,
});
const nullMonths = {
  '10_26': null,
  '09_26': null,
  '08_26': null,
  '07_26': null,
  '06_26': null,
  '05_26': null,
};

describe.each(dbKinds)('metrics of a hand-built history on %s', (kind: DbKind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(kind);
    await storeConfig(handle.db, configWithGroups(GROUPS, 'America/New_York'));
  });
  afterAll(async () => {
    await handle.close();
  });

  const both = () =>
    (['rollups', 'scratch'] as const).map((source) => createMetrics(handle.db, { now: () => NOW, source }));

  it('answers nulls (and lists every active group) before there is any data', async () => {
    for (const m of both()) {
      expect(await m.baseline()).toEqual({
        retry_success_rate: null,
        retry_success_rate_trend: null,
        document_success_rate: null,
        document_success_rate_trend: null,
        average_days_outstanding: null,
        average_days_outstanding_trend: null,
        success: true,
      });
      expect(await m.amountRecovered()).toEqual({ currency: {}, success: true });
      expect(await m.customerGroups()).toEqual({
        customer_groups: [
          nullGroup(2, 'High value'),
          nullGroup(4, 'Empty'),
          nullGroup(5, 'Recent'),
          nullGroup(1, 'All Remaining Customers'),
        ],
        success: true,
      });
      const overTime = await m.customerGroupOverTime();
      expect(overTime).toEqual({
        customer_groups: { '1': nullMonths, '2': nullMonths, '4': nullMonths, '5': nullMonths },
        success: true,
      });
      expect(Object.keys(overTime.customer_groups['2'] ?? {})).toEqual(Object.keys(nullMonths));
    }
  });

  it('computes every field of the known answer, from the rollups and from scratch alike', async () => {
    await insertHistory(handle.db, HISTORY);
    for (const m of both()) {
      expect(await m.baseline()).toEqual({
        retry_success_rate: '40.00', // 6 of 15 CPR attempts; 30 days ago 4 of 11 = 36.36
        retry_success_rate_trend: 'up',
        document_success_rate: '54.55', // 6 of 11 documents; 30 days ago 4 of 7 = 57.14
        document_success_rate_trend: 'down',
        average_days_outstanding: '2.67', // (3.5 + 0.5 + 4 + 5 + 1 + 2) / 6; 30 days ago 10.5 / 4 = 2.625
        average_days_outstanding_trend: 'up',
        success: true,
      });
      // EUR recovered nothing in the last 30 days, CAD nothing at all: both left out. 255.255 rounds up.
      expect(await m.amountRecovered()).toEqual({
        currency: { USD: { total_amount: '255.26', last_30_days: '120.26' } },
        success: true,
      });
      expect(await m.customerGroups()).toEqual({
        customer_groups: [
          {
            id: 2,
            name: 'High value',
            smart_retry: false,
            document_success_rate: '60.00', // 3 of 5; 30 days ago 2 of 4
            document_success_rate_trend: 'up',
            retry_success_rate: '33.33', // 3 of 9
            average_attempts: '2.67', // (4 + 2 + 2) / 3
          },
          nullGroup(4, 'Empty'),
          {
            ...nullGroup(5, 'Recent'),
            document_success_rate: '0.00', // 0 of 1, no document 30 days ago
            document_success_rate_trend: 'neutral',
          },
          {
            id: 1,
            name: 'All Remaining Customers',
            smart_retry: false,
            document_success_rate: '50.00', // 2 of 4; 30 days ago 1 of 2: equal
            document_success_rate_trend: 'neutral',
            retry_success_rate: '40.00', // 2 of 5
            average_attempts: '2.50', // (3 + 2) / 2
          },
        ],
        success: true,
      });
      const overTime = await m.customerGroupOverTime();
      expect(overTime).toEqual({
        customer_groups: {
          // INV-2 ended 11-01 01:00Z, still October in New York.
          '1': {
            '10_26': '100.00',
            '09_26': '0.00',
            '08_26': null,
            '07_26': '100.00',
            '06_26': null,
            '05_26': null,
          },
          // INV-11 twice in September counts once (1 of 2 with INV-4); INV-5's first cycle is May in New York.
          '2': {
            '10_26': '100.00',
            '09_26': '50.00',
            '08_26': '100.00',
            '07_26': null,
            '06_26': null,
            '05_26': '0.00',
          },
          '4': nullMonths,
          '5': nullMonths,
        },
        success: true,
      });
      expect(Object.keys(overTime.customer_groups['1'] ?? {})).toEqual(Object.keys(nullMonths));
    }
  });

  it('buckets months in the configured zone, following a change of zone', async () => {
    await storeConfig(handle.db, configWithGroups(GROUPS, 'UTC'));
    for (const m of both()) {
      const { customer_groups } = await m.customerGroupOverTime();
      expect(customer_groups['1']).toEqual({ ...nullMonths, '09_26': '0.00', '07_26': '100.00' });
      expect(customer_groups['2']).toEqual({
        ...nullMonths,
        '10_26': '100.00',
        '09_26': '50.00',
        '08_26': '100.00',
        '06_26': '0.00',
      });
    }
    await storeConfig(handle.db, configWithGroups(GROUPS, 'America/New_York'));
    const back = await createMetrics(handle.db, { now: () => NOW }).customerGroupOverTime();
    expect(back.customer_groups['1']?.['10_26']).toBe('100.00');
  });

  it('counts an attempt in the very next call after it is recorded', async () => {
    const m = createMetrics(handle.db, { now: () => NOW });
    await insertHistory(handle.db, [
      cycle({
        doc: 'INV-12',
        group: 1,
        currency: 'CAD',
        amount: '12.5',
        started: '11-14T00:00',
        ended: '11-15T00:00',
        attempts: [
          [1, '11-14T00:00', false],
          [2, '11-15T00:00', true, true],
        ],
      }),
    ]);
    expect((await m.baseline()).retry_success_rate).toBe('43.75'); // 7 of 16
    expect((await m.amountRecovered()).currency.CAD).toEqual({
      total_amount: '12.50',
      last_30_days: '12.50',
    });
  });
});
