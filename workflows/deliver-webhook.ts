import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { WebhookEvent } from '../domain/webhook-event';

const { postWebhook } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  // A receiver that is down gets a day of retries with backoff, then the delivery fails visibly in
  // the Temporal UI; the cycle that sent it never waits for any of this.
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1h', maximumAttempts: 30 },
  scheduleToCloseTimeout: '1 day',
});

/** Runs as an abandoned child of the cycle, so delivery is durable but never in the cycle's way. */
export async function deliverWebhook(event: WebhookEvent): Promise<void> {
  await postWebhook(event);
}
