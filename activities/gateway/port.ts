/**
 * The gateway port: how a retry attempt charges a card.
 *
 * Results vs errors — the boundary Temporal relies on (it retries only thrown errors):
 *
 * - A returned ChargeResult is a DEFINITIVE answer from the gateway about this idempotency key. It is bound to the
 *   key by the gateway (asking again with the same key returns the same answer and never charges twice).
 *     - `approved`: money was collected (`amount_collected`).
 *     - `declined`: the issuer/card refused (insufficient_funds, do_not_honor, expired_card, ...). A decline is a
 *       result, never an error.
 *     - `error`: the gateway answered definitively that it did NOT charge because of a gateway/processor-side
 *       failure (e.g. an HTTP 200 with code `processing_error`). The attempt is over and consumed its key; the
 *       retry policy decides whether and when to make a new attempt (new attempt = new key).
 * - A thrown GatewayUnavailableError (retryable) means "no definitive answer": timeout, connection refused/reset,
 *   lost response, HTTP 408/425/429/5xx, malformed success body. Before throwing, the adapter has already looked the
 *   key up and found nothing recorded. Temporal retries the activity with the SAME key; the gateway's idempotency
 *   makes that safe whether or not the first request actually charged.
 * - A thrown GatewayRequestError (non-retryable) means the gateway rejected the request itself and did not charge
 *   (HTTP 400/401/403/404/409/422, e.g. `idempotency_key_reused`): retrying the same request cannot succeed.
 * - A thrown UnknownGatewayError (non-retryable) means no adapter is configured for the gateway id.
 *
 * The errors are Temporal ApplicationFailures (type = class name, nonRetryable set), so the retry behaviour holds
 * whatever RetryPolicy the activity uses. `retryable` mirrors it for non-Temporal callers.
 */
import { ApplicationFailure } from '@temporalio/common';
import type { ChargeRequest, ChargeResult } from '../../domain/charge';

export interface GatewayCallOptions {
  /** Aborts the call (e.g. activity cancellation). The abort reason is rethrown as is; no lookup is made. */
  signal?: AbortSignal;
}

export interface GatewayAdapter {
  charge(req: ChargeRequest, opts?: GatewayCallOptions): Promise<ChargeResult>;
  /** The result recorded for a key, or null if the gateway has no charge for it. Throws when it cannot tell. */
  lookup(idempotency_key: string, opts?: GatewayCallOptions): Promise<ChargeResult | null>;
}

/** Codes that a gateway may report as a decline but that are gateway/processor-side failures (→ status 'error'). */
export const GATEWAY_ERROR_CODES: ReadonlySet<string> = new Set(['processing_error']);

abstract class GatewayFailure extends ApplicationFailure {
  abstract readonly retryable: boolean;
  readonly gateway_id: string;

  constructor(
    name: string,
    message: string,
    gatewayId: string,
    nonRetryable: boolean,
    details: unknown[],
    cause?: Error,
  ) {
    super(message, name, nonRetryable, details, cause);
    // ApplicationFailure defines a read-only `name` on its prototype; shadow it on the instance.
    Object.defineProperty(this, 'name', {
      value: name,
      enumerable: false,
      configurable: true,
      writable: true,
    });
    this.gateway_id = gatewayId;
  }
}

/** Retryable: no definitive answer (outcome unknown and nothing recorded under the key, or not made). */
export class GatewayUnavailableError extends GatewayFailure {
  readonly retryable = true;
  readonly idempotency_key: string | null;

  constructor(message: string, opts: { gatewayId: string; idempotencyKey?: string | null; cause?: unknown }) {
    const key = opts.idempotencyKey ?? null;
    super(
      'GatewayUnavailableError',
      message,
      opts.gatewayId,
      false,
      [{ idempotency_key: key }],
      asError(opts.cause),
    );
    this.idempotency_key = key;
  }
}

/** Non-retryable: the gateway rejected the request (nothing charged); `code` is the gateway's error code. */
export class GatewayRequestError extends GatewayFailure {
  readonly retryable = false;
  readonly code: string;
  readonly http_status: number | null;

  constructor(message: string, opts: { gatewayId: string; code: string; httpStatus?: number | null }) {
    const httpStatus = opts.httpStatus ?? null;
    super('GatewayRequestError', message, opts.gatewayId, true, [
      { code: opts.code, http_status: httpStatus },
    ]);
    this.code = opts.code;
    this.http_status = httpStatus;
  }
}

/** Non-retryable: no adapter configured for this gateway id. */
export class UnknownGatewayError extends GatewayFailure {
  readonly retryable = false;

  constructor(gatewayId: string, known: readonly string[]) {
    super(
      'UnknownGatewayError',
      `Unknown gateway id "${gatewayId}" (configured: ${known.length ? known.join(', ') : 'none'})`,
      gatewayId,
      true,
      [{ known }],
    );
  }
}

function asError(cause: unknown): Error | undefined {
  if (cause === undefined) return undefined;
  return cause instanceof Error ? cause : new Error(String(cause));
}
