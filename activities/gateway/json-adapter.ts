import type { ChargeResult } from '../../domain/charge';
import type { GatewayAdapter } from './port';
import { chargeBody, chargeWithRecovery, lookupFlow, sendJson } from './transport';

// What every JSON gateway adapter shares: POST a charge to `{chargesUrl}` with the idempotency key,
// GET `{chargesUrl}/{key}` to look one up, and recover an unknown outcome by looking the key up first.
// The adapters differ only in where the charges live, the headers and the answer's shape.

export interface JsonGatewayOptions {
  gatewayId: string;
  /** The charges collection, e.g. `https://pay.example.com/charges`. */
  chargesUrl: string;
  /** Sent with every request (e.g. Authorization). */
  headers: Record<string, string>;
  /** Per HTTP request (the charge and the lookup each get this budget). */
  timeoutMs: number;
  /** The gateway's 2xx body as a ChargeResult, or null when it is malformed. */
  parse(body: unknown): ChargeResult | null;
}

export function createJsonGatewayAdapter(o: JsonGatewayOptions): GatewayAdapter {
  const adapter: GatewayAdapter = {
    lookup(key, opts = {}) {
      return lookupFlow({
        gatewayId: o.gatewayId,
        idempotencyKey: key,
        send: () =>
          sendJson(
            `${o.chargesUrl}/${encodeURIComponent(key)}`,
            { method: 'GET', headers: o.headers },
            o.timeoutMs,
            opts,
          ),
        parse: o.parse,
      });
    },

    charge(req, opts = {}) {
      const key = req.idempotency_key;
      return chargeWithRecovery({
        gatewayId: o.gatewayId,
        idempotencyKey: key,
        opts,
        lookup: adapter.lookup,
        parse: o.parse,
        send: () =>
          sendJson(
            o.chargesUrl,
            { method: 'POST', headers: { ...o.headers, 'idempotency-key': key }, body: chargeBody(req) },
            o.timeoutMs,
            opts,
          ),
      });
    },
  };
  return adapter;
}
