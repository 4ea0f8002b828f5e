import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decidingRule } from '../../console/cycles/deciding-rule';
import { defaultConfig } from '../../policy';

// The cycle page's "why": the rule of the pinned configuration that decided after an attempt.

describe('decidingRule', () => {
  const config: Parameters<typeof decidingRule>[0] = {
    customer_groups: [
      {
        id: 7,
        name: 'Trial',
        attempts: [
          {
            'Soft Decline': { action: 'Retry', criteria: 'incremental_time', interval: 'PT6H' },
            '*': { action: 'Stop' },
          },
          {
            '*': {
              action: 'Retry',
              criteria: 'specific_time',
              time: '09:00',
              day_of_week: 1,
              min_delay: 'P1D',
            },
          },
        ],
      },
    ],
  };

  it("names the label's own entry before '*', and says what it does", () => {
    expect(decidingRule(config, 7, 1, 'Soft Decline')).toEqual({
      where: 'group “Trial”, after attempt 1, label “Soft Decline”',
      says: 'retry PT6H after the failure',
    });
    expect(decidingRule(config, 7, 1, 'Hard Decline')?.says).toBe('stop retrying');
    expect(decidingRule(config, 7, 2, 'Soft Decline')).toEqual({
      where: 'group “Trial”, after attempt 2, any label (*)',
      says: 'retry at 09:00 on Monday, at least P1D after the failure',
    });
  });

  it('is null past the last attempt rule, or for a group the version does not have', () => {
    expect(decidingRule(config, 7, 3, 'Soft Decline')).toBeNull();
    expect(decidingRule(config, 8, 1, 'Soft Decline')).toBeNull();
  });

  it('finds a rule for every attempt and label the shipped default configuration covers', () => {
    const groups = defaultConfig.customer_groups;
    fc.assert(
      fc.property(
        fc.constantFrom(...groups),
        fc.nat(20),
        fc.constantFrom(...defaultConfig.labels.map((l) => l.name)),
        (group, n, label) => {
          const rule = decidingRule(defaultConfig as never, group.id, n + 1, label);
          const entry = group.attempts[n];
          if (!entry || !(label in entry || '*' in entry)) expect(rule).toBeNull();
          else expect(rule?.where).toContain(`after attempt ${n + 1}`);
        },
      ),
    );
  });
});
