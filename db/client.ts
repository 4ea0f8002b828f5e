import { mkdirSync } from 'node:fs';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import {
  type ChannelHandlers,
  type ChannelSubscription,
  listenPglite,
  listenPostgres,
  type PostgresListenOptions,
} from './channel-listener';
import { GuardedPGlite } from './pglite-guard';
import { lockPgliteDir } from './pglite-lock';
import { guardPoolInTransaction } from './postgres-transaction-guard';
import * as schema from './schema';

/** The one typed database handle, whichever driver is behind it. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

/** The handle a `db.transaction(async (tx) => …)` callback runs on. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * What a store function runs its statements on: the database, or the transaction it was called in.
 * Code inside a transaction passes its `tx` on and never reaches for the outer `db`: on PGlite that
 * waits forever for the transaction's own lock (refused at once by db/pglite-guard.ts), on Postgres
 * it needs a second pool connection (a pool of one hangs) and does not see the transaction's writes.
 */
export type Executor = Db | Tx;

export type DbTarget =
  | { kind: 'postgres'; url: string; poolSize?: number }
  | {
      kind: 'pglite';
      /** undefined = in memory */
      dataDir?: string;
      /** How long one holder may keep PGlite's lock while others wait (db/pglite-guard.ts). */
      lockWaitMs?: number;
    };

export interface DbHandle {
  db: Db;
  kind: DbTarget['kind'];
  /** Runs `fn` holding a session-level advisory lock, on a connection of its own. */
  withLock<T>(key: number, fn: (db: Db) => Promise<T>): Promise<T>;
  /**
   * LISTENs on `channel` (db/channel-listener.ts): on Postgres on a connection of its own, reconnected
   * when it drops; `opts` apply to Postgres only. Close the subscription before the handle.
   */
  listen(
    channel: string,
    handlers: ChannelHandlers,
    opts?: PostgresListenOptions,
  ): Promise<ChannelSubscription>;
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
    // Refuses the pool from inside its own transactions (db/postgres-transaction-guard.ts).
    const db = drizzlePostgres({ client: guardPoolInTransaction(client), schema, casing: 'snake_case' });
    return {
      db,
      kind: 'postgres',
      async withLock(key, fn) {
        // A pool of one: the lock and the work share one session, as session-level locks require.
        const single = postgres(target.url, { max: 1, onnotice: () => {} });
        try {
          await single`select pg_advisory_lock(${key})`;
          try {
            return await fn(
              drizzlePostgres({ client: guardPoolInTransaction(single), schema, casing: 'snake_case' }),
            );
          } finally {
            await single`select pg_advisory_unlock(${key})`;
          }
        } finally {
          await single.end({ timeout: 5 });
        }
      },
      listen: (channel, handlers, opts) => listenPostgres(target.url, channel, handlers, opts),
      close: () => client.end({ timeout: 5 }),
    };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  // One process owns a PGlite directory; a second opener fails at once naming it (db/pglite-lock.ts).
  const dirLock = target.dataDir ? await lockPgliteDir(target.dataDir) : undefined;
  // Refuses the outer handle inside its own transactions and fails lock waits on a wedged holder.
  const client = new GuardedPGlite(target.dataDir, { lockWaitMs: target.lockWaitMs });
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
    listen: (channel, handlers) => listenPglite(client, channel, handlers),
    close: () => client.close().finally(() => dirLock?.release()),
  };
}
