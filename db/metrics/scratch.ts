import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { queryRows } from '../rows';
import {
  type BaselineSums,
  big,
  type CurrencySums,
  type DocumentRow,
  documentSums,
  type GroupSums,
  type MetricsSource,
  type MonthSums,
  type MonthWindow,
} from './sums';
import { monthWindowCte, ts } from './window';

// The metrics from the history tables alone: the definitions, written once as plain SQL. Too slow for
// the endpoints on a large history (they read rollups.ts); the tests check the rollups against this.

/**
 * Per document, or per document and group: its first successful CPR attempt (earliest by time of
 * execution, then cycle id, then attempt number) with the microseconds from attempt 1 of that cycle
 * (or the cycle's start, if attempt 1 is missing) and the attempt number.
 */
const firstSuccesses = (perGroup: boolean) => sql`
  select distinct on (c.document_type, c.document_id${perGroup ? sql`, c.customer_group_id` : sql``})
    c.customer_group_id as g, a.time_of_execution as at, a.attempt_number,
    round(extract(epoch from a.time_of_execution - coalesce(a1.time_of_execution, c.started_at)) * 1000000)
      as us
  from attempts a
  join cycles c on c.id = a.cycle_id
  left join attempts a1 on a1.cycle_id = a.cycle_id and a1.attempt_number = 1
  where a.cpr_generated and a.success${perGroup ? sql` and c.customer_group_id > 0` : sql``}
  order by c.document_type, c.document_id${perGroup ? sql`, c.customer_group_id` : sql``},
    a.time_of_execution, a.cycle_id, a.attempt_number`;

