import { createGatewayRegistry, type GatewayRegistry } from '../activities/gateway/registry';
import type { Env } from '../config/env';

/**
 * The gateways configured by the environment: `sim` when a simulator URL is known, `stripe` when
 * STRIPE_SECRET_KEY is set, and every key of HTTP_GATEWAYS. The worker charges through them; the API refuses a failed payment for any other id,
 * so both build them from this one place.
 */
export function gatewaysFromEnv(env: Env, simUrl: string | undefined): GatewayRegistry {
  return createGatewayRegistry({
    ...(simUrl ? { sim: { baseUrl: simUrl, timeoutMs: env.GATEWAY_TIMEOUT_MS } } : {}),
    ...(env.STRIPE_SECRET_KEY
      ? {
          stripe: {
            secretKey: env.STRIPE_SECRET_KEY,
            apiBase: env.STRIPE_API_BASE,
            timeoutMs: env.GATEWAY_TIMEOUT_MS,
          },
        }
      : {}),
    ...(env.HTTP_GATEWAYS ? { http: env.HTTP_GATEWAYS } : {}),
  });
}
