import type { Db } from '../db/client';
import { type MethodHistory, methodHistory } from '../db/method-history';

// The read behind the charge gate in RetryCycle: what Postgres knows about a payment method across
// every cycle. A read, so retrying it is harmless; RetryCycle runs it as a local activity.

export interface MethodHistoryInput {
  payment_method_id: string;
  /** Attempts after this instant (ISO) are listed: the 30-day window before the charge. */
  since: string;
}

export function createMethodHistoryReader(db: Db) {
  return {
    async methodHistory(input: MethodHistoryInput): Promise<MethodHistory> {
      return await methodHistory(db, input.payment_method_id, new Date(input.since));
    },
  };
}
