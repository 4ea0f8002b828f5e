import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/client';
import { deleteExpiredSession, deleteSession, insertSession, sessionById } from '../db/console-sessions';
import type { Login } from './tokens';

// The operator console's sessions: after a sign-in with email and token, the browser holds a random
// secret in an HttpOnly cookie, so the token itself never stays in the page (nor in its storage or
// URLs). The row is stored under the secret's digest; the CSRF token travels in the answer's body and
// comes back in a header on every write, which a cross-site form cannot send.

/** 256 random bits, base64url. */
const secret = () => randomBytes(32).toString('base64url');

/** The row id of a session: the SHA-256 (hex) of the cookie's secret. */
export function sessionId(sessionSecret: string): string {
  return createHash('sha256').update(sessionSecret, 'utf8').digest('hex');
}

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, stored only as its digest. */
  secret: string;
  csrfToken: string;
  expiresAt: Date;
}

export async function openSession(
  db: Db,
  tokenId: number,
  ttlMinutes: number,
  now = new Date(),
): Promise<OpenedSession> {
  const opened = {
    secret: secret(),
    csrfToken: secret(),
    expiresAt: new Date(now.getTime() + ttlMinutes * 60_000),
  };
  await insertSession(db, {
    id: sessionId(opened.secret),
    tokenId,
    csrfToken: opened.csrfToken,
    expiresAt: opened.expiresAt,
  });
  return opened;
}

export type SessionLookup =
  | { status: 'active'; login: Login; csrfToken: string; expiresAt: Date }
  | { status: 'expired' }
  /** Signed out, its token revoked (the cascade deleted it), or never issued. */
  | { status: 'ended' };

/** What the cookie's secret is worth now; an expired row is deleted on the way. */
export async function findSession(db: Db, sessionSecret: string, now = new Date()): Promise<SessionLookup> {
  const id = sessionId(sessionSecret);
  const row = await sessionById(db, id);
  if (!row) return { status: 'ended' };
  if (row.expiresAt.getTime() <= now.getTime()) {
    await deleteExpiredSession(db, id, now);
    return { status: 'expired' };
  }
  return {
    status: 'active',
    login: { email: row.email, role: row.role },
    csrfToken: row.csrfToken,
    expiresAt: row.expiresAt,
  };
}

export async function closeSession(db: Db, sessionSecret: string): Promise<void> {
  await deleteSession(db, sessionId(sessionSecret));
}

/** Whether the header carries the session's CSRF token, compared in constant time. */
export function csrfMatches(expected: string, sent: string | undefined): boolean {
  if (sent === undefined) return false;
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(sent).digest();
  return timingSafeEqual(a, b);
}
