import type { Db } from '../db/client';
import { recordManualRetryOutcome } from '../db/manual-retry-outcomes';
import type { ManualRetryOutcome, RecordManualRetryInput } from '../domain/manual-retry';

// The ManualRetry workflow's store activity over db/manual-retry-outcomes.ts, which records the
// charge's answer (attempt, retry outcome, cycle) in one idempotent transaction.

export function createManualRetryStore(db: Db) {
  return {
    async recordManualRetry(input: RecordManualRetryInput): Promise<ManualRetryOutcome> {
      return await recordManualRetryOutcome(db, input);
    },
  };
}
