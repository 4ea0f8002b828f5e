import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../api/app';
import { SCALAR_BUNDLE_PATH } from '../../api/docs';
import { createReadiness } from '../../api/readiness';
import type { DbHandle } from '../../db/client';
import { openTestDb } from '../support/databases';

// PGlite only: /docs reads no data; what is checked is the page and the bundle the API serves.
describe('/docs without the internet', () => {
  let handle: DbHandle;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    handle = await openTestDb('pglite');
    app = createApp({ db: handle.db, logger: pino({ level: 'silent' }), readiness: createReadiness() });
  });
  afterAll(async () => {
    await handle.close();
  });

  it('names only same-origin resources in the page', async () => {
    const res = await app.request('/docs');
    expect(res.status).toBe(200);
    const html = await res.text();
    const refs = [...html.matchAll(/\b(?:src|href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1] ?? '');
    expect(refs).toContain(SCALAR_BUNDLE_PATH);
    for (const ref of refs) {
      // Same origin: a path on this host, never a scheme or a protocol-relative //host.
      expect(ref, ref).toMatch(/^\/(?!\/)/);
    }
    // Nothing else in the page (inline config, styles, @import, url()) names another host either.
    expect(html).not.toMatch(/(?:https?:)?\/\/[a-z0-9-]+\.[a-z0-9.-]+/i);
    expect(html).toContain('"withDefaultFonts": false');
    expect(html).toContain('"url": "/openapi.json"');
  });

  it('serves the pinned Scalar bundle as cacheable JavaScript', async () => {
    const res = await app.request(SCALAR_BUNDLE_PATH);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/max-age=\d+/);
    const body = await res.text();
    const pinned = (
      JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> }
    ).dependencies['@scalar/api-reference'];
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    expect(body.slice(0, 1000)).toContain(`@scalar/api-reference ${pinned}`);
    expect(body).toContain('createApiReference');
    // Served without credentials, like the page itself.
    expect((await app.request('/docs')).status).toBe(200);
  });
});
