import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type RetryConfig } from '../../policy';
import { basic, testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';

type Stored = { version: number; config: RetryConfig; updated_at: string; updated_by: string };
type ErrorBody = { success: false; message: string; errors?: { path: string; message: string }[] };

const highValueGroup = {
  id: 2,
  name: 'High value',
  active: true,
  priority: 1,
  filters: [
    { field: 'country', operator: 'in', value: ['US', 'CA'] },
    { field: 'balance', operator: 'gte', value: 500 },
  ],
  attempts: [
    {
      'Soft Decline': { action: 'Retry', criteria: 'incremental_time', interval: 'PT24H' },
      'Hard Decline': { action: 'Stop' },
    },
  ],
};

function withHighValue(config: RetryConfig) {
  return { ...config, customer_groups: [highValueGroup, ...config.customer_groups] };
}

describe.each(dbKinds)('retry configuration API on %s', (kind: DbKind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  it('requires Basic auth', async () => {
    const none = await t.app.request('/api/v1/config');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await none.json()).toMatchObject({ success: false });
    const bad = await t.app.request('/api/v1/config', { headers: basic('ops@example.com', 'wrong-token') });
    expect(bad.status).toBe(401);
    const malformed = await t.app.request('/api/v1/config', { headers: { Authorization: 'Basic !!!' } });
    expect(malformed.status).toBe(401);
  });

  it('serves the shipped default as version 1, with an ETag', async () => {
    const res = await t.json('GET', '/api/v1/config');
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"1"');
    const body = (await res.json()) as Stored;
    expect(body.version).toBe(1);
    expect(body.updated_by).toBe('system');
    expect(body.config).toEqual(JSON.parse(JSON.stringify(defaultConfig)));
  });

  it('stores a valid edit as a new version and keeps the old one readable', async () => {
    const current = ((await (await t.json('GET', '/api/v1/config')).json()) as Stored).config;
    const res = await t.json('PUT', '/api/v1/config', withHighValue(current));
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBe('"2"');
    const stored = (await res.json()) as Stored;
    expect(stored).toMatchObject({ version: 2, updated_by: 'ops@example.com' });
    expect(stored.config.customer_groups.map((g) => g.id)).toEqual([2, 1]);

    const now = (await (await t.json('GET', '/api/v1/config')).json()) as Stored;
    expect(now.version).toBe(2);
    const v1 = (await (await t.json('GET', '/api/v1/config/versions/1')).json()) as Stored;
    expect(v1.config.customer_groups.map((g) => g.id)).toEqual([1]);
    expect((await t.json('GET', '/api/v1/config/versions/99')).status).toBe(404);
    const badN = await t.json('GET', '/api/v1/config/versions/abc');
    expect(badN.status).toBe(400);
    expect(((await badN.json()) as ErrorBody).errors?.[0]?.path).toBe('param.n');
  });

  it('honours If-Match (bare, quoted, weak) and answers 412 on a stale version', async () => {
    const { version, config } = (await (await t.json('GET', '/api/v1/config')).json()) as Stored;
    const stale = await t.json('PUT', '/api/v1/config', config, { 'If-Match': String(version - 1) });
    expect(stale.status).toBe(412);
    expect(await stale.json()).toMatchObject({ success: false });
    const garbage = await t.json('PUT', '/api/v1/config', config, { 'If-Match': 'banana' });
    expect(garbage.status).toBe(412);

    const quoted = await t.json('PUT', '/api/v1/config', config, { 'If-Match': `"${version}"` });
    expect(quoted.status).toBe(200);
    const weak = await t.json('PUT', '/api/v1/config', config, { 'If-Match': `W/"${version + 1}"` });
    expect(weak.status).toBe(200);
    const bare = await t.json('PUT', '/api/v1/config', config, { 'If-Match': String(version + 2) });
    expect(bare.status).toBe(200);
    expect(((await bare.json()) as Stored).version).toBe(version + 3);
  });

  it('rejects an invalid document listing every problem with its path, and stores nothing', async () => {
    const before = ((await (await t.json('GET', '/api/v1/config')).json()) as Stored).version;
    const doc = withHighValue(defaultConfig) as unknown as {
      settings: Record<string, unknown>;
      customer_groups: { attempts: Record<string, unknown>[] }[];
    };
    doc.settings = { ...doc.settings, time_zone: 'Mars/Olympus' };
    doc.customer_groups[0] = {
      ...(doc.customer_groups[0] as object),
      attempts: [{ 'No Such Label': { action: 'Stop' } }],
    } as never;
    const res = await t.json('PUT', '/api/v1/config', doc);
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.success).toBe(false);
    const paths = body.errors?.map((e) => e.path) ?? [];
    expect(paths).toContain('settings.time_zone');
    expect(paths.some((p) => p.startsWith('customer_groups[0].attempts[0]'))).toBe(true);
    const after = ((await (await t.json('GET', '/api/v1/config')).json()) as Stored).version;
    expect(after).toBe(before);

    const dry = await t.json('POST', '/api/v1/config/validate', doc);
    expect(dry.status).toBe(400);
    expect(((await dry.json()) as ErrorBody).errors?.map((e) => e.path)).toEqual(
      body.errors?.map((e) => e.path),
    );
  });

  it('rejects malformed JSON and a non-object body in the error shape', async () => {
    const broken = await t.json('PUT', '/api/v1/config', '{"settings": ');
    expect(broken.status).toBe(400);
    expect(await broken.json()).toMatchObject({ success: false });
    const array = await t.json('PUT', '/api/v1/config', '[1,2]');
    expect(array.status).toBe(400);
    expect(((await array.json()) as ErrorBody).errors?.length).toBeGreaterThan(0);
  });

  it('validates without storing', async () => {
    const before = ((await (await t.json('GET', '/api/v1/config')).json()) as Stored).version;
    const res = await t.json('POST', '/api/v1/config/validate', withHighValue(defaultConfig));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: true });
    expect(((await (await t.json('GET', '/api/v1/config')).json()) as Stored).version).toBe(before);
  });

  it('previews what the rules would do', async () => {
    await t.json('PUT', '/api/v1/config', withHighValue(defaultConfig));
    const soft = await t.json('POST', '/api/v1/config/preview', {
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      attempt_number: 1,
      account: { country: 'US', balance: 800 },
      failed_at: '2026-11-22T10:00:00.000Z',
    });
    expect(soft.status).toBe(200);
    const softBody = (await soft.json()) as Record<string, unknown>;
    expect(softBody).toMatchObject({
      customer_group: { id: 2, name: 'High value' },
      label: 'Soft Decline',
      level: 'code',
      action: 'Retry',
    });
    // PT24H after the failure, aligned up to the default hourly processor (already on the hour).
    expect(softBody.next_attempt).toBe('2026-11-23T10:00:00.000Z');

    const hard = await t.json('POST', '/api/v1/config/preview', {
      gateway_id: 'sim',
      gateway_response_code: 'lost_card',
      attempt_number: 1,
      account: { country: 'FR' },
    });
    expect(await hard.json()).toMatchObject({
      customer_group: { id: 1 },
      label: 'Hard Decline',
      action: 'Stop',
      next_attempt: null,
    });

    const missing = await t.json('POST', '/api/v1/config/preview', { gateway_id: 'sim' });
    expect(missing.status).toBe(400);
    const paths = ((await missing.json()) as ErrorBody).errors?.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['gateway_response_code', 'attempt_number']));

    const group = await t.json('POST', '/api/v1/config/preview', {
      gateway_id: 'sim',
      gateway_response_code: 'insufficient_funds',
      attempt_number: 1,
      customer_group_id: 77,
    });
    expect(group.status).toBe(400);
  });

  it("takes a customer group's processor_interval: validated as the settings', previewed at its times, documented", async () => {
    const exact = { ...highValueGroup, processor_interval: 'PT0S' };
    const draft = { ...defaultConfig, customer_groups: [exact, ...defaultConfig.customer_groups] };
    expect(draft.settings.processor_interval).toBe('PT1H');
    const ok = await t.json('POST', '/api/v1/config/validate', draft);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ success: true, warnings: [] });

    const bad = await t.json('POST', '/api/v1/config/validate', {
      ...draft,
      customer_groups: [{ ...exact, processor_interval: 'PT7H' }, ...defaultConfig.customer_groups],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorBody).errors).toEqual([
      {
        path: 'customer_groups[0].processor_interval',
        message:
          'processor_interval must divide 24 hours evenly (e.g. PT15M, PT1H, PT6H, P1D), or be PT0S for exact times',
      },
    ]);

    // 10:17 + PT24H: the group's cycles run at exact times, the catch-all's still on the hour.
    const ask = (account: Record<string, unknown>) =>
      t.json('POST', '/api/v1/config/preview', {
        gateway_id: 'sim',
        gateway_response_code: 'insufficient_funds',
        attempt_number: 1,
        account,
        failed_at: '2026-11-22T10:17:00.000Z',
        config: draft,
      });
    const mine = (await (await ask({ country: 'US', balance: 800 })).json()) as Record<string, unknown>;
    expect(mine).toMatchObject({ customer_group: { id: 2 }, next_attempt: '2026-11-23T10:17:00.000Z' });
    expect(mine.decision).toMatchObject({ adjustments: [] });
    const others = (await (await ask({ country: 'FR' })).json()) as Record<string, unknown>;
    expect(others).toMatchObject({ customer_group: { id: 1 } });
    expect(String(others.next_attempt).slice(14)).toBe('00:00.000Z');

    const stored = await t.json('PUT', '/api/v1/config', draft);
    expect(stored.status).toBe(200);
    const back = (await (await t.json('GET', '/api/v1/config')).json()) as Stored;
    expect(back.config.customer_groups[0]?.processor_interval).toBe('PT0S');
    expect(back.config.customer_groups.at(-1)).not.toHaveProperty('processor_interval');

    type Props = { properties?: Record<string, { description?: string; items?: Props } & Props> };
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, Props> };
    };
    const group =
      doc.components.schemas.StoredRetryConfig?.properties?.config?.properties?.customer_groups?.items;
    expect(group?.properties?.processor_interval?.description).toBe(
      "The processor interval of this group's cycles; default settings.processor_interval",
    );
  });
});

// One driver is enough here: the limiter counts failed logins in memory; the credential lookup it
// guards runs on both drivers in every authenticated test above.
describe('failed logins', () => {
  it('are rate-limited per client with 429 and Retry-After', async () => {
    const t = await testApp('pglite', { failedAuthMax: 3 });
    try {
      for (let i = 0; i < 3; i++) {
        expect(
          (await t.app.request('/api/v1/config', { headers: basic('x@example.com', 'nope') })).status,
        ).toBe(401);
      }
      const limited = await t.app.request('/api/v1/config', { headers: basic() });
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await limited.json()).toMatchObject({ success: false });
    } finally {
      await t.close();
    }
  });
});
