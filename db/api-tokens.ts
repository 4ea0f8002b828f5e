import { eq, sql } from 'drizzle-orm';
import type { Role } from '../domain/role';
import type { ChannelHandlers, ChannelSubscription, PostgresListenOptions } from './channel-listener';
import type { Db, DbHandle, Executor } from './client';
import { preparedPerDatabase } from './prepared';
import { apiTokens, users } from './schema';

// The users and API tokens tables. Tokens are stored only as their SHA-256 digest and a display prefix;
// making and checking tokens is auth/tokens.ts.

/**
 * The channel that triggers on api_tokens and users notify (migration 0011_token-invalidation), in the
 * committing transaction, for every change that can change or end a login: a token deleted (revoked),
 * its digest, role or user changed, a user's email changed or the user deleted, either table
 * truncated. A new token or user notifies nothing: no login it could make was ever cached.
 */
export const TOKEN_CHANGES_CHANNEL = 'api_token_changes';

/** Subscribes to TOKEN_CHANGES_CHANNEL (db/channel-listener.ts says when it is up and down). */
export function listenForTokenChanges(
  handle: DbHandle,
  handlers: ChannelHandlers,
  opts?: PostgresListenOptions,
): Promise<ChannelSubscription> {
  return handle.listen(TOKEN_CHANGES_CHANNEL, handlers, opts);
}

async function upsertUser(db: Executor, email: string): Promise<number> {
  const [row] = await db
    .insert(users)
    .values({ email })
    .onConflictDoUpdate({ target: users.email, set: { email } })
    .returning({ id: users.id });
  if (!row) throw new Error(`could not store user ${email}`);
  return row.id;
}

/** Stores a new token digest for the user (created if new); returns the token's id. */
export async function insertToken(
  db: Db,
  email: string,
  digest: string,
  prefix: string,
  role: Role,
): Promise<number> {
  return await db.transaction(async (tx) => {
    const userId = await upsertUser(tx, email);
    const [row] = await tx
      .insert(apiTokens)
      .values({ userId, digest, prefix, role })
      .returning({ id: apiTokens.id });
    if (!row) throw new Error('token not stored');
    return row.id;
  });
}

/** Stores a digest for the user unless it is stored already (then it moves to this user). */
export async function upsertToken(db: Db, email: string, digest: string, prefix: string): Promise<void> {
  await db.transaction(async (tx) => {
    const userId = await upsertUser(tx, email);
    await tx
      .insert(apiTokens)
      .values({ userId, digest, prefix })
      .onConflictDoUpdate({ target: apiTokens.digest, set: { userId } });
  });
}

/** Deletes by token id, by digest, or every token of an email. Returns how many went. */
export async function deleteTokens(
  db: Db,
  what: { id: number } | { digest: string } | { email: string },
): Promise<number> {
  if ('id' in what) return (await db.delete(apiTokens).where(eq(apiTokens.id, what.id)).returning()).length;
  if ('digest' in what) {
    return (await db.delete(apiTokens).where(eq(apiTokens.digest, what.digest)).returning()).length;
  }
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, what.email));
  if (!user) return 0;
  return (await db.delete(apiTokens).where(eq(apiTokens.userId, user.id)).returning()).length;
}

/** Whether any user was ever stored (revoking a token keeps its user). */
export async function anyUserExists(db: Db): Promise<boolean> {
  return (await db.select({ id: users.id }).from(users).limit(1)).length > 0;
}

export async function listTokens(db: Db) {
  return await db
    .select({
      id: apiTokens.id,
      email: users.email,
      prefix: apiTokens.prefix,
      role: apiTokens.role,
      createdAt: apiTokens.createdAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .orderBy(apiTokens.id);
}

/** The login (token id, email, role) behind a token digest: prepared once per database, as every request asks it. */
const loginByDigestStatement = preparedPerDatabase((db) =>
  db
    .select({ id: apiTokens.id, email: users.email, role: apiTokens.role, digest: apiTokens.digest })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.digest, sql.placeholder('digest')))
    .prepare('login_by_digest'),
);

export async function loginByDigest(
  db: Db,
  digest: string,
): Promise<{ id: number; email: string; role: Role; digest: string } | undefined> {
  const [row] = await loginByDigestStatement(db).execute({ digest });
  return row;
}
