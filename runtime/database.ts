import type { Env } from '../config/env';
import { createDb, type DbHandle } from '../db/client';
import { migrateDb } from '../db/migrate';
import { pgliteDirOf } from './data-dir';

/**
 * Postgres when DATABASE_URL is set, else PGlite under DATA_DIR; migrated before it is returned. PGlite's
 * directory is this process's alone until it closes: a second opener gets a PgliteLockedError.
 */
export async function openDatabase(env: Pick<Env, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATA_DIR'>) {
  const handle: DbHandle = env.DATABASE_URL
    ? await createDb({ kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE })
    : await createDb({ kind: 'pglite', dataDir: pgliteDirOf(env) });
  try {
    await migrateDb(handle);
  } catch (err) {
    await handle.close().catch(() => {});
    throw err;
  }
  return handle;
}
