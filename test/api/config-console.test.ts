import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type RetryConfig } from '../../policy';
import { testApp } from '../support/api';
import { type DbKind, dbKinds } from '../support/databases';

// The rules editor's routes (issue 15): the version list, previewing a draft, and the warnings a
// save answers with.

type ErrorBody = { success: false; message: string; errors?: { path: string; message: string }[] };
type VersionList = {
  success: true;
  versions: { version: number; created_at: string; created_by: string | null }[];
  next_before: number | null;
};

/** The default rules plus a group whose first soft decline waits `interval`. */
function withGroup(interval: string, field = 'segment') {
  return {
    ...defaultConfig,
    customer_groups: [
      {
        id: 2,
        name: 'SMB',
        active: true,
        priority: 1,
        filters: [{ field, operator: 'eq', value: 'smb' }],
        attempts: [{ 'Soft Decline': { action: 'Retry', criteria: 'incremental_time', interval } }],
      },
      ...defaultConfig.customer_groups,
    ],
  };
}

const softFailure = {
  gateway_id: 'sim',
  gateway_response_code: 'insufficient_funds',
  attempt_number: 1,
  account: { segment: 'smb' },
  failed_at: '2026-11-22T10:00:00.000Z',
};

describe.each(dbKinds)('configuration console routes on %s', (kind: DbKind) => {
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    t = await testApp(kind);
  });
  afterAll(async () => {
    await t.close();
  });

  const list = async (query = '') => {
    const res = await t.json('GET', `/api/v1/config/versions${query}`);
    expect(res.status, query).toBe(200);
    return (await res.json()) as VersionList;
  };

  it('lists versions newest first, in pages that end with next_before null', async () => {
    const first = await list();
    expect(first).toEqual({
      success: true,
      versions: [{ version: 1, created_at: expect.any(String), created_by: 'system' }],
      next_before: null,
    });
    for (const interval of ['PT2H', 'PT3H', 'PT4H', 'PT5H']) {
      expect((await t.json('PUT', '/api/v1/config', withGroup(interval))).status).toBe(200);
    }
    const all = await list();
    expect(all.versions.map((v) => v.version)).toEqual([5, 4, 3, 2, 1]);
    expect(all.versions[0]?.created_by).toBe('ops@example.com');
    expect(Number.isNaN(Date.parse(all.versions[0]?.created_at ?? ''))).toBe(false);
    expect(all.next_before).toBeNull();

    const page1 = await list('?limit=2');
    expect(page1.versions.map((v) => v.version)).toEqual([5, 4]);
    expect(page1.next_before).toBe(4);
    const page2 = await list(`?limit=2&before=${page1.next_before}`);
    expect(page2.versions.map((v) => v.version)).toEqual([3, 2]);
    expect(page2.next_before).toBe(2);
    const page3 = await list(`?limit=2&before=${page2.next_before}`);
    expect(page3.versions.map((v) => v.version)).toEqual([1]);
    expect(page3.next_before).toBeNull();
    // Exactly a page left: the last page says so.
    expect((await list('?limit=5')).next_before).toBeNull();
    expect((await list('?limit=4')).next_before).toBe(2);
    expect((await list('?before=99999999999999')).versions).toHaveLength(5);
    expect((await list('?before=1')).versions).toEqual([]);

    for (const bad of ['?limit=0', '?limit=201', '?limit=x', '?before=0', '?before=-1']) {
      const res = await t.json('GET', `/api/v1/config/versions${bad}`);
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as ErrorBody).success).toBe(false);
    }
    // The single-version route still answers beside the list.
    expect((await t.json('GET', '/api/v1/config/versions/2')).status).toBe(200);
  });

  it('previews a draft instead of the saved rules, with config_version null', async () => {
    const saved = (await (await t.json('GET', '/api/v1/config')).json()) as {
      version: number;
      config: RetryConfig;
    };
    const current = await t.json('POST', '/api/v1/config/preview', softFailure);
    expect(current.status).toBe(200);
    const currentBody = (await current.json()) as Record<string, unknown>;
    expect(currentBody.config_version).toBe(saved.version);

    const draft = await t.json('POST', '/api/v1/config/preview', {
      ...softFailure,
      config: withGroup('PT30M'),
    });
    expect(draft.status).toBe(200);
    const draftBody = (await draft.json()) as Record<string, unknown>;
    expect(draftBody).toMatchObject({
      customer_group: { id: 2, name: 'SMB' },
      action: 'Retry',
      config_version: null,
    });
    // 10:00 + 30 min, aligned up to the hourly processor.
    expect(draftBody.next_attempt).toBe('2026-11-22T11:00:00.000Z');
    expect(draftBody.next_attempt).not.toBe(currentBody.next_attempt);
    // Nothing was stored.
    expect(((await (await t.json('GET', '/api/v1/config')).json()) as { version: number }).version).toBe(
      saved.version,
    );
  });

  it('refuses an invalid draft with every problem under config, schema and cross-field alike', async () => {
    const broken = withGroup('PT30M') as Record<string, unknown>;
    const groups = broken.customer_groups as Record<string, unknown>[];
    const res = await t.json('POST', '/api/v1/config/preview', {
      ...softFailure,
      config: {
        ...broken,
        settings: { ...defaultConfig.settings, time_zone: 'Mars/Olympus' },
        customer_groups: [{ ...groups[0], attempts: [{ 'No Such Label': { action: 'Stop' } }] }, groups[1]],
      },
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody;
    expect(body.success).toBe(false);
    const paths = body.errors?.map((e) => e.path) ?? [];
    expect(paths).toContain('config.settings.time_zone');
    expect(paths.some((p) => p.startsWith('config.customer_groups[0].attempts[0]'))).toBe(true);

    // Cross-field only (the schema passes): still 400 with the path.
    const crossOnly = await t.json('POST', '/api/v1/config/preview', {
      ...softFailure,
      config: {
        ...broken,
        customer_groups: [{ ...groups[0], attempts: [{ 'No Such Label': { action: 'Stop' } }] }, groups[1]],
      },
    });
    expect(crossOnly.status).toBe(400);
    const crossPaths = ((await crossOnly.json()) as ErrorBody).errors?.map((e) => e.path) ?? [];
    expect(crossPaths.some((p) => p.startsWith('config.customer_groups[0].attempts[0]'))).toBe(true);

    // A bad preview field beside a bad draft: both listed.
    const both = await t.json('POST', '/api/v1/config/preview', {
      ...softFailure,
      attempt_number: 0,
      config: { settings: 'nope' },
    });
    expect(both.status).toBe(400);
    const bothPaths = ((await both.json()) as ErrorBody).errors?.map((e) => e.path) ?? [];
    expect(bothPaths).toContain('attempt_number');
    expect(bothPaths).toContain('config.settings');
    expect(bothPaths).toContain('config.labels');

    const notObject = await t.json('POST', '/api/v1/config/preview', { ...softFailure, config: 7 });
    expect(notObject.status).toBe(400);
    expect(((await notObject.json()) as ErrorBody).errors?.[0]?.path).toMatch(/^config/);
  });

  it('warns about a filter on a field no account carries, in validate and in the PUT answer', async () => {
    const doc = withGroup('PT2H', 'account.segment');
    const message = "account.segment is not a field of a failed payment's account; did you mean segment?";
    const path = 'customer_groups[0].filters[0].field';
    const validate = await t.json('POST', '/api/v1/config/validate', doc);
    expect(validate.status).toBe(200);
    expect(((await validate.json()) as { warnings: unknown[] }).warnings).toEqual([{ path, message }]);
    const put = await t.json('PUT', '/api/v1/config', doc);
    expect(put.status).toBe(200);
    expect(((await put.json()) as { warnings: unknown[] }).warnings).toEqual([{ path, message }]);
    const clean = await t.json('PUT', '/api/v1/config', withGroup('PT2H'));
    expect(((await clean.json()) as { warnings: unknown[] }).warnings).toEqual([]);
  });

  it('documents GET_ConfigVersions and the draft field', async () => {
    const doc = (await (await t.app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(doc.paths['/api/v1/config/versions']?.get?.operationId).toBe('GET_ConfigVersions');
    expect(doc.components.schemas.ConfigPreviewRequest?.properties).toHaveProperty('config');
    expect(doc.components.schemas.ConfigPreview?.properties).toHaveProperty('config_version');
  });
});
