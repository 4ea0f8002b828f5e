import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../support/api';

// Text Postgres cannot store (U+0000, unpaired surrogates) is refused before any route runs, wherever
// it hides: a path segment (even beside one that does not decode), the query, or deep in a JSON body.

// PGlite only: the text is refused before any route, so before any driver (test/db/data-exception.test.ts
// covers what each driver does with such text).
describe('unstorable text in a request', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp('pglite');
  });
  afterAll(async () => {
    await t.close();
  });

  const expect400 = async (res: Response, path: string) => {
    expect(res.status).toBe(400);
    const body = (await res.json()) as { success: boolean; message: string; errors: { path: string }[] };
    expect(body.success).toBe(false);
    expect(body.message).toMatch(/U\+0000 or an unpaired UTF-16 surrogate/);
    expect(body.errors[0]?.path).toBe(path);
  };

  it('in a path segment, also when another segment does not decode', async () => {
    await expect400(await t.json('GET', '/api/v1/payments/invoice_cycle_history/INV%00'), '(path)');
    await expect400(await t.json('GET', '/subscriptions/a%00b/billing-cycles/x/manual-retries/%'), '(path)');
    // The router decodes what it can of a segment that does not decode as a whole, NUL included.
    await expect400(await t.json('GET', '/api/v1/payments/invoice_cycle_history/a%00b%zz'), '(path)');
    // Undecodable on its own is storable text: the route's own validation answers.
    const odd = await t.json('GET', '/api/v1/config/versions/%E0%A4%A');
    expect(odd.status).toBe(400);
    expect(((await odd.json()) as { message: string }).message).not.toMatch(/U\+0000/);
  });

  it('in the query', async () => {
    await expect400(await t.json('GET', '/api/v1/payments/invoice_cycle_history/INV-1?x=%00'), '(query)');
  });

  it('anywhere in a JSON body, named by its path', async () => {
    await expect400(
      await t.json('POST', '/api/v1/config/validate', { settings: { names: ['ok', 'bad\u0000'] } }),
      'settings.names[1]',
    );
    await expect400(await t.json('POST', '/api/v1/config/validate', '{"a\\udc00": 1}'), '["a\\udc00"]');
    const deep = `${'['.repeat(100_000)}"\\u0000"${']'.repeat(100_000)}`;
    const res = await t.json('POST', '/api/v1/config/validate', deep);
    expect(res.status).toBe(400);
  });
});
