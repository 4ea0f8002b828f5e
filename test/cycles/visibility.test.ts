import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER } from '../../activities/webhook';
import type { CycleDetails } from '../../domain/cycle-details';
import { documentOf } from '../../domain/failed-payment';
import type { RetryConfig } from '../../policy';
import { eventually, failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';

const SECRET = 'webhook-secret-for-tests-0123456789';

interface Received {
  path: string;
  signature: string | undefined;
  body: string;
}

// Postgres only: webhooks and search attributes are Temporal-side; the cycle writes these runs make are
// RetryCycle's, which lifecycle.test.ts and messages.test.ts run on both drivers.
describe('webhooks and the Temporal UI', () => {
  let h: Harness;
  const received: Received[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const receiver = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        signature: req.headers[SIGNATURE_HEADER.toLowerCase()] as string,
        body,
      });
      // Every delivery is held until the test lets go: the cycle must not wait for any of them.
      void gate.then(() => res.writeHead(204).end());
    });
  });

  beforeAll(async () => {
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
    const config = testConfig(3);
    const catchAll = config.customer_groups.find((g) => g.id === 1) as RetryConfig['customer_groups'][number];
    catchAll.attempts = [
      { '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT1S' } },
      { '*': { action: 'Stop', webhook: `${base}/final` } },
    ] as typeof catchAll.attempts;
    h = await startHarness({ config, webhooks: { lifecycleUrl: `${base}/events`, secret: SECRET } });
  });
  afterAll(async () => {
    release();
    await h.close();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('sends signed lifecycle events and the rule webhook without ever waiting for the receiver', async () => {
    const payment = failedPayment('sim.insufficient_funds');
    await h.cycles.submit(payment);
    const final = (await h.cycles.handle(documentOf(payment)).result()) as CycleDetails;
    expect(final).toMatchObject({ status: 'stopped_by_rule', end_reason: 'stopped_by_rule' });
    // The cycle is over while the receiver still holds every delivery.
    await eventually(async () => new Set(received.map((r) => r.body)).size >= 5);
    release();

    // A held delivery may time out and be retried: count each body once.
    const unique = [...new Map(received.map((r) => [r.body, r])).values()];
    const events = unique.map((r) => ({
      path: r.path,
      event: (JSON.parse(r.body) as { event: string }).event,
    }));
    expect(events).toEqual(
      expect.arrayContaining([
        { path: '/events', event: 'cycle.started' },
        { path: '/events', event: 'attempt.failed' },
        { path: '/events', event: 'cycle.completed' },
        { path: '/final', event: 'rule.webhook' },
      ]),
    );
    expect(events.filter((e) => e.event === 'attempt.failed')).toHaveLength(2);
    for (const r of received) {
      const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(r.signature ?? '');
      expect(match).not.toBeNull();
      const expected = createHmac('sha256', SECRET).update(`${match?.[1]}.${r.body}`).digest('hex');
      expect(match?.[2]).toBe(expected);
    }
    const completed = JSON.parse(received.find((r) => r.body.includes('cycle.completed'))?.body ?? '{}') as {
      status: string;
      cycle: { cycle_id: number };
    };
    expect(completed.status).toBe('stopped_by_rule');
    expect(completed.cycle.cycle_id).toBe(final.cycle_id);
  });

  it('keeps search attributes current so operators can filter cycles in the Temporal UI', async () => {
    const payment = failedPayment('sim.approve', { account: { segment: 'slow' } });
    await h.cycles.submit(payment);
    const query = `CycleStatus="in_retry" AND AccountId="${payment.account_id}" AND InvoiceId="${payment.invoice_id}"`;
    const listed = await eventually(async () => {
      const found = [];
      for await (const wf of h.temporal.client.workflow.list({ query })) found.push(wf);
      // Visibility is eventually consistent: wait until the workflow's own upserts are visible too.
      const names = found[0]?.typedSearchAttributes.getAll().map((p) => p.key.name) ?? [];
      return found.length === 1 && names.includes('AttemptCount') && names.includes('NextAttemptAt')
        ? found
        : undefined;
    });
    const attrs = listed[0]?.typedSearchAttributes;
    expect(listed[0]?.memo).toMatchObject({ amount: '100.00', currency: 'USD' });
    expect(attrs?.getAll().map((p) => p.key.name)).toEqual(
      expect.arrayContaining(['CustomerGroup', 'NextAttemptAt', 'AttemptCount', 'CycleStatus']),
    );
    await h.cycles.remove(documentOf(payment));
    await eventually(async () => {
      for await (const _ of h.temporal.client.workflow.list({
        query: `CycleStatus="removed" AND AccountId="${payment.account_id}"`,
      }))
        return true;
      return false;
    });
  });
});
