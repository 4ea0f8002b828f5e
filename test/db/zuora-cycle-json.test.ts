import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import type { CycleScope } from '../../db/cycle-queries';
import { insertAttempt } from '../../db/cycle-writes';
import { cycles } from '../../db/schema';
import { zuoraCyclesJson } from '../../db/zuora-cycle-json';
import type { AttemptRecord } from '../../domain/attempt-record';
import { ACTIVE_STATUSES, type CycleStatus, FINAL_STATUSES } from '../../domain/cycle-status';
import type { DocumentType } from '../../domain/failed-payment';
import { toZuoraCycle } from '../../domain/zuora-view';
import { attemptRecordArbitrary } from '../support/attempt-arbitrary';
import { cycleHistory } from '../support/cycle-history-reference';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// The cycle GETs answer JSON that Postgres builds (db/zuora-cycle-json.ts), a second implementation of
// toZuoraCycle. On generated cycles (every status, both document types, null and set optional
// fields, amounts of every scale, instants with and without milliseconds, any Unicode text), for
// every scope, the SQL's answer parsed is exactly toZuoraCycle over cycleHistory, keys in the same
// order, on both drivers, in a session whose time zone is not UTC.

/** +05:45: an offset no rounding or truncation of hours can hide. */
const ZONE = 'Asia/Kathmandu';

/** Text Postgres can store (no U+0000), with what JSON escapes and what it must leave alone. */
const text = fc
  .oneof(
    fc.string({ unit: 'grapheme', maxLength: 8 }),
    fc.string({
      unit: fc.constantFrom(
        '"',
        '\\',
        '\n',
        '\t',
        '\u0001',
        '\u001f',
        '\u007f',
        '\u2028',
        '/',
        'é',
        '😀',
        'a',
      ),
      maxLength: 8,
    }),
  )
  .filter((s) => !s.includes('\u0000'));
/** Instants as the writers store them (a JS Date: milliseconds), some on a whole second. */
const date = fc.date({
  min: new Date('1990-01-01T00:00:00Z'),
  max: new Date('2100-01-01T00:00:00Z'),
  noInvalidDate: true,
});
const instantDate = fc.oneof(
  date,
  date.map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000)),
);
const instant = instantDate.map((d) => d.toISOString());
/** numeric(19,4) values: whole, trailing zeros, four digits, zero, the largest. */
const amount = fc
  .tuple(
    fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 10n ** 15n - 1n })),
    fc.oneof(
      fc.constant(0),
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 1, max: 9 }).map((n) => n * 1000),
      fc.integer({ min: 1, max: 99 }).map((n) => n * 100),
    ),
    fc.boolean(),
  )
  .map(([units, frac, whole]) =>
    whole && frac === 0 ? `${units}` : `${units}.${String(frac).padStart(4, '0')}`,
  );
const statuses: CycleStatus[] = [...ACTIVE_STATUSES, ...FINAL_STATUSES];

const attemptRecord = attemptRecordArbitrary({
  text,
  instant,
  amount,
  attemptNumber: fc.integer({ min: 1, max: 40 }),
});

interface CycleSpec {
  documentType: DocumentType;
  /** Index into the world's document ids: cycles share documents, an invoice and a debit memo an id. */
  document: number;
  status: CycleStatus;
  nextAttemptAt: Date | null;
  /** From a small set, so that starts tie and the id orders them. */
  startedAt: Date;
  paymentMethodId: string;
  currency: string;
  customerGroupName: string;
  /** Distinct attempt numbers, stored in no particular order. */
  attempts: AttemptRecord[];
}

const world = fc.record({
  account: text,
  documents: fc.array(text, { minLength: 1, maxLength: 3 }),
  cycles: fc.array(
    fc.record<CycleSpec>({
      documentType: fc.constantFrom('invoice' as const, 'debit_memo' as const),
      document: fc.nat({ max: 2 }),
      status: fc.constantFrom(...statuses),
      nextAttemptAt: fc.option(instantDate),
      startedAt: fc.constantFrom(
        new Date('2026-11-22T10:00:00.000Z'),
        new Date('2026-11-22T10:00:00.001Z'),
        new Date('2026-11-23T00:00:00.999Z'),
      ),
      paymentMethodId: text,
      currency: text,
      customerGroupName: text,
      attempts: fc.uniqueArray(attemptRecord, { selector: (a) => a.attempt_number, maxLength: 4 }),
    }),
    { maxLength: 5 },
  ),
});

