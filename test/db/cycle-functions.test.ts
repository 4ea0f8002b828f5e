import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import * as writes from '../../db/cycle-writes';
import * as claims from '../../db/payment-claims';
import { queryRows } from '../../db/rows';
import { type AttemptRecord, externalAttempt } from '../../domain/attempt-record';
import { FINAL_STATUSES } from '../../domain/cycle-status';
import type { FailedPayment } from '../../domain/failed-payment';
import { attemptRecordArbitrary } from '../support/attempt-arbitrary';
import { openTestCycle } from '../support/cycle-rows';
import * as reference from '../support/cycle-writes-reference';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';
import { pgliteWireLog, postgresWireLog, type StatementLog } from '../support/wire-statements';

// The cycle's writes are SQL functions since the record-cycle-function migration, one call each. They
// must write exactly what the drizzle transactions they replaced wrote
// (test/support/cycle-writes-reference.ts): the same rows and column values (instants, nulls, jsonb
// detail, unicode, numeric rounding), the same rollups from the triggers, the same answers, and a
// failure for the same inputs. Twin databases, one written by each, get the same generated operations,
// and must end up identical.

/** Instants up to 2025, and JS time frozen later: a stored instant never looks like a row's now(). */
const JS_NOW = new Date('2025-06-01T12:00:00.000Z');
const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2025-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** Mostly any unicode text; now and then text one driver or the other refuses or rewrites. */
const text = fc.oneof(
  { weight: 60, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', 'a\ud800', '\udc00b', '\\ud800', '𝄞é\u200d') },
);
/** numeric(19,4): canonical amounts, and now and then one that rounds or overflows. */
const amount = fc.oneof(
  {
    weight: 20,
    arbitrary: fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.integer({ min: 0, max: 9999 }))
      .map(([units, frac]) => `${units}.${String(frac).padStart(4, '0')}`),
  },
  { weight: 1, arbitrary: fc.constantFrom('1.23456', '0.00005', '-2.5', '1e3', '999999999999999.99995') },
);
/** As an activity receives it: through JSON, as Temporal delivers its input. */
const detail = fc
  .dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.jsonValue({ maxDepth: 2 }), text), { maxKeys: 3 })
  .map((d) => JSON.parse(JSON.stringify(d)) as Record<string, unknown>);

/** Small pools, so that retries, shared keys and collisions between cycles come up. */
const transactionId = fc.constantFrom('T1', 'T2', 'T3', 'T4', 'T5', 'T6');
const idempotencyKey = fc.option(fc.constantFrom('K1', 'K2', 'K3', 'K4'));

const attemptRecord = (numbers: fc.Arbitrary<number>): fc.Arbitrary<AttemptRecord> =>
  attemptRecordArbitrary(
    { text, instant, amount, attemptNumber: numbers },
    {
      zuora_payment_id: fc.constantFrom('P0', 'P1', 'P2'),
      transaction_id: transactionId,
      currency: fc.constantFrom('USD', 'EUR'),
      idempotency_key: idempotencyKey,
      retry_next_at: fc.oneof(fc.option(instant), fc.constant('')),
      customer_group_id: fc.integer({ min: 0, max: 3 }),
    },
  );

const pick = fc.nat({ max: 20 });
const opening = {
  run: fc.nat({ max: 3 }),
  doc: fc.nat({ max: 1 }),
  payment: fc.nat({ max: 2 }),
  group: fc.integer({ min: 1, max: 3 }),
  startedAt: instant,
};
const openClaimed = fc.record({
  op: fc.constant('openClaimed' as const),
  ...opening,
  first: attemptRecord(fc.constant(1)),
});
/** Mostly records, the write the cycle makes most. */
const operation = fc.oneof(
  { weight: 2, arbitrary: openClaimed },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('open' as const), ...opening }) },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('insertAttempt' as const),
      cycle: pick,
      attempt: attemptRecord(fc.nat({ max: 3 })),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('claimPayment' as const),
      cycle: pick,
      payment: fc.nat({ max: 2 }),
      attempt: attemptRecord(fc.integer({ min: 1, max: 3 })),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      op: fc.constant('record' as const),
      cycle: pick,
      attempts: fc.array(attemptRecord(fc.integer({ min: 1, max: 3 })), { maxLength: 3 }),
      events: fc.array(
        fc.record({ seq: fc.integer({ min: 1, max: 6 }), at: instant, reason: text, detail }),
        {
          maxLength: 3,
        },
      ),
      cycleRow: fc.record({
        status: fc.constantFrom('in_retry' as const, 'paused' as const, ...FINAL_STATUSES),
        end_reason: fc.option(text),
        ended_at: fc.oneof(fc.option(instant), fc.constant('')),
        next_attempt: fc.option(instant),
        outstanding: amount,
        payment_method_id: text,
      }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('claimOf' as const), payment: fc.nat({ max: 2 }) }) },
);
/** A history: a cycle opens, then anything happens. */
const history = fc
  .tuple(openClaimed, fc.array(operation, { minLength: 1, maxLength: 9 }))
  .map(([first, rest]) => [first, ...rest]);
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

