import type { RetryConfig } from './config-schema';
import { isAllRemainingCustomers } from './config-schema';

/**
 * The processor interval a cycle of group `groupId` is aligned to: the group's own
 * `processor_interval` when it sets one, else `settings.processor_interval`. Every place that aligns
 * a cycle's times asks here, so a group cannot be aligned one way by `decide` and another by an
 * execute or a deferral. An unknown id resolves as `decide` does (the catch-all group); `undefined`
 * (no cycle, a question about the configuration) is the settings' interval. A configuration without
 * any group override answers `settings.processor_interval` for every id, which keeps the histories
 * of cycles pinned to such configurations replaying as before.
 */
export function processorIntervalOf(config: RetryConfig, groupId: number | undefined): string {
  if (groupId === undefined) return config.settings.processor_interval;
  const group =
    config.customer_groups.find((g) => g.id === groupId) ??
    config.customer_groups.find(isAllRemainingCustomers);
  return group?.processor_interval ?? config.settings.processor_interval;
}
