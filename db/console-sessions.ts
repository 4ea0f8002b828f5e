import { and, eq, lte, sql } from 'drizzle-orm';
import type { Role } from '../domain/role';
import type { Db } from './client';
import { preparedPerDatabase } from './prepared';
import { apiTokens, consoleSessions, users } from './schema';

// The operator console's sessions (db/schema/auth.ts). Making secrets and deciding what a session may
// do is auth/sessions.ts; here only rows. A session row goes with its token (ON DELETE CASCADE).

export interface SessionRow {
  email: string;
  role: Role;
  csrfToken: string;
  expiresAt: Date;
}

export async function insertSession(
  db: Db,
  row: { id: string; tokenId: number; csrfToken: string; expiresAt: Date },
): Promise<void> {
  await db.insert(consoleSessions).values(row);
}

/** The session and the login behind it: prepared once per database, as every console request asks it. */
const sessionByIdStatement = preparedPerDatabase((db) =>
  db
    .select({
      email: users.email,
      role: apiTokens.role,
      csrfToken: consoleSessions.csrfToken,
      expiresAt: consoleSessions.expiresAt,
    })
    .from(consoleSessions)
    .innerJoin(apiTokens, eq(apiTokens.id, consoleSessions.tokenId))
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(consoleSessions.id, sql.placeholder('id')))
    .prepare('console_session_by_id'),
);

/** The session with this id, expired or not; undefined when signed out or its token was revoked. */
export async function sessionById(db: Db, id: string): Promise<SessionRow | undefined> {
  const [row] = await sessionByIdStatement(db).execute({ id });
  return row;
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.delete(consoleSessions).where(eq(consoleSessions.id, id));
}

/** Deletes the session if it has expired by `now` (the lazy clean-up of a refused session). */
export async function deleteExpiredSession(db: Db, id: string, now: Date): Promise<void> {
  await db
    .delete(consoleSessions)
    .where(and(eq(consoleSessions.id, id), lte(consoleSessions.expiresAt, now)));
}

/** Moves a session's expiry, e.g. into the past; how tests see an expired session without waiting. */
export async function setSessionExpiry(db: Db, id: string, expiresAt: Date): Promise<number> {
  return (await db.update(consoleSessions).set({ expiresAt }).where(eq(consoleSessions.id, id)).returning())
    .length;
}
