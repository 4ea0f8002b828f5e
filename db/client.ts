import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { lockPgliteDir } from './pglite-lock';
import * as schema from './schema';

/** The one typed database handle, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DbTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | { kind: 'pglite' /** undefined = in memory */; dataDir?: string };

export interface DbHandle {
  db: Db;
  kind: DbTarget['kind'];
  /** Runs `fn` holding a session-level advisory lock, on a connection of its own. */
  withLock<T>(key: number, fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function createDb(target: DbTarget): Promise<DbHandle> {
  if (target.kind === 'postgres') {
    const client = postgres(target.url, {
      max: target.poolSize ?? 10,
      onnotice: () => {},
      // Idle connections are dropped by proxies and pg_terminate_backend; reconnect lazily.
      idle_timeout: 60,
      // A connection killed mid-handshake should fail fast and be retried, not hang for 30 s.
      connect_timeout: 10,
    });
    const db = drizzlePostgres({ client, schema, casing: 'snake_case' });
    return {
      db,
      kind: 'postgres',
      async withLock(key, fn) {
        // A pool of one: the lock and the work share one session, as session-level locks require.
        const single = postgres(target.url, { max: 1, onnotice: () => {} });
        try {
          await single`select pg_advisory_lock(${key})`;
          try {
            return await fn(drizzlePostgres({ client: single, schema, casing: 'snake_case' }));
          } finally {
            await single`select pg_advisory_unlock(${key})`;
          }
        } finally {
          await single.end({ timeout: 5 });
        }
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  // One process owns a PGlite directory; a second opener fails at once naming it (db/pglite-lock.ts).
  const dirLock = target.dataDir ? await lockPgliteDir(target.dataDir) : undefined;
  const client = new PGlite(target.dataDir);
  await client.waitReady.catch((err: unknown) => {
    dirLock?.release();
    throw err;
  });
  const db = drizzlePglite({ client, schema, casing: 'snake_case' });
  // PGlite is one in-process session: it cannot be shared between processes, so a lock only
  // serialises work inside this one.
  let chain: Promise<unknown> = Promise.resolve();
  return {
    db,
    kind: 'pglite',
    async withLock(_key, fn) {
      const run = chain.then(() => fn(db));
      chain = run.catch(() => {});
      return await run;
    },
    close: () => client.close().finally(() => dirLock?.release()),
  };
}
