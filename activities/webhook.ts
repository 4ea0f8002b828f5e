import { createHmac } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import type { WebhookEvent } from '../domain/webhook-event';
import type { Logger } from '../log/logger';
import { activityCycleLog } from './cycle-log';

export interface WebhookOptions {
  /** Receiver of the lifecycle events; rules name their own URLs. */
  lifecycleUrl?: string | undefined;
  /** HMAC-SHA256 key; unsigned when unset. */
  secret?: string | undefined;
  timeoutMs?: number;
}

export const SIGNATURE_HEADER = 'X-CPR-Signature';

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so a receiver can reject replays. */
export function signWebhook(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export function createPostWebhook(opts: WebhookOptions, logger: Logger) {
  return async function postWebhook(event: WebhookEvent): Promise<void> {
    const url = event.url ?? opts.lifecycleUrl;
    if (!url) return;
    const body = JSON.stringify({ event: event.event, ...event.payload });
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'User-Agent': 'payment-retry',
    };
    if (opts.secret)
      headers[SIGNATURE_HEADER] = signWebhook(opts.secret, body, Math.floor(Date.now() / 1000));
    const res = await fetch(url, {
      method: 'POST',
      headers,
      body,
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    if (res.ok) return;
    // Each failed delivery is said with its cycle (the event's payload carries the cycle's details).
    activityCycleLog(logger, event).warn('webhook delivery failed', {
      event: event.event,
      url,
      status: res.status,
    });
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
      // The receiver refuses this delivery; retrying the same body cannot change its mind.
      throw ApplicationFailure.nonRetryable(`webhook ${url} answered ${res.status}`, 'WebhookRejected');
    }
    throw new Error(`webhook ${url} answered ${res.status}`);
  };
}
