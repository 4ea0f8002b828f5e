import fc from 'fast-check';
import type { AttemptRecord } from '../../domain/attempt-record';

type FieldArbitraries = { [K in keyof AttemptRecord]: fc.Arbitrary<AttemptRecord[K]> };

/**
 * Any attempt record, from the caller's own text, instant and amount arbitraries (property tests of
 * rows, views and writes); `fields` narrows single fields (small pools, so keys collide).
 */
export function attemptRecordArbitrary(
  parts: {
    text: fc.Arbitrary<string>;
    instant: fc.Arbitrary<string>;
    amount: fc.Arbitrary<string>;
    attemptNumber: fc.Arbitrary<number>;
  },
  fields: Partial<FieldArbitraries> = {},
): fc.Arbitrary<AttemptRecord> {
  const { text, instant, amount } = parts;
  const all: FieldArbitraries = {
    attempt_number: parts.attemptNumber,
    zuora_payment_id: text,
    transaction_id: text,
    time_of_execution: instant,
    source: text,
    cpr_generated: fc.boolean(),
    success: fc.boolean(),
    amount,
    amount_collected: amount,
    currency: text,
    payment_method_id: text,
    idempotency_key: fc.option(text),
    gateway_payment_id: fc.option(text),
    action: fc.constantFrom('Retry' as const, 'Stop' as const, null),
    retry_next: fc.option(text),
    retry_next_at: fc.option(instant),
    retry_criteria: fc.option(text),
    api_updated_retry_time: fc.option(text),
    label: text,
    level: fc.constantFrom('code' as const, 'description' as const),
    customer_group_id: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    gateway_id: text,
    gateway_code: text,
    gateway_response: text,
  };
  return fc.record({ ...all, ...fields });
}
