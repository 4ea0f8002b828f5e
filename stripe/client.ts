import Stripe from 'stripe';

// The one place the Stripe SDK is configured: the gateway adapter and the Billing connector both
// talk to Stripe through a client built here, so both point at the same API base and pin the
// SDK's API version (the shapes this code reads are that version's).

export interface StripeClientConfig {
  secretKey: string;
  /** `https://api.stripe.com` unless a test server or `stripe-mock` stands in for it. */
  apiBase: string;
  /** Per HTTP request. */
  timeoutMs: number;
  /**
   * Retries the SDK makes itself with the same Idempotency-Key (connection errors, 409, 5xx and
   * whatever Stripe marks `Stripe-Should-Retry`). What still fails is the caller's to handle.
   */
  maxNetworkRetries?: number;
}

export function createStripeClient(config: StripeClientConfig): Stripe {
  const base = new URL(config.apiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(config.secretKey, {
    host: base.hostname,
    port: base.port ? Number(base.port) : protocol === 'http' ? 80 : 443,
    protocol,
    timeout: config.timeoutMs,
    maxNetworkRetries: config.maxNetworkRetries ?? 2,
    // No usage telemetry leaves a self-hosted install.
    telemetry: false,
    appInfo: { name: 'payment-retry' },
  });
}
