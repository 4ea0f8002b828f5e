/** JSON-over-HTTP plumbing shared by the gateway adapters (global fetch + AbortSignal.timeout). */
import { z } from 'zod';
import type { ChargeRequest, ChargeResult, ChargeStatus } from '../../domain/charge';
import {
  GATEWAY_ERROR_CODES,
  type GatewayAdapter,
  type GatewayCallOptions,
  GatewayRequestError,
  GatewayUnavailableError,
} from './port';

export type HttpAnswer =
  /** The server answered; `body` is the parsed JSON, or undefined when the body is not JSON. */
  | { kind: 'answer'; status: number; body: unknown }
  /** No (complete) answer: timeout, connection refused/reset, socket closed mid-response. */
  | { kind: 'no_answer'; reason: string; cause: unknown };

/** A `declined` answer whose code is a gateway-side failure (e.g. processing_error) is the result `error`. */
export function normalizeStatus(status: ChargeStatus, code: string): ChargeStatus {
  return status === 'declined' && GATEWAY_ERROR_CODES.has(code) ? 'error' : status;
}

/** 408/425/429/5xx: nothing definitive was said about the charge. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status >= 500;
}

export async function sendJson(
  url: string,
  init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: unknown },
  timeoutMs: number,
  opts: GatewayCallOptions = {},
): Promise<HttpAnswer> {
  const callerSignal = opts.signal;
  callerSignal?.throwIfAborted();
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = callerSignal ? AbortSignal.any([timeout, callerSignal]) : timeout;
  try {
    const res = await fetch(url, {
      method: init.method,
      headers: {
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...init.headers,
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal,
    });
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { kind: 'answer', status: res.status, body };
  } catch (err) {
    if (callerSignal?.aborted) throw callerSignal.reason;
    return { kind: 'no_answer', reason: describeTransportError(err, timeoutMs), cause: err };
  }
}

function describeTransportError(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause =
    err instanceof Error ? (err.cause as { code?: string; message?: string } | undefined) : undefined;
  const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `transport error (${detail})`;
}

/** `{ error: { code, message } }`, `{ code, message }` or `{ error: "..." }` → a code and message for errors. */
export function errorInfo(body: unknown, status: number): { code: string; message: string } {
  const b = (body ?? {}) as { error?: unknown; code?: unknown; message?: unknown };
  const e = (typeof b.error === 'object' && b.error !== null ? b.error : {}) as {
    code?: unknown;
    message?: unknown;
  };
  const code = [e.code, b.code, typeof b.error === 'string' ? b.error : undefined].find(
    (v): v is string => typeof v === 'string' && v.length > 0,
  );
  const message = [e.message, b.message].find((v): v is string => typeof v === 'string' && v.length > 0);
  return { code: code ?? `http_${status}`, message: message ?? `HTTP ${status}` };
}

/**
 * The charge flow shared by the adapters: send, map a definitive answer to a result, and on an unknown outcome
 * look the key up FIRST; only when nothing is recorded throw GatewayUnavailableError (retry with the same key).
 */
/** The JSON both adapters send: the charge, with its idempotency key in the body as well as the header. */
export function chargeBody(req: ChargeRequest) {
  return {
    payment_method_id: req.payment_method_id,
    amount: req.amount,
    currency: req.currency,
    idempotency_key: req.idempotency_key,
    ...(req.metadata ? { metadata: req.metadata } : {}),
  };
}

export async function chargeWithRecovery(args: {
  gatewayId: string;
  idempotencyKey: string;
  send: () => Promise<HttpAnswer>;
  parse: (body: unknown) => ChargeResult | null;
  lookup: GatewayAdapter['lookup'];
  opts: GatewayCallOptions;
}): Promise<ChargeResult> {
  const { gatewayId, idempotencyKey: key } = args;
  const answer = await args.send();
  let reason: string;
  let cause: unknown;
  if (answer.kind === 'no_answer') {
    reason = answer.reason;
    cause = answer.cause;
  } else if (answer.status >= 200 && answer.status < 300) {
    const result = args.parse(answer.body);
    if (result) return result;
    reason = `malformed HTTP ${answer.status} answer`;
  } else if (isRetryableStatus(answer.status)) {
    const info = errorInfo(answer.body, answer.status);
    reason = `HTTP ${answer.status} ${info.code}`;
  } else {
    const info = errorInfo(answer.body, answer.status);
    throw new GatewayRequestError(
      `gateway ${gatewayId} rejected charge ${key}: ${info.code}: ${info.message}`,
      {
        gatewayId,
        code: info.code,
        httpStatus: answer.status,
      },
    );
  }

  let recorded: ChargeResult | null;
  try {
    recorded = await args.lookup(key, args.opts);
  } catch (err) {
    if (args.opts.signal?.aborted) throw args.opts.signal.reason;
    const why = err instanceof Error ? err.message : String(err);
    throw new GatewayUnavailableError(
      `gateway ${gatewayId}: charge ${key} outcome unknown (${reason}); lookup failed: ${why}`,
      { gatewayId, idempotencyKey: key, cause: err },
    );
  }
  if (recorded) return recorded;
  throw new GatewayUnavailableError(
    `gateway ${gatewayId}: charge ${key} got no definitive answer (${reason}) and nothing is recorded for the key; retry with the same key`,
    { gatewayId, idempotencyKey: key, cause },
  );
}

/** Lookup flow shared by the adapters: 2xx → parsed result, 404 → null, anything else throws. */
export async function lookupFlow(args: {
  gatewayId: string;
  idempotencyKey: string;
  send: () => Promise<HttpAnswer>;
  parse: (body: unknown) => ChargeResult | null;
}): Promise<ChargeResult | null> {
  const { gatewayId, idempotencyKey: key } = args;
  const answer = await args.send();
  if (answer.kind === 'no_answer') {
    throw new GatewayUnavailableError(`gateway ${gatewayId}: lookup of ${key} failed: ${answer.reason}`, {
      gatewayId,
      idempotencyKey: key,
      cause: answer.cause,
    });
  }
  if (answer.status === 404) return null;
  if (answer.status >= 200 && answer.status < 300) {
    const result = args.parse(answer.body);
    if (result) return result;
    throw new GatewayUnavailableError(`gateway ${gatewayId}: malformed lookup answer for ${key}`, {
      gatewayId,
      idempotencyKey: key,
    });
  }
  const info = errorInfo(answer.body, answer.status);
  if (isRetryableStatus(answer.status)) {
    throw new GatewayUnavailableError(
      `gateway ${gatewayId}: lookup of ${key} failed: HTTP ${answer.status} ${info.code}`,
      {
        gatewayId,
        idempotencyKey: key,
      },
    );
  }
  throw new GatewayRequestError(
    `gateway ${gatewayId} rejected lookup of ${key}: ${info.code}: ${info.message}`,
    {
      gatewayId,
      code: info.code,
      httpStatus: answer.status,
    },
  );
}

/** Shared adapter config validation. */
export const BaseUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
export const TimeoutMs = z.number().int().positive().max(600_000);
