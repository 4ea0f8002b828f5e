import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cyclePageSchema } from '../../api/schemas/cycles';
import { createCycleClient } from '../../client/cycles';
import type { DbHandle } from '../../db/client';
import { attempts, cycles } from '../../db/schema';
import {
  ACTIVE_STATUSES,
  type CycleStatus,
  FINAL_STATUSES,
  STATUS_GROUPS,
  statusGroupOf,
} from '../../domain/cycle-status';
import { basic, testApp } from '../support/api';
import { dbKinds, openTestDb } from '../support/databases';
import { testTemporal, uniqueName } from '../support/temporal';

// The cycle explorer's list (GET /api/v1/cycles): each filter narrows to exactly the cycles it names,
// the cursor walks every cycle once, newest first, while cycles are opened between pages, and a bad
// filter or cursor is a 400 naming the parameter. The rows are seeded directly: the list reads only
// the database.

type Page = ReturnType<typeof cyclePageSchema.parse>;
type ErrorBody = { success: false; message: string; errors?: { path: string; message: string }[] };

describe('status groups', () => {
  it('put every status in exactly one group, and statusGroupOf names it', () => {
    const all: CycleStatus[] = [...ACTIVE_STATUSES, ...FINAL_STATUSES];
    const grouped = Object.values(STATUS_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...all].sort());
    for (const [group, statuses] of Object.entries(STATUS_GROUPS)) {
      for (const s of statuses) expect(statusGroupOf(s)).toBe(group);
    }
    expect(statusGroupOf('collected_external')).toBe('collected');
    expect(statusGroupOf('expired')).toBe('stopped');
  });
});

interface Seed {
  id: number;
  status: CycleStatus;
  group: number;
  account: string;
  doc: { type: 'invoice' | 'debit_memo'; id: string };
  codes: string[];
  next: Date | null;
  started: Date;
}

