import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { deleteTokens, insertToken, loginByDigest, upsertToken } from '../db/api-tokens';
import type { Db } from '../db/client';
import type { Role } from '../domain/role';

// API tokens: made here (random, shown once), stored as a digest (db/api-tokens.ts), checked in
// constant time.

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

/** Who a token logs in as, and what it may do. */
export interface Login {
  email: string;
  role: Role;
}

/** Creates a token for the user (created if new) and returns it: the only time it is ever visible. */
export async function createToken(
  db: Db,
  email: string,
  role: Role = 'operator',
): Promise<{ token: string; id: number }> {
  const token = generateToken();
  const id = await insertToken(db, email, tokenDigest(token), displayPrefix(token), role);
  return { token, id };
}

/** Stores a token chosen by the operator (CPR_BOOTSTRAP_TOKEN); idempotent across restarts. */
export async function ensureToken(db: Db, email: string, token: string): Promise<void> {
  await upsertToken(db, email, tokenDigest(token), displayPrefix(token));
}

/** Revokes by token id, by the token itself, or every token of an email. Returns how many went. */
export async function revokeTokens(
  db: Db,
  what: { id: number } | { token: string } | { email: string },
): Promise<number> {
  return await deleteTokens(db, 'token' in what ? { digest: tokenDigest(what.token) } : what);
}

/** Whether this very token is stored (not revoked). */
export async function tokenExists(db: Db, token: string): Promise<boolean> {
  return (await loginByDigest(db, tokenDigest(token))) !== undefined;
}

/** The token behind an email and token (its id too, for the console session it may open), or null. */
export async function tokenLogin(
  db: Db,
  email: string,
  token: string,
): Promise<(Login & { tokenId: number }) | null> {
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
  return digestOk && emailOk ? { email: row.email, role: row.role, tokenId: row.id } : null;
}

export async function verifyCredentials(db: Db, email: string, token: string): Promise<Login | null> {
  const login = await tokenLogin(db, email, token);
  return login ? { email: login.email, role: login.role } : null;
}

/** Like verifyCredentials for headers that carry only the token (SmartPay's x-api-key). */
export async function verifyToken(db: Db, token: string): Promise<Login | null> {
  const row = await loginByDigest(db, tokenDigest(token));
  return row ? { email: row.email, role: row.role } : null;
}
