import { join, resolve } from 'node:path';
import type { Env } from '../config/env';
import { createDb, type DbHandle } from '../db/client';
import { migrateDb } from '../db/migrate';

/** Postgres when DATABASE_URL is set, else PGlite under DATA_DIR; migrated before it is returned. */
export async function openDatabase(env: Pick<Env, 'DATABASE_URL' | 'DATABASE_POOL_SIZE' | 'DATA_DIR'>) {
  const handle: DbHandle = env.DATABASE_URL
    ? await createDb({ kind: 'postgres', url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE })
    : await createDb({ kind: 'pglite', dataDir: resolve(join(env.DATA_DIR, 'pglite')) });
  await migrateDb(handle);
  return handle;
}
