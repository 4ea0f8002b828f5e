/**
 * Gateway registry: gateway id → adapter. `sim` (when configured) is the simulated gateway; `stripe` (when
 * configured) is Stripe through its official SDK; every key of `http` is an in-house payment service reached
 * through the generic HTTP adapter. Config is validated eagerly (a bad
 * config throws at creation); asking for an unconfigured id throws UnknownGatewayError (non-retryable).
 */
import { STRIPE_GATEWAY_ID } from '../../stripe/billing-source';
import { createHttpAdapter } from './http-adapter';
import { type GatewayAdapter, UnknownGatewayError } from './port';
import { createSimAdapter } from './sim-adapter';
import { createStripeAdapter } from './stripe-adapter';

export const SIM_GATEWAY_ID = 'sim';

export interface GatewayRegistryConfig {
  sim?: { baseUrl: string; timeoutMs: number };
  stripe?: { secretKey: string; apiBase: string; timeoutMs: number };
  http?: Record<string, { baseUrl: string; token?: string; timeoutMs: number }>;
}

export interface GatewayRegistry {
  get(gateway_id: string): GatewayAdapter;
  has(gateway_id: string): boolean;
  ids(): string[];
}

export function createGatewayRegistry(config: GatewayRegistryConfig): GatewayRegistry {
  const adapters = new Map<string, GatewayAdapter>();
  const add = (gatewayId: string, create: () => GatewayAdapter) => {
    if (adapters.has(gatewayId)) {
      throw new Error(
        `gateway registry: gateway id "${gatewayId}" is configured twice (sim, stripe and http share one namespace)`,
      );
    }
    try {
      adapters.set(gatewayId, create());
    } catch (err) {
      throw new Error(
        `gateway registry: invalid config for gateway "${gatewayId}": ${(err as Error).message}`,
      );
    }
  };
  const sim = config.sim;
  if (sim) add(SIM_GATEWAY_ID, () => createSimAdapter({ ...sim, gatewayId: SIM_GATEWAY_ID }));
  const stripe = config.stripe;
  if (stripe) add(STRIPE_GATEWAY_ID, () => createStripeAdapter({ ...stripe, gatewayId: STRIPE_GATEWAY_ID }));
  for (const [gatewayId, http] of Object.entries(config.http ?? {})) {
    add(gatewayId, () => createHttpAdapter({ ...http, gatewayId }));
  }
  return {
    get(gatewayId) {
      const adapter = adapters.get(gatewayId);
      if (!adapter) throw new UnknownGatewayError(gatewayId, [...adapters.keys()]);
      return adapter;
    },
    has: (gatewayId) => adapters.has(gatewayId),
    ids: () => [...adapters.keys()],
  };
}
