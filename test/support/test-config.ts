import { defaultConfig, type RetryConfig } from '../../policy';

const retry = (interval: string) => ({
  action: 'Retry' as const,
  criteria: 'incremental_time' as const,
  interval,
});

/**
 * Second-scale rules for workflow tests: exact times (PT0S), retries after PT1S, and a "slow" group
 * (account.segment = "slow") that waits an hour so messages can be tested while it sleeps.
 */
export function testConfig(attempts = 4): RetryConfig {
  const catchAll = defaultConfig.customer_groups.find((g) => g.id === 1);
  if (!catchAll) throw new Error('default config has no catch-all');
  return {
    ...defaultConfig,
    settings: { ...defaultConfig.settings, time_zone: 'UTC', processor_interval: 'PT0S' },
    customer_groups: [
      {
        id: 2,
        name: 'Slow',
        active: true,
        priority: 1,
        filters: [{ field: 'segment', operator: 'eq', value: 'slow' }],
        attempts: Array.from({ length: attempts }, () => ({
          '*': retry('PT1H'),
          'Hard Decline': { action: 'Stop' },
        })),
      },
      {
        id: 3,
        name: 'Two seconds',
        active: true,
        priority: 2,
        filters: [{ field: 'segment', operator: 'eq', value: 'two-seconds' }],
        attempts: Array.from({ length: attempts }, () => ({
          '*': retry('PT2S'),
          'Hard Decline': { action: 'Stop' },
        })),
      },
      {
        ...catchAll,
        attempts: Array.from({ length: attempts }, () => ({
          '*': retry('PT1S'),
          'Hard Decline': { action: 'Stop' },
        })),
      },
    ],
  } as RetryConfig;
}
