import { inject } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { migrateDb } from '../../db/migrate';
import { createTestDatabase } from './postgres';

export type DbKind = 'postgres' | 'pglite';

/** Both drivers the product supports; database tests run once per entry. */
export const dbKinds: DbKind[] = ['postgres', 'pglite'];

/** A fresh, migrated database of the given kind, private to the caller. */
export async function openTestDb(kind: DbKind): Promise<DbHandle & { url?: string }> {
  if (kind === 'pglite') {
    const handle = await createDb({ kind: 'pglite' });
    await migrateDb(handle);
    return handle;
  }
  const url = await createTestDatabase(inject('postgresAdminUrl'), inject('testDbPrefix'));
  const handle = await createDb({ kind: 'postgres', url, poolSize: 4 });
  await migrateDb(handle);
  return { ...handle, url };
}
