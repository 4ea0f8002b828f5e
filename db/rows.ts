import type { SQL } from 'drizzle-orm';
import type { Db } from './client';

/** Raw SQL rows: postgres-js answers an array, PGlite an object with `rows`; callers get the array. */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as T[];
}
