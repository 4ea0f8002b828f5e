// A webhook the cycle sends: lifecycle events to WEBHOOK_URL, and a rule's own webhook.

export interface WebhookEvent {
  event: 'cycle.started' | 'attempt.failed' | 'cycle.completed' | 'rule.webhook';
  /** A rule's own webhook; unset means the lifecycle receiver configured by WEBHOOK_URL. */
  url?: string | undefined;
  payload: Record<string, unknown>;
}
