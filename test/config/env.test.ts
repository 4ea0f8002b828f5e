import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { envDescriptions, envSchema, loadEnv } from '../../config/env';
import { envTable } from '../../scripts/env-table';

describe('environment', () => {
  it('has defaults for everything optional', () => {
    const env = loadEnv({});
    expect(env).toMatchObject({
      PORT: 3000,
      HOST: '127.0.0.1',
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: 'payment-retry',
      SIM_PORT: 3001,
    });
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.TEMPORAL_ADDRESS).toBeUndefined();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT="abc": expected'],
    [{ PORT: '70000' }, 'PORT="70000": expected a port number from 0 to 65535'],
    [{ DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL=(hidden): expected a postgres:// or postgresql:// URL'],
    [{ TEMPORAL_ADDRESS: 'localhost' }, 'TEMPORAL_ADDRESS="localhost": expected host:port'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL="loud": expected'],
    [
      { CPR_BOOTSTRAP_USER: 'a@b.co', CPR_BOOTSTRAP_TOKEN: 'short' },
      'CPR_BOOTSTRAP_TOKEN=(hidden): expected 32 to 200',
    ],
    [{ CPR_BOOTSTRAP_USER: 'a@b.co' }, 'CPR_BOOTSTRAP_USER and CPR_BOOTSTRAP_TOKEN must be set together'],
    [{ STRIPE_SECRET_KEY: 'pk_test_123' }, 'STRIPE_SECRET_KEY=(hidden): expected a Stripe secret'],
    [{ STRIPE_WEBHOOK_SECRET: 'secret' }, 'STRIPE_WEBHOOK_SECRET=(hidden): expected'],
    [{ STRIPE_WEBHOOK_SECRET: 'whsec_abc' }, 'STRIPE_WEBHOOK_SECRET needs STRIPE_SECRET_KEY as well'],
    [{ STRIPE_API_BASE: 'ftp://x' }, 'STRIPE_API_BASE="ftp://x": expected an http(s):// URL'],
  ])('rejects %o naming the variable and the expected form', (source, message) => {
    expect(() => loadEnv(source)).toThrow(message);
  });

  it("enables Stripe only with a key, against Stripe's own API unless told otherwise", () => {
    const none = loadEnv({});
    expect(none.STRIPE_SECRET_KEY).toBeUndefined();
    expect(none.STRIPE_API_BASE).toBe('https://api.stripe.com');
    const both = loadEnv({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    });
    expect(both).toMatchObject({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_API_BASE: 'http://127.0.0.1:12111',
    });
  });

  it('treats empty strings as unset', () => {
    expect(loadEnv({ DATABASE_URL: '', TEMPORAL_ADDRESS: ' ' }).DATABASE_URL).toBeUndefined();
  });

  it('documents every variable', () => {
    expect(Object.keys(envDescriptions).sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});

describe('README', () => {
  it('lists every environment variable with its default, exactly as the schema says', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const table = /<!-- env-table:start -->\n([\s\S]*?)\n<!-- env-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(envTable());
  });

  it('begins with the command that starts the system and the one that runs the tests', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const [, first, second] = readme.split('\n');
    expect(first).toMatch(/^npm ci && npm start\b/);
    expect(second).toMatch(/^npm ci && npm test\b/);
  });
});
