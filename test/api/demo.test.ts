import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type RetryConfig } from '../../policy';
import { DEMO_GROUP_NAME, runDemo, withDemoGroup } from '../../scripts/demo-flow';
import { TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import { type Harness, startHarness } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { testConfig } from '../support/test-config';

// `npm run demo` against a real worker, simulator and API over HTTP, under the shipped
// settings.processor_interval PT1H: the demo group's own processor_interval (PT0S) keeps its
// second-scale waits, so money comes back well within the demo's wait, while every other group still
// aligns to the hour.

/** The harness's groups under the shipped default processor interval (the harness itself runs PT0S). */
function shippedIntervalConfig(): RetryConfig {
  const config = testConfig();
  return {
    ...config,
    settings: { ...config.settings, processor_interval: defaultConfig.settings.processor_interval },
  };
}

describe.each(dbKinds)('npm run demo on %s', (kind: DbKind) => {
  let h: Harness;
  let server: ServerType;
  let t: Awaited<ReturnType<typeof testApp>>;
  let api: { baseUrl: string; email: string; token: string };
  beforeAll(async () => {
    h = await startHarness({ kind, config: shippedIntervalConfig() });
    t = await testApp(kind, { db: h.db, cycles: h.cycles });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    api = {
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      email: TEST_USER,
      token: TEST_TOKEN,
    };
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await h?.close();
  });

  const stored = async () =>
    (await (await t.json('GET', '/api/v1/config')).json()) as { version: number; config: RetryConfig };
  const groupFor = async (account: Record<string, unknown>) =>
    (
      (await (
        await t.json('POST', '/api/v1/config/preview', {
          gateway_id: 'sim',
          gateway_response_code: 'insufficient_funds',
          attempt_number: 1,
          account,
        })
      ).json()) as { customer_group: { name: string } }
    ).customer_group.name;

  it('adds its group once, collects within the wait, and shows the money in amount_recovered', async () => {
    const before = await stored();
    expect(defaultConfig.settings.processor_interval).toBe('PT1H');
    expect(before.config.settings.processor_interval).toBe('PT1H');
    const slowBefore = await groupFor({ segment: 'slow' });
    const otherBefore = await groupFor({ country: 'US' });
    const lines: string[] = [];
    const summary = await runDemo({
      api,
      waitMs: 50_000, // below the test timeout, so a demo that cannot collect fails on the count
      pollMs: 1_000,
      run: `t${Date.now()}`,
      log: (l) => lines.push(l),
    });

    expect(summary.groupAdded).toBe(true);
    expect(summary.collected).toBeGreaterThanOrEqual(1);
    expect(Object.keys(summary.recovered)).toEqual(['USD']);
    expect(Number(summary.recovered.USD)).toBeGreaterThan(0);
    expect(lines.some((l) => /5 submitted, [1-9]\d* collected/.test(l))).toBe(true);
    const metrics = (await (await t.json('GET', '/api/v1/metrics/amount_recovered')).json()) as {
      currency: Record<string, { total_amount: string }>;
    };
    expect(Number(metrics.currency.USD?.total_amount)).toBeGreaterThan(0);

    const after = await stored();
    expect(after.version).toBe(before.version + 1);
    const demo = after.config.customer_groups.filter((g) => g.name === DEMO_GROUP_NAME);
    expect(demo).toHaveLength(1);
    const priorities = after.config.customer_groups.flatMap((g) =>
      g.name === DEMO_GROUP_NAME || g.priority === undefined ? [] : [g.priority],
    );
    expect(demo[0]?.priority).toBeLessThan(Math.min(...priorities));
    expect(demo[0]?.processor_interval).toBe('PT0S');
    expect(after.config.settings.processor_interval).toBe('PT1H');
    // The demo's attempts came seconds apart; other groups still wait for the hourly processor run.
    const atHour = async (account: Record<string, unknown>) =>
      (
        (await (
          await t.json('POST', '/api/v1/config/preview', {
            gateway_id: 'sim',
            gateway_response_code: 'insufficient_funds',
            attempt_number: 1,
            account,
            failed_at: '2026-11-22T10:17:03.000Z',
          })
        ).json()) as { next_attempt: string }
      ).next_attempt;
    expect(await atHour({ demo: true })).toBe('2026-11-22T10:17:08.000Z');
    expect(await atHour({ country: 'US' })).toBe('2026-11-22T11:00:00.000Z');
    // Accounts without account.demo land where they did before.
    expect(await groupFor({ segment: 'slow' })).toBe(slowBefore);
    expect(await groupFor({ country: 'US' })).toBe(otherBefore);
    expect(await groupFor({ demo: true })).toBe(DEMO_GROUP_NAME);

    // Run again: the group is there, so the configuration is left alone.
    expect(withDemoGroup(after.config)).toBeNull();
    const again = await runDemo({ api, waitMs: 0, run: `u${Date.now()}`, log: () => {} });
    expect(again.groupAdded).toBe(false);
    expect((await stored()).version).toBe(after.version);
  });
});

describe('withDemoGroup', () => {
  it('gives a demo group added before groups had their own processor_interval the demo one, once', () => {
    const added = withDemoGroup(testConfig());
    if (!added) throw new Error('no demo group added');
    const { processor_interval: _dropped, ...old } = added.customer_groups[0] ?? ({} as never);
    const legacy = { ...added, customer_groups: [old, ...added.customer_groups.slice(1)] } as RetryConfig;
    const upgraded = withDemoGroup(legacy);
    expect(upgraded?.customer_groups.map((g) => g.processor_interval)).toEqual(
      added.customer_groups.map((g) => g.processor_interval),
    );
    expect(upgraded?.customer_groups[0]).toEqual({ ...old, processor_interval: 'PT0S' });
    if (upgraded) expect(withDemoGroup(upgraded)).toBeNull();
    // A demo group that sets an interval of its own keeps it.
    const own = {
      ...legacy,
      customer_groups: [{ ...old, processor_interval: 'PT1M' }, ...legacy.customer_groups.slice(1)],
    };
    expect(withDemoGroup(own as RetryConfig)).toBeNull();
  });
});
