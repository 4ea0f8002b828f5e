import { createHash } from 'node:crypto';
import { z } from '@hono/zod-openapi';
import type { Db } from '../db/client';
import { canonicalJson } from '../db/failed-payment-store';
import { claimKey, completeKey, type KeyRef, releaseKey } from '../db/idempotency-keys';
import type { Logger } from '../log/logger';
import { ApiError } from './errors';

// `Idempotency-Key` on our own POSTs, as draft-ietf-httpapi-idempotency-key-header has it: the key is
// scoped to the route and the caller; the same key with the same request answers what the first one
// answered (status and body, with `Idempotent-Replayed: true`), with a different request 422, and
// while the first is still running 409. Only a success is remembered: a request that failed (4xx or
// 5xx) wrote nothing, so its key is released and the same request may simply be sent again.

/** How long a request holds its key before another may take it over (its process is presumed dead). */
export const KEY_LEASE_MS = 120_000;

export const IDEMPOTENCY_KEY_DESCRIPTION =
  'Optional, 1–255 characters (a bare or quoted string). The same key with the same request answers the first answer again, with `Idempotent-Replayed: true`, and does nothing twice; with a different request 422; while the first request is still running 409. Keys are per route and per login; only successful answers are kept, so after an error the same request may be sent again with the same key.';

/** The header's value; a structured-field string (`"abc"`) and a bare token (`abc`) are the same key. */
export const idempotencyKeyHeader = z
  .string()
  .min(1)
  .max(257)
  .transform((v) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v))
  .pipe(z.string().min(1).max(255))
  .optional()
  .openapi({
    param: { in: 'header' },
    description: IDEMPOTENCY_KEY_DESCRIPTION,
    example: 'c0a1d7e2-retry-1',
  });

export interface Answer<S extends number = number, B = unknown> {
  status: S;
  body: B;
}

/** Stores the answer in the effect's own transaction, so a success is never without its record. */
export type Remember = (tx: Db, answer: Answer) => Promise<void>;

export interface IdempotentRequest {
  /** The route's method and path template, e.g. `POST /api/v1/payments/failed_payments`. */
  route: string;
  principal: string;
  key: string | undefined;
  /** What makes two requests the same: path parameters and body. */
  request: unknown;
}

export function fingerprint(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

/**
 * Runs `run` at most once per key and request. `run` gets `remember` when a key was sent (to store its
 * answer in its own transaction; otherwise the answer is stored when it returns). Throws ApiError
 * 422/409 as the draft says.
 */
export async function idempotently<A extends Answer>(
  deps: { db: Db; log: Logger },
  req: IdempotentRequest,
  run: (remember: Remember | undefined) => Promise<A>,
): Promise<A & { replayed: boolean }> {
  if (req.key === undefined) return { ...(await run(undefined)), replayed: false };
  const ref: KeyRef = { route: req.route, principal: req.principal, key: req.key };
  const claim = await claimKey(deps.db, ref, fingerprint(req.request), KEY_LEASE_MS);
  switch (claim.kind) {
    case 'mismatch':
      throw new ApiError(
        422,
        `Idempotency-Key ${req.key} was already used for a different request; use a new key for a new request`,
        [{ path: '(header).idempotency-key', message: 'already used for a different request' }],
      );
    case 'in_flight':
      throw new ApiError(
        409,
        `A request with Idempotency-Key ${req.key} is still being processed; send it again once it has answered`,
      );
    case 'replay':
      return { status: claim.status, body: claim.body, replayed: true } as A & { replayed: boolean };
    case 'claimed':
      break;
  }
  let remembered = false;
  try {
    const answer = await run(async (tx, a) => {
      await completeKey(tx, ref, a.status, a.body);
      remembered = true;
    });
    if (!remembered) await completeKey(deps.db, ref, answer.status, answer.body);
    return { ...answer, replayed: false };
  } catch (err) {
    await releaseKey(deps.db, ref).catch((releaseErr: unknown) => {
      // The lease runs out by itself; until then the same key answers 409.
      deps.log.warn({ err: releaseErr, key: req.key }, 'could not release an idempotency key');
    });
    throw err;
  }
}