/** What a write answered, or how it failed: SQLSTATE (its class only for data exceptions, class 22, whose
 * code names the check that refused: text refused as a parameter or inside jsonb), else the error's name. */
type Outcome = { ok: unknown } | { failed: string };
async function outcome(run: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: await run() };
  } catch (err) {
    let code: unknown;
    for (let e: unknown = err; e instanceof Error && code === undefined; e = e.cause)
      code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return { failed: code.startsWith('22') ? '22' : code };
    return { failed: (err as Error).name };
  }
}

/**
 * Every row the writes and their triggers touch, by key. Ids are left out: a call refused for its
 * data may have drawn sequence values before it was refused, or not (a transaction's earlier
 * statements did; a function's jsonb is refused before it runs), so a cycle is named by its rank.
 * Columns a statement's now() fills are left out too.
 */
const CYCLE_RANK = 'join (select id, rank() over (order by id) as n from cycles) r on r.id = t.cycle_id';
const TABLES: Record<string, string> = {
  cycles: `select rank() over (order by id) as n, workflow_id, run_id, document_type, document_id, account_id,
    subscription_id, payment_id, payment_method_id, gateway_id, currency, amount::text, outstanding::text,
    amount_collected::text, customer_group_id, customer_group_name, config_version, status, end_reason, due_date,
    started_at::text, ended_at::text, next_attempt_at::text,
    case when updated_at > '2025-12-31' then 'now()' else updated_at::text end as updated_at
    from cycles order by id`,
  attempts: `select r.n, attempt_number, transaction_id, payment_id, time_of_execution::text, source,
    cpr_generated, success, amount::text, amount_collected::text, currency, payment_method_id, idempotency_key,
    gateway_payment_id, action, retry_next, retry_next_at::text, retry_criteria, api_updated_retry_time, label,
    level, customer_group_id, gateway_id, gateway_code, gateway_response
    from attempts t ${CYCLE_RANK} order by r.n, attempt_number`,
  cycle_events: `select r.n, seq, at::text, status, reason, detail::text from cycle_events t ${CYCLE_RANK}
    order by r.n, seq`,
  payment_claims: `select payment_id, r.n, attempt_number, document_type, document_id, payment::text
    from payment_claims t ${CYCLE_RANK} order by payment_id`,
  metric_attempt_days: `select day::text, customer_group_id, currency, attempts::text, successes::text,
    amount_collected::text from metric_attempt_days order by 1, 2, 3`,
  metric_documents: `select document_type, document_id, customer_group_id, entered_at::text, collected_at::text,
    days_us::text, attempt_number from metric_documents order by 1, 2, 3`,
  metric_document_days: `select day::text, customer_group_id, entered::text, collected::text, days_us::text,
    attempt_numbers::text from metric_document_days order by 1, 2`,
  metric_document_months: `select document_type, document_id, customer_group_id, month::text, collected
    from metric_document_months order by 1, 2, 3, 4`,
  metric_month_totals: `select month::text, customer_group_id, documents::text, collected::text
    from metric_month_totals order by 1, 2`,
};
async function stateOf(handle: DbHandle): Promise<Record<string, unknown[]>> {
  const state: Record<string, unknown[]> = {};
  for (const [table, query] of Object.entries(TABLES)) {
    state[table] = Array.from(await queryRows(handle.db, sql.raw(query)), (row) => ({ ...(row as object) }));
  }
  return state;
}

/** The writes as an implementation offers them. */
interface Writes {
  openCycle: typeof writes.openCycle;
  insertAttempt: typeof writes.insertAttempt;
  recordCycle: typeof writes.recordCycle;
  claimOf: typeof claims.claimOf;
  openClaimedCycle: typeof claims.openClaimedCycle;
  claimPaymentAsAttempt: typeof claims.claimPaymentAsAttempt;
}
const functions: Writes = { ...writes, ...claims };
const transactions: Writes = reference;

