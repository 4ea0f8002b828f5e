import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './client';
import { idempotencyKeys } from './schema';

// The store behind `Idempotency-Key` on our POSTs (api/idempotency.ts holds the HTTP rules).

export interface KeyRef {
  route: string;
  principal: string;
  key: string;
}

export type Claim =
  /** This request owns the key: run it, then complete or release the key. */
  | { kind: 'claimed' }
  /** The key already answered this same request: send that answer again. */
  | { kind: 'replay'; status: number; body: unknown }
  /** The key was used for a different request. */
  | { kind: 'mismatch' }
  /** The first request with this key is still running. */
  | { kind: 'in_flight' };

const where = (ref: KeyRef) =>
  and(
    eq(idempotencyKeys.route, ref.route),
    eq(idempotencyKeys.principal, ref.principal),
    eq(idempotencyKeys.key, ref.key),
  );

/**
 * Claims the key for a request with this fingerprint, for `leaseMs`. A new key is inserted; a claim
 * whose lease ran out (its request died) is taken over by the same request; anything else says why not.
 */
export async function claimKey(db: Db, ref: KeyRef, fingerprint: string, leaseMs: number): Promise<Claim> {
  const lockedUntil = sql`now() + ${leaseMs} * interval '1 millisecond'`;
  for (;;) {
    const claimed = await db
      .insert(idempotencyKeys)
      .values({ ...ref, fingerprint, lockedUntil })
      .onConflictDoUpdate({
        target: [idempotencyKeys.route, idempotencyKeys.principal, idempotencyKeys.key],
        set: { lockedUntil },
        setWhere: and(
          isNull(idempotencyKeys.status),
          lt(idempotencyKeys.lockedUntil, sql`now()`),
          eq(idempotencyKeys.fingerprint, fingerprint),
        ),
      })
      .returning({ key: idempotencyKeys.key });
    if (claimed.length > 0) return { kind: 'claimed' };
    const [row] = await db.select().from(idempotencyKeys).where(where(ref));
    // Released between the two statements: claim again.
    if (!row) continue;
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.status === null) return { kind: 'in_flight' };
    return { kind: 'replay', status: row.status, body: row.body };
  }
}

/** Stores the answer of the request that holds the claim; pass the effect's transaction. */
export async function completeKey(tx: Db, ref: KeyRef, status: number, body: unknown): Promise<void> {
  await tx
    .update(idempotencyKeys)
    .set({ status, body })
    .where(and(where(ref), isNull(idempotencyKeys.status)));
}

/** Gives up a claim whose request did not succeed, so the same request may be sent again. */
export async function releaseKey(db: Db, ref: KeyRef): Promise<void> {
  await db.delete(idempotencyKeys).where(and(where(ref), isNull(idempotencyKeys.status)));
}
