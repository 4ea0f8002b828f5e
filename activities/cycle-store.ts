import type { Db } from '../db/client';
import { currentConfig } from '../db/config-versions';
import { type OpenCycleInput, openCycle, type RecordInput, recordCycle } from '../db/cycle-writes';
import { chooseGroup, type RetryConfig } from '../policy';

// The cycle's store activities over db/cycle-writes.ts (which holds the SQL and why each write is
// idempotent) and db/config-versions.ts. The input types live with the writes and are re-exported
// here, where the workflow has always imported them.

export type { OpenCycleInput, RecordInput };

/** What a new cycle needs to open: its document and first payment; the rest is read or chosen here. */
export type BeginCycleInput = Omit<
  OpenCycleInput,
  'customer_group_id' | 'customer_group_name' | 'config_version'
>;

export interface BegunCycle {
  version: number;
  config: RetryConfig;
  lifecycle_webhooks: boolean;
  group: { id: number; name: string };
  cycle_id: number;
  billing_cycle_id: string;
}

export function createCycleStore(db: Db, opts: { lifecycleWebhooks: boolean }) {
  const store = {
    /** The configuration a new cycle pins: read fresh, so a saved change applies to the next cycle. */
    async loadConfig(): Promise<{ version: number; config: RetryConfig; lifecycle_webhooks: boolean }> {
      const stored = await currentConfig<RetryConfig>(db);
      if (!stored) throw new Error('no retry configuration stored');
      return { version: stored.version, config: stored.config, lifecycle_webhooks: opts.lifecycleWebhooks };
    },

    /** Opens the cycle row once per workflow run and returns its ids. */
    openCycle: (input: OpenCycleInput) => openCycle(db, input),

    /** Stores the attempts, events and cycle fields that changed, in one idempotent call (one statement). */
    record: (input: RecordInput): Promise<void> => recordCycle(db, input),

    /**
     * loadConfig, the customer group and openCycle in one call: the cycle opens in a single step of its
     * first workflow task. The group is chosen by the same pure policy function the workflow used.
     */
    async beginCycle(input: BeginCycleInput): Promise<BegunCycle> {
      const loaded = await store.loadConfig();
      const chosen = chooseGroup(loaded.config, input.payment.account);
      const group = { id: chosen.id, name: chosen.name };
      const ids = await store.openCycle({
        ...input,
        customer_group_id: group.id,
        customer_group_name: group.name,
        config_version: loaded.version,
      });
      return { ...loaded, group, ...ids };
    },
  };
  return store;
}
