import { and, eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db, DbHandle } from '../../db/client';
import { rebuildMetricRollups } from '../../db/metrics';
import { rollupSource } from '../../db/metrics/rollups';
import { scratchSource } from '../../db/metrics/scratch';
import type { GroupSums, MetricsSource } from '../../db/metrics/sums';
import { queryRows } from '../../db/rows';
import { attempts, cycles } from '../../db/schema';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';
import { type CycleSpec, insertHistory } from './history';

// The rollups (kept by triggers, in each writer's transaction) against the from-scratch SQL, on random
// histories written in random ways: inserts, then updates and deletes of attempts and cycles, as any
// writer might. Events fall on multiples of 6 hours and most cutoffs are an event's time (± 6 h), so
// ties with the cutoff and events at the cutoff day's UTC midnight are common.

const BASE = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const STEP = 6;
const at = (hours: number) => new Date(BASE + hours * HOUR).toISOString();
const SPAN_HOURS = 120 * 24;

const step = (min: number, max: number) => fc.integer({ min, max }).map((n) => n * STEP);
const attemptArb = fc.record({
  offset: step(-4, 40 * 4),
  cpr: fc.boolean(),
  success: fc.boolean(),
  collected: fc.constantFrom('10', '0.005', '99.9999', '1234.5'),
});
const cycleArb = fc.record({
  doc: fc.constantFrom('D1', 'D2', 'D3', 'D4', 'D5'),
  type: fc.constantFrom('invoice' as const, 'debit_memo' as const),
  group: fc.integer({ min: 1, max: 3 }),
  currency: fc.constantFrom('USD', 'EUR'),
  start: step(0, SPAN_HOURS / STEP),
  end: fc.option(step(0, 60 * 4), { nil: undefined }),
  attempts: fc.array(attemptArb, { maxLength: 4 }),
});
const mutationArb = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), hours: step(-70, 70) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('reinsert' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('end' as const),
    pick: fc.nat(),
    hours: fc.option(step(0, 300), { nil: null }),
  }),
  fc.record({ kind: fc.constant('regroup' as const), pick: fc.nat(), group: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('rename' as const), pick: fc.nat(), doc: fc.constantFrom('D1', 'D6') }),
);
const historyArb = fc.record({
  cycles: fc.array(cycleArb, { minLength: 1, maxLength: 8 }),
  mutations: fc.array(mutationArb, { maxLength: 6 }),
  /** An event's time + 30 days + shift, or (no pick) BASE + shift. */
  nows: fc.array(fc.record({ pick: fc.option(fc.nat(), { nil: null }), shift: step(-1, 1) }), {
    minLength: 2,
    maxLength: 4,
  }),
  zone: fc.constantFrom('UTC', 'America/New_York', 'Asia/Kolkata'),
});

type Value<A> = A extends fc.Arbitrary<infer T> ? T : never;
type Mutation = Value<typeof mutationArb>;

function specs(cyclesIn: Value<typeof cycleArb>[]): CycleSpec[] {
  return cyclesIn.map((c, i) => ({
    id: i + 1,
    doc: c.doc,
    type: c.type,
    group: c.group,
    currency: c.currency,
    amount: '100',
    started: at(c.start),
    ...(c.end === undefined ? {} : { ended: at(c.start + c.end) }),
    attempts: c.attempts.map((a, n) => ({
      n: n + 1,
      at: at(c.start + a.offset),
      cpr: a.cpr,
      success: a.success,
      collected: a.collected,
    })),
  }));
}

async function mutate(db: Db, m: Mutation) {
  const all = await db.select().from(attempts).orderBy(attempts.id);
  const allCycles = await db.select().from(cycles).orderBy(cycles.id);
  const a = all[m.pick % Math.max(1, all.length)];
  const c = allCycles[m.pick % Math.max(1, allCycles.length)];
  const attemptKey = a
    ? and(eq(attempts.cycleId, a.cycleId), eq(attempts.attemptNumber, a.attemptNumber))
    : null;
  switch (m.kind) {
    case 'flip':
      if (a && attemptKey) {
        await db
          .update(attempts)
          .set({ success: !a.success, amountCollected: a.success ? '0' : '42.42' })
          .where(attemptKey);
      }
      return;
    case 'move':
      if (a && attemptKey) {
        await db
          .update(attempts)
          .set({ timeOfExecution: new Date(a.timeOfExecution.getTime() + m.hours * HOUR) })
          .where(attemptKey);
      }
      return;
    case 'delete':
      if (attemptKey) await db.delete(attempts).where(attemptKey);
      return;
    case 'reinsert':
      // Deleted and written again: the attempt now arrives after the others (a late writer).
      if (a && attemptKey) {
        const { id: _id, ...row } = a;
        await db.delete(attempts).where(attemptKey);
        await db.insert(attempts).values(row);
      }
      return;
    case 'end':
      if (c) {
        const ended = m.hours === null ? null : new Date(c.startedAt.getTime() + m.hours * HOUR);
        await db.update(cycles).set({ endedAt: ended }).where(eq(cycles.id, c.id));
      }
      return;
    case 'regroup':
      if (c) await db.update(cycles).set({ customerGroupId: m.group }).where(eq(cycles.id, c.id));
      return;
    case 'rename':
      if (c) await db.update(cycles).set({ documentId: m.doc }).where(eq(cycles.id, c.id));
      return;
  }
}

