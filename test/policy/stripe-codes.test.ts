import { describe, expect, it } from 'vitest';
import { classifyNeverRetry, decide, defaultConfig, mapResponseCode, validateConfig } from '../../policy';
import { STRIPE_DECLINE_LABELS } from '../../policy/stripe-codes';

// The default configuration's answer for Stripe's codes: which stop, which retry soon, which later.

const first = (code: string) =>
  decide(defaultConfig, {
    group_id: 0,
    attempt_number: 1,
    gateway_id: 'stripe',
    code,
    failed_at: '2026-05-05T10:15:00Z',
    cycle_started_at: '2026-05-05T10:15:00Z',
  });

describe("Stripe's codes in the default configuration", () => {
  it('maps every code of the table for the gateway "stripe" at the code level', () => {
    for (const [code, label] of Object.entries(STRIPE_DECLINE_LABELS)) {
      expect(mapResponseCode(defaultConfig, { gateway_id: 'stripe', code }), code).toMatchObject({
        label,
        level: 'code',
      });
    }
  });

  it('never retries the cards that are gone, the data that is wrong, or what only the customer can fix', () => {
    for (const code of [
      'lost_card',
      'stolen_card',
      'pickup_card',
      'incorrect_cvc',
      'expired_card',
      'fraudulent',
      'authentication_required',
      'do_not_try_again',
    ]) {
      expect(first(code), code).toMatchObject({ action: 'Stop' });
    }
  });

  it('retries soft declines within days and system errors within hours', () => {
    const soft = first('insufficient_funds');
    const system = first('processing_error');
    expect(soft).toMatchObject({ action: 'Retry', label: 'Soft Decline' });
    expect(system).toMatchObject({ action: 'Retry', label: 'System Error' });
    const at = (d: typeof soft) => Date.parse((d as { next_attempt: string }).next_attempt);
    expect(at(system)).toBeLessThan(at(soft));
  });

  it('no code the card networks forbid retrying is labelled as retryable', () => {
    for (const [code, label] of Object.entries(STRIPE_DECLINE_LABELS)) {
      if (classifyNeverRetry(code) !== null) expect(label, code).toBe('Hard Decline');
    }
  });

  it('the default configuration with them still validates', () => {
    const result = validateConfig(defaultConfig);
    expect(result).toMatchObject({ ok: true });
    expect(result.ok && result.warnings).toEqual([]);
  });
});
