import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../auth/tokens';
import { basic } from '../support/api';
import {
  type ConsoleSystem,
  launchChromium,
  newConsolePage,
  PHONE,
  screenshot,
  signIn,
  startConsoleSystem,
} from '../support/console-system';
import { eventually, failedPayment } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';

// An operator's day in real Chromium, against the whole system (real Temporal, worker, database,
// simulator): sign in, read the dashboard (equal to the API's numbers), find a cycle, act on it; and
// a viewer who sees everything and can change nothing. Same body on both drivers.

describe.each<DbKind>(dbKinds)('operator console on %s', (kind) => {
  let sys: ConsoleSystem;
  let browser: Browser;
  const operator = { email: `op-${kind}@example.com`, token: '' };
  const viewer = { email: `viewer-${kind}@example.com`, token: '' };
  let account: string;
  let collectedInvoice: string;
  let slowInvoice: string;

  /** A GET as the API answers it to an operator with Basic auth. */
  const apiGet = async (path: string) => {
    const res = await sys.app.app.request(path, { headers: basic(operator.email, operator.token) });
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, unknown>;
  };

  beforeAll(async () => {
    sys = await startConsoleSystem(kind);
    operator.token = (await createToken(sys.harness.db.db, operator.email, 'operator')).token;
    viewer.token = (await createToken(sys.harness.db.db, viewer.email, 'viewer')).token;
    // One cycle that collects on its first retry (1 s later), one that waits an hour between attempts.
    const collected = failedPayment('sim.approve');
    account = collected.account_id;
    collectedInvoice = collected.invoice_id as string;
    await sys.harness.cycles.submit(collected);
    const slow = failedPayment('sim.insufficient_funds.approve', {
      account_id: account,
      account: { segment: 'slow' },
    });
    slowInvoice = slow.invoice_id as string;
    await sys.harness.cycles.submit(slow);
    await eventually(async () => {
      const body = await apiGet(`/api/v1/payments/invoice_cycle_history/${collectedInvoice}`);
      const cycles = body.cycles as { status: string }[];
      return cycles[0]?.status === 'Cycle Complete' ? true : undefined;
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await sys?.close();
  });

  const operatorPage = async (viewport?: { width: number; height: number }) => {
    const opened = await newConsolePage(browser, sys.baseUrl, viewport);
    await signIn(opened.page, operator.email, operator.token);
    return opened;
  };
  const text = async (page: Page, selector: string) =>
    ((await page.locator(selector).first().textContent()) ?? '').trim();

  it('signs in and out, and refuses a wrong token with a message', async () => {
    const { context, page, problems, foreign } = await newConsolePage(browser, sys.baseUrl);
    await page.goto('/console');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Email').fill(operator.email);
    await page.getByLabel('API token').fill('cpr_wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Invalid credentials' }).waitFor();
    await signIn(page, operator.email, operator.token);
    // The token is nowhere the page can leak it from.
    expect(page.url()).not.toContain(operator.token);
    // (Browser code as strings: the test is type-checked without the DOM library.)
    const stored = String(await page.evaluate('JSON.stringify({ ...localStorage, ...sessionStorage })'));
    expect(stored).not.toContain(operator.token);
    const cookies = await context.cookies();
    expect(cookies.map((c) => c.value).join()).not.toContain(operator.token);
    expect(cookies.find((c) => c.name === 'cpr_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    await page.reload();
    await page.getByLabel('API token').waitFor();
    expect(problems).toEqual([]);
    expect(foreign).toEqual([]);
    await context.close();
  });

  it('returns to the sign-in page with a message when the token is revoked', async () => {
    const email = `revoked-${kind}@example.com`;
    const { token } = await createToken(sys.harness.db.db, email, 'operator');
    const { context, page } = await newConsolePage(browser, sys.baseUrl);
    await signIn(page, email, token);
    const res = await sys.app.app.request('/api/v1/tokens/revoke', {
      method: 'POST',
      headers: { ...basic(operator.email, operator.token), 'content-type': 'application/json' },
      body: JSON.stringify({ token }),
    });
    expect(res.status).toBe(200);
    // While the page is in use: its next API call is refused and it goes back to the sign-in form.
    // (The dashboard's own calls may already have been refused, so the link may be gone: the click is
    // only a trigger; what follows is the check.)
    await page
      .getByRole('link', { name: 'Cycles' })
      .click({ timeout: 5_000 })
      .catch(() => undefined);
    const ended = page.getByRole('status').filter({ hasText: /session has ended.*sign in again/ });
    await page.getByLabel('API token').waitFor();
    await ended.waitFor();
    // After a reload too: the cookie the browser still holds is refused, and the page says why.
    await page.reload();
    await page.getByLabel('API token').waitFor();
    await ended.waitFor();
    await context.close();
  });

  it('shows the dashboard with the numbers the API answers', async () => {
    const { context, page, problems } = await operatorPage();
    const baseline = await apiGet('/api/v1/metrics/baseline');
    const recovered = (await apiGet('/api/v1/metrics/amount_recovered')) as {
      currency: Record<string, { total_amount: string; last_30_days: string }>;
    };
    expect(Object.keys(recovered.currency)).toEqual(['USD']);
    await page.locator('[data-metric="Retry success rate"] .value').waitFor();
    expect(await text(page, '[data-metric="Retry success rate"] .value')).toBe(
      `${baseline.retry_success_rate} %`,
    );
    expect(await text(page, '[data-metric="Document success rate"] .value')).toBe(
      `${baseline.document_success_rate} %`,
    );
    const usd = recovered.currency.USD as { total_amount: string; last_30_days: string };
    const row = page.locator('tr[data-currency="USD"]');
    expect(await row.locator('td').nth(0).textContent()).toBe(`${usd.total_amount} USD`);
    expect(await row.locator('td').nth(1).textContent()).toBe(`${usd.last_30_days} USD`);
    // This month's recovery by rule: the rows the API answers for the same month, in the same order.
    const now = new Date();
    const since = new Date(now.getFullYear(), now.getMonth(), 1).toISOString();
    const byLabel = (await apiGet(`/api/v1/metrics/labels?since=${encodeURIComponent(since)}`)) as {
      rows: { label: string; attempts: number; amount_recovered: Record<string, string> }[];
    };
    expect(byLabel.rows.length).toBeGreaterThan(0);
    const labelRows = page.getByRole('table', { name: 'Recovery by label this month' }).locator('tbody tr');
    await labelRows.first().waitFor();
    expect(await labelRows.count()).toBe(byLabel.rows.length);
    for (const [i, r] of byLabel.rows.entries()) {
      const cells = labelRows.nth(i).locator('td');
      expect(await cells.nth(0).textContent()).toBe(r.label);
      expect(await cells.nth(1).textContent()).toBe(String(r.attempts));
      for (const [cur, amount] of Object.entries(r.amount_recovered)) {
        expect(await cells.nth(4).textContent()).toContain(`${amount} ${cur}`);
      }
    }
    await page
      .getByText(/No active cycle ends in the next 7 days|Cycles ending soon/)
      .first()
      .waitFor();
    await screenshot(page, 'dashboard');
    expect(problems).toEqual([]);
    await context.close();
    const phone = await operatorPage(PHONE);
    await phone.page.locator('[data-metric="Retry success rate"] .value').waitFor();
    await screenshot(phone.page, 'dashboard-phone');
    await phone.context.close();
  });

  it('filters the explorer, opens a cycle, retries it now, pauses and resumes it', async () => {
    const { context, page, problems } = await operatorPage();
    await page.getByRole('link', { name: 'Cycles' }).click();
    await page.getByLabel('Account').fill(account);
    await page.getByLabel('Status').selectOption('retrying');
    await page.getByRole('button', { name: 'Filter' }).click();
    const rows = page.locator('tr[data-cycle]');
    await page.waitForFunction(
      "document.querySelectorAll('tr[data-cycle]').length === 1 && location.search.includes('status=retrying')",
    );
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(slowInvoice);
    await screenshot(page, 'cycles');

    await rows.first().getByRole('link').click();
    await page.locator('[data-attempt="1"]').waitFor();
    expect(await text(page, '[data-why]')).toContain('Still retrying');
    // Why it is still retrying, in the words of the pinned rule (the test group "Slow": '*' → PT1H).
    await page.locator('[data-rule]').waitFor();
    expect(await text(page, '[data-rule]')).toBe('retry PT1H after the failure');
    await screenshot(page, 'cycle');

    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retry now' }).click();
    await page.locator('[data-answer]').filter({ hasText: 'executed' }).waitFor();
    // The retry happens: attempt 2 (approved by the simulator's script) appears on the timeline.
    await eventually(async () => {
      await page.reload();
      await page.locator('[data-attempt="1"]').waitFor();
      return (await page.locator('[data-attempt="2"]').count()) === 1 ? true : undefined;
    });

    // A second cycle to pause and resume (the first one may have collected).
    const other = failedPayment('sim.insufficient_funds', {
      account_id: account,
      account: { segment: 'slow' },
    });
    const submitted = await sys.harness.cycles.submit(other);
    await page.goto(`/console/cycles/${submitted.cycle_id}`);
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Pause' }).click();
    await page.locator('[data-answer]').filter({ hasText: 'paused' }).waitFor();
    await page.locator('h1 .badge.paused').waitFor();
    await page.getByRole('button', { name: 'Resume' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-answer]').filter({ hasText: 'resumed' }).waitFor();
    await page.locator('h1 .badge.retrying').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows the refusal by the network rules, and a manual retry with its reason', async () => {
    const { context, page, problems } = await operatorPage();
    // The card answered a never-retry code in an earlier cycle: no later charge may use it.
    const card = `sim.approve#lost-${kind}-${Date.now()}`;
    const lost = failedPayment('sim.approve', {
      payment_method_id: card,
      gateway_response_code: 'lost_card',
      gateway_response_message: 'Lost card',
    });
    await sys.harness.cycles.submit(lost);
    await eventually(async () => {
      const body = await apiGet(`/api/v1/payments/invoice_cycle_history/${lost.invoice_id}`);
      return (body.cycles as { status: string }[])[0]?.status === 'Cycle Complete' ? true : undefined;
    });
    const refusedCycle = await sys.harness.cycles.submit(
      failedPayment('sim.insufficient_funds', { payment_method_id: card, account: { segment: 'slow' } }),
    );
    await page.goto(`/console/cycles/${refusedCycle.cycle_id}`);
    await page.getByRole('button', { name: 'Retry now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Retry now' }).click();
    const answer = page.locator('[data-answer]');
    await answer.filter({ hasText: 'refused' }).waitFor();
    expect(await answer.textContent()).toMatch(/refused \(rule: never_retry\).*lost_card/);
    expect(await answer.getAttribute('class')).toBe('warning');
    await screenshot(page, 'cycle-refused');

    // A manual retry, offered once a cycle has ended without the money (here: removed); the reason is
    // asked for, and the answer is the API's.
    const manual = await sys.harness.cycles.submit(
      failedPayment('sim.approve', { account: { segment: 'slow' } }),
    );
    await page.goto(`/console/cycles/${manual.cycle_id}`);
    expect(await page.getByRole('button', { name: 'Manual retry' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await answer.filter({ hasText: 'removed' }).waitFor();
    await page.locator('h1 .badge.removed').waitFor();
    await page.getByRole('button', { name: 'Manual retry' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByRole('button', { name: 'Charge now' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Reason').fill('customer called: new card on file');
    await dialog.getByRole('button', { name: 'Charge now' }).click();
    await answer.filter({ hasText: 'Manual retry' }).waitFor();
    expect(await answer.textContent()).toMatch(/Manual retry: Captured/);
    await screenshot(page, 'cycle-manual-retry');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a viewer everything and no action, and the API refuses its writes with 403', async () => {
    const { context, page } = await newConsolePage(browser, sys.baseUrl);
    await signIn(page, viewer.email, viewer.token);
    await page.getByRole('link', { name: 'Cycles' }).click();
    await page.locator('tr[data-cycle]').first().waitFor();
    await page.locator('tr[data-cycle]').first().getByRole('link').click();
    await page.locator('[data-attempt="1"]').waitFor();
    expect(
      await page.getByRole('button', { name: /Retry now|Pause|Resume|Remove|Manual retry/ }).count(),
    ).toBe(0);
    const status = await page.evaluate(`(async () => {
      const session = await (await fetch('/api/v1/session')).json();
      const id = location.pathname.split('/').at(-1);
      const res = await fetch('/api/v1/cycles/' + id + '/pause', {
        method: 'POST',
        headers: { 'X-CSRF-Token': session.csrf_token },
      });
      return res.status;
    })()`);
    expect(status).toBe(403);
    await screenshot(page, 'cycle-viewer');
    await context.close();
  });
});
