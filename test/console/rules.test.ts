import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../auth/tokens';
import { fieldId } from '../../console/rules/field-paths';
import { defaultConfig, type RetryConfig } from '../../policy';
import {
  type ConsoleSystem,
  launchChromium,
  newConsolePage,
  PHONE,
  screenshot,
  screenshotDir,
  signIn,
  startConsoleSystem,
} from '../support/console-system';
import { type DbKind, dbKinds } from '../support/databases';

// The rules editor in real Chromium against the whole system: a billing operator changes the wait
// after a soft decline for one group through the form (no JSON), sees a bad value refused at that
// field, previews the schedule, saves, diffs and restores versions, and is told when someone else
// saved first; a viewer reads the same forms with nothing to save.

const catchAll = defaultConfig.customer_groups[0] as RetryConfig['customer_groups'][number];
const config = {
  ...structuredClone(defaultConfig),
  customer_groups: [
    {
      id: 2,
      name: 'Small business',
      active: true,
      priority: 10,
      filters: [{ field: 'segment', operator: 'eq', value: 'smb' }],
      attempts: structuredClone(catchAll.attempts),
    },
    structuredClone(catchAll),
  ],
} as RetryConfig;

const softWait = (attempt: number) => `customer_groups[0].attempts[${attempt}]["Soft Decline"].interval`;
/**
 * A screenshot of one panel, cut from the full page taken at the top: scrolled there, the sticky save
 * bar would cover the panel's heading (and the CSP refuses a style that would unstick it).
 */
