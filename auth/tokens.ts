import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client';
import { preparedPerDatabase } from '../db/prepared';
import { apiTokens, users } from '../db/schema';

const TOKEN_PREFIX = 'cpr_';

/** 256 random bits, base64url: well over the 128 bits a token needs. */
export function generateToken(): string {
  return `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
}

export function tokenDigest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function displayPrefix(token: string): string {
  return token.slice(0, 10);
}

async function upsertUser(db: Db, email: string): Promise<number> {
  const [row] = await db
    .insert(users)
    .values({ email })
    .onConflictDoUpdate({ target: users.email, set: { email } })
    .returning({ id: users.id });
  if (!row) throw new Error(`could not store user ${email}`);
  return row.id;
}

/** Creates a token for the user (created if new) and returns it: the only time it is ever visible. */
export async function createToken(db: Db, email: string): Promise<{ token: string; id: number }> {
  const token = generateToken();
  return await db.transaction(async (tx) => {
    const userId = await upsertUser(tx, email);
    const [row] = await tx
      .insert(apiTokens)
      .values({ userId, digest: tokenDigest(token), prefix: displayPrefix(token) })
      .returning({ id: apiTokens.id });
    if (!row) throw new Error('token not stored');
    return { token, id: row.id };
  });
}

/** Stores a token chosen by the operator (CPR_BOOTSTRAP_TOKEN); idempotent across restarts. */
export async function ensureToken(db: Db, email: string, token: string): Promise<void> {
  await db.transaction(async (tx) => {
    const userId = await upsertUser(tx, email);
    await tx
      .insert(apiTokens)
      .values({ userId, digest: tokenDigest(token), prefix: displayPrefix(token) })
      .onConflictDoUpdate({ target: apiTokens.digest, set: { userId } });
  });
}

/** Revokes by token id, by the token itself, or every token of an email. Returns how many went. */
export async function revokeTokens(db: Db, what: { id: number } | { token: string } | { email: string }) {
  if ('id' in what) return (await db.delete(apiTokens).where(eq(apiTokens.id, what.id)).returning()).length;
  if ('token' in what) {
    return (
      await db
        .delete(apiTokens)
        .where(eq(apiTokens.digest, tokenDigest(what.token)))
        .returning()
    ).length;
  }
  const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, what.email));
  if (!user) return 0;
  return (await db.delete(apiTokens).where(eq(apiTokens.userId, user.id)).returning()).length;
}

/** Whether this very token is stored (not revoked). */
export async function tokenExists(db: Db, token: string): Promise<boolean> {
  return (await loginByDigest(db, tokenDigest(token))) !== undefined;
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
      createdAt: apiTokens.createdAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .orderBy(apiTokens.id);
}

/** The email the credentials belong to, or null. */
/** The login behind a token digest: prepared once per database, as every request asks it. */
const loginByDigestStatement = preparedPerDatabase((db) =>
  db
    .select({ email: users.email, digest: apiTokens.digest })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.digest, sql.placeholder('digest')))
    .prepare('login_by_digest'),
);

async function loginByDigest(db: Db, digest: string) {
  const [row] = await loginByDigestStatement(db).execute({ digest });
  return row;
}

export async function verifyCredentials(db: Db, email: string, token: string): Promise<string | null> {
  const digest = tokenDigest(token);
  const row = await loginByDigest(db, digest);
  if (!row) return null;
  // The lookup is by digest; the constant-time compare of the digests and of the user keeps the
  // answer's timing independent of how much of a guess was right.
  const digestOk = timingSafeEqual(Buffer.from(row.digest, 'hex'), Buffer.from(digest, 'hex'));
  const emailOk = timingSafeEqual(
    createHash('sha256').update(row.email.toLowerCase()).digest(),
    createHash('sha256').update(email.toLowerCase()).digest(),
  );
  return digestOk && emailOk ? row.email : null;
}

/** Like verifyCredentials for headers that carry only the token (SmartPay's x-api-key). */
export async function verifyToken(db: Db, token: string): Promise<string | null> {
  return (await loginByDigest(db, tokenDigest(token)))?.email ?? null;
}
