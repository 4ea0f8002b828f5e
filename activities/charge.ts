import { Context } from '@temporalio/activity';
import type { ChargeRequest, ChargeResult } from '../domain/charge';
import { toStorableText } from '../domain/storable-text';
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
      const result = await gateways.get(req.gateway_id).charge(req, { signal: ctx.cancellationSignal });
      // The gateway's words are recorded as sent, except what Postgres cannot hold (it would refuse
      // the attempt's row on every retry).
      return {
        ...result,
        code: toStorableText(result.code),
        message: toStorableText(result.message),
        gateway_payment_id:
          result.gateway_payment_id === null ? null : toStorableText(result.gateway_payment_id),
      };
    } finally {
      clearInterval(beat);
    }
  };
}
