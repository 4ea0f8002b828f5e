import { ApplicationFailure, Context } from '@temporalio/activity';
import type { ChargeRequest, ChargeResult } from '../domain/charge';
import { toStorableText } from '../domain/storable-text';
import type { ChargeMetrics, GatewayCallOutcome } from './charge-metrics';
import type { GatewayRegistry } from './gateway/registry';

/** A thrown gateway error's outcome: non-retryable means the gateway refused the request itself. */
function thrownOutcome(err: unknown): GatewayCallOutcome {
  return err instanceof ApplicationFailure && err.nonRetryable ? 'rejected' : 'unavailable';
}

/**
 * One charge through the gateway the cycle names. Heartbeats while it waits, so a dead worker is
 * noticed within the heartbeat timeout and the retry (same idempotency key) runs elsewhere.
 */
export function createCharge(gateways: GatewayRegistry, metrics?: ChargeMetrics) {
  return async function charge(req: ChargeRequest): Promise<ChargeResult> {
    const ctx = Context.current();
    // Lateness once per attempt: only the activity's first try started the attempt; a retry's start
    // says how long the failure took, not how late the attempt was.
    if (metrics && req.due_at !== undefined && ctx.info.attempt === 1) {
      const due = Date.parse(req.due_at);
      if (Number.isFinite(due)) metrics.lateness(Math.max(0, (Date.now() - due) / 1000));
    }
    const beat = setInterval(() => ctx.heartbeat(), 1000);
    try {
      const gateway = gateways.get(req.gateway_id);
      const started = performance.now();
      const seconds = () => (performance.now() - started) / 1000;
      let result: ChargeResult;
      try {
        result = await gateway.charge(req, { signal: ctx.cancellationSignal });
      } catch (err) {
        metrics?.gatewayCall(req.gateway_id, thrownOutcome(err), seconds());
        throw err;
      }
      metrics?.gatewayCall(req.gateway_id, result.status, seconds());
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
