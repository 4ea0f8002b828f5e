import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actionResultSchema, cycleDetailSchema } from '../../api/schemas/cycles';
import { manualRetrySchema } from '../../api/schemas/smartpay';
import { createManualRetryClient } from '../../client/manual-retries';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf, type FailedPayment } from '../../domain/failed-payment';
import { basic, TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import {
  eventually,
  failedPayment,
  type Harness,
  ledger,
  startHarness,
  testConfig,
} from '../support/cycle-harness';
import { dbKinds } from '../support/databases';

// The cycle explorer's page of one cycle and its actions, by cycle id, over a real worker, Temporal,
// database (both drivers, one body) and simulator: the timeline, pause and resume, execute (an
// attempt happens; a refusal by the network rules is answered as the workflow gave it), remove (and
// 409 once ended), a manual retry answered as SmartPay's, and 404 for an unknown id.

type Detail = ReturnType<typeof cycleDetailSchema.parse>['cycle'];
type Action = ReturnType<typeof actionResultSchema.parse>;
type ErrorBody = { success: false; message: string; errors?: unknown[] };

const UI = 'http://temporal-ui.test:8080/';

describe.each(dbKinds)('the cycle explorer, one cycle (%s)', (kind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    h = await startHarness({ kind, config: testConfig(4) });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      manualRetries: createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue }),
      temporalUi: { namespace: 'default', baseUrl: UI },
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
  });

  /** A slow cycle waits an hour between attempts unless executed. */
  const slow = (pm: string, extra: Partial<FailedPayment> = {}) =>
    failedPayment(pm, { account: { segment: 'slow' }, ...extra });
  const detail = async (id: number): Promise<Detail> => {
    const res = await t.json('GET', `/api/v1/cycles/${id}`);
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(200);
    return cycleDetailSchema.parse(body).cycle;
  };
  const act = async (id: number, verb: string, body?: unknown) => {
    const res = await t.json('POST', `/api/v1/cycles/${id}/${verb}`, body);
    return { status: res.status, body: (await res.json()) as Action | ErrorBody };
  };
  const applied = async (id: number, verb: string, body?: unknown): Promise<Action> => {
    const r = await act(id, verb, body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return actionResultSchema.parse(r.body);
  };

  it('shows the timeline: attempts, events, the pinned version and the workflow with its UI link', async () => {
    const payment = slow('sim.insufficient_funds');
    const { cycle_id, billing_cycle_id, workflow_id } = await h.cycles.submit(payment);
    const cycle = await detail(cycle_id);
    expect(cycle).toMatchObject({
      id: cycle_id,
      billing_cycle_id,
      workflow_id,
      document_type: 'invoice',
      document_id: payment.invoice_id,
      account_id: payment.account_id,
      payment_id: payment.payment_id,
      payment_method_id: payment.payment_method_id,
      gateway_id: 'sim',
      status: 'in_retry',
      status_group: 'retrying',
      customer_group_name: 'Slow',
      amount: '100.00',
      outstanding: '100.00',
      amount_collected: '0.00',
      attempt_count: 1,
      last_gateway_code: 'insufficient_funds',
      end_reason: null,
      ended_at: null,
    });
    expect(cycle.config_version).toBeGreaterThanOrEqual(1);
    expect(cycle.next_attempt_at).not.toBeNull();
    expect(cycle.attempts).toEqual([
      expect.objectContaining({
        attempt_number: 1,
        cpr_generated: false,
        gateway_code: 'insufficient_funds',
        gateway_response: 'Your card has insufficient funds.',
        action: 'Retry',
        retry_next_at: cycle.next_attempt_at,
        amount: '100.00',
      }),
    ]);
    expect(cycle.attempts[0]?.label).not.toBe('');
    expect(cycle.last_label).toBe(cycle.attempts[0]?.label);
    expect(cycle.attempts[0]?.retry_criteria).toEqual(expect.any(String));
    const run = (await h.cycles.handle(documentOf(payment)).describe()).runId;
    expect(cycle.workflow).toEqual({
      id: workflow_id,
      run_id: run,
      namespace: 'default',
      ui_url: `http://temporal-ui.test:8080/namespaces/default/workflows/${encodeURIComponent(workflow_id)}/${run}/history`,
    });
    await applied(cycle_id, 'remove');
  });

  it('pause then resume change the status the page shows; a second pause is unchanged', async () => {
    const payment = slow('sim.insufficient_funds');
    const { cycle_id } = await h.cycles.submit(payment);
    const paused = await applied(cycle_id, 'pause');
    expect(paused).toMatchObject({
      action: 'pause',
      outcome: 'paused',
      applied: true,
      cycle_id,
      status: 'paused',
    });
    const whilePaused = await detail(cycle_id);
    expect(whilePaused).toMatchObject({ status: 'paused', status_group: 'paused' });
    expect(whilePaused.events.map((e) => e.reason)).toContain('paused');
    expect(await applied(cycle_id, 'pause')).toMatchObject({ outcome: 'unchanged', applied: false });

    const resumed = await applied(cycle_id, 'resume');
    expect(resumed).toMatchObject({
      action: 'resume',
      outcome: 'resumed',
      applied: true,
      status: 'in_retry',
    });
    const after = await detail(cycle_id);
    expect(after).toMatchObject({ status: 'in_retry', status_group: 'retrying' });
    const reasons = after.events.map((e) => e.reason);
    expect(reasons.lastIndexOf('resumed')).toBeGreaterThan(reasons.lastIndexOf('paused'));
    expect(after.events.find((e) => e.reason === 'paused')?.status).toBe('paused');
    expect(after.events.every((e, i, all) => i === 0 || e.seq > (all[i - 1]?.seq ?? 0))).toBe(true);
    await applied(cycle_id, 'remove');
  });

  it('execute makes the next attempt happen now', async () => {
    const payment = slow('sim.insufficient_funds');
    const { cycle_id } = await h.cycles.submit(payment);
    const executed = await applied(cycle_id, 'execute');
    expect(executed).toMatchObject({ action: 'execute', outcome: 'executed', applied: true, cycle_id });
    const charged = await eventually(async () => {
      const c = await detail(cycle_id);
      return c.attempts.length === 2 ? c : undefined;
    });
    expect(charged.attempts[1]).toMatchObject({ attempt_number: 2, cpr_generated: true, success: false });
    expect(charged.attempts[0]?.api_updated_retry_time).toEqual(expect.any(String));
    expect(charged.events.map((e) => e.reason)).toContain('execute_now');
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(1);
    await applied(cycle_id, 'remove');
  });

  it('an execute the network rules refuse answers the refusal, and nothing is charged', async () => {
    const card = `sim.insufficient_funds#card-${randomUUID()}`;
    // The card answered a never-retry code: that cycle stops at once, and no later charge may use it.
    const lost = slow('sim.approve', {
      payment_method_id: card,
      gateway_response_code: 'lost_card',
      gateway_response_message: 'Lost card',
    });
    await h.cycles.submit(lost);
    expect(((await h.cycles.handle(documentOf(lost)).result()) as CycleDetails).status).toBe(
      'stopped_by_rule',
    );
    const { cycle_id } = await h.cycles.submit(slow('sim.insufficient_funds', { payment_method_id: card }));

    const refused = await applied(cycle_id, 'execute');
    expect(refused).toMatchObject({
      action: 'execute',
      outcome: 'refused',
      applied: false,
      cycle_id,
      status: 'in_retry',
      rule: 'never_retry',
      message: expect.stringMatching(/lost_card/),
    });
    const after = await detail(cycle_id);
    expect(after.attempts).toHaveLength(1);
    expect(after.events.find((e) => e.reason === 'execute_refused')?.detail).toMatchObject({
      rule: 'never_retry',
    });
    expect(await ledger(h.simUrl, card)).toEqual([]);
    await applied(cycle_id, 'remove');
  });

  it('remove ends the cycle with its reason; a second remove, and any action after it, answer 409', async () => {
    const payment = slow('sim.approve');
    const { cycle_id } = await h.cycles.submit(payment);
    const removed = await applied(cycle_id, 'remove', { reason: 'customer asked' });
    expect(removed).toMatchObject({ action: 'remove', outcome: 'removed', applied: true, status: 'removed' });
    const ended = await detail(cycle_id);
    expect(ended).toMatchObject({ status: 'removed', status_group: 'removed', next_attempt_at: null });
    expect(ended.ended_at).not.toBeNull();
    expect(ended.events.find((e) => e.reason === 'removed')?.detail).toMatchObject({
      reason: 'customer asked',
      requested_by: TEST_USER,
    });
    for (const verb of ['remove', 'execute', 'pause', 'resume']) {
      const again = await act(cycle_id, verb);
      expect(again.status, verb).toBe(409);
      expect(again.body).toEqual({ success: false, message: expect.stringMatching(/already ended/) });
    }
    expect(await ledger(h.simUrl, payment.payment_method_id)).toEqual([]);
    // A bad reason is refused before anything is sent.
    const bad = await act(cycle_id, 'remove', { reason: 'x'.repeat(501) });
    expect(bad.status).toBe(400);
  });

  it("a manual retry with a reason answers what SmartPay's answers for the cycle", async () => {
    // A hard decline no network rule forbids retrying: stopped by rule at once, charging nothing.
    const payment = failedPayment('sim.approve', {
      gateway_response_code: 'authentication_required',
      gateway_response_message: 'Authentication required',
    });
    const { cycle_id, billing_cycle_id } = await h.cycles.submit(payment);
    await h.cycles.handle(documentOf(payment)).result();

    const empty = await t.json('POST', `/api/v1/cycles/${cycle_id}/manual_retries`, { reason: '' });
    expect(empty.status).toBe(400);
    const res = await t.json('POST', `/api/v1/cycles/${cycle_id}/manual_retries`, {
      reason: 'customer called',
    });
    const body = await res.json();
    expect(res.status, JSON.stringify(body)).toBe(201);
    const retry = manualRetrySchema.parse(body);
    expect(retry).toMatchObject({
      billingCycleId: billing_cycle_id,
      status: 'Captured',
      reason: 'customer called',
    });
    // SmartPay shows the same retry, field for field.
    const smartPay = await t.app.request(
      `/subscriptions/none/billing-cycles/${billing_cycle_id}/manual-retries/${retry.id}`,
      { headers: { 'x-api-key': TEST_TOKEN } },
    );
    expect(await smartPay.json()).toEqual(body);
    const collected = await detail(cycle_id);
    expect(collected).toMatchObject({
      status: 'collected',
      status_group: 'collected',
      amount_collected: '100.00',
    });
    expect(collected.attempts.at(-1)).toMatchObject({ source: 'MANUAL', success: true });
    // Nothing is left to collect: SmartPay's 409, in the one error shape.
    const again = await t.json('POST', `/api/v1/cycles/${cycle_id}/manual_retries`, { reason: 'once more' });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      success: false,
      message: expect.stringMatching(/already Captured/),
    });
    expect(await ledger(h.simUrl, payment.payment_method_id)).toHaveLength(1);
  });

  it('answers 404 for an unknown id, 400 for a malformed one, 401 without a login', async () => {
    const unknown = 987_654_321;
    const get = await t.json('GET', `/api/v1/cycles/${unknown}`);
    expect(get.status).toBe(404);
    expect(await get.json()).toEqual({ success: false, message: `No cycle ${unknown}` });
    for (const verb of ['execute', 'pause', 'resume', 'remove']) {
      const r = await act(unknown, verb);
      expect(r.status, verb).toBe(404);
      expect(r.body).toEqual({ success: false, message: `No cycle ${unknown}` });
    }
    const retry = await t.json('POST', `/api/v1/cycles/${unknown}/manual_retries`, { reason: 'x' });
    expect(retry.status).toBe(404);
    for (const id of ['abc', '0', '-1', '1.5']) {
      const r = await t.json('GET', `/api/v1/cycles/${id}`);
      expect(r.status, id).toBe(400);
      expect(((await r.json()) as ErrorBody).success).toBe(false);
    }
    const none = await t.app.request(`/api/v1/cycles/1/pause`, { method: 'POST' });
    expect(none.status).toBe(401);
    const wrong = await t.app.request(`/api/v1/cycles/1/pause`, {
      method: 'POST',
      headers: basic(undefined, 'nope'),
    });
    expect(wrong.status).toBe(401);
  });
});
