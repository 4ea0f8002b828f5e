// First: installs the capturing Runtime before the harness would install its own.
import './runtime-log-capture';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleDetails } from '../../domain/cycle-details';
import { cycleWorkflowId, documentOf } from '../../domain/failed-payment';
import { testApp } from '../support/api';
import { eventually, failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { type DbKind, dbKinds } from '../support/databases';
import { runtimeLines } from './runtime-log-capture';

// "Every log line about a cycle carries its workflow id, cycle id and document, so a log search finds
// one cycle's story": one cycle submitted through the API, charged three times (collected on the
// third), with a lifecycle webhook receiver that refuses the first delivery. Every line of the API's
// log and the worker's (the workflow's, the activities', the SDK's) that mentions the document carries
// all three fields, with the cycle's values.

type Line = Record<string, unknown> & { msg?: string };

describe.each(dbKinds)('the log of one cycle on %s', (kind: DbKind) => {
  let h: Harness;
  let t: Awaited<ReturnType<typeof testApp>>;
  let receiver: Server;
  const apiLines: string[] = [];
  const deliveries: Array<{ status: number; body: string }> = [];

  beforeAll(async () => {
    // The first delivery is refused (a retried one is logged with its cycle too), the rest accepted.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => {
        body += chunk.toString();
      });
      req.on('end', () => {
        const status = deliveries.length === 0 ? 503 : 200;
        deliveries.push({ status, body });
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const { port } = receiver.address() as AddressInfo;
    h = await startHarness({
      kind,
      config: testConfig(3),
      webhooks: { lifecycleUrl: `http://127.0.0.1:${port}/` },
    });
    t = await testApp(kind, {
      db: h.db,
      cycles: h.cycles,
      logger: pino({ level: 'info' }, { write: (line: string) => void apiLines.push(line) }),
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('carries workflow_id, cycle_id and document on every line about the cycle', async () => {
    const payment = failedPayment('sim.insufficient_funds.approve');
    const doc = documentOf(payment);
    const res = await t.json('POST', '/api/v1/payments/submit_failed_payment', payment);
    expect(res.status).toBe(200);
    const final = (await h.cycles.handle(doc).result()) as CycleDetails;
    expect(final.status).toBe('collected');
    // The refused delivery is retried (5 s later) and accepted, so no delivery outlives the test.
    await eventually(async () => {
      const refused = deliveries.find((d) => d.status === 503);
      return refused && deliveries.some((d) => d.status === 200 && d.body === refused.body);
    });

    const workflowId = cycleWorkflowId(doc);
    const expected = { workflow_id: workflowId, cycle_id: final.cycle_id, document: `invoice:${doc.id}` };
    // A line is about the cycle when it names its document anywhere (the document id is in the
    // workflow id, the payment's ids and the SDK's workflowId of the cycle and of its webhook children).
    const about = (lines: string[]) =>
      lines.filter((l) => l.includes(doc.id)).map((l) => JSON.parse(l) as Line);
    const story = await eventually(async () => {
      const lines = [...about(apiLines), ...about(runtimeLines)];
      const messages = lines.map((l) => l.msg);
      const complete =
        messages.includes('cycle ended') &&
        messages.includes('webhook delivery failed') &&
        messages.includes('Activity failed');
      return complete && lines;
    });

    const messages = story.map((l) => l.msg);
    expect(messages).toEqual(
      expect.arrayContaining([
        'failed payment submitted',
        'cycle opened',
        'attempt charged',
        'cycle ended',
        'webhook delivery failed',
        'Activity failed',
      ]),
    );
    expect(messages.filter((m) => m === 'attempt charged')).toHaveLength(2);
    const missing = story.filter(
      (l) =>
        l.workflow_id !== expected.workflow_id ||
        l.cycle_id !== expected.cycle_id ||
        l.document !== expected.document,
    );
    expect(
      missing.map((l) => ({
        msg: l.msg,
        workflow_id: l.workflow_id,
        cycle_id: l.cycle_id,
        document: l.document,
      })),
    ).toEqual([]);
  });
});
