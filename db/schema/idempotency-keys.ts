import { integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * `Idempotency-Key` on our own POSTs (draft-ietf-httpapi-idempotency-key-header): one row per
 * (route, principal, key), holding a fingerprint of the first request and, once it succeeded, its
 * answer. While `status` is null the first request is in flight; a claim past `locked_until` was
 * abandoned (its process died) and the next request with the same fingerprint takes it over.
 */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    route: text('route').notNull(),
    principal: text('principal').notNull(),
    key: text('key').notNull(),
    /** SHA-256 of the request's path parameters and body, in canonical JSON. */
    fingerprint: text('fingerprint').notNull(),
    /** The answer's HTTP status; null while the first request is in flight. */
    status: integer('status'),
    body: jsonb('body'),
    createdAt: ts('created_at').notNull().defaultNow(),
    lockedUntil: ts('locked_until').notNull(),
  },
  (t) => [primaryKey({ columns: [t.route, t.principal, t.key] })],
);
