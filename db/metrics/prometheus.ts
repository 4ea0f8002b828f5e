import { sql } from 'drizzle-orm';
import { SYSTEM_ERROR } from '../../policy/constants';
import type { Db } from '../client';
import { MANUAL_SOURCE } from '../manual-retry-outcomes';
import { queryRows } from '../rows';

// The Prometheus counts that live in the store, read at scrape time in ONE statement. Derived from the
// rows rather than counted in memory, so each number is exact under activity retries and worker
// crashes: an attempt is counted once because its row is written once (attempts_cycle_attempt_unique).

/** One row of the scrape: which metric, its labels (null where the metric has none), and the value. */
export interface StoreMetricRow {
  metric: 'attempts' | 'recovered' | 'cycles' | 'ended';
  gateway: string | null;
  label: string | null;
  outcome: string | null;
  source: string | null;
  currency: string | null;
  status: string | null;
  /** A decimal string: counts, or an amount in major units. */
  value: string;
}

/**
 * - attempts: every recorded attempt by gateway, label and
 *   outcome (`approved` when it succeeded, `error` when labelled System Error, else `declined`) and
 *   source (`external` = not cpr_generated, `manual` = a manual retry's attempt, `cpr` = our cycle's own);
 * - recovered: amount_collected of our own (cpr and manual) successful attempts, per currency;
 * - cycles: cycles per current status;
 * - ended: cycles that have ended (ended_at set, never cleared), per current status.
 */
export async function readStoreMetrics(db: Db): Promise<StoreMetricRow[]> {
  return await queryRows<StoreMetricRow>(
    db,
    sql`
      select 'attempts' as metric, gateway_id as gateway, label,
             case when success then 'approved' when label = ${SYSTEM_ERROR} then 'error' else 'declined' end as outcome,
             case when not cpr_generated then 'external' when source = ${MANUAL_SOURCE} then 'manual' else 'cpr' end as source,
             null as currency, null as status, count(*)::text as value
        from attempts
       group by 2, 3, 4, 5
      union all
      select 'recovered', null, null, null, null, currency, null, sum(amount_collected)::text
        from attempts
       where cpr_generated and success
       group by currency
      union all
      select 'cycles', null, null, null, null, null, status, count(*)::text
        from cycles
       group by status
      union all
      select 'ended', null, null, null, null, null, status, count(*)::text
        from cycles
       where ended_at is not null
       group by status`,
  );
}
