import { sql } from 'drizzle-orm';
import type { Db } from '../client';
import { queryRows } from '../rows';
import { type MonthRow, monthResult } from './scratch';
import {
  type BaselineSums,
  big,
  type CurrencySums,
  type DocumentRow,
  documentSums,
  type GroupSums,
  type MetricsSource,
} from './sums';
import { monthWindowCte, ts, utcDayStart } from './window';

// The metrics from the rollups of migration 0004 (metric_* tables), which triggers on attempts and
// cycles keep current in each writer's transaction. Totals are sums over a few hundred rollup rows;
// "up to the cutoff" adds the rollup days before the cutoff's UTC day to that day's part, read from
// attempts (by attempts_time_idx) and metric_documents (by its entered/collected indexes).

type Row = Record<string, string | null>;
const documentRow = (r: Row, prefix: string): DocumentRow => ({
  entered: r[`${prefix}entered`] ?? null,
  collected: r[`${prefix}collected`] ?? null,
  days_us: r[`${prefix}days_us`] ?? null,
  attempt_numbers: r[`${prefix}attempt_numbers`] ?? null,
});

/** Sums over metric_document_days (all, and before `day`) plus the day's part up to the cutoff. */
function documentParts(cutoff: Date, groups: 'all' | 'each') {
  const dayStart = utcDayStart(cutoff);
  const day = sql`${dayStart.toISOString().slice(0, 10)}::date`;
  const scope = groups === 'all' ? sql`customer_group_id = 0` : sql`customer_group_id > 0`;
  const inTail = (column: 'entered_at' | 'collected_at') =>
    sql`${sql.raw(column)} >= ${ts(dayStart)} and ${sql.raw(column)} <= ${ts(cutoff)}`;
  return sql`
    d as (
      select customer_group_id as g, sum(entered) as entered, sum(collected) as collected,
        sum(days_us) as days_us, sum(attempt_numbers) as attempt_numbers,
        coalesce(sum(entered) filter (where day < ${day}), 0) as entered0,
        coalesce(sum(collected) filter (where day < ${day}), 0) as collected0,
        coalesce(sum(days_us) filter (where day < ${day}), 0) as days_us0,
        coalesce(sum(attempt_numbers) filter (where day < ${day}), 0) as attempt_numbers0
      from metric_document_days where ${scope} group by customer_group_id
    ), te as (
      select customer_group_id as g, count(*) as n from metric_documents
      where ${scope} and ${inTail('entered_at')} group by customer_group_id
    ), tc as (
      select customer_group_id as g, count(*) as n, sum(days_us) as us, sum(attempt_number) as an
      from metric_documents where ${scope} and ${inTail('collected_at')} group by customer_group_id
    ), docs as (
      select d.g, d.entered::text as entered, d.collected::text as collected, d.days_us::text as days_us,
        d.attempt_numbers::text as attempt_numbers,
        (d.entered0 + coalesce(te.n, 0))::text as then_entered,
        (d.collected0 + coalesce(tc.n, 0))::text as then_collected,
        (d.days_us0 + coalesce(tc.us, 0))::text as then_days_us,
        (d.attempt_numbers0 + coalesce(tc.an, 0))::text as then_attempt_numbers
      from d left join te on te.g = d.g left join tc on tc.g = d.g
    )`;
}

