import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATTEMPT_COLUMN_KEYS, attemptRecordOf, attemptValues } from '../../db/attempt-rows';
import type { DbHandle } from '../../db/client';
import { cycleWithAttempts } from '../../db/cycle-with-attempts';
import { insertAttempt, recordCycle } from '../../db/cycle-writes';
import { attempts, cycles } from '../../db/schema';
import type { AttemptRecord } from '../../domain/attempt-record';
import { attemptRecordArbitrary } from '../support/attempt-arbitrary';
import { openTestCycle } from '../support/cycle-rows';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// db/attempt-rows.ts is the one mapping between an AttemptRecord and its attempts row. A record written
// through it and read back (from the row, or from the cycle-with-attempts aggregate the API reads)
// is the record written, on both drivers.

const text = fc.string({ maxLength: 12 });
const instant = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
/**
 * As numeric(19,4) renders it (the record keeps the stored text, so canonical amounts round-trip), and
 * small enough that the cycle's sum of the attempts collected stays in range.
 */
const amount = fc
  .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n - 1n }), fc.integer({ min: 0, max: 9999 }))
  .map(([units, frac]) => `${units}.${String(frac).padStart(4, '0')}`);

const attemptRecord = attemptRecordArbitrary({
  text,
  instant,
  amount,
  attemptNumber: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
});

describe('attempt rows (pure)', () => {
  it('stores every field of the record in a column of its own', () => {
    const keys = Object.values(ATTEMPT_COLUMN_KEYS);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(attempts[key]).toBeDefined();
  });

  it('stores each field in its own column (a swap would still round-trip, so pinned by example)', () => {
    const record: AttemptRecord = {
      attempt_number: 2,
      zuora_payment_id: 'zuora-payment',
      transaction_id: 'transaction',
      time_of_execution: '2026-11-22T10:00:00.000Z',
      source: 'source',
      cpr_generated: true,
      success: false,
      amount: '100.0000',
      amount_collected: '1.0000',
      currency: 'USD',
      payment_method_id: 'method',
      idempotency_key: 'idempotency',
      gateway_payment_id: 'gateway-payment',
      action: 'Retry',
      retry_next: 'retry-next',
      retry_next_at: '2026-11-23T10:00:00.000Z',
      retry_criteria: 'criteria',
      api_updated_retry_time: 'api-time',
      label: 'label',
      level: 'description',
      customer_group_id: 3,
      gateway_id: 'gateway',
      gateway_code: 'code',
      gateway_response: 'response',
    };
    expect(attemptValues(7, record)).toEqual({
      cycleId: 7,
      attemptNumber: 2,
      paymentId: 'zuora-payment',
      transactionId: 'transaction',
      timeOfExecution: new Date('2026-11-22T10:00:00.000Z'),
      source: 'source',
      cprGenerated: true,
      success: false,
      amount: '100.0000',
      amountCollected: '1.0000',
      currency: 'USD',
      paymentMethodId: 'method',
      idempotencyKey: 'idempotency',
      gatewayPaymentId: 'gateway-payment',
      action: 'Retry',
      retryNext: 'retry-next',
      retryNextAt: new Date('2026-11-23T10:00:00.000Z'),
      retryCriteria: 'criteria',
      apiUpdatedRetryTime: 'api-time',
      label: 'label',
      level: 'description',
      customerGroupId: 3,
      gatewayId: 'gateway',
      gatewayCode: 'code',
      gatewayResponse: 'response',
    });
  });

  it('turns a record into row values and back into the same record', () => {
    fc.assert(
      fc.property(attemptRecord, fc.integer({ min: 1 }), (record, cycleId) => {
        const values = attemptValues(cycleId, record);
        expect(values.cycleId).toBe(cycleId);
        expect(values.timeOfExecution).toEqual(new Date(record.time_of_execution));
        expect(values.retryNextAt).toEqual(
          record.retry_next_at === null ? null : new Date(record.retry_next_at),
        );
        expect(attemptRecordOf(values)).toEqual(record);
      }),
    );
  });

  it('normalises an instant rendered in another zone to UTC, as Date#toISOString writes it', () => {
    const [record] = fc.sample(attemptRecord, { numRuns: 1, seed: 14 });
    if (!record) throw new Error('no sample');
    const values = attemptValues(1, record);
    const rendered = {
      ...values,
      timeOfExecution: '2026-11-22T11:00:00.123+01:00',
      retryNextAt: '2026-11-22T05:30:00-04:30',
    };
    const back = attemptRecordOf(rendered);
    expect(back.time_of_execution).toBe('2026-11-22T10:00:00.123Z');
    expect(back.retry_next_at).toBe('2026-11-22T10:00:00.000Z');
  });
});

describe.each(dbKinds)('attempt rows on %s', (kind: DbKind) => {
  let handle: DbHandle;
  let cycleId: number;
  beforeAll(async () => {
    handle = await openTestDb(kind);
    cycleId = await openTestCycle(handle.db);
  });
  afterAll(async () => {
    await handle.close();
  });

  const storedRow = async (attemptNumber: number) => {
    const [row] = await handle.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.cycleId, cycleId), eq(attempts.attemptNumber, attemptNumber)));
    if (!row) throw new Error(`attempt ${attemptNumber} not stored`);
    return attemptRecordOf(row);
  };
  const aggregated = async () => {
    const [row] = await handle.db.select(cycleWithAttempts()).from(cycles).where(eq(cycles.id, cycleId));
    return row?.attempts ?? [];
  };

  let next = 0;
  /** Unique where the table is: attempt number per cycle, transaction id and idempotency key overall. */
  const unique = (record: AttemptRecord): AttemptRecord => {
    next++;
    return {
      ...record,
      attempt_number: next,
      transaction_id: `${record.transaction_id}-${randomUUID()}`,
      idempotency_key: record.idempotency_key === null ? null : `${record.idempotency_key}-${randomUUID()}`,
    };
  };

  it('reads back, from its row and from the cycle aggregate, the record written', async () => {
    const written: AttemptRecord[] = [];
    await fc.assert(
      fc.asyncProperty(attemptRecord.map(unique), async (record) => {
        await insertAttempt(handle.db, cycleId, record);
        written.push(record);
        expect(await storedRow(record.attempt_number)).toEqual(record);
      }),
      { numRuns: 25 },
    );
    expect(await aggregated()).toEqual(written);
  });

  it('completes a stored attempt through recordCycle and reads back the completed record', async () => {
    const [first, later] = fc.sample(attemptRecord, { numRuns: 2, seed: 1414 });
    if (!first || !later) throw new Error('no sample');
    const stored = unique(first);
    await insertAttempt(handle.db, cycleId, stored);
    // Number, transaction id (and so the row) stay; every other field is the decision's.
    const completed = {
      ...later,
      attempt_number: stored.attempt_number,
      transaction_id: stored.transaction_id,
      idempotency_key: later.idempotency_key === null ? null : `${later.idempotency_key}-${randomUUID()}`,
    };
    await recordCycle(handle.db, {
      cycle_id: cycleId,
      attempts: [completed],
      cycle: {
        status: 'in_retry',
        end_reason: null,
        ended_at: null,
        next_attempt: null,
        outstanding: '100.0000',
        payment_method_id: 'pm',
      },
      events: [],
    });
    expect(await storedRow(stored.attempt_number)).toEqual(completed);
    expect((await aggregated()).find((a) => a.attempt_number === stored.attempt_number)).toEqual(completed);
  });
});
