/**
 * Generic HTTP adapter for in-house payment services. One instance per gateway id.
 *
 * Contract expected from the payment service (JSON over HTTP or HTTPS):
 *
 *   POST {baseUrl}/charges
 *     Headers: Content-Type: application/json, Accept: application/json,
 *              Idempotency-Key: <key>, Authorization: Bearer <token> (only when a token is configured)
 *     Body:    { "payment_method_id": "pm_123", "amount": "100.00", "currency": "USD",
 *                "idempotency_key": "<key>", "metadata": { "<string>": "<string>" } }   (metadata optional)
 *     2xx:     { "status": "approved" | "declined" | "error", "code": "insufficient_funds",
 *                "message": "Your card has insufficient funds.", "gateway_payment_id": "pay_42" | null,
 *                "amount_collected": "100.00" }
 *              `status` and `amount_collected` (decimal string) are required; `code` defaults to the status,
 *              `message` to "", `gateway_payment_id` to null. A decline is a 2xx answer, never a 4xx.
 *              `error` = the service definitively did NOT charge because of a processor-side failure (a declined
 *              answer with code `processing_error` is treated the same way).
 *     Idempotency: the service MUST bind the result to the key: the same key returns the same result (2xx) and never
 *              charges again; the same key with a different payment method/amount/currency → 409.
 *     4xx (400, 401, 403, 404, 409, 422, ...): request rejected, nothing charged → GatewayRequestError
 *              (non-retryable). Error body (optional): { "error": { "code": "...", "message": "..." } }.
 *     408, 425, 429, 5xx, timeout, connection error, malformed 2xx: outcome unknown → the adapter looks the key up.
 *
 *   GET {baseUrl}/charges/{url-encoded key}     (same headers, no body)
 *     200: the recorded result, same body as the POST 2xx answer.   404: no charge recorded for this key.
 *
 * After an unknown outcome the adapter returns the looked-up result if there is one, otherwise it throws
 * GatewayUnavailableError and the caller (Temporal) retries the charge with the same key.
 */
import { z } from 'zod';
import type { ChargeResult } from '../../domain/charge';
import { isDecimal } from '../../domain/money/decimal';
import { createJsonGatewayAdapter } from './json-adapter';
import type { GatewayAdapter } from './port';
import { BaseUrl, normalizeStatus, TimeoutMs } from './transport';

export interface HttpAdapterConfig {
  gatewayId: string;
  baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Per HTTP request (the charge and the lookup each get this budget). */
  timeoutMs: number;
}

const HttpResult = z.object({
  status: z.enum(['approved', 'declined', 'error']),
  code: z.string().min(1).optional(),
  message: z.string().nullish(),
  gateway_payment_id: z.string().min(1).nullish(),
  amount_collected: z.string().refine(isDecimal, 'a decimal string such as "100.00"'),
});

export function parseHttpResult(body: unknown): ChargeResult | null {
  const parsed = HttpResult.safeParse(body);
  if (!parsed.success) return null;
  const r = parsed.data;
  const code = r.code ?? r.status;
  return {
    status: normalizeStatus(r.status, code),
    code,
    message: r.message ?? '',
    gateway_payment_id: r.gateway_payment_id ?? null,
    amount_collected: r.amount_collected,
  };
}

export function createHttpAdapter(config: HttpAdapterConfig): GatewayAdapter {
  const gatewayId = z.string().min(1).parse(config.gatewayId);
  const baseUrl = BaseUrl.parse(config.baseUrl);
  const timeoutMs = TimeoutMs.parse(config.timeoutMs);
  const auth: Record<string, string> = config.token ? { authorization: `Bearer ${config.token}` } : {};

  return createJsonGatewayAdapter({
    gatewayId,
    chargesUrl: `${baseUrl}/charges`,
    headers: auth,
    timeoutMs,
    parse: parseHttpResult,
  });
}
