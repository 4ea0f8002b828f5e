import type { Client } from '@temporalio/client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createReadiness } from '../../api/readiness';
import { loadEnv } from '../../config/env';
import type { Db } from '../../db/client';
import { appFromEnv } from '../../runtime/app';

// `npm start` and `npm run api` build their app with appFromEnv: the Stripe connector's routes are
// there exactly when STRIPE_WEBHOOK_SECRET is set (with STRIPE_SECRET_KEY, which config/env.ts requires).

const unused = <T>(what: string): T =>
  new Proxy({} as object, {
    get: (_t, prop) => {
      throw new Error(`${what}.${String(prop)} used`);
    },
  }) as T;

function appWith(env: Record<string, string>) {
  return appFromEnv(loadEnv(env), {
    db: unused<Db>('db'),
    logger: pino({ level: 'silent' }),
    readiness: createReadiness(),
    client: unused<Client>('client'),
  });
}

const paths = async (app: ReturnType<typeof appWith>) =>
  Object.keys(((await (await app.request('/openapi.json')).json()) as { paths: object }).paths);

describe('the Stripe connector in the process wiring', () => {
  it('serves the webhook (no token needed to reach it) and the counts when STRIPE_WEBHOOK_SECRET is set', async () => {
    const app = appWith({ STRIPE_SECRET_KEY: 'sk_test_wiring', STRIPE_WEBHOOK_SECRET: 'whsec_wiring' });
    expect(await paths(app)).toEqual(
      expect.arrayContaining(['/connectors/stripe/webhook', '/api/v1/connectors/stripe']),
    );
    // Reached without credentials; refused for want of a signature, before anything is read or stored.
    const res = await app.request('/connectors/stripe/webhook', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid' }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      success: false,
      message: expect.stringMatching(/stripe-signature/),
    });
  });

  it('serves neither without STRIPE_WEBHOOK_SECRET', async () => {
    const app = appWith({ STRIPE_SECRET_KEY: 'sk_test_wiring' });
    const listed = await paths(app);
    expect(listed).not.toContain('/connectors/stripe/webhook');
    expect(listed).not.toContain('/api/v1/connectors/stripe');
    const res = await app.request('/connectors/stripe/webhook', { method: 'POST', body: '{}' });
    expect(res.status).toBe(404);
  });
});
