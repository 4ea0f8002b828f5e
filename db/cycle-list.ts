import { and, desc, eq, exists, getTableColumns, gte, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { AttemptSummary, StoredCycleDetail, StoredCycleEvent } from '../domain/cycle-explorer-view';
import type { StatusGroup } from '../domain/cycle-status';
import { STATUS_GROUPS } from '../domain/cycle-status';
import type { Db } from './client';
import { type CycleRow, cycleWithAttempts } from './cycle-with-attempts';
import { preparedPerDatabase } from './prepared';
import { attempts, cycleEvents, cycles } from './schema';

// The operator console's cycle explorer: every cycle, filtered, newest first, a page at a time; and
// one cycle with its whole timeline. Each is ONE statement (the page with each cycle's attempt count
// and last attempt; the cycle with its attempts and events), so an answer is one moment of the cycles.

/** Where the next page starts: after the row with this start (microseconds since the epoch) and id. */
export interface CycleCursor {
  /** started_at in microseconds since the epoch, exactly as Postgres holds it (a JS Date keeps ms). */
  startedUs: string;
  id: number;
}

export interface CycleListFilter {
  statusGroups?: readonly StatusGroup[];
  customerGroupId?: number;
  accountId?: string;
  invoiceId?: string;
  debitMemoId?: string;
  /** Cycles having an attempt that answered this gateway code. */
  gatewayCode?: string;
  /** next_attempt_at >= from (inclusive). */
  nextAttemptFrom?: Date;
  /** next_attempt_at < to (exclusive). */
  nextAttemptTo?: Date;
}

export type CycleListRow = CycleRow & AttemptSummary & { startedUs: string };

// Qualified by hand, as in cycle-with-attempts.ts: inside a subquery on `attempts` an unqualified
// "id" would be the attempt's.
const A = sql.identifier('a');
const attemptColumn = (name: string) => sql`${A}.${sql.identifier(name)}`;
const outerId = sql`${sql.identifier('cycles')}.${sql.identifier(cycles.id.name)}`;
const ofThisCycle = sql`${attemptColumn(attempts.cycleId.name)} = ${outerId}`;

/** A column of the cycle's last attempt (highest attempt number), null when it has none. */
const lastAttempt = (column: typeof attempts.gatewayCode | typeof attempts.label) =>
  sql<
    string | null
  >`(select ${attemptColumn(column.name)} from ${attempts} as ${A} where ${ofThisCycle} order by ${attemptColumn(attempts.attemptNumber.name)} desc limit 1)`;

const startedUs = sql<string>`((extract(epoch from ${cycles.startedAt}) * 1000000)::bigint)::text`;

/** Every condition of the filter (undefined for none). */
function filterWhere(f: CycleListFilter): SQL | undefined {
  const statuses = f.statusGroups?.length
    ? [...new Set(f.statusGroups.flatMap((g) => STATUS_GROUPS[g]))]
    : undefined;
  return and(
    statuses ? inArray(cycles.status, statuses) : undefined,
    f.customerGroupId !== undefined ? eq(cycles.customerGroupId, f.customerGroupId) : undefined,
    f.accountId !== undefined ? eq(cycles.accountId, f.accountId) : undefined,
    f.invoiceId !== undefined
      ? and(eq(cycles.documentType, 'invoice'), eq(cycles.documentId, f.invoiceId))
      : undefined,
    f.debitMemoId !== undefined
      ? and(eq(cycles.documentType, 'debit_memo'), eq(cycles.documentId, f.debitMemoId))
      : undefined,
    f.gatewayCode !== undefined
      ? exists(
          sql`(select 1 from ${attempts} as ${A} where ${ofThisCycle} and ${attemptColumn(attempts.gatewayCode.name)} = ${f.gatewayCode})`,
        )
      : undefined,
    f.nextAttemptFrom !== undefined ? gte(cycles.nextAttemptAt, f.nextAttemptFrom) : undefined,
    f.nextAttemptTo !== undefined ? lt(cycles.nextAttemptAt, f.nextAttemptTo) : undefined,
  );
}

/**
 * One page of cycles matching `filter`, newest first (started_at desc, id desc), starting after
 * `cursor`; one row more than `limit` is read so the caller knows whether there is a next page.
 * Keyset pagination: a cycle opened while a caller pages is before its cursor, so pages never repeat
 * or skip a row. Served by cycles_started_idx (started_at, id), read backwards.
 */
export async function listCycles(
  db: Db,
  filter: CycleListFilter,
  page: { limit: number; cursor?: CycleCursor | undefined },
): Promise<{ rows: CycleListRow[]; next: CycleCursor | null }> {
  const after = page.cursor
    ? sql`(${cycles.startedAt}, ${cycles.id}) < (timestamptz 'epoch' + ${page.cursor.startedUs}::bigint * interval '1 microsecond', ${page.cursor.id})`
    : undefined;
  const found = await db
    .select({
      ...getTableColumns(cycles),
      attemptCount: sql<number>`(select count(*) from ${attempts} as ${A} where ${ofThisCycle})`
        .mapWith(Number)
        .as('attempt_count'),
      lastGatewayCode: lastAttempt(attempts.gatewayCode).as('last_gateway_code'),
      lastLabel: lastAttempt(attempts.label).as('last_label'),
      startedUs: startedUs.as('started_us'),
    })
    .from(cycles)
    .where(and(filterWhere(filter), after))
    .orderBy(desc(cycles.startedAt), desc(cycles.id))
    .limit(page.limit + 1);
  const rows = found.slice(0, page.limit);
  const last = rows.at(-1);
  return {
    rows,
    next: found.length > page.limit && last ? { startedUs: last.startedUs, id: last.id } : null,
  };
}

const E = sql.identifier('e');
const eventColumn = (name: string) => sql`${E}.${sql.identifier(name)}`;

/** postgres-js and PGlite both parse a json column; a driver that answers its text is parsed here. */
function eventsOf(value: unknown): StoredCycleEvent[] {
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as StoredCycleEvent[];
  // Timestamps inside JSON come in the session's zone: answered in UTC, as every other instant.
  return list.map((e) => ({ ...e, at: new Date(e.at).toISOString(), detail: e.detail ?? null }));
}

/** The cycle's events in order, as one column of a query on `cycles`. */
const eventsOfCycle = () =>
  sql<
    StoredCycleEvent[]
  >`(select coalesce(json_agg(json_build_object('seq', ${eventColumn(cycleEvents.seq.name)}, 'at', ${eventColumn(cycleEvents.at.name)}, 'status', ${eventColumn(cycleEvents.status.name)}, 'reason', ${eventColumn(cycleEvents.reason.name)}, 'detail', ${eventColumn(cycleEvents.detail.name)}) order by ${eventColumn(cycleEvents.seq.name)}), '[]'::json) from ${cycleEvents} as ${E} where ${eventColumn(cycleEvents.cycleId.name)} = ${outerId})`
    .mapWith(eventsOf)
    .as('events');

const detailStatements = preparedPerDatabase((db) => ({
  one: db
    .select({ ...cycleWithAttempts(), events: eventsOfCycle() })
    .from(cycles)
    .where(eq(cycles.id, sql.placeholder('id')))
    .prepare('cycle_detail'),
}));

/** One cycle with its attempts and events, read in one statement; null for an unknown id. */
export async function cycleDetail(db: Db, id: number): Promise<StoredCycleDetail | null> {
  const [row] = await detailStatements(db).one.execute({ id });
  return row ?? null;
}

/** The cycle's document and status, for the actions (which go to the document's workflow). */
export async function cycleTarget(
  db: Db,
  id: number,
): Promise<Pick<CycleRow, 'id' | 'documentType' | 'documentId' | 'status'> | null> {
  const [row] = await db
    .select({
      id: cycles.id,
      documentType: cycles.documentType,
      documentId: cycles.documentId,
      status: cycles.status,
    })
    .from(cycles)
    .where(eq(cycles.id, id));
  return row ?? null;
}
