import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReadiness } from '../../api/readiness';
import { loadEnv } from '../../config/env';
import type { DbHandle } from '../../db/client';
import { appFromEnv } from '../../runtime/app';
import { bootstrapStore } from '../../runtime/bootstrap';
import { basic, TEST_TOKEN, TEST_USER } from '../support/api';
import { openTestCycle } from '../support/cycle-rows';
import { dbKinds, openTestDb } from '../support/databases';
import { testTemporal } from '../support/temporal';

// Where a cycle's page links its workflow: TEMPORAL_UI_URL when set, else the UI of the dev server
// `npm start` runs (scripts/start.ts passes it as devUiUrl), else no link. Through appFromEnv, the
// wiring `npm start` and `npm run api` use.

describe.each(dbKinds)('the Temporal UI link of a cycle (%s)', (kind) => {
  let handle: DbHandle;
  let temporal: Awaited<ReturnType<typeof testTemporal>>;
  let id: number;
  beforeAll(async () => {
    handle = await openTestDb(kind);
    await bootstrapStore(handle.db, { CPR_BOOTSTRAP_USER: TEST_USER, CPR_BOOTSTRAP_TOKEN: TEST_TOKEN });
    temporal = await testTemporal();
    id = await openTestCycle(handle.db);
  });
  afterAll(async () => {
    await handle?.close();
    await temporal?.close();
  });

  const linkOf = async (env: Record<string, string>, devUiUrl?: string) => {
    const app = appFromEnv(loadEnv(env), {
      db: handle.db,
      logger: pino({ level: 'silent' }),
      readiness: createReadiness(),
      client: temporal.client,
      devUiUrl,
    });
    const res = await app.request(`/api/v1/cycles/${id}`, { headers: basic() });
    expect(res.status).toBe(200);
    return ((await res.json()) as { cycle: { workflow: { namespace: string; ui_url: string | null } } }).cycle
      .workflow;
  };

  it('is TEMPORAL_UI_URL when set, else the dev server UI, else null', async () => {
    const wf = await linkOf(
      { TEMPORAL_UI_URL: 'https://ui.example.com', TEMPORAL_NAMESPACE: 'billing' },
      'http://127.0.0.1:8233',
    );
    expect(wf.namespace).toBe('billing');
    expect(wf.ui_url).toMatch(
      /^https:\/\/ui\.example\.com\/namespaces\/billing\/workflows\/cpr-invoice-INV-[^/]+\/run-[^/]+\/history$/,
    );
    expect((await linkOf({}, 'http://127.0.0.1:8233')).ui_url).toMatch(
      /^http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\//,
    );
    expect((await linkOf({})).ui_url).toBeNull();
    expect(() => loadEnv({ TEMPORAL_UI_URL: 'ftp://x' })).toThrow(/TEMPORAL_UI_URL/);
  });
});
