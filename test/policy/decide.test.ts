import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DecisionInput,
  decide,
  defaultConfig,
  earliestAllowedByMethodLimit,
  MASTERCARD_NEVER_RETRY_ADVICE,
  NEVER_RETRY_NAMES,
  PolicyInputError,
  type RetryConfig,
  VISA_CATEGORY_1,
} from '../../policy';
import { configWith, issueExample, parse } from './fixtures';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (t: number) => new Date(t).toISOString();

const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  group_id: 1,
  attempt_number: 1,
  gateway_id: 'sim',
  code: 'insufficient_funds',
  failed_at: '2026-05-05T10:15:00Z',
  cycle_started_at: '2026-05-05T10:15:00Z',
  ...over,
});

describe('rules', () => {
  const config = parse(issueExample());
  const group2 = (over: Partial<DecisionInput>) => decide(config, input({ group_id: 2, ...over }));

  it('attempt n uses attempts[n-1] and the label’s own rule', () => {
    expect(group2({ attempt_number: 1 })).toMatchObject({
      action: 'Retry',
      next_attempt: '2026-05-06T11:00:00.000Z', // +24h, aligned to the hour
      next_attempt_number: 2,
      criteria: 'incremental_time',
      customer_group_id: 2,
      label: 'Soft Decline',
      level: 'code',
      rule: { index: 0, key: 'Soft Decline' },
      adjustments: ['processor_interval'],
    });
  });

  it('a label missing from the entry falls back to "*"', () => {
    // 2026-05-05 10:15 UTC → the first of the next month at 09:00 New York time.
    expect(group2({ attempt_number: 2 })).toMatchObject({
      action: 'Retry',
      next_local: '2026-06-01T09:00:00.000-04:00',
      criteria: 'specific_time',
      rule: { index: 1, key: '*' },
    });
  });

  it('a label missing from an entry without "*" stops', () => {
    expect(group2({ attempt_number: 1, code: 'velocity' })).toMatchObject({
      action: 'Stop',
      reason: 'stopped_by_rule',
      label: 'Medium Decline',
      rule: null,
    });
  });

  it('Stop rules carry their webhook', () => {
    expect(group2({ attempt_number: 3 })).toMatchObject({
      action: 'Stop',
      reason: 'stopped_by_rule',
      webhook: 'https://billing.example.com/hooks/cpr-final',
    });
  });

  it('past the end of the list: attempts exhausted', () => {
    expect(group2({ attempt_number: 4 })).toMatchObject({ action: 'Stop', reason: 'attempts_exhausted' });
    expect(decide(config, input({ group_id: 1 }))).toMatchObject({
      action: 'Stop',
      reason: 'attempts_exhausted',
    });
  });

  it('Retry rules may carry a webhook; final_webhook fires on stops without one', () => {
    const c = configWith(
      [
        {
          '*': {
            action: 'Retry',
            criteria: 'incremental_time',
            interval: 'PT1H',
            webhook: 'https://x.test/retry',
          },
        },
      ],
      {},
    );
    expect(decide(c, input())).toMatchObject({ action: 'Retry', webhook: 'https://x.test/retry' });
    const doc = issueExample() as { customer_groups: Record<string, unknown>[] };
    (doc.customer_groups[1] as Record<string, unknown>).final_webhook = 'https://x.test/final';
    expect(decide(parse(doc), input())).toMatchObject({
      reason: 'attempts_exhausted',
      webhook: 'https://x.test/final',
    });
  });

  it('the description level is reported when the message matched', () => {
    expect(group2({ code: '05', message: 'DO NOT HONOR' })).toMatchObject({
      label: 'Soft Decline',
      level: 'description',
    });
  });

  it('an unknown group id falls back to the catch-all', () => {
    expect(decide(config, input({ group_id: 99 })).customer_group_id).toBe(1);
  });

  it('refuses malformed input with PolicyInputError', () => {
    expect(() => decide(config, input({ attempt_number: 0 }))).toThrow(PolicyInputError);
    expect(() => decide(config, input({ failed_at: '2026-05-05T10:15:00' }))).toThrow(/offset/);
    expect(() => decide(config, input({ method_attempts: ['yesterday'] }))).toThrow(/method_attempts\[0\]/);
  });

  it('the default configuration: soft declines get 8 attempts in about two weeks, hard declines none', () => {
    const times: number[] = [Date.parse('2026-05-05T10:15:00Z')];
    let decision = decide(defaultConfig, input());
    while (decision.action === 'Retry') {
      times.push(Date.parse(decision.next_attempt));
      decision = decide(
        defaultConfig,
        input({ attempt_number: times.length, failed_at: decision.next_attempt }),
      );
    }
    expect(times).toHaveLength(8);
    expect((times.at(-1) as number) - (times[0] as number)).toBeLessThan(15 * DAY);
    expect(decision).toMatchObject({ reason: 'attempts_exhausted' });
    const system = decide(defaultConfig, input({ code: 'timeout' }));
    expect(
      system.action === 'Retry' && Date.parse(system.next_attempt) - Date.parse('2026-05-05T10:15:00Z'),
    ).toBeLessThan(3 * HOUR);
    expect(decide(defaultConfig, input({ code: 'stolen_card' }))).toMatchObject({
      action: 'Stop',
      reason: 'never_retry',
    });
  });
});

