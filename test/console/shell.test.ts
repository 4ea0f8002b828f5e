import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../api/console';
import { buildConsoleAssets } from '../../runtime/console-assets';
import { testApp } from '../support/api';
import { launchChromium, newConsolePage } from '../support/console-system';
import { serveApp } from '../support/serve-app';

// The console's shell: served by the API process itself, locked down by its headers, and rendering
// in real Chromium with no script error and no request to another origin. No database driver is
// involved beyond the app's own (the pages are static; what they show is tested in the flows).

describe('console shell', () => {
  let t: Awaited<ReturnType<typeof testApp>>;
  let served: Awaited<ReturnType<typeof serveApp>>;
  let browser: Browser;
  beforeAll(async () => {
    t = await testApp('pglite', { console: await buildConsoleAssets() });
    served = await serveApp(t.app);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await served?.close();
    await t?.close();
  });

  it('serves the shell for every console path with a strict CSP and no inline script', async () => {
    for (const path of ['/console', '/console/', '/console/cycles/12', '/console/rules']) {
      const res = await t.app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      const html = await res.text();
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBe(1);
      for (const [, attrs, body] of scripts) {
        expect(body?.trim()).toBe('');
        expect(attrs).toMatch(/src="\/console\/assets\/app\.js\?v=[0-9a-f]{12}"/);
      }
      expect(html).not.toMatch(/\sstyle="|\son[a-z]+="|https?:\/\//);
    }
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    const js = await t.app.request('/console/assets/app.js');
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await t.app.request('/console/assets/nope.js')).status).toBe(404);
  });

  it('renders the sign-in form in Chromium, labelled, with nothing from another origin', async () => {
    const { context, page, problems, foreign } = await newConsolePage(browser, served.baseUrl);
    await page.goto('/console');
    await page
      .getByLabel('Email')
      .waitFor()
      .catch((err) => {
        throw new Error(`${err}; page problems: ${problems.join(' | ')}`);
      });
    await page.getByLabel('API token').waitFor();
    expect(await page.getByLabel('API token').getAttribute('type')).toBe('password');
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });
});
