import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCycleClient } from '../../client/cycles';
import { createManualRetryClient } from '../../client/manual-retries';
import { createDb, type DbHandle } from '../../db/client';
import { queryRows } from '../../db/rows';
import { attempts, cycleEvents, cycles, manualRetries } from '../../db/schema';
import { basic, TEST_TOKEN, testApp } from '../support/api';
import { cycleHistory } from '../support/cycle-history-reference';
import { dbKinds, openTestDb } from '../support/databases';
import { testTemporal, uniqueName } from '../support/temporal';
import { pgliteWireLog, postgresWireLog, type StatementLog } from '../support/wire-statements';

// Every cycle GET (the six Zuora ones and the cycle explorer's) and every SmartPay billing-cycle GET answers from ONE read
// statement, so an answer is one snapshot of the cycle and its attempts. The statements are counted
// from the protocol the driver really sends (a TCP proxy for postgres-js, PGlite's protocol input);
// the only other statement a request may run is its login lookup.

type Json = Record<string, unknown>;

/** +05:45: an offset no rounding or truncation of hours can hide. */
const ZONE = 'Asia/Kathmandu';

const isLogin = (sql: string) => sql.includes('"api_tokens"');

describe.each(dbKinds)('one read statement per cycle GET (%s)', (kind) => {
  let handle: DbHandle;
  let base: (DbHandle & { url?: string }) | undefined;
  let wire: StatementLog;
  let temporal: Awaited<ReturnType<typeof testTemporal>>;
  let t: Awaited<ReturnType<typeof testApp>>;

  const id = uniqueName('stmt');
  const account = `A-${id}`;
  const invoice = `INV-${id}`;
  const debitMemo = `DM-${id}`;
  const subscription = `Subscription-${randomUUID()}`;
  const running = `BillingCycle-${randomUUID()}`;
  const ended = `BillingCycle-${randomUUID()}`;
  const unsubscribed = `BillingCycle-${randomUUID()}`;
  const retryId = `Retry-${randomUUID()}`;

  beforeAll(async () => {
    if (kind === 'postgres') {
      base = await openTestDb('postgres');
      // Sessions not in UTC: timestamps inside JSON come in the session's zone and must still be
      // answered in UTC, exactly as before.
      const name = new URL(base.url ?? '').pathname.slice(1);
      await base.db.execute(sql.raw(`alter database "${name}" set timezone to '${ZONE}'`));
      const proxy = await postgresWireLog(base.url ?? '');
      wire = proxy;
      // One connection: postgres-js asks for the array types once per new connection, which would
      // otherwise be counted against whichever request opened it.
      handle = await createDb({ kind: 'postgres', url: proxy.proxiedUrl, poolSize: 1 });
    } else {
      handle = await openTestDb('pglite');
      await handle.db.execute(sql.raw(`set time zone '${ZONE}'`));
      wire = pgliteWireLog(handle);
    }
    temporal = await testTemporal();
    const taskQueue = uniqueName('stmt');
    t = await testApp(kind, {
      db: handle,
      // Every request's login lookup is counted below; cached, there would be none (and the cache's
      // heartbeat on the proxied connection would be counted among a request's statements).
      tokenCache: false,
      cycles: createCycleClient({ client: temporal.client, taskQueue }),
      manualRetries: createManualRetryClient({ client: temporal.client, taskQueue }),
    });
    await seed();
  });
  afterAll(async () => {
    await t?.close();
    await handle?.close();
    await wire?.close();
    await base?.close();
    await temporal?.close();
  });

  async function seed() {
    const cycle = (n: number, over: Partial<typeof cycles.$inferInsert>) => ({
      id: n,
      billingCycleId: `BillingCycle-${randomUUID()}`,
      workflowId: `cpr-invoice-${invoice}`,
      runId: `run-${n}-${id}`,
      documentType: 'invoice' as const,
      documentId: invoice,
      accountId: account,
      subscriptionId: subscription,
      paymentId: `P-${n}`,
      paymentMethodId: 'sim.insufficient_funds.decline',
      gatewayId: 'sim',
      currency: 'USD',
      amount: '100.1200',
      outstanding: '100.1200',
      customerGroupId: 1,
      customerGroupName: 'Default',
      configVersion: 1,
      status: 'in_retry',
      startedAt: new Date(`2026-11-2${n}T10:00:00.123Z`),
      ...over,
    });
    await handle.db.insert(cycles).values([
      cycle(1, { billingCycleId: running, nextAttemptAt: new Date('2026-11-22T10:00:03.456Z') }),
      cycle(2, {
        billingCycleId: ended,
        documentType: 'debit_memo',
        documentId: debitMemo,
        status: 'attempts_exhausted',
        endedAt: new Date('2026-11-23T10:00:09.000Z'),
      }),
      cycle(3, { billingCycleId: unsubscribed, subscriptionId: null, status: 'collected' }),
    ]);
    const attempt = (cycleId: number, n: number) => ({
      cycleId,
      attemptNumber: n,
      transactionId: `Transaction-${randomUUID()}`,
      paymentId: `P-${cycleId}-${n}`,
      timeOfExecution: new Date(Date.UTC(2026, 10, 21 + cycleId, 10, 0, n, 7)),
      source: n === 1 ? 'PR-00000371' : `PR-C${cycleId}-${n}`,
      cprGenerated: n > 1,
      success: false,
      amount: '100.1200',
      amountCollected: '0.0000',
      currency: 'USD',
      paymentMethodId: 'sim.insufficient_funds.decline',
      action: 'Retry' as const,
      retryNext: `2026-11-2${1 + cycleId}T10:00:0${n + 1}Z`,
      retryNextAt: new Date(Date.UTC(2026, 10, 21 + cycleId, 10, 0, n + 1)),
      label: 'Soft Decline',
      level: 'code' as const,
      customerGroupId: 1,
      gatewayId: 'sim',
      gatewayCode: 'insufficient_funds',
      gatewayResponse: 'Your card has insufficient funds.',
    });
    await handle.db
      .insert(attempts)
      .values([attempt(1, 1), attempt(1, 2), attempt(1, 3), attempt(2, 1), attempt(2, 2), attempt(3, 1)]);
    await handle.db.insert(cycleEvents).values({
      cycleId: 1,
      seq: 1,
      at: new Date('2026-11-22T10:00:00.123Z'),
      status: 'in_retry',
      reason: 'opened',
      detail: { n: 1 },
    });
    await handle.db.insert(manualRetries).values({
      retryId,
      cycleId: 2,
      attemptNumber: 3,
      transactionId: `Transaction-${randomUUID()}`,
      chargeKey: `cycle-2-attempt-3-${id}`,
      workflowId: `cpr-manual-2-${id}`,
      reason: 'customer called',
      requestedBy: 'ops@example.com',
      status: 'declined',
      gatewayId: 'sim',
      paymentMethodId: 'sim.insufficient_funds.decline',
      amount: '100.1200',
      currency: 'USD',
    });
  }

  /** GETs `path` and answers its JSON with the statements the request executed. */
  async function counted(path: string, headers: Record<string, string>) {
    wire.take();
    const res = await t.app.request(path, { headers });
    const body = (await res.json()) as Json;
    const statements = wire.take();
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(statements.filter(isLogin), statements.join('\n')).toHaveLength(1);
    return { body, reads: statements.filter((s) => !isLogin(s)) };
  }

  const P = '/api/v1/payments';
  const zuora: [string, number, number][] = [
    // path, cycles answered, attempts of the first
    [`${P}/active_invoice_cycle_information/${invoice}`, 1, 3],
    [`${P}/active_debit_memo_cycle_information/${debitMemo}`, 0, 0],
    [`${P}/active_account_cycle_information/${account}`, 1, 3],
    [`${P}/invoice_cycle_history/${invoice}`, 2, 3],
    [`${P}/debit_memo_cycle_history/${debitMemo}`, 1, 2],
    [`${P}/account_cycle_history/${account}`, 3, 3],
  ];

  it.each(zuora)('%s reads once', async (path, count, firstAttempts) => {
    const { body, reads } = await counted(path, basic());
    expect(reads, reads.join('\n')).toHaveLength(1);
    const found = body.cycles as { attempts: Json[]; current_attempt_number: number }[];
    expect(found).toHaveLength(count);
    if (found[0]) {
      expect(found[0].attempts).toHaveLength(firstAttempts);
      expect(found[0].current_attempt_number).toBe(firstAttempts);
      expect(found[0].attempts[0]?.time_of_execution).toMatch(/^2026-11-2\dT10:00:01\.007Z$/);
    }
  });

  const S = '/subscriptions';
  const smartPay: [string, (body: Json) => void][] = [
    [
      `${S}/${subscription}/billing-cycles/${running}`,
      (b) => {
        expect(b.id).toBe(running);
        expect((b.transactions as Json[]).map((x) => x.attemptNumber)).toEqual([1, 2, 3]);
        expect((b.transactions as Json[])[0]?.executedAt).toBe('2026-11-22T10:00:01.007Z');
      },
    ],
    [`${S}/none/billing-cycles/${unsubscribed}`, (b) => expect(b.status).toBe('Captured')],
    [
      `${S}/${subscription}/billing-cycles?page=1&pageSize=20`,
      (b) => {
        expect(b.count).toBe(2);
        expect((b.data as Json[]).map((c) => (c.transactions as Json[]).length)).toEqual([3, 2]);
      },
    ],
    [
      // Past the last page: still the count, from the same statement.
      `${S}/${subscription}/billing-cycles?page=3&pageSize=1`,
      (b) => {
        expect(b.count).toBe(2);
        expect(b.data).toEqual([]);
      },
    ],
    [`${S}/none/billing-cycles?page=1&pageSize=20`, (b) => expect(b.count).toBe(1)],
    [
      `${S}/${subscription}/billing-cycles/${ended}/manual-retries/${retryId}`,
      (b) => expect(b.status).toBe('Failed'),
    ],
  ];

  // The cycle explorer: a filtered page (with each cycle's attempt count and last attempt) and one
  // cycle with its attempts and events.
  const explorer: [string, (body: Json) => void][] = [
    [
      `/api/v1/cycles?account_id=${account}&limit=2`,
      (b) => {
        const found = b.cycles as Json[];
        expect(found.map((c) => c.id)).toEqual([3, 2]);
        expect(found.map((c) => c.attempt_count)).toEqual([1, 2]);
        expect(b.next_cursor).toEqual(expect.any(String));
      },
    ],
    [
      `/api/v1/cycles?status=retrying,stopped&gateway_code=insufficient_funds&customer_group_id=1`,
      (b) => expect((b.cycles as Json[]).map((c) => c.id)).toEqual([2, 1]),
    ],
    [
      '/api/v1/cycles/1',
      (b) => {
        const cycle = b.cycle as Json;
        expect((cycle.attempts as Json[]).map((a) => a.attempt_number)).toEqual([1, 2, 3]);
        expect((cycle.attempts as Json[])[0]?.time_of_execution).toBe('2026-11-22T10:00:01.007Z');
        expect(cycle.events).toEqual([
          { seq: 1, at: '2026-11-22T10:00:00.123Z', status: 'in_retry', reason: 'opened', detail: { n: 1 } },
        ]);
        expect(cycle.next_attempt_at).toBe('2026-11-22T10:00:03.456Z');
      },
    ],
  ];

  it.each(explorer)('%s reads once', async (path, check) => {
    const { body, reads } = await counted(path, basic());
    expect(reads, reads.join('\n')).toHaveLength(1);
    check(body);
  });

  it('maps the aggregated attempts exactly as stored: decimals as text, timestamps as UTC ISO', async () => {
    const [{ zone } = { zone: '' }] = await queryRows<{ zone: string }>(
      handle.db,
      sql`select current_setting('TimeZone') as zone`,
    );
    expect(zone).toBe(ZONE);
    const [found] = await cycleHistory(
      handle.db,
      { document: { type: 'invoice', id: invoice } },
      { activeOnly: true },
    );
    expect(found?.next_attempt).toBe('2026-11-22T10:00:03.456Z');
    expect(found?.attempts[1]).toEqual({
      attempt_number: 2,
      zuora_payment_id: 'P-1-2',
      transaction_id: expect.stringMatching(/^Transaction-/),
      time_of_execution: '2026-11-22T10:00:02.007Z',
      source: 'PR-C1-2',
      cpr_generated: true,
      success: false,
      amount: '100.1200',
      amount_collected: '0.0000',
      currency: 'USD',
      payment_method_id: 'sim.insufficient_funds.decline',
      idempotency_key: null,
      gateway_payment_id: null,
      action: 'Retry',
      retry_next: '2026-11-22T10:00:03Z',
      retry_next_at: '2026-11-22T10:00:03.000Z',
      retry_criteria: null,
      api_updated_retry_time: null,
      label: 'Soft Decline',
      level: 'code',
      customer_group_id: 1,
      gateway_id: 'sim',
      gateway_code: 'insufficient_funds',
      gateway_response: 'Your card has insufficient funds.',
    });
  });

  it.each(smartPay)('%s reads once', async (path, check) => {
    const { body, reads } = await counted(path, { 'x-api-key': TEST_TOKEN });
    expect(reads, reads.join('\n')).toHaveLength(1);
    check(body);
  });
});