describe('never-retry guardrail (property over random configurations)', () => {
  const labelNames = ['Hard Decline', 'Soft Decline', 'System Error', 'Custom A'];
  const retryRule = fc.oneof(
    fc
      .constantFrom('PT1S', 'PT1H', 'P1D')
      .map((interval) => ({ action: 'Retry', criteria: 'incremental_time', interval })),
    fc.constantFrom('00:00', '09:30').map((time) => ({ action: 'Retry', criteria: 'specific_time', time })),
  );
  const entry = fc.record({ '*': retryRule, 'Hard Decline': retryRule, 'Soft Decline': retryRule });
  const neverCode = fc.oneof(
    fc.constantFrom(...Object.keys(VISA_CATEGORY_1), ...NEVER_RETRY_NAMES),
    fc.constantFrom(...NEVER_RETRY_NAMES).map((n) => n.toUpperCase().replaceAll('_', ' ')),
  );
  const configArb = fc
    .record({
      attempts: fc.array(entry, { minLength: 1, maxLength: 5 }),
      mappedLabel: fc.constantFrom(...labelNames),
      defaultLabel: fc.constantFrom(...labelNames),
      processor: fc.constantFrom('PT0S', 'PT1H'),
      gateway: fc.constantFrom('sim', '*'),
    })
    .map(
      ({ attempts, mappedLabel, defaultLabel, processor, gateway }): RetryConfig =>
        parse({
          settings: { time_zone: 'UTC', processor_interval: processor, default_label: defaultLabel },
          labels: labelNames.map((name) => ({ name })),
          response_codes: [
            ...[...Object.keys(VISA_CATEGORY_1), ...NEVER_RETRY_NAMES].map((code) => ({
              gateway_id: gateway,
              code,
              label: mappedLabel,
            })),
          ],
          customer_groups: [{ id: 1, name: 'All Remaining Customers', attempts }],
        }),
    );

  it('a never-retry response code never yields Retry', () => {
    fc.assert(
      fc.property(configArb, neverCode, fc.integer({ min: 1, max: 6 }), (config, code, attempt_number) => {
        const decision = decide(config, input({ code, attempt_number }));
        expect(decision).toMatchObject({
          action: 'Stop',
          reason: 'never_retry',
          label: 'Hard Decline',
          never_retry: true,
        });
      }),
    );
  });

  it('a never-retry Mastercard advice code never yields Retry, even with a soft response code', () => {
    fc.assert(
      fc.property(
        configArb,
        fc.constantFrom(...Object.keys(MASTERCARD_NEVER_RETRY_ADVICE)),
        (config, advice_code) => {
          expect(decide(config, input({ code: 'insufficient_funds', advice_code })).action).toBe('Stop');
        },
      ),
    );
  });
});

