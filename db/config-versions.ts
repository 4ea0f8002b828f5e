import { desc, eq, lt, sql } from 'drizzle-orm';
import type { Db, Executor } from './client';
import { configVersions } from './schema';

export interface StoredConfig<T = unknown> {
  version: number;
  config: T;
  updated_at: string;
  updated_by: string;
}

function toStored<T>(row: typeof configVersions.$inferSelect): StoredConfig<T> {
  return {
    version: row.version,
    config: row.document as T,
    updated_at: row.createdAt.toISOString(),
    updated_by: row.createdBy,
  };
}

/** The newest version; read fresh on every call so a saved change applies to the very next cycle. */
export async function currentConfig<T>(db: Executor): Promise<StoredConfig<T> | null> {
  const [row] = await db.select().from(configVersions).orderBy(desc(configVersions.version)).limit(1);
  return row ? toStored<T>(row) : null;
}

/** The largest value of a Postgres `integer` column, such as `config_versions.version`. */
export const PG_INTEGER_MAX = 2_147_483_647;

/** That version, or null when there is none, including numbers no `integer` column can hold. */
export async function configVersion<T>(db: Executor, version: number): Promise<StoredConfig<T> | null> {
  // Past the column's range Postgres refuses the comparison itself (22003); no such version exists.
  if (!Number.isInteger(version) || version < 1 || version > PG_INTEGER_MAX) return null;
  const [row] = await db.select().from(configVersions).where(eq(configVersions.version, version));
  return row ? toStored<T>(row) : null;
}

export interface ConfigVersionEntry {
  version: number;
  created_at: string;
  created_by: string;
}

/**
 * One page of the stored versions, newest first: at most `limit`, all below `before` when given.
 * `nextBefore` is the `before` of the next page, or null on the last one (one row more is read to know).
 */
export async function listConfigVersions(
  db: Executor,
  opts: { limit: number; before?: number },
): Promise<{ versions: ConfigVersionEntry[]; nextBefore: number | null }> {
  const rows = await db
    .select({
      version: configVersions.version,
      createdAt: configVersions.createdAt,
      createdBy: configVersions.createdBy,
    })
    .from(configVersions)
    .where(opts.before === undefined ? undefined : lt(configVersions.version, opts.before))
    .orderBy(desc(configVersions.version))
    .limit(opts.limit + 1);
  const page = rows.slice(0, opts.limit);
  return {
    versions: page.map((r) => ({
      version: r.version,
      created_at: r.createdAt.toISOString(),
      created_by: r.createdBy,
    })),
    nextBefore: rows.length > opts.limit ? (page.at(-1)?.version ?? null) : null,
  };
}

export class VersionConflictError extends Error {
  constructor(readonly current: number) {
    super(`the configuration is at version ${current}`);
  }
}

/**
 * Stores `document` as the next version. With `expectedVersion`, stores only if that is still the
 * newest (optimistic concurrency); the primary key on `version` makes two racing writers collide
 * instead of both winning.
 */
export async function saveConfig<T>(
  db: Db,
  document: T,
  by: string,
  expectedVersion?: number,
): Promise<StoredConfig<T>> {
  return await db.transaction(async (tx) => {
    const [latest] = await tx
      .select({ version: sql<number>`coalesce(max(${configVersions.version}), 0)`.mapWith(Number) })
      .from(configVersions);
    const current = latest?.version ?? 0;
    if (expectedVersion !== undefined && expectedVersion !== current) throw new VersionConflictError(current);
    const [row] = await tx
      .insert(configVersions)
      .values({ version: current + 1, document, createdBy: by })
      .onConflictDoNothing()
      .returning();
    if (!row) throw new VersionConflictError(current + 1);
    await followTimeZone(tx, document);
    return toStored<T>(row);
  });
}

/**
 * The metrics' month rollups (migration 0004) are kept in the configured time zone; re-keying them when
 * it changes, at save time, keeps that one-off cost off the next metrics request.
 */
async function followTimeZone(db: Executor, document: unknown): Promise<void> {
  const zone = (document as { settings?: { time_zone?: unknown } } | null)?.settings?.time_zone;
  if (typeof zone === 'string') await db.execute(sql`select metric_use_time_zone(${zone}::text)`);
}

/** First start: store the shipped default as version 1. Several processes may race; one wins. */
export async function ensureConfig<T>(db: Db, document: T): Promise<StoredConfig<T>> {
  await db.insert(configVersions).values({ version: 1, document, createdBy: 'system' }).onConflictDoNothing();
  const stored = await currentConfig<T>(db);
  if (!stored) throw new Error('no configuration stored');
  return stored;
}
