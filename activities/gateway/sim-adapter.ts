/**
 * Adapter for the simulated gateway (sim/server.ts): POST {baseUrl}/v1/charges, GET {baseUrl}/v1/charges/{key}.
 *
 * On a timeout, transport error (reset / lost response), HTTP 408/425/429/5xx or malformed 2xx it FIRST looks the
 * key up: a recorded result is returned as is (no new charge); otherwise it throws GatewayUnavailableError so the
 * caller retries with the same key. It never invents another key. A `declined` answer whose code is a gateway-side
 * failure (GATEWAY_ERROR_CODES, e.g. `processing_error`) is mapped to status `error`.
 */
import { z } from 'zod';
import type { ChargeResult } from '../../domain/charge';
import { isDecimal } from '../../domain/money/decimal';
import { createJsonGatewayAdapter } from './json-adapter';
import type { GatewayAdapter } from './port';
import { BaseUrl, normalizeStatus, TimeoutMs } from './transport';

export interface SimAdapterConfig {
  baseUrl: string;
  /** Per HTTP request (the charge and the lookup each get this budget). */
  timeoutMs: number;
  /** Gateway id used in error messages. Default 'sim'. */
  gatewayId?: string;
}

const SimResult = z.object({
  status: z.enum(['approved', 'declined', 'error']),
  code: z.string().min(1),
  message: z.string(),
  gateway_payment_id: z.string().min(1).nullable(),
  amount_collected: z.string().refine(isDecimal, 'a decimal string such as "100.00"'),
});

function parseSimResult(body: unknown): ChargeResult | null {
  const parsed = SimResult.safeParse(body);
  if (!parsed.success) return null;
  const r = parsed.data;
  return {
    status: normalizeStatus(r.status, r.code),
    code: r.code,
    message: r.message,
    gateway_payment_id: r.gateway_payment_id,
    amount_collected: r.amount_collected,
  };
}

export function createSimAdapter(config: SimAdapterConfig): GatewayAdapter {
  const baseUrl = BaseUrl.parse(config.baseUrl);
  const timeoutMs = TimeoutMs.parse(config.timeoutMs);
  const gatewayId = config.gatewayId ?? 'sim';

  return createJsonGatewayAdapter({
    gatewayId,
    chargesUrl: `${baseUrl}/v1/charges`,
    headers: {},
    timeoutMs,
    parse: parseSimResult,
  });
}
