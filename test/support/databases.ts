import { inject } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { migrateDb } from '../../db/migrate';
import { createTestDatabase } from './postgres';

export type DbKind = 'postgres' | 'pglite';

/** Both drivers the product supports; database tests run once per entry. */
export const dbKinds: DbKind[] = ['postgres', 'pglite'];

/**
 * A fresh, migrated database of the given kind, private to the caller. `poolSize` sizes the Postgres
 * pool (1 is DATABASE_POOL_SIZE=1: a transaction that needs a second connection hangs); `dataDir`
 * puts PGlite on disk, so the same directory can be opened again; `url` opens an existing Postgres
 * test database again (as a restarted process would, migrations included).
 */
export async function openTestDb(
  kind: DbKind,
  opts: { poolSize?: number; dataDir?: string; url?: string } = {},
): Promise<DbHandle & { url?: string }> {
  if (kind === 'pglite') {
    const handle = await createDb({ kind: 'pglite', ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
    await migrateDb(handle);
    return handle;
  }
  const url = opts.url ?? (await createTestDatabase(inject('postgresAdminUrl'), inject('testDbPrefix')));
  const handle = await createDb({ kind: 'postgres', url, poolSize: opts.poolSize ?? 4 });
  await migrateDb(handle);
  return { ...handle, url };
}
