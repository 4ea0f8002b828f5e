import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { createManualRetryClient } from '../../client/manual-retries';
import type { RetryConfig } from '../../policy';
import { buildConsoleAssets } from '../../runtime/console-assets';
import { testApp } from './api';
import { type Harness, startHarness } from './cycle-harness';
import type { DbKind } from './databases';
import { serveApp } from './serve-app';

// The whole system behind a real HTTP listener (real Temporal, a worker, the database, the simulator,
// the API with the console), and a real Chromium to drive it: Debian's `chromium`, since browser
// downloads are not available (`.ci/run` installs it). CHROMIUM_PATH points elsewhere.

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface ConsoleSystem {
  harness: Harness;
  baseUrl: string;
  app: Awaited<ReturnType<typeof testApp>>;
  close(): Promise<void>;
}

export async function startConsoleSystem(kind: DbKind, config?: RetryConfig): Promise<ConsoleSystem> {
  const harness = await startHarness({ kind, ...(config ? { config } : {}) });
  const app = await testApp(kind, {
    db: harness.db,
    cycles: harness.cycles,
    manualRetries: createManualRetryClient({ client: harness.temporal.client, taskQueue: harness.taskQueue }),
    console: await buildConsoleAssets(),
  });
  const served = await serveApp(app.app);
  return {
    harness,
    baseUrl: served.baseUrl,
    app,
    async close() {
      await served.close();
      await harness.close();
    },
  };
}

export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    // Containers and CI run as root, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

export const DESKTOP = { width: 1366, height: 900 };
export const PHONE = { width: 390, height: 844 };

/**
 * A fresh browser context (no cookies) whose page fails the test on any script error, and records
 * every request that leaves our origin (there must be none).
 */
export async function newConsolePage(
  browser: Browser,
  baseUrl: string,
  viewport = DESKTOP,
): Promise<{ context: BrowserContext; page: Page; problems: string[]; foreign: string[] }> {
  const context = await browser.newContext({ viewport, baseURL: baseUrl });
  const page = await context.newPage();
  const problems: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/status of 40[13]/.test(msg.text()))
      problems.push(`console: ${msg.text()}`);
  });
  page.on('request', (req) => {
    if (!req.url().startsWith(baseUrl) && !req.url().startsWith('data:')) foreign.push(req.url());
  });
  return { context, page, problems, foreign };
}

export async function signIn(page: Page, email: string, token: string) {
  await page.goto('/console');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/**
 * Screenshots go to CONSOLE_SCREENSHOT_DIR (`npm run console:screenshots` sets docs/console, where the
 * README shows them), else to a temporary directory: every run takes them, only that one keeps them.
 */
export const screenshotDir = (() => {
  const dir = process.env.CONSOLE_SCREENSHOT_DIR ?? join(tmpdir(), 'payment-retry-console-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
})();

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });
}
