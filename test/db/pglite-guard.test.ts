import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client';
import { OuterHandleInTransactionError, PgliteLockTimeoutError } from '../../db/pglite-guard';
import { users } from '../../db/schema';
import { openTestDb } from '../support/databases';

// PGlite only, by nature: the guard protects PGlite's single lock (db/pglite-guard.ts). Postgres has
// a pool instead; its single-connection case is covered in test/db/manual-retry-store.test.ts.

const emailsOf = async (h: DbHandle, email: string) =>
  (await h.db.select().from(users).where(eq(users.email, email))).length;

describe('PGlite guard', () => {
  let h: DbHandle;
  beforeAll(async () => {
    h = await openTestDb('pglite');
  });
  afterAll(async () => {
    await h.close();
  });

  it('refuses the outer handle inside its own transaction at once, rolls back and keeps answering', async () => {
    const failure = await h.db
      .transaction(async (tx) => {
        await tx.insert(users).values({ email: 'inside@example.com' });
        await h.db.select().from(users);
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(Error);
    const cause = (failure as Error).cause ?? failure;
    expect(cause).toBeInstanceOf(OuterHandleInTransactionError);
    expect(String((cause as Error).message)).toMatch(/outer database handle inside an open transaction/);
    // Where the transaction was opened: this file.
    expect(String((cause as Error).message)).toContain('pglite-guard.test.ts');
    // Rolled back, and the handle answers again.
    expect(await emailsOf(h, 'inside@example.com')).toBe(0);
    // A nested transaction on the outer handle would wait the same way: refused too.
    await expect(h.db.transaction(async () => await h.db.transaction(async () => 1))).rejects.toBeInstanceOf(
      OuterHandleInTransactionError,
    );
    // The transaction's own executor, nested savepoints included, is of course fine.
    await h.db.transaction(async (tx) => {
      await tx.insert(users).values({ email: 'tx@example.com' });
      await tx.transaction(async (inner) => {
        await inner.insert(users).values({ email: 'savepoint@example.com' });
      });
    });
    expect(await emailsOf(h, 'tx@example.com')).toBe(1);
    expect(await emailsOf(h, 'savepoint@example.com')).toBe(1);
  });

  it('lets unrelated work wait its turn, and work a transaction left running use the handle once it closed', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let opened!: () => void;
    const isOpen = new Promise<void>((r) => {
      opened = r;
    });
    let leftRunning: Promise<number> | undefined;
    const transaction = h.db.transaction(async (tx) => {
      await tx.insert(users).values({ email: 'first@example.com' });
      // Started inside the callback (same async context), run after the transaction has ended.
      leftRunning = transaction.then(() => emailsOf(h, 'first@example.com'));
      opened();
      await held;
    });
    await isOpen;
    // Another request, outside the transaction: it waits for the lock, then sees the commit.
    const waiting = emailsOf(h, 'first@example.com');
    release();
    await transaction;
    expect(await waiting).toBe(1);
    expect(await leftRunning).toBe(1);
  });

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
