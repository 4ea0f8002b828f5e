import { type SQL, sql } from 'drizzle-orm';

/**
 * `months(k, month, label)`: the 6 full months before the one `now` falls in, in `timeZone`, k = 1
 * newest. Computed by Postgres, so month boundaries follow the same zone rules as the rollups.
 */
export function monthWindowCte(now: Date, timeZone: string): SQL {
  return sql`months as (
    select k, (date_trunc('month', ${now.toISOString()}::timestamptz at time zone ${timeZone}::text)
      - make_interval(months => k))::date as month
    from generate_series(1, 6) as k
  )`;
}

export const ts = (d: Date): SQL => sql`${d.toISOString()}::timestamptz`;

/** Midnight UTC of the day `d` falls in: rollup days are UTC days. */
export function utcDayStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}
