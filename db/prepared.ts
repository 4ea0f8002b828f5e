import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './client';

// Drizzle statements for the hot paths, built once per database handle: building a query (the
// builder's entity checks, SQL assembly) cost more CPU than running it. Values go in as placeholders.

/** `build(db)` memoized per database handle. */
export function preparedPerDatabase<T>(build: (db: Db) => T): (db: Db) => T {
  const built = new WeakMap<Db, T>();
  return (db) => {
    let statements = built.get(db);
    if (!statements) {
      statements = build(db);
      built.set(db, statements);
    }
    return statements;
  };
}

/**
 * `select value from <call> as value`, prepared as `name`: one SQL function called in one round trip
 * (a server-side prepared statement on Postgres), answering its value. `call` names the function and
 * its placeholders, e.g. sql`cpr_record_cycle(${sql.placeholder('p')}::jsonb)`.
 */
export function functionCall<T>(db: Db, name: string, call: SQL) {
  return db.select({ value: sql<T>`value` }).from(sql`${call} as value`).prepare(name);
}

/** The value a prepared function call answered (its one row). */
export async function valueOfCall<T>(call: Promise<{ value: T }[]>): Promise<T> {
  const [row] = await call;
  if (!row) throw new Error('a SQL function call answered no row');
  return row.value;
}
