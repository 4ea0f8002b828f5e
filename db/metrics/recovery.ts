import { sql } from 'drizzle-orm';
import { fromUnits, toUnits } from '../../domain/money/decimal';
import { MAX_CYCLE_DAYS } from '../../policy/constants';
import type { Db } from '../client';
import { queryRows } from '../rows';
import { formatHundredths, money, percent } from './format';
import { ts } from './window';

// The operator console's recovery views (issue 15): what the retries of each decline code and label
// won back, and the active cycles that will end soonest. Definitions: RECOVERY_DEFINITIONS in
// api/routes/recovery-metrics.ts. Each is one statement over the history tables.

export interface RecoveryRow {
  attempts: number;
  successful: number;
  success_rate: string;
  amount_recovered: Record<string, string>;
}
export type DeclineCodeRow = { gateway_code: string; label: string } & RecoveryRow;
export type LabelRow = { label: string } & RecoveryRow;

interface GroupedRow {
  gateway_code: string;
  label: string;
  currency: string;
  attempts: string;
  successful: string;
  recovered: string;
}

/**
 * CPR attempts (cpr_generated, executed at or after `since`) by the failure they retried: the attempt
 * numbered one less in the same cycle. Per (code, label, currency); the caller folds currencies.
 */
async function groupedByFailure(db: Db, since: Date | undefined, byCode: boolean): Promise<GroupedRow[]> {
  return await queryRows<GroupedRow>(
    db,
    sql`
    select ${byCode ? sql`p.gateway_code` : sql`''`} as gateway_code, p.label, a.currency,
      count(*)::text as attempts, count(*) filter (where a.success)::text as successful,
      coalesce(sum(a.amount_collected) filter (where a.success), 0)::numeric(38, 4)::text as recovered
    from attempts a
    join attempts p on p.cycle_id = a.cycle_id and p.attempt_number = a.attempt_number - 1
    where a.cpr_generated${since ? sql` and a.time_of_execution >= ${ts(since)}` : sql``}
    group by 1, p.label, a.currency`,
  );
}

function fold(rows: GroupedRow[]): ({ gateway_code: string; label: string } & RecoveryRow)[] {
  const byKey = new Map<
    string,
    { gateway_code: string; label: string; n: bigint; s: bigint; amounts: Record<string, string> }
  >();
  for (const r of rows) {
    const key = JSON.stringify([r.gateway_code, r.label]);
    const entry = byKey.get(key) ?? {
      gateway_code: r.gateway_code,
      label: r.label,
      n: 0n,
      s: 0n,
      amounts: {},
    };
    entry.n += BigInt(r.attempts);
    entry.s += BigInt(r.successful);
    // Only currencies with something recovered are listed.
    if (BigInt(r.successful) > 0n && /[1-9]/.test(r.recovered))
      entry.amounts[r.currency] = money(r.recovered);
    byKey.set(key, entry);
  }
  return [...byKey.values()]
    .map((e) => ({
      gateway_code: e.gateway_code,
      label: e.label,
      attempts: Number(e.n),
      successful: Number(e.s),
      success_rate: formatHundredths(percent(e.s, e.n) ?? 0n),
      amount_recovered: Object.fromEntries(Object.entries(e.amounts).sort(([a], [b]) => (a < b ? -1 : 1))),
    }))
    .sort(
      (a, b) =>
        b.attempts - a.attempts ||
        (a.gateway_code < b.gateway_code ? -1 : a.gateway_code > b.gateway_code ? 1 : 0) ||
        (a.label < b.label ? -1 : a.label > b.label ? 1 : 0),
    );
}

/** Ordered by attempts (most first), then code, then label. */
export async function recoveryByDeclineCode(db: Db, since?: Date): Promise<DeclineCodeRow[]> {
  return fold(await groupedByFailure(db, since, true));
}

/** Ordered by attempts (most first), then label. */
export async function recoveryByLabel(db: Db, since?: Date): Promise<LabelRow[]> {
  return fold(await groupedByFailure(db, since, false)).map(({ gateway_code: _code, ...row }) => row);
}

export interface EndingCycle {
  id: number;
  billing_cycle_id: string;
  document_type: 'invoice' | 'debit_memo';
  document_id: string;
  account_id: string;
  customer_group_name: string;
  amount: string;
  outstanding: string;
  currency: string;
  status: 'in_retry' | 'paused';
  next_attempt_at: string | null;
  ends_at: string;
  attempt_count: number;
}

/** As the driver returns it: bigints and counts as text. */
type EndingRow = Omit<EndingCycle, 'id' | 'attempt_count'> & { id: string; attempt_count: string };

const iso = (text: string) => new Date(text).toISOString();

/**
 * Active cycles (in_retry, paused) whose hard end, started_at + max_cycle_days × 24 h of the
 * configuration version the cycle pinned (policy/guardrails.ts `cycleDeadline`; 90 when the version
 * does not say), is at or before now + withinDays × 24 h; soonest first, then by id.
 */
export async function cyclesEndingSoon(
  db: Db,
  opts: { now: Date; withinDays: number; limit: number },
): Promise<EndingCycle[]> {
  const horizon = new Date(opts.now.getTime() + opts.withinDays * 86_400_000);
  const rows = await queryRows<EndingRow>(
    db,
    sql`
    with active as (
      select c.*, c.started_at + make_interval(hours => 24 * coalesce(
          (v.document -> 'settings' ->> 'max_cycle_days')::int, ${MAX_CYCLE_DAYS}::int)) as ends_at
      from cycles c left join config_versions v on v.version = c.config_version
      where c.status in ('in_retry', 'paused')
    )
    select a.id::text as id, a.billing_cycle_id, a.document_type, a.document_id, a.account_id,
      a.customer_group_name, a.amount::text as amount, a.outstanding::text as outstanding, a.currency,
      a.status, a.next_attempt_at::text as next_attempt_at, a.ends_at::text as ends_at,
      (select count(*) from attempts t where t.cycle_id = a.id)::text as attempt_count
    from active a
    where a.ends_at <= ${ts(horizon)}
    order by a.ends_at, a.id
    limit ${opts.limit}`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    billing_cycle_id: r.billing_cycle_id,
    document_type: r.document_type,
    document_id: r.document_id,
    account_id: r.account_id,
    customer_group_name: r.customer_group_name,
    amount: fromUnits(toUnits(r.amount)),
    outstanding: fromUnits(toUnits(r.outstanding)),
    currency: r.currency,
    status: r.status,
    next_attempt_at: r.next_attempt_at === null ? null : iso(r.next_attempt_at),
    ends_at: iso(r.ends_at),
    attempt_count: Number(r.attempt_count),
  }));
}