describe.each(dbKinds)('Zuora cycle JSON built by SQL on %s', (kind: DbKind) => {
  let handle: DbHandle;
  let base: (DbHandle & { url?: string }) | undefined;
  let nextId = 0;

  beforeAll(async () => {
    if (kind === 'postgres') {
      base = await openTestDb('postgres');
      const name = new URL(base.url ?? '').pathname.slice(1);
      await base.db.execute(sql.raw(`alter database "${name}" set timezone to '${ZONE}'`));
      handle = await createDb({ kind: 'postgres', url: base.url ?? '', poolSize: 2 });
    } else {
      handle = await openTestDb('pglite');
      await handle.db.execute(sql.raw(`set time zone '${ZONE}'`));
    }
  });
  afterAll(async () => {
    await handle?.close();
    await base?.close();
  });

  /** Stores the cycle (its row, then its attempts through db/attempt-rows.ts) and answers its id. */
  async function store(account: string, documentId: string, spec: CycleSpec): Promise<number> {
    const id = ++nextId;
    const run = randomUUID();
    await handle.db.insert(cycles).values({
      id,
      billingCycleId: `BillingCycle-${run}`,
      workflowId: `cpr-${spec.documentType}-${documentId}`,
      runId: `run-${run}`,
      documentType: spec.documentType,
      documentId,
      accountId: account,
      paymentId: `P-${run}`,
      paymentMethodId: spec.paymentMethodId,
      gatewayId: 'sim',
      currency: spec.currency,
      amount: '100.0000',
      outstanding: '100.0000',
      customerGroupId: 1,
      customerGroupName: spec.customerGroupName,
      configVersion: 1,
      status: spec.status,
      startedAt: spec.startedAt,
      nextAttemptAt: spec.nextAttemptAt,
    });
    for (const attempt of spec.attempts) {
      await insertAttempt(handle.db, id, {
        ...attempt,
        transaction_id: `${attempt.transaction_id}-${randomUUID()}`,
        idempotency_key:
          attempt.idempotency_key === null ? null : `${attempt.idempotency_key}-${randomUUID()}`,
      });
    }
    return id;
  }

  /** The SQL's answer for the scope, and what the route answered before: toZuoraCycle over cycleHistory. */
  async function both(scope: CycleScope, activeOnly: boolean) {
    const answered = JSON.parse(await zuoraCyclesJson(handle.db, scope, { activeOnly })) as unknown;
    const expected = { cycles: (await cycleHistory(handle.db, scope, { activeOnly })).map(toZuoraCycle) };
    return { answered, expected };
  }

  it('answers, for every scope, exactly what toZuoraCycle maps from cycleHistory', async () => {
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        const suffix = randomUUID();
        const account = `${w.account}-${suffix}`;
        const documents = w.documents.map((d, i) => `${d}-${i}-${suffix}`);
        for (const spec of w.cycles) {
          await store(account, documents[spec.document % documents.length] ?? '', spec);
        }
        const scopes: CycleScope[] = [
          { accountId: account },
          { accountId: `unknown-${suffix}` },
          ...documents.flatMap((id) =>
            (['invoice', 'debit_memo'] as const).map((type) => ({ document: { type, id } })),
          ),
        ];
        for (const scope of scopes) {
          for (const activeOnly of [false, true]) {
            const { answered, expected } = await both(scope, activeOnly);
            expect(answered).toStrictEqual(expected);
            // Keys in the same order as c.json wrote them from toZuoraCycle's objects.
            expect(JSON.stringify(answered)).toBe(JSON.stringify(expected));
          }
        }
        // Not vacuous: the account's history is every cycle stored, with every attempt.
        const { answered } = await both({ accountId: account }, false);
        const shown = (answered as { cycles: { attempts: unknown[] }[] }).cycles;
        expect(shown).toHaveLength(w.cycles.length);
        expect(shown.flatMap((c) => c.attempts)).toHaveLength(w.cycles.flatMap((c) => c.attempts).length);
      }),
      { numRuns: 15 },
    );
  });

  it('shows amounts and instants as Zuora does (pinned, whatever the session zone)', async () => {
    const [template] = fc.sample(attemptRecord, { numRuns: 1, seed: 18 });
    if (!template) throw new Error('no sample');
    const suffix = randomUUID();
    const collected = ['100.0000', '0', '12.3400', '0.0001', '999999999999999.9990'];
    await store(`A-${suffix}`, `INV-${suffix}`, {
      documentType: 'invoice',
      document: 0,
      status: 'in_retry',
      nextAttemptAt: new Date('2026-11-22T10:00:03.456Z'),
      startedAt: new Date('2026-11-22T10:00:00.000Z'),
      paymentMethodId: 'pm',
      currency: 'USD',
      customerGroupName: 'Default',
      attempts: collected.map((amount_collected, i) => ({
        ...template,
        attempt_number: collected.length - i,
        amount_collected,
        time_of_execution: '2026-11-22T10:00:00.000Z',
        action: null,
        retry_next: '2026-11-22T04:15:00.000-05:45',
        retry_criteria: null,
        api_updated_retry_time: null,
      })),
    });
    const [cycle] = (
      JSON.parse(await zuoraCyclesJson(handle.db, { accountId: `A-${suffix}` })) as {
        cycles: Record<string, unknown>[];
      }
    ).cycles;
    expect(cycle).toMatchObject({
      invoice_id: `INV-${suffix}`,
      status: 'Cycle Incomplete',
      current_attempt_number: 5,
      next_attempt: '2026-11-22T10:00:03.456Z',
    });
    expect(cycle && 'debit_memo_id' in cycle).toBe(false);
    const shown = cycle?.attempts as Record<string, unknown>[];
    expect(shown.map((a) => a.amount_collected)).toEqual([
      '999999999999999.999',
      '0.0001',
      '12.34',
      '0.0',
      '100.0',
    ]);
    expect(shown[0]).toMatchObject({
      attempt_number: 1,
      time_of_execution: '2026-11-22T10:00:00.000Z',
      action_info: { action: 'Retry' },
      retry_info: { next: '2026-11-22T04:15:00.000-05:45' },
    });
  });
});
