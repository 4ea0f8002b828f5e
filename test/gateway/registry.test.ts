import { ensureApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  GatewayRequestError,
  GatewayUnavailableError,
  UnknownGatewayError,
} from '../../activities/gateway/port';
import { createGatewayRegistry } from '../../activities/gateway/registry';
import { loadEnv } from '../../config/env';
import { gatewaysFromEnv } from '../../runtime/gateways';
import { STRIPE_GATEWAY_ID } from '../../stripe/billing-source';

describe('gateway registry', () => {
  const registry = createGatewayRegistry({
    sim: { baseUrl: 'http://127.0.0.1:3001', timeoutMs: 1000 },
    http: {
      acme: { baseUrl: 'https://pay.internal/api', token: 't', timeoutMs: 5000 },
      beta: { baseUrl: 'http://b', timeoutMs: 1 },
    },
  });

  it('returns one adapter per configured id', () => {
    expect(registry.ids()).toEqual(['sim', 'acme', 'beta']);
    expect(registry.get('sim')).toBe(registry.get('sim'));
    expect(registry.get('acme')).not.toBe(registry.get('sim'));
    expect(registry.has('beta')).toBe(true);
  });

  it('throws a non-retryable UnknownGatewayError for an unknown id', () => {
    const err = (() => {
      try {
        registry.get('stripe');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UnknownGatewayError);
    expect(err).toMatchObject({
      nonRetryable: true,
      retryable: false,
      type: 'UnknownGatewayError',
      gateway_id: 'stripe',
    });
    expect((err as Error).message).toBe('Unknown gateway id "stripe" (configured: sim, acme, beta)');
    expect(() => createGatewayRegistry({}).get('sim')).toThrow('configured: none');
  });

  it('STRIPE_SECRET_KEY configures the gateway id stripe, which no HTTP gateway may also take', () => {
    const withStripe = createGatewayRegistry({
      sim: { baseUrl: 'http://127.0.0.1:3001', timeoutMs: 1000 },
      stripe: { secretKey: 'sk_test_x', apiBase: 'http://127.0.0.1:12111', timeoutMs: 1000 },
    });
    expect(withStripe.ids()).toEqual(['sim', STRIPE_GATEWAY_ID]);
    expect(STRIPE_GATEWAY_ID).toBe('stripe');
    expect(withStripe.get('stripe')).toBe(withStripe.get('stripe'));
    const stripe = { secretKey: 'sk_test_x', apiBase: 'https://api.stripe.com', timeoutMs: 1000 };
    expect(() =>
      createGatewayRegistry({ stripe, http: { stripe: { baseUrl: 'http://b', timeoutMs: 1 } } }),
    ).toThrow(/"stripe" is configured twice/);
    expect(() => createGatewayRegistry({ stripe: { ...stripe, apiBase: 'nope' } })).toThrow(
      /gateway "stripe"/,
    );
  });

  it('runtime: the environment enables stripe with its key, API base and GATEWAY_TIMEOUT_MS', () => {
    const env = loadEnv({ STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_API_BASE: 'http://127.0.0.1:12111' });
    expect(gatewaysFromEnv(env, undefined).ids()).toEqual(['stripe']);
    expect(gatewaysFromEnv(loadEnv({}), 'http://127.0.0.1:3001').ids()).toEqual(['sim']);
  });

  it('validates the config eagerly', () => {
    expect(() => createGatewayRegistry({ http: { x: { baseUrl: 'nope', timeoutMs: 1 } } })).toThrow(
      /gateway "x"/,
    );
    expect(() => createGatewayRegistry({ sim: { baseUrl: 'http://a', timeoutMs: -1 } })).toThrow(
      /gateway "sim"/,
    );
    expect(() =>
      createGatewayRegistry({
        sim: { baseUrl: 'http://a', timeoutMs: 1 },
        http: { sim: { baseUrl: 'http://b', timeoutMs: 1 } },
      }),
    ).toThrow(/configured twice/);
  });
});

describe('gateway errors are Temporal ApplicationFailures', () => {
  it('carry type and nonRetryable so Temporal retries only the unavailable case', () => {
    const unavailable = new GatewayUnavailableError('down', {
      gatewayId: 'sim',
      idempotencyKey: 'k',
      cause: new Error('ECONNRESET'),
    });
    const rejected = new GatewayRequestError('bad', {
      gatewayId: 'sim',
      code: 'invalid_request',
      httpStatus: 400,
    });
    expect(ensureApplicationFailure(unavailable)).toBe(unavailable);
    expect(unavailable).toMatchObject({
      name: 'GatewayUnavailableError',
      type: 'GatewayUnavailableError',
      nonRetryable: false,
    });
    expect(unavailable.cause).toBeInstanceOf(Error);
    expect(ensureApplicationFailure(rejected)).toBe(rejected);
    expect(rejected).toMatchObject({
      name: 'GatewayRequestError',
      type: 'GatewayRequestError',
      nonRetryable: true,
    });
    expect(unavailable).not.toBeInstanceOf(GatewayRequestError);
    expect(unavailable).toBeInstanceOf(Error);
  });
});
