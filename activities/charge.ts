import { Context } from '@temporalio/activity';
import type { ChargeRequest, ChargeResult } from './gateway/port';
import type { GatewayRegistry } from './gateway/registry';

/**
 * One charge through the gateway the cycle names. Heartbeats while it waits, so a dead worker is
 * noticed within the heartbeat timeout and the retry (same idempotency key) runs elsewhere.
 */
export function createCharge(gateways: GatewayRegistry) {
  return async function charge(req: ChargeRequest): Promise<ChargeResult> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 1000);
    try {
      return await gateways.get(req.gateway_id).charge(req, { signal: ctx.cancellationSignal });
    } finally {
      clearInterval(beat);
    }
  };
}
