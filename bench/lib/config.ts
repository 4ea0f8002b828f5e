import { defaultConfig, type RetryConfig, validateConfig } from '../../policy';
import { ALL_REMAINING_CUSTOMERS_ID, HARD_DECLINE } from '../../policy/constants';

/**
 * The shipped default with one change of rules: every failure is retried after `interval` (hard
 * declines stop), at exact times (processor interval PT0S), in UTC, in the catch-all group only, so
 * every cycle does the same work.
 */
export function benchConfig(interval: string, attempts = 8): RetryConfig {
  const result = validateConfig({
    ...defaultConfig,
    settings: { ...defaultConfig.settings, time_zone: 'UTC', processor_interval: 'PT0S' },
    customer_groups: defaultConfig.customer_groups
      .filter((g) => g.id === ALL_REMAINING_CUSTOMERS_ID)
      .map((g) => ({
        ...g,
        attempts: Array.from({ length: attempts }, () => ({
          '*': { action: 'Retry' as const, criteria: 'incremental_time' as const, interval },
          [HARD_DECLINE]: { action: 'Stop' as const },
        })),
      })),
  });
  if (!result.ok) throw new Error(`bench configuration invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}
