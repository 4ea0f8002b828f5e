import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from 'postgres';

// The Postgres half of "code inside a transaction never reaches the outer handle" (the PGlite half,
// db/pglite-guard.ts, is where it wedged the embedded default). On Postgres a query on the pool from
// inside a transaction callback does not wait for the transaction itself, but it needs a second
// connection while the first is held — a pool of one (DATABASE_POOL_SIZE=1) waits forever, and N
// such transactions at once exhaust a pool of N — and it does not see the transaction's own writes.
// So it is refused at once, in every environment, as on PGlite. Drizzle's postgres-js session runs
// statements through `unsafe()` and transactions through `begin()`; the callback's statements go to
// the reserved connection `begin()` hands it, which is not this pool and is not guarded.

export class PoolInTransactionError extends Error {
  constructor(what: string) {
    super(
      `Postgres: ${what} on the outer database handle inside one of its open transactions needs a second pool connection (a pool of one waits forever) and does not see the transaction's writes; run it on the transaction's executor (tx) instead`,
    );
    this.name = 'PoolInTransactionError';
  }
}

/** `client` for drizzle, refusing its own use from inside the transactions it opens. */
export function guardPoolInTransaction(client: Sql): Sql {
  const inside = new AsyncLocalStorage<{ open: boolean }>();
  const refuse = (what: string) => {
    if (inside.getStore()?.open) throw new PoolInTransactionError(what);
  };
  const unsafe: Sql['unsafe'] = (query, ...rest) => {
    refuse(`query "${query.replace(/\s+/g, ' ').slice(0, 200)}"`);
    return client.unsafe(query, ...rest);
  };
  const begin = (...args: unknown[]) => {
    refuse('a transaction');
    const callback = args.at(-1) as (sql: unknown) => unknown;
    const marker = { open: true };
    const guarded = async (sql: unknown) => {
      try {
        return await inside.run(marker, () => callback(sql));
      } finally {
        // Work the callback left running keeps the context; once closed it may use the pool again.
        marker.open = false;
      }
    };
    return (client.begin as (...a: unknown[]) => unknown)(...args.slice(0, -1), guarded);
  };
  return new Proxy(client, {
    apply(target, thisArg, args) {
      refuse('a tagged query');
      return Reflect.apply(target, thisArg, args);
    },
    get(target, prop, receiver) {
      if (prop === 'unsafe') return unsafe;
      if (prop === 'begin') return begin;
      return Reflect.get(target, prop, receiver);
    },
  });
}