export function rollupSource(db: Db): MetricsSource {
  return {
    async baseline(cutoff): Promise<BaselineSums> {
      const dayStart = utcDayStart(cutoff);
      const day = sql`${dayStart.toISOString().slice(0, 10)}::date`;
      const [row] = await queryRows<Row>(
        db,
        sql`
        with a as (
          select coalesce(sum(attempts), 0) as n, coalesce(sum(successes), 0) as s,
            coalesce(sum(attempts) filter (where day < ${day}), 0) as n0,
            coalesce(sum(successes) filter (where day < ${day}), 0) as s0
          from metric_attempt_days
        ), tail as (
          select count(*) as n0, count(*) filter (where success) as s0 from attempts
          where cpr_generated and time_of_execution >= ${ts(dayStart)} and time_of_execution <= ${ts(cutoff)}
        ), ${documentParts(cutoff, 'all')}
        select a.n::text as n, a.s::text as s, (a.n0 + tail.n0)::text as n0, (a.s0 + tail.s0)::text as s0,
          docs.*
        from a cross join tail left join docs on true`,
      );
      const r = row ?? {};
      return {
        attempts: { attempts: big(r.n), successes: big(r.s) },
        attemptsThen: { attempts: big(r.n0), successes: big(r.s0) },
        documents: documentSums(documentRow(r, '')),
        documentsThen: documentSums(documentRow(r, 'then_')),
      };
    },

    async currencies(cutoff): Promise<CurrencySums[]> {
      const dayStart = utcDayStart(cutoff);
      const rows = await queryRows<{ currency: string; total: string; up_to_cutoff: string }>(
        db,
        sql`
        with r as (
          select currency, sum(amount_collected) as total,
            coalesce(sum(amount_collected) filter (where day < ${dayStart.toISOString().slice(0, 10)}::date), 0)
              as up_to_cutoff
          from metric_attempt_days group by currency having sum(successes) > 0
        ), tail as (
          select currency, sum(amount_collected) as amount from attempts
          where cpr_generated and success
            and time_of_execution >= ${ts(dayStart)} and time_of_execution <= ${ts(cutoff)}
          group by currency
        )
        select r.currency, r.total::numeric(38, 4)::text as total,
          (r.up_to_cutoff + coalesce(tail.amount, 0))::numeric(38, 4)::text as up_to_cutoff
        from r left join tail on tail.currency = r.currency
        order by r.currency`,
      );
      return rows.map((r) => ({ currency: r.currency, total: r.total, upToCutoff: r.up_to_cutoff }));
    },

    async groups(cutoff): Promise<GroupSums[]> {
      const rows = await queryRows<Row & { g: number }>(
        db,
        sql`
        with a as (
          select customer_group_id as g, sum(attempts) as n, sum(successes) as s
          from metric_attempt_days group by customer_group_id
        ), ${documentParts(cutoff, 'each')}
        select gs.g::int as g, a.n::text as n, a.s::text as s, docs.*
        from (select g from a union select g from docs) gs
        left join a on a.g = gs.g left join docs on docs.g = gs.g
        order by gs.g`,
      );
      return rows.map((r) => ({
        groupId: Number(r.g),
        attempts: { attempts: big(r.n), successes: big(r.s) },
        documents: documentSums(documentRow(r, '')),
        documentsThen: documentSums(documentRow(r, 'then_')),
      }));
    },

    async months(now, timeZone) {
      const read = () =>
        queryRows<MonthRow & { zone: string }>(
          db,
          sql`
          with ${monthWindowCte(now, timeZone)}
          select (select time_zone from metric_state where id = 1) as zone,
            to_char(m.month, 'YYYY-MM-DD') as month, to_char(m.month, 'MM_YY') as label,
            t.customer_group_id as g, t.documents::text as documents, t.collected::text as collected
          from months m left join metric_month_totals t on t.month = m.month and t.documents > 0
          order by m.k, t.customer_group_id`,
        );
      let rows = await read();
      if (rows[0]?.zone !== timeZone) {
        // settings.time_zone changed since the month facts were kept: move them to the new zone once.
        await db.execute(sql`select metric_use_time_zone(${timeZone}::text)`);
        rows = await read();
      }
      return monthResult(rows);
    },
  };
}

/** Recomputes every rollup from the history tables (after a bulk load that bypassed the triggers). */
export async function rebuildMetricRollups(db: Db): Promise<void> {
  await db.execute(sql`select metric_rebuild()`);
}