/**
 * An answer with its cycle ids as ranks (in the order the twin first answered them, see TABLES) and
 * without the random billing cycle ids each twin draws.
 */
const normalised = (ranks: Map<number, number>, value: unknown): unknown =>
  JSON.parse(
    JSON.stringify(value ?? null, (key, v) => {
      if (key === 'billing_cycle_id') return undefined;
      if (key !== 'cycle_id' || typeof v !== 'number') return v;
      if (!ranks.has(v)) ranks.set(v, ranks.size + 1);
      return `cycle #${ranks.get(v)}`;
    }),
  );

describe.each(dbKinds)('cycle writes as SQL functions on %s', (kind: DbKind) => {
  let twins: { functions: DbHandle; transactions: DbHandle };
  const ranks = { functions: new Map<number, number>(), transactions: new Map<number, number>() };
  beforeAll(async () => {
    twins = { functions: await openTestDb(kind), transactions: await openTestDb(kind) };
  });
  afterAll(async () => {
    await twins?.functions.close();
    await twins?.transactions.close();
  });
  beforeEach(() => {
    // recordCycle stamps updated_at with Date.now() when it has no events: the same for both twins.
    vi.useFakeTimers({ toFake: ['Date'], now: JS_NOW });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  let histories = 0;
  it('write what the transactions wrote, answer what they answered, and fail where they failed', async () => {
    await fc.assert(
      fc.asyncProperty(history, async (operations) => {
        histories++;
        // Each history from empty twins (the truncate triggers rebuild the rollups empty too), so that
        // a counterexample shrinks to the operations that made them differ.
        for (const twin of Object.values(twins)) {
          await twin.db.execute(sql`truncate payment_claims, cycle_events, attempts, cycles cascade`);
        }
        ranks.functions.clear();
        ranks.transactions.clear();
        const name = (what: string, n: number) => `h${histories}-${what}${n}`;
        const payment = (n: number, doc: number): FailedPayment => ({
          payment_id: name('P', n),
          account_id: name('A', 0),
          invoice_id: name('INV', doc),
          amount: `${10 + n}.00`,
          currency: 'USD',
          payment_method_id: 'pm',
          gateway_id: 'sim',
          gateway_response_code: 'insufficient_funds',
          ...(n === 2 ? { account: { segment: 'é\u0301' }, due_date: '2024-02-29' } : {}),
        });
        /** The cycles opened, by the ids each twin gave them. */
        const opened: { functions: number; transactions: number; doc: number }[] = [];
        const openInput = (o: Extract<Operation, { op: 'open' | 'openClaimed' }>) => ({
          workflow_id: `wf-${name('INV', o.doc)}`,
          run_id: name('run', o.run),
          document_type: 'invoice' as const,
          document_id: name('INV', o.doc),
          payment: payment(o.payment, o.doc),
          customer_group_id: o.group,
          customer_group_name: `Group ${o.group}`,
          config_version: 1,
          started_at: o.startedAt,
        });
        /** Same-named rows: attempts keep their pooled transaction ids and keys unique per history only. */
        const own = (a: AttemptRecord): AttemptRecord => ({
          ...a,
          zuora_payment_id: name(a.zuora_payment_id, 0),
          transaction_id: name(a.transaction_id, 0),
          idempotency_key: a.idempotency_key === null ? null : name(a.idempotency_key, 0),
        });
        const apply = async (twin: keyof typeof twins, o: Operation): Promise<Outcome | null> => {
          const impl = twin === 'functions' ? functions : transactions;
          const db = twins[twin].db;
          const picked = 'cycle' in o ? opened[o.cycle % Math.max(opened.length, 1)] : undefined;
          const cycle = picked && { cycle_id: picked[twin], doc: picked.doc };
          switch (o.op) {
            case 'open':
              return outcome(() => impl.openCycle(db, openInput(o)));
            case 'openClaimed':
              return outcome(() => impl.openClaimedCycle(db, openInput(o), own(o.first)));
            case 'claimOf':
              return outcome(() => impl.claimOf(db, payment(o.payment, 0)));
            case 'insertAttempt':
              if (!cycle) return null;
              return outcome(() => impl.insertAttempt(db, cycle.cycle_id, own(o.attempt)));
            case 'claimPayment':
              if (!cycle) return null;
              return outcome(() =>
                impl.claimPaymentAsAttempt(
                  db,
                  cycle.cycle_id,
                  { type: 'invoice', id: name('INV', cycle.doc) },
                  payment(o.payment, cycle.doc),
                  own(o.attempt),
                ),
              );
            case 'record':
              if (!cycle) return null;
              return outcome(() =>
                impl.recordCycle(db, {
                  cycle_id: cycle.cycle_id,
                  attempts: o.attempts.map(own),
                  cycle: o.cycleRow,
                  events: o.events,
                }),
              );
          }
        };
        for (const o of operations) {
          const expected = await apply('transactions', o);
          const actual = await apply('functions', o);
          expect(normalised(ranks.functions, actual), JSON.stringify(o)).toEqual(
            normalised(ranks.transactions, expected),
          );
          const idOf = (answer: Outcome | null) =>
            answer && 'ok' in answer ? (answer.ok as { cycle_id?: number } | null)?.cycle_id : undefined;
          const [byFunctions, byTransactions] = [idOf(actual), idOf(expected)];
          if ((o.op === 'open' || o.op === 'openClaimed') && byFunctions && byTransactions)
            opened.push({ functions: byFunctions, transactions: byTransactions, doc: o.doc });
        }
        expect(await stateOf(twins.functions)).toEqual(await stateOf(twins.transactions));
      }),
      { numRuns: 20 },
    );
  });
});

describe.each(dbKinds)('a cycle record on %s', (kind: DbKind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const attempt = (n: number, collected: string, over: Partial<AttemptRecord> = {}): AttemptRecord => ({
    attempt_number: n,
    zuora_payment_id: `zp-${n}`,
    transaction_id: `Transaction-${randomUUID()}`,
    time_of_execution: `2026-11-2${n}T10:00:00.000Z`,
    source: `PR-${n}`,
    cpr_generated: true,
    success: collected !== '0',
    amount: '100.0000',
    amount_collected: collected,
    currency: 'USD',
    payment_method_id: 'pm',
    idempotency_key: `key-${randomUUID()}`,
    gateway_payment_id: null,
    action: null,
    retry_next: null,
    retry_next_at: null,
    retry_criteria: null,
    api_updated_retry_time: null,
    label: '',
    level: 'code',
    customer_group_id: 1,
    gateway_id: 'sim',
    gateway_code: 'insufficient_funds',
    gateway_response: 'declined',
    ...over,
  });
  const input = (cycleId: number, attempts: AttemptRecord[], seq = 1): writes.RecordInput => ({
    cycle_id: cycleId,
    attempts,
    cycle: {
      status: 'in_retry',
      end_reason: null,
      ended_at: null,
      next_attempt: '2026-11-30T10:00:00.000Z',
      outstanding: '50.0000',
      payment_method_id: 'pm',
    },
    events: [{ seq, at: '2026-11-22T10:00:00.000Z', reason: 'recorded', detail: { seq } }],
  });
  const stored = async (cycleId: number) => {
    const [cycle] = await queryRows<{ amount_collected: string; updated_at: string }>(
      handle.db,
      sql`select amount_collected::text, updated_at::text from cycles where id = ${cycleId}`,
    );
    const attempts = await queryRows<{
      attempt_number: number;
      amount_collected: string;
      transaction_id: string;
    }>(
      handle.db,
      sql`select attempt_number, amount_collected::text, transaction_id from attempts where cycle_id = ${cycleId} order by attempt_number`,
    );
    const events = await queryRows(handle.db, sql`select seq from cycle_events where cycle_id = ${cycleId}`);
    return { cycle, attempts: [...attempts].map((a) => ({ ...a })), events: events.length };
  };

  it('sums amount_collected over every stored attempt when only some are in the call', async () => {
    const cycleId = await openTestCycle(handle.db);
    const [one, two] = [attempt(1, '10.0000'), attempt(2, '5.0000')];
    await writes.recordCycle(handle.db, input(cycleId, [one, two]));
    // Attempt 2 completes again with another amount; attempt 1 is not in the call but still counts.
    await writes.recordCycle(handle.db, input(cycleId, [{ ...two, amount_collected: '7.1250' }], 2));
    expect((await stored(cycleId)).cycle?.amount_collected).toBe('17.1250');
  });

  it("stores a retried call once, and never changes an attempt's transaction id", async () => {
    const cycleId = await openTestCycle(handle.db);
    const first = input(cycleId, [attempt(1, '0'), attempt(2, '20.0000')]);
    await writes.recordCycle(handle.db, first);
    const once = await stored(cycleId);
    await writes.recordCycle(handle.db, first);
    await writes.recordCycle(handle.db, first);
    expect(await stored(cycleId)).toEqual(once);
    const [a1] = first.attempts;
    if (!a1) throw new Error('no attempt');
    await writes.recordCycle(handle.db, input(cycleId, [{ ...a1, transaction_id: 'Transaction-other' }]));
    expect((await stored(cycleId)).attempts[0]?.transaction_id).toBe(a1.transaction_id);
  });

  it('stores concurrent calls of the same record once, each of them succeeding', async () => {
    const cycleId = await openTestCycle(handle.db);
    const same = input(cycleId, [attempt(1, '3.0000'), attempt(2, '4.0000')]);
    await Promise.all(Array.from({ length: 6 }, () => writes.recordCycle(handle.db, same)));
    expect(await stored(cycleId)).toMatchObject({
      cycle: { amount_collected: '7.0000' },
      attempts: [
        { attempt_number: 1, amount_collected: '3.0000' },
        { attempt_number: 2, amount_collected: '4.0000' },
      ],
      events: 1,
    });
  });
});

describe.each(dbKinds)('statements per cycle write on %s', (kind: DbKind) => {
  let handle: DbHandle;
  let base: (DbHandle & { url?: string }) | undefined;
  let wire: StatementLog;
  beforeAll(async () => {
    if (kind === 'postgres') {
      base = await openTestDb('postgres');
      const proxy = await postgresWireLog(base.url ?? '');
      wire = proxy;
      handle = await createDb({ kind: 'postgres', url: proxy.proxiedUrl, poolSize: 1 });
    } else {
      handle = await openTestDb('pglite');
      wire = pgliteWireLog(handle);
    }
  });
  afterAll(async () => {
    await handle?.close();
    await wire?.close();
    await base?.close();
  });

  it('opens, claims and records a cycle in one statement each, no transaction around them', async () => {
    const id = randomUUID();
    const p: FailedPayment = {
      payment_id: `P-${id}`,
      account_id: `A-${id}`,
      invoice_id: `INV-${id}`,
      amount: '10.00',
      currency: 'USD',
      payment_method_id: 'pm',
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
    };
    const open = {
      workflow_id: `wf-${id}`,
      run_id: `run-${id}`,
      document_type: 'invoice' as const,
      document_id: `INV-${id}`,
      payment: p,
      customer_group_id: 1,
      customer_group_name: 'Default',
      config_version: 1,
      started_at: '2026-11-22T10:00:00.000Z',
    };
    const first = externalAttempt(p, 1, 1, `Transaction-${id}`, '2026-11-22T10:00:00.000Z');
    // Warm: postgres-js reads the array types on a connection's first statement.
    await claims.claimOf(handle.db, p);
    wire.take();
    const count = async (write: () => Promise<unknown>) => {
      await write();
      return wire.take().length;
    };
    const opened = await claims.openClaimedCycle(handle.db, open, first);
    if (opened.kind !== 'opened') throw new Error('not opened');
    const second = { ...p, payment_id: `P2-${id}` };
    const next = externalAttempt(second, 2, 1, `Transaction-2-${id}`, '2026-11-22T11:00:00.000Z');
    wire.take();
    expect({
      claimOf: await count(() => claims.claimOf(handle.db, second)),
      openClaimed: await count(() => claims.openClaimedCycle(handle.db, open, first)),
      claimPayment: await count(() =>
        claims.claimPaymentAsAttempt(
          handle.db,
          opened.cycle_id,
          { type: 'invoice', id: open.document_id },
          second,
          next,
        ),
      ),
      record: await count(() =>
        writes.recordCycle(handle.db, {
          cycle_id: opened.cycle_id,
          attempts: [first, next],
          cycle: {
            status: 'in_retry',
            end_reason: null,
            ended_at: null,
            next_attempt: null,
            outstanding: '10.00',
            payment_method_id: 'pm',
          },
          events: [{ seq: 1, at: '2026-11-22T11:00:00.000Z', reason: 'recorded', detail: {} }],
        }),
      ),
      open: await count(() => writes.openCycle(handle.db, { ...open, run_id: `run-2-${id}` })),
    }).toEqual({ claimOf: 1, openClaimed: 1, claimPayment: 1, record: 1, open: 1 });
  });
});