describe.each(dbKinds)('GET /api/v1/cycles (%s)', (kind) => {
  let handle: DbHandle;
  let temporal: Awaited<ReturnType<typeof testTemporal>>;
  let t: Awaited<ReturnType<typeof testApp>>;
  const tag = uniqueName('list');
  const A1 = `A1-${tag}`;
  const A2 = `A2-${tag}`;
  const seeds: Seed[] = [];
  let nextId = 1;

  const HOUR = 3_600_000;
  const base = Date.parse('2026-11-01T00:00:00.000Z');

  async function insert(s: Omit<Seed, 'id'>): Promise<Seed> {
    const seed = { ...s, id: nextId++ };
    await handle.db.insert(cycles).values({
      id: seed.id,
      billingCycleId: `BillingCycle-${randomUUID()}`,
      workflowId: `cpr-${seed.doc.type}-${seed.doc.id}`,
      runId: `run-${randomUUID()}`,
      documentType: seed.doc.type,
      documentId: seed.doc.id,
      accountId: seed.account,
      paymentId: `P-${randomUUID()}`,
      paymentMethodId: 'pm',
      gatewayId: 'sim',
      currency: 'USD',
      amount: '100.1200',
      outstanding: '60.0000',
      amountCollected: '40.1200',
      customerGroupId: seed.group,
      customerGroupName: seed.group === 1 ? 'Default' : 'Slow',
      configVersion: seed.group + 6,
      status: seed.status,
      startedAt: seed.started,
      nextAttemptAt: seed.next,
      endedAt: (ACTIVE_STATUSES as readonly string[]).includes(seed.status) ? null : seed.started,
    });
    if (seed.codes.length > 0) {
      await handle.db.insert(attempts).values(
        seed.codes.map((code, i) => ({
          cycleId: seed.id,
          attemptNumber: i + 1,
          transactionId: `Transaction-${randomUUID()}`,
          paymentId: `P-${randomUUID()}`,
          timeOfExecution: seed.started,
          source: 'PR-1',
          cprGenerated: i > 0,
          success: false,
          amount: '100.1200',
          amountCollected: '0',
          currency: 'USD',
          paymentMethodId: 'pm',
          label: `label-${code}`,
          level: 'code' as const,
          customerGroupId: seed.group,
          gatewayId: 'sim',
          gatewayCode: code,
          gatewayResponse: `message of ${code}`,
        })),
      );
    }
    return seed;
  }

  beforeAll(async () => {
    handle = await openTestDb(kind);
    temporal = await testTemporal();
    t = await testApp(kind, {
      db: handle,
      cycles: createCycleClient({ client: temporal.client, taskQueue: uniqueName('list') }),
    });
    const statuses: CycleStatus[] = [...ACTIVE_STATUSES, ...FINAL_STATUSES];
    // 18 cycles: every status twice, two groups, two accounts, invoices and debit memos, a few codes.
    for (let i = 0; i < 18; i++) {
      const status = statuses[i % statuses.length] as CycleStatus;
      seeds.push(
        await insert({
          status,
          group: (i % 2) + 1,
          account: i % 3 === 0 ? A2 : A1,
          doc:
            i % 4 === 0
              ? { type: 'debit_memo', id: `DM-${i}-${tag}` }
              : { type: 'invoice', id: `INV-${i}-${tag}` },
          codes:
            i % 5 === 0 ? [] : i % 2 === 0 ? ['insufficient_funds', 'do_not_honor'] : ['insufficient_funds'],
          next: status === 'in_retry' || status === 'paused' ? new Date(base + (i + 48) * HOUR) : null,
          // Three share one start, so the id decides between them.
          started: new Date(i < 3 ? base : base + i * HOUR),
        }),
      );
    }
    // Two starts within one millisecond (a JS Date cannot tell them apart): the cursor must.
    await handle.db.execute(
      sql`update ${cycles} set started_at = timestamptz '2026-11-01T05:00:00.000100Z' where id = 12`,
    );
    await handle.db.execute(
      sql`update ${cycles} set started_at = timestamptz '2026-11-01T05:00:00.000900Z' where id = 13`,
    );
    for (const id of [12, 13]) {
      const s = seeds[id - 1] as Seed;
      s.started = new Date('2026-11-01T05:00:00.000Z');
    }
  });
  afterAll(async () => {
    await t?.close();
    await handle?.close();
    await temporal?.close();
  });

  const list = async (query: string): Promise<Page> => {
    const res = await t.app.request(`/api/v1/cycles${query ? `?${query}` : ''}`, { headers: basic() });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return cyclePageSchema.parse(body);
  };
  /** Every id the filter answers, walking all pages. */
  const idsOf = async (query: string): Promise<number[]> => {
    const ids: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await list(`${query}&limit=100${cursor ? `&cursor=${cursor}` : ''}`);
      ids.push(...page.cycles.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    return ids;
  };
  /** The seeds matching `keep`, in the list's order (newest first; µs ties by the true start). */
  const expected = async (keep: (s: Seed) => boolean) => {
    const order = (
      await handle.db.select({ id: cycles.id }).from(cycles).orderBy(sql`started_at desc, id desc`)
    ).map((r) => r.id);
    return order.filter((id) => {
      const s = seeds.find((x) => x.id === id);
      return s ? keep(s) : false;
    });
  };
  const ofTag = (s: Seed) => s.account === A1 || s.account === A2;

  it('answers every cycle newest first, in the CycleSummary shape', async () => {
    const page = await list('limit=100');
    expect(page.cycles.map((c) => c.id)).toEqual(await expected(ofTag));
    expect(page.next_cursor).toBeNull();
    const one = page.cycles.find((c) => c.id === 7);
    const seed = seeds[6] as Seed;
    expect(one).toEqual({
      id: 7,
      billing_cycle_id: expect.stringMatching(/^BillingCycle-/),
      workflow_id: `cpr-${seed.doc.type}-${seed.doc.id}`,
      document_type: seed.doc.type,
      document_id: seed.doc.id,
      account_id: seed.account,
      subscription_id: null,
      customer_group_id: 1,
      customer_group_name: 'Default',
      status: seed.status,
      status_group: statusGroupOf(seed.status),
      amount: '100.12',
      outstanding: '60.00',
      amount_collected: '40.12',
      currency: 'USD',
      attempt_count: 2,
      last_gateway_code: 'do_not_honor',
      last_label: 'label-do_not_honor',
      next_attempt_at: seed.next?.toISOString() ?? null,
      started_at: seed.started.toISOString(),
      ended_at: seed.next ? null : seed.started.toISOString(),
      config_version: 7,
    });
    const none = page.cycles.find((c) => c.id === 1);
    expect(none).toMatchObject({ attempt_count: 0, last_gateway_code: null, last_label: null });
  });

  it('narrows by each filter to exactly the cycles it names', async () => {
    const cases: [string, (s: Seed) => boolean][] = [
      ['status=retrying', (s) => s.status === 'in_retry'],
      ['status=paused', (s) => s.status === 'paused'],
      ['status=collected', (s) => s.status === 'collected' || s.status === 'collected_external'],
      ['status=stopped', (s) => ['stopped_by_rule', 'attempts_exhausted', 'expired'].includes(s.status)],
      ['status=removed', (s) => s.status === 'removed'],
      ['status=error', (s) => s.status === 'error'],
      ['status=retrying,paused', (s) => s.status === 'in_retry' || s.status === 'paused'],
      ['status=retrying&status=error', (s) => s.status === 'in_retry' || s.status === 'error'],
      ['customer_group_id=2', (s) => s.group === 2],
      [`account_id=${A2}`, (s) => s.account === A2],
      [`invoice_id=INV-7-${tag}`, (s) => s.doc.id === `INV-7-${tag}`],
      [`debit_memo_id=DM-8-${tag}`, (s) => s.doc.id === `DM-8-${tag}`],
      // An invoice id never matches a debit memo's document of the same id.
      [`debit_memo_id=INV-7-${tag}`, () => false],
      ['gateway_code=do_not_honor', (s) => s.codes.includes('do_not_honor')],
      ['gateway_code=insufficient_funds', (s) => s.codes.includes('insufficient_funds')],
      [
        `next_attempt_from=${new Date(base + 50 * HOUR).toISOString()}&next_attempt_to=${new Date(base + 58 * HOUR).toISOString()}`,
        (s) => s.next !== null && s.next.getTime() >= base + 50 * HOUR && s.next.getTime() < base + 58 * HOUR,
      ],
      [
        `status=paused&customer_group_id=2&account_id=${A1}&gateway_code=insufficient_funds`,
        (s) =>
          s.status === 'paused' &&
          s.group === 2 &&
          s.account === A1 &&
          s.codes.includes('insufficient_funds'),
      ],
    ];
    for (const [query, keep] of cases) {
      const want = await expected((s) => ofTag(s) && keep(s));
      expect(await idsOf(query), query).toEqual(want);
    }
    // Every filter above narrowed something and none was empty by accident, except the one meant to be.
    expect((await expected((s) => s.codes.includes('do_not_honor'))).length).toBeGreaterThan(0);
    // The window is inclusive at its start and exclusive at its end.
    const at = seeds.find((s) => s.next !== null)?.next as Date;
    expect(await idsOf(`next_attempt_from=${at.toISOString()}&next_attempt_to=${at.toISOString()}`)).toEqual(
      [],
    );
    const exact = await idsOf(
      `next_attempt_from=${at.toISOString()}&next_attempt_to=${new Date(at.getTime() + 1).toISOString()}`,
    );
    expect(exact).toEqual(seeds.filter((s) => s.next?.getTime() === at.getTime()).map((s) => s.id));
  });

  it('walks every cycle exactly once with the cursor while new cycles are opened between pages', async () => {
    const before = await expected(ofTag);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Page = await list(`limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.cycles.length).toBeLessThanOrEqual(4);
      seen.push(...page.cycles.map((c) => c.id));
      cursor = page.next_cursor;
      pages++;
      // A cycle opened now starts after every seeded one: it is before the cursor, never in this walk.
      await insert({
        status: 'in_retry',
        group: 1,
        account: `A-new-${tag}`,
        doc: { type: 'invoice', id: `INV-new-${pages}-${tag}` },
        codes: ['insufficient_funds'],
        next: null,
        started: new Date(Date.parse('2026-12-01T00:00:00Z') + pages * HOUR),
      });
    } while (cursor);
    expect(pages).toBe(Math.ceil(before.length / 4));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(before);
    // The ids sharing a start (1, 2, 3) and the two a microsecond apart (12, 13) came in order.
    expect(seen.filter((id) => id <= 3)).toEqual([3, 2, 1]);
    expect(seen.filter((id) => id === 12 || id === 13)).toEqual([13, 12]);
    // One row a page, so a page ends between the two starts a microsecond apart (both collected).
    const collected: number[] = [];
    cursor = null;
    do {
      const page: Page = await list(`status=collected&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      collected.push(...page.cycles.map((c) => c.id));
      cursor = page.next_cursor;
    } while (cursor);
    expect(collected).toEqual(
      await expected((s) => ofTag(s) && (s.status === 'collected' || s.status === 'collected_external')),
    );
    expect(collected.filter((id) => id === 12 || id === 13)).toEqual([13, 12]);
    // A new walk starts with the cycles opened meanwhile.
    const first = await list('limit=2');
    expect(first.cycles.map((c) => c.account_id)).toEqual([`A-new-${tag}`, `A-new-${tag}`]);
    expect(first.cycles[0]?.id).toBe(nextId - 1);
    // The default page is 25.
    while (nextId <= 26) {
      await insert({
        status: 'error',
        group: 1,
        account: `A-new-${tag}`,
        doc: { type: 'invoice', id: `INV-more-${nextId}-${tag}` },
        codes: [],
        next: null,
        started: new Date(base - nextId * HOUR),
      });
    }
    const defaultPage = await list('');
    expect(defaultPage.cycles).toHaveLength(25);
    expect(defaultPage.next_cursor).not.toBeNull();
  });

  it('refuses a bad filter or cursor with 400 naming the parameter', async () => {
    const bad = async (query: string, path: string) => {
      const res = await t.app.request(`/api/v1/cycles?${query}`, { headers: basic() });
      const body = (await res.json()) as ErrorBody;
      expect(res.status, `${query}: ${JSON.stringify(body)}`).toBe(400);
      expect(body.success).toBe(false);
      expect(
        body.errors?.map((e) => e.path),
        query,
      ).toContain(path);
      return body;
    };
    expect((await bad('status=bogus', 'query.status')).message).toMatch(/"bogus".*retrying, paused/);
    await bad('status=retrying,in_retry', 'query.status');
    await bad('status=', 'query.status');
    await bad('customer_group_id=abc', 'query.customer_group_id');
    await bad('customer_group_id=-1', 'query.customer_group_id');
    await bad('limit=0', 'query.limit');
    await bad('limit=101', 'query.limit');
    await bad('limit=two', 'query.limit');
    await bad('next_attempt_from=yesterday', 'query.next_attempt_from');
    await bad('next_attempt_to=2026-11-01', 'query.next_attempt_to');
    await bad('account_id=', 'query.account_id');
    await bad('cursor=not-a-cursor!', 'query.cursor');
    await bad('cursor=abc', 'query.cursor');
    const forged = Buffer.from(JSON.stringify({ s: 'soon', i: 1 })).toString('base64url');
    expect((await bad(`cursor=${forged}`, 'query.cursor')).message).toMatch(/next_cursor/);
    const extra = Buffer.from(JSON.stringify({ s: '1', i: 1, x: 1 })).toString('base64url');
    await bad(`cursor=${extra}`, 'query.cursor');
    // Nothing was filtered on a bad request: it never reached the database.
    const noAuth = await t.app.request('/api/v1/cycles');
    expect(noAuth.status).toBe(401);
  });

  it('is documented as GET_Cycles with every query parameter', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId: string; parameters: { name: string }[] }>>;
    };
    const op = doc.paths['/api/v1/cycles']?.get;
    expect(op?.operationId).toBe('GET_Cycles');
    expect(op?.parameters.map((p) => p.name).sort()).toEqual(
      [
        'account_id',
        'cursor',
        'customer_group_id',
        'debit_memo_id',
        'gateway_code',
        'invoice_id',
        'limit',
        'next_attempt_from',
        'next_attempt_to',
        'status',
      ].sort(),
    );
    expect(doc.paths['/api/v1/cycles/{id}']?.get?.operationId).toBe('GET_Cycle');
  });
});