/** Sums of one source at one instant, with absent groups as zeros so the two sources compare. */
async function snapshot(source: MetricsSource, now: Date, zone: string, groupIds: number[]) {
  const cutoff = new Date(now.getTime() - 30 * 86_400_000);
  const groups = new Map((await source.groups(cutoff)).map((g) => [g.groupId, g]));
  const zero: Omit<GroupSums, 'groupId'> = {
    attempts: { attempts: 0n, successes: 0n },
    documents: { entered: 0n, collected: 0n, daysUs: 0n, attemptNumbers: 0n },
    documentsThen: { entered: 0n, collected: 0n, daysUs: 0n, attemptNumbers: 0n },
  };
  return {
    baseline: await source.baseline(cutoff),
    currencies: await source.currencies(cutoff),
    groups: groupIds.map((id) => {
      const g = groups.get(id);
      return g ? { ...g } : { groupId: id, ...zero };
    }),
    months: await source.months(now, zone),
  };
}

const factTables = async (db: Db) => ({
  documents: await queryRows(
    db,
    sql`select document_type, document_id, customer_group_id, entered_at::text, collected_at::text, days_us::text,
      attempt_number from metric_documents order by 1, 2, 3`,
  ),
  months: await queryRows(db, sql`select * from metric_document_months order by 1, 2, 3, 4`),
  attemptDays: await queryRows(
    db,
    sql`select day::text, customer_group_id, currency, attempts::text, successes::text,
      amount_collected::numeric(38, 4)::text as amount
      from metric_attempt_days
      where attempts <> 0 or successes <> 0 or amount_collected <> 0 order by 1, 2, 3`,
  ),
  documentDays: await queryRows(
    db,
    sql`select day::text, customer_group_id, entered::text, collected::text, days_us::text, attempt_numbers::text
      from metric_document_days
      where entered <> 0 or collected <> 0 or days_us <> 0 or attempt_numbers <> 0 order by 1, 2`,
  ),
  monthTotals: await queryRows(
    db,
    sql`select month::text, customer_group_id, documents::text, collected::text from metric_month_totals
      where documents <> 0 or collected <> 0 order by 1, 2`,
  ),
});

describe.each(dbKinds)('metric rollups on %s', (kind: DbKind) => {
  let handle: DbHandle;
  beforeAll(async () => {
    handle = await openTestDb(kind);
  });
  afterAll(async () => {
    await handle.close();
  });

  const clear = async () => {
    await handle.db.delete(attempts);
    await handle.db.delete(cycles);
  };

  it('equal the from-scratch SQL on random histories, written and rewritten at random', async () => {
    const rollups = rollupSource(handle.db);
    const scratch = scratchSource(handle.db);
    await fc.assert(
      fc.asyncProperty(historyArb, async (h) => {
        await clear();
        await insertHistory(handle.db, specs(h.cycles));
        for (const m of h.mutations) await mutate(handle.db, m);
        const times = (
          await queryRows<{ ms: string }>(
            handle.db,
            sql`select (extract(epoch from t) * 1000)::bigint::text as ms from (
              select time_of_execution as t from attempts
              union select ended_at from cycles where ended_at is not null
              union select started_at from cycles) x order by 1`,
          )
        ).map((r) => Number(r.ms));
        for (const { pick, shift } of h.nows) {
          const event =
            pick === null || times.length === 0
              ? BASE + SPAN_HOURS * HOUR
              : (times[pick % times.length] ?? 0);
          const now = new Date(event + (30 * 24 + shift) * HOUR);
          // The rollups first: a zone change makes them rebuild their month facts.
          const fromRollups = await snapshot(rollups, now, h.zone, [1, 2, 3]);
          expect(fromRollups).toEqual(await snapshot(scratch, now, h.zone, [1, 2, 3]));
        }
        // A rebuild from scratch finds exactly what the triggers kept.
        const kept = await factTables(handle.db);
        await rebuildMetricRollups(handle.db);
        expect(await factTables(handle.db)).toEqual(kept);
      }),
      { numRuns: 40, seed: 6_0006 },
    );
  });

  it('return to zero when the history is deleted, and rebuild after TRUNCATE', async () => {
    const one = specs([
      {
        doc: 'D1',
        type: 'invoice',
        group: 2,
        currency: 'USD',
        start: 10,
        end: 30,
        attempts: [
          { offset: 0, cpr: false, success: false, collected: '10' },
          { offset: 20, cpr: true, success: true, collected: '10' },
        ],
      },
    ]);
    await clear();
    await insertHistory(handle.db, one);
    expect((await factTables(handle.db)).documents).toHaveLength(2);
    await clear();
    expect(await factTables(handle.db)).toEqual({
      documents: [],
      months: [],
      attemptDays: [],
      documentDays: [],
      monthTotals: [],
    });

    await insertHistory(handle.db, one);
    await handle.db.execute(sql`truncate attempts`);
    const after = await factTables(handle.db);
    expect(after.attemptDays).toEqual([]);
    expect(after.documents.map((d) => (d as { collected_at: string | null }).collected_at)).toEqual([
      null,
      null,
    ]);
    expect(after.monthTotals).toEqual([
      { month: '2026-03-01', customer_group_id: 2, documents: '1', collected: '0' },
    ]);
  });
});
