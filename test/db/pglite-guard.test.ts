import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../db/client';
import { PgliteLockTimeoutError } from '../../db/pglite-guard';

// PGlite only, by nature: a lock wait is PGlite's (db/pglite-guard.ts); Postgres waits for a pool
// connection instead. The refusal inside a transaction runs on both in transaction-guard.test.ts.

describe('PGlite lock wait', () => {
  it('fails a lock wait loudly, naming the holder, when one holder keeps the lock too long', async () => {
    const quick = await createDb({ kind: 'pglite', lockWaitMs: 50 });
    try {
      let started!: () => void;
      const holding = new Promise<void>((r) => {
        started = r;
      });
      let gaveUp!: () => void;
      const waiterGaveUp = new Promise<void>((r) => {
        gaveUp = r;
      });
      // The holder keeps its transaction open until the waiter has given up (were the wait never to
      // fail, this test would time out rather than pass).
      const holder = quick.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        started();
        await waiterGaveUp;
      });
      await holding;
      const error = await quick.db.execute(sql`select 2 as waiting`).then(
        () => undefined,
        (e: unknown) => e,
      );
      gaveUp();
      await holder;
      const cause = (error as Error).cause ?? error;
      expect(cause).toBeInstanceOf(PgliteLockTimeoutError);
      expect((cause as Error).message).toMatch(
        /query "select 2 as waiting" waited \d+ ms for the database lock/,
      );
      expect((cause as Error).message).toMatch(
        /held for \d+ ms by a transaction opened at .*pglite-guard\.test\.ts/,
      );
      // The lock went on to the next caller.
      expect(await quick.db.execute(sql`select 3 as after`)).toBeDefined();
    } finally {
      await quick.close();
    }
  });
});
