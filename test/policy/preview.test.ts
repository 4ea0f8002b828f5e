import { describe, expect, it } from 'vitest';
import { defaultConfig, nextProcessorBoundary, PolicyInputError, preview } from '../../policy';
import { configWith, issueExample, parse } from './fixtures';

describe('preview', () => {
  const config = parse(issueExample());

  it('chooses the group from the account and shows the decision', () => {
    const result = preview(config, {
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      attempt_number: 1,
      account: { country: 'US', balance: 800 },
      failed_at: '2026-05-05T10:15:00Z',
    });
    expect(result).toMatchObject({
      customer_group: { id: 2, name: 'High value' },
      label: 'Soft Decline',
      level: 'code',
      mapping_source: 'gateway',
      action: 'Retry',
      reason: null,
      criteria: 'incremental_time',
      next_attempt: '2026-05-06T11:00:00.000Z',
      next_local: '2026-05-06T07:00:00.000-04:00',
      webhook: null,
    });
    // The rest of the cycle if every attempt failed the same way: 24h later, then the 1st at 09:00, then Stop.
    expect(result.schedule.map((s) => s.local)).toEqual([
      '2026-05-06T07:00:00.000-04:00',
      '2026-06-01T09:00:00.000-04:00',
    ]);
    expect(result.ends).toEqual({
      after_attempt: 3,
      reason: 'stopped_by_rule',
      webhook: 'https://billing.example.com/hooks/cpr-final',
    });
  });

  it('shows never-retry stops and the catch-all', () => {
    expect(
      preview(defaultConfig, {
        gateway_id: 'adyen',
        gateway_response_code: '43',
        attempt_number: 1,
        failed_at: '2026-05-05T10:15:00Z',
      }),
    ).toMatchObject({
      customer_group: { id: 1, name: 'All Remaining Customers' },
      label: 'Hard Decline',
      never_retry: true,
      mapping_source: 'guardrail',
      action: 'Stop',
      reason: 'never_retry',
      next_attempt: null,
      schedule: [],
    });
  });

  it('can preview a named group, and rejects an unknown one', () => {
    const base = {
      gateway_id: 'sim',
      gateway_response_code: 'x',
      attempt_number: 1,
      failed_at: '2026-05-05T10:15:00Z',
    };
    expect(preview(config, { ...base, customer_group_id: 2 }).customer_group.id).toBe(2);
    expect(() => preview(config, { ...base, customer_group_id: 42 })).toThrow(PolicyInputError);
  });
});

describe('nextProcessorBoundary', () => {
  it('is the next boundary at or after now, or now itself for PT0S', () => {
    expect(nextProcessorBoundary(defaultConfig, '2026-05-05T20:15:00Z')).toBe('2026-05-05T21:00:00.000Z');
    expect(nextProcessorBoundary(defaultConfig, '2026-05-05T21:00:00Z')).toBe('2026-05-05T21:00:00.000Z');
    const exact = configWith([], { processor_interval: 'PT0S' });
    expect(nextProcessorBoundary(exact, '2026-05-05T20:15:42.123+02:00')).toBe('2026-05-05T18:15:42.123Z');
  });
});
