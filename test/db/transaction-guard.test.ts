import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbHandle } from '../../db/client';
import { OuterHandleInTransactionError } from '../../db/pglite-guard';
import { PoolInTransactionError } from '../../db/postgres-transaction-guard';
import { users } from '../../db/schema';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// Code inside a transaction never reaches the outer handle: on PGlite it would wait forever for the
// transaction's own lock (db/pglite-guard.ts), on Postgres it needs a second pool connection and does
// not see the transaction's writes (db/postgres-transaction-guard.ts). Both refuse it at once.

describe.each(dbKinds)('the outer handle inside a transaction on %s', (kind: DbKind) => {
  let h: DbHandle;
  beforeAll(async () => {
    // On Postgres a pool of one: were the refusal missing, the test would hang, not pass.
    h = await openTestDb(kind, { poolSize: 1 });
  });
  afterAll(async () => {
    await h.close();
  });
  const refusal = kind === 'pglite' ? OuterHandleInTransactionError : PoolInTransactionError;
  const emailsOf = async (email: string) =>
    (await h.db.select().from(users).where(eq(users.email, email))).length;

  it('is refused at once; the transaction rolls back and the handle keeps answering', async () => {
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
    expect(cause).toBeInstanceOf(refusal);
    expect((cause as Error).message).toMatch(/outer database handle inside .*open transaction/);
    if (kind === 'pglite') {
      // Where the transaction was opened: this file.
      expect((cause as Error).message).toContain('transaction-guard.test.ts');
    }
    expect(await emailsOf('inside@example.com')).toBe(0);
    // A nested transaction on the outer handle needs the same lock or connection: refused too.
    await expect(h.db.transaction(async () => await h.db.transaction(async () => 1))).rejects.toBeInstanceOf(
      refusal,
    );
    // The transaction's own executor, savepoints included, is of course fine.
    await h.db.transaction(async (tx) => {
      await tx.insert(users).values({ email: 'tx@example.com' });
      await tx.transaction(async (inner) => {
        await inner.insert(users).values({ email: 'savepoint@example.com' });
      });
    });
    expect(await emailsOf('tx@example.com')).toBe(1);
    expect(await emailsOf('savepoint@example.com')).toBe(1);
  });

  it('lets unrelated work run, and work a transaction left running use the handle once it closed', async () => {
    if (kind === 'postgres') {
      // Unrelated work on Postgres needs a connection of its own; a pool of one has none to lend.
      await h.close();
      h = await openTestDb(kind, { poolSize: 2 });
    }
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
      // Started inside the callback (its async context), run once the transaction has ended.
      leftRunning = transaction.then(() => emailsOf('first@example.com'));
      opened();
      await held;
    });
    await isOpen;
    // Another request, outside the transaction.
    const outside = emailsOf('first@example.com');
    // Postgres: its own connection, answered before the commit, without the uncommitted row.
    if (kind === 'postgres') expect(await outside).toBe(0);
    release();
    await transaction;
    // PGlite: it waited for the lock, then saw the commit.
    if (kind === 'pglite') expect(await outside).toBe(1);
    expect(await leftRunning).toBe(1);
  });
});