describe('20 attempts per payment method in 30 days', () => {
  const config = configWith([{ '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT1H' } }], {
    time_zone: 'UTC',
    processor_interval: 'PT1H',
  });
  const failedAt = Date.parse('2026-05-20T10:00:00Z');
  const earlier = (n: number, from: number) => Array.from({ length: n }, (_, i) => iso(from + i * HOUR));

  it('allows the 20th attempt', () => {
    const d = decide(
      config,
      input({ failed_at: iso(failedAt), method_attempts: earlier(18, Date.parse('2026-05-10T00:00:00Z')) }),
    );
    expect(d).toMatchObject({ action: 'Retry', next_attempt: '2026-05-20T11:00:00.000Z', adjustments: [] });
  });

  it('pushes a 21st attempt to when the oldest leaves the window, aligned to the processor', () => {
    const oldest = Date.parse('2026-05-10T00:30:00Z');
    const d = decide(
      config,
      input({
        failed_at: iso(failedAt),
        cycle_started_at: iso(failedAt),
        method_attempts: earlier(19, oldest),
      }),
    );
    expect(d).toMatchObject({
      action: 'Retry',
      next_attempt: '2026-06-09T01:00:00.000Z', // 2026-05-10T00:30 + 30 days, then the next hour
      rule_time: '2026-05-20T11:00:00.000Z',
      adjustments: ['method_attempt_limit', 'processor_interval'],
    });
  });

  it('counts failed_at once even if it is also listed', () => {
    const d = decide(
      config,
      input({
        failed_at: iso(failedAt),
        method_attempts: [...earlier(18, Date.parse('2026-05-10T00:00:00Z')), iso(failedAt)],
      }),
    );
    expect(d).toMatchObject({ action: 'Retry', next_attempt: '2026-05-20T11:00:00.000Z' });
  });

  it('stops with expired when the push passes the cycle limit', () => {
    const short = configWith([{ '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT1H' } }], {
      max_cycle_days: 10,
    });
    const d = decide(
      short,
      input({
        failed_at: iso(failedAt),
        cycle_started_at: iso(failedAt - 5 * DAY),
        method_attempts: earlier(19, failedAt - 19 * HOUR),
      }),
    );
    expect(d).toMatchObject({ action: 'Stop', reason: 'expired' });
    expect(d.detail).toMatch(/20-attempts-in-30-days/);
  });

  it('property: the result is the earliest instant keeping every 30-day window at 20 or fewer', () => {
    const within = (all: number[]) => {
      const s = [...all].sort((a, b) => a - b);
      return s.every((t, i) => i < 20 || t - (s[i - 20] as number) >= 30 * DAY);
    };
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 60 * DAY }), { maxLength: 45 }),
        fc.integer({ min: 0, max: 60 * DAY }),
        (past, offset) => {
          // A history that itself respects the limit, as the guardrail guarantees going forward.
          const attempts: number[] = [];
          for (const a of [...past].sort((x, y) => x - y)) if (within([...attempts, a])) attempts.push(a);
          const proposed = Math.max(...attempts, 0) + offset;
          const r = earliestAllowedByMethodLimit(proposed, attempts);
          expect(r).toBeGreaterThanOrEqual(proposed);
          expect(within([...attempts, r])).toBe(true);
          if (r > proposed) expect(within([...attempts, r - 1])).toBe(false);
        },
      ),
    );
  });
});

describe('max_cycle_days', () => {
  const rule = (interval: string) => [{ '*': { action: 'Retry', criteria: 'incremental_time', interval } }];
  const start = Date.parse('2026-05-01T00:00:00Z');

  it('a next attempt exactly at the limit is allowed; later is expired', () => {
    const config = configWith(rule('P1D'), {
      time_zone: 'UTC',
      processor_interval: 'PT0S',
      max_cycle_days: 10,
    });
    expect(
      decide(config, input({ cycle_started_at: iso(start), failed_at: iso(start + 9 * DAY) })),
    ).toMatchObject({
      action: 'Retry',
      next_attempt: iso(start + 10 * DAY),
    });
    expect(
      decide(config, input({ cycle_started_at: iso(start), failed_at: iso(start + 9 * DAY + 1) })),
    ).toMatchObject({
      action: 'Stop',
      reason: 'expired',
      would_retry_at: iso(start + 10 * DAY + 1),
    });
  });

  it('processor alignment that crosses the limit also expires', () => {
    const config = configWith(rule('PT1M'), {
      time_zone: 'UTC',
      processor_interval: 'PT1H',
      max_cycle_days: 1,
    });
    expect(
      decide(config, input({ cycle_started_at: '2026-05-01T00:30:00Z', failed_at: '2026-05-02T00:00:00Z' })),
    ).toMatchObject({ action: 'Stop', reason: 'expired' });
  });

  it('property: a Retry is never later than cycle start + max_cycle_days, nor before the failure', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.integer({ min: 0, max: 100 * DAY }),
        fc.constantFrom('PT1S', 'PT1H', 'P1D', 'P7D', 'P30D'),
        (days, elapsed, interval) => {
          const config = configWith(rule(interval), { max_cycle_days: days });
          const d = decide(config, input({ cycle_started_at: iso(start), failed_at: iso(start + elapsed) }));
          if (d.action === 'Retry') {
            expect(Date.parse(d.next_attempt)).toBeLessThanOrEqual(start + days * DAY);
            expect(Date.parse(d.next_attempt)).toBeGreaterThan(start + elapsed);
          } else {
            expect(d.reason).toBe('expired');
          }
        },
      ),
    );
  });
});
