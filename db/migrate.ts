import { join } from 'node:path';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { DbHandle } from './client';
import type * as schema from './schema';

export const migrationsFolder = join(import.meta.dirname, 'migrations');

// Arbitrary but fixed: every process that migrates takes the same lock, so several API replicas and
// workers starting at once apply each migration exactly once.
const MIGRATION_LOCK_KEY = 7_301_001;

export async function migrateDb(handle: DbHandle): Promise<void> {
  await handle.withLock(MIGRATION_LOCK_KEY, async (db) => {
    if (handle.kind === 'postgres') {
      await migratePostgres(db as PostgresJsDatabase<typeof schema>, { migrationsFolder });
    } else {
      await migratePglite(db as PgliteDatabase<typeof schema>, { migrationsFolder });
    }
  });
}