export function scratchSource(db: Db): MetricsSource {
  return {
    async baseline(cutoff): Promise<BaselineSums> {
      const T = ts(cutoff);
      const [row] = await queryRows<Record<string, string | null>>(
        db,
        sql`
        with cpr as (
          select count(*) as n, count(*) filter (where success) as s,
            count(*) filter (where time_of_execution <= ${T}) as n0,
            count(*) filter (where success and time_of_execution <= ${T}) as s0
          from attempts where cpr_generated
        ), docs as (
          select min(started_at) as entered_at from cycles group by document_type, document_id
        ), firsts as (${firstSuccesses(false)})
        select cpr.n::text as n, cpr.s::text as s, cpr.n0::text as n0, cpr.s0::text as s0,
          (select count(*) from docs)::text as entered,
          (select count(*) from docs where entered_at <= ${T})::text as entered0,
          (select count(*) from firsts)::text as collected,
          (select count(*) from firsts where at <= ${T})::text as collected0,
          (select sum(us) from firsts)::text as days_us,
          (select sum(us) from firsts where at <= ${T})::text as days_us0,
          (select sum(attempt_number) from firsts)::text as attempt_numbers,
          (select sum(attempt_number) from firsts where at <= ${T})::text as attempt_numbers0
        from cpr`,
      );
      const r = row ?? {};
      return {
        attempts: { attempts: big(r.n), successes: big(r.s) },
        attemptsThen: { attempts: big(r.n0), successes: big(r.s0) },
        documents: documentSums({
          entered: r.entered ?? null,
          collected: r.collected ?? null,
          days_us: r.days_us ?? null,
          attempt_numbers: r.attempt_numbers ?? null,
        }),
        documentsThen: documentSums({
          entered: r.entered0 ?? null,
          collected: r.collected0 ?? null,
          days_us: r.days_us0 ?? null,
          attempt_numbers: r.attempt_numbers0 ?? null,
        }),
      };
    },

    async currencies(cutoff): Promise<CurrencySums[]> {
      const rows = await queryRows<{ currency: string; total: string; up_to_cutoff: string }>(
        db,
        sql`
        select currency, sum(amount_collected)::numeric(38, 4)::text as total,
          coalesce(sum(amount_collected) filter (where time_of_execution <= ${ts(cutoff)}), 0)::numeric(38, 4)::text
            as up_to_cutoff
        from attempts where cpr_generated and success
        group by currency order by currency`,
      );
      return rows.map((r) => ({ currency: r.currency, total: r.total, upToCutoff: r.up_to_cutoff }));
    },

    async groups(cutoff): Promise<GroupSums[]> {
      const T = ts(cutoff);
      const rows = await queryRows<
        DocumentRow & { g: number; n: string | null; s: string | null } & Record<`${string}0`, string | null>
      >(
        db,
        sql`
        with docs as (
          select customer_group_id as g, min(started_at) as entered_at from cycles
          where customer_group_id > 0 group by document_type, document_id, customer_group_id
        ), firsts as (${firstSuccesses(true)}),
        d as (select g, count(*) as entered, count(*) filter (where entered_at <= ${T}) as entered0
          from docs group by g),
        f as (select g, count(*) as collected, count(*) filter (where at <= ${T}) as collected0,
            sum(us) as days_us, sum(us) filter (where at <= ${T}) as days_us0,
            sum(attempt_number) as attempt_numbers, sum(attempt_number) filter (where at <= ${T}) as attempt_numbers0
          from firsts group by g),
        a as (select customer_group_id as g, count(*) as n, count(*) filter (where success) as s
          from attempts where cpr_generated group by customer_group_id)
        select gs.g::int as g, a.n::text as n, a.s::text as s,
          d.entered::text as entered, d.entered0::text as entered0, f.collected::text as collected,
          f.collected0::text as collected0, f.days_us::text as days_us, f.days_us0::text as days_us0,
          f.attempt_numbers::text as attempt_numbers, f.attempt_numbers0::text as attempt_numbers0
        from (select g from d union select g from f union select g from a) gs
        left join d on d.g = gs.g left join f on f.g = gs.g left join a on a.g = gs.g
        order by gs.g`,
      );
      return rows.map((r) => ({
        groupId: Number(r.g),
        attempts: { attempts: big(r.n), successes: big(r.s) },
        documents: documentSums(r),
        documentsThen: documentSums({
          entered: r.entered0 ?? null,
          collected: r.collected0 ?? null,
          days_us: r.days_us0 ?? null,
          attempt_numbers: r.attempt_numbers0 ?? null,
        }),
      }));
    },

    async months(now, timeZone) {
      const rows = await queryRows<MonthRow>(
        db,
        sql`
        with ${monthWindowCte(now, timeZone)},
        ended as (
          select c.customer_group_id as g, c.document_type, c.document_id,
            date_trunc('month', c.ended_at at time zone ${timeZone}::text)::date as month,
            exists (select 1 from attempts a where a.cycle_id = c.id and a.cpr_generated and a.success) as ok
          from cycles c where c.ended_at is not null
        ), per_document as (
          select g, month, bool_or(ok) as ok from ended group by g, month, document_type, document_id
        ), totals as (
          select g, month, count(*) as documents, count(*) filter (where ok) as collected
          from per_document group by g, month
        )
        select to_char(m.month, 'YYYY-MM-DD') as month, to_char(m.month, 'MM_YY') as label, t.g,
          t.documents::text as documents, t.collected::text as collected
        from months m left join totals t on t.month = m.month
        order by m.k, t.g`,
      );
      return monthResult(rows);
    },
  };
}

/** A row of `months left join totals`: counts as text (bigint), a month with no totals has `g` null. */
export interface MonthRow {
  month: string;
  label: string;
  g: number | null;
  documents: string | null;
  collected: string | null;
}

/** Rows of `months left join totals` → the window (newest first) and the non-empty sums. */
export function monthResult(rows: MonthRow[]): { window: MonthWindow[]; sums: MonthSums[] } {
  const window: MonthWindow[] = [];
  const sums: MonthSums[] = [];
  for (const r of rows) {
    if (window.at(-1)?.month !== r.month) window.push({ month: r.month, label: r.label });
    if (r.g !== null && big(r.documents) > 0n) {
      sums.push({
        groupId: Number(r.g),
        month: r.month,
        documents: big(r.documents),
        collected: big(r.collected),
      });
    }
  }
  return { window, sums };
}