async function part(page: Page, selector: string, name: string) {
  await page.evaluate('window.scrollTo(0, 0)');
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not on the page`);
  await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, clip: box });
}

/** The browser logs every 4xx; these two are answers the page expects and shows (an invalid draft, a lost race). */
const unexpected = (problems: string[]) => problems.filter((p) => !/status of (400|412) /.test(p));
const control = (page: Page, path: string) => page.locator(`#${fieldId(path)}`);
const fieldOf = (page: Page, path: string) => page.locator(`[data-path="${path.replaceAll('"', '\\"')}"]`);

describe.each<DbKind>(dbKinds)('rules editor (%s)', (kind) => {
  let system: ConsoleSystem;
  let browser: Browser;
  let operator: { email: string; token: string };
  let viewer: { email: string; token: string };

  beforeAll(async () => {
    system = await startConsoleSystem(kind, config);
    browser = await launchChromium();
    const id = randomUUID().slice(0, 8);
    operator = { email: `ops-${id}@example.com`, token: '' };
    viewer = { email: `viewer-${id}@example.com`, token: '' };
    operator.token = (await createToken(system.harness.db.db, operator.email, 'operator')).token;
    viewer.token = (await createToken(system.harness.db.db, viewer.email, 'viewer')).token;
  });
  afterAll(async () => {
    await browser?.close();
    await system?.close();
  });

  async function openRules(page: Page, who: { email: string; token: string }) {
    await signIn(page, who.email, who.token);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Rules' }).click();
    await page.getByRole('heading', { level: 1, name: 'Rules' }).waitFor();
    await page.getByRole('heading', { name: /Small business/ }).waitFor();
  }

  it('lets an operator change a soft-decline wait, see errors at the field, preview, save, diff and restore', async () => {
    const { context, page, problems, foreign } = await newConsolePage(browser, system.baseUrl);
    await openRules(page, operator);
    await expect.poll(() => page.locator('.rules-status').textContent()).toMatch(/valid/);

    // The wait after attempt 1's soft decline, for "Small business" only: 1 day → 3 days. Each
    // attempt's card says its rules in words and opens to edit them.
    const card = (attempt: number) => page.locator(`#${fieldId(`customer_groups[0].attempts[${attempt}]`)}`);
    expect(await card(0).locator('> details > summary').textContent()).toMatch(
      /Soft Decline: retry after 1 day/,
    );
    await card(0).locator('> details > summary').click();
    const wait = control(page, softWait(0));
    expect(await wait.inputValue()).toBe('1');
    expect(await control(page, `${softWait(0)}`).evaluate((el) => el.id)).toBe(fieldId(softWait(0)));
    expect(await page.locator(`#${fieldId(softWait(0))}-unit`).inputValue()).toBe('days');
    await wait.fill('3');
    expect(await card(0).locator('> details > summary').textContent()).toMatch(
      /Soft Decline: retry after 3 days/,
    );
    // Keyboard: from the amount, Tab reaches its unit.
    await wait.focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe(`${fieldId(softWait(0))}-unit`);

    // A zero wait is refused by the server's validation, shown inside that field.
    await card(1).locator('> details > summary').click();
    const second = control(page, softWait(1));
    await second.fill('0');
    const container = fieldOf(page, softWait(1));
    await container
      .locator('.field-error')
      .getByText(/longer than zero/)
      .waitFor();
    expect(await second.getAttribute('aria-invalid')).toBe('true');
    const describedBy = await second.getAttribute('aria-describedby');
    expect(await page.locator(`#${describedBy}`).textContent()).toMatch(/longer than zero/);
    // Only there: no other control is flagged.
    expect(await page.locator('.field-error').count()).toBe(1);
    expect(await page.locator('[aria-invalid="true"]').count()).toBe(1);
    await second.fill('1');
    await container.locator('.field-error').waitFor({ state: 'detached' });
    await expect
      .poll(() => page.locator('.rules-status').textContent())
      .toMatch(/Unsaved changes\. The draft is valid/);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'rules');

    // The preview runs the draft: an smb account failing with insufficient_funds at 10:00.
    await page.getByLabel('Account: segment').fill('smb');
    await page.locator('#rules-preview-gateway').fill('sim');
    await page.getByLabel('Decline code').fill('insufficient_funds');
    await page.getByLabel("Failed at (your browser's time)").fill('2026-11-22T10:00');
    await page.getByRole('button', { name: 'Show the schedule' }).click();
    const result = page.locator('.rules-preview-result');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/Small business.*Soft Decline/);
    const rows = result.locator('tbody tr');
    // The failure, then attempts 2–8 (seven rules), then the cycle stops.
    await expect.poll(() => rows.count()).toBe(8);
    expect(await rows.nth(1).textContent()).toMatch(/^2.*\+3 d.*Retry after 3 days/);
    expect(await result.locator('.rules-preview-end').textContent()).toMatch(
      /After attempt 8 the cycle stops/,
    );
    await part(page, '#rules-preview-panel', 'rules-preview');

    // Save: version 2, in the history; its diff against version 1 is the one wait.
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved as version 2.').waitFor();
    const history = page.locator('#rules-history-panel');
    await history.locator('tbody tr').first().getByText('current').waitFor();
    expect(await history.locator('tbody tr').count()).toBe(2);
    await page.getByLabel('From version').selectOption('1');
    await page.getByLabel('To version').selectOption('2');
    await page.getByRole('button', { name: 'Show the differences' }).click();
    await history.getByText('2 line(s) differ.').waitFor();
    const squeezed = async (kind: string) =>
      (await history.locator(`pre.diff .${kind}`).allTextContents()).map((t) =>
        t.replace(/\s+/g, ' ').trim(),
      );
    expect(await squeezed('del')).toEqual(['− "interval": "P1D"']);
    expect(await squeezed('add')).toEqual(['+ "interval": "P3D"']);
    await part(page, '#rules-history-panel', 'rules-history');

    // Restore version 1 (after a confirmation): stored as version 3, the forms show its wait again.
    await history.getByRole('button', { name: 'Restore version 1' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restore version 1?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Restore version 1' }).click();
    await page.getByText('Version 1 restored as version 3.').waitFor();
    expect(await control(page, softWait(0)).inputValue()).toBe('1');
    const stored = await system.app.json('GET', '/api/v1/config');
    expect(((await stored.json()) as { version: number }).version).toBe(3);

    // Someone else saves version 4 meanwhile: this page's save is refused, and says so.
    const other = await system.app.json('PUT', '/api/v1/config', config, { 'If-Match': '"3"' });
    expect(other.status).toBe(200);
    await control(page, softWait(0)).fill('2');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page
      .getByText(/Someone else \(.+\) saved version 4 while you were editing version 3: reload to see it/)
      .waitFor();
    // The draft is kept.
    expect(await control(page, softWait(0)).inputValue()).toBe('2');
    await page.getByRole('button', { name: /Reload version 4/ }).click();
    await page.getByText(/^Version 4, saved/).waitFor();

    expect(unexpected(problems)).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('shows a viewer the same rules read-only, with nothing to save or restore', async () => {
    const { context, page, problems } = await newConsolePage(browser, system.baseUrl);
    await openRules(page, viewer);
    expect(await page.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Restore version/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Add / }).count()).toBe(0);
    const wait = control(page, softWait(0));
    expect(await wait.getAttribute('readonly')).not.toBeNull();
    expect(await control(page, 'customer_groups[0].attempts[0]["Soft Decline"].action').isDisabled()).toBe(
      true,
    );
    expect(problems).toEqual([]);
    await context.close();
  });

  it('fits a phone: nothing wider than the screen', async () => {
    const { context, page, problems } = await newConsolePage(browser, system.baseUrl, PHONE);
    await openRules(page, operator);
    const overflow = (await page.evaluate(
      'document.documentElement.scrollWidth - window.innerWidth',
    )) as number;
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'rules-phone');
    expect(problems).toEqual([]);
    await context.close();
  });
});
