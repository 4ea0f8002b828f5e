import type { Db } from './client';

// Drizzle statements for the hot read paths, built once per database handle: building a query (the
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
