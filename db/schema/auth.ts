import { sql } from 'drizzle-orm';
import { bigint, bigserial, check, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { ROLES } from '../../domain/role';

export const users = pgTable('users', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  email: text('email').notNull().unique(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

// Tokens are high-entropy random strings, so a plain SHA-256 digest is enough (no salt or slow hash):
// a lookup by digest stays O(1) at any number of tokens, and the token itself is never stored.
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: bigint('user_id', { mode: 'number' })
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    digest: text('digest').notNull().unique(),
    /** First characters of the token, so an operator can tell tokens apart when revoking. */
    prefix: text('prefix').notNull(),
    /** domain/role.ts; tokens made before roles existed became operators through the default. */
    role: text('role', { enum: ROLES }).notNull().default('operator'),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    index('api_tokens_user_idx').on(t.userId),
    check('api_tokens_role_check', sql`${t.role} in ('viewer', 'operator')`),
  ],
);

// The operator console's browser sessions. The cookie carries a random secret; only its SHA-256
// digest is stored (as with tokens), so a copy of this table logs nobody in. A session belongs to the
// token that signed in: revoking the token deletes its sessions (cascade), so none outlives it.
export const consoleSessions = pgTable(
  'console_sessions',
  {
    /** SHA-256 (hex) of the cookie's 256-bit secret. */
    id: text('id').primaryKey(),
    tokenId: bigint('token_id', { mode: 'number' })
      .notNull()
      .references(() => apiTokens.id, { onDelete: 'cascade' }),
    /** What every cookie-authenticated write must send back in `X-CSRF-Token`. */
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [index('console_sessions_token_idx').on(t.tokenId)],
);
