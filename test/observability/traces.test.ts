import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Worker } from '@temporalio/worker';
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { httpTracing } from '../../api/http-tracing';
import { createCycleClient } from '../../client/cycles';
import { cycles } from '../../db/schema';
import { cycleWorkflowId, documentOf } from '../../domain/failed-payment';
import { startTracing, type Tracing } from '../../runtime/tracing';
import { connectClient } from '../../temporal/connection';
import { bundleWorkflows, createWorker, tracedBundlePath } from '../../worker/create-worker';
import { RETRY_CYCLE_WORKFLOW } from '../../workflows/messages';
import { basic, testApp } from '../support/api';
import { eventually, failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';

// Issue 17's traces: one submit through the real API app, the real Temporal client with the tracing
// interceptors, a real worker on the traced bundle twin (as WORKFLOW_BUNDLE loads it in production)
// makes ONE trace, from the caller's traceparent through the route, the Update-with-start, the
// workflow and its activities. Spans go to an in-memory exporter instead of OTLP.

const exporter = new InMemorySpanExporter();
const SUBMIT_ROUTE = 'POST /api/v1/payments/submit_failed_payment';
/** The span of a new cycle's run: it starts as today's cycle type. */
const RUN_WORKFLOW = `RunWorkflow:${RETRY_CYCLE_WORKFLOW}`;

/** A caller's W3C trace context: the trace the whole submit must join. */
const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

describe('traces', () => {
  let tracing: Tracing;
  let bundleDir: string;
  let h: Harness;
  let client: Client;
  let t: Awaited<ReturnType<typeof testApp>>;
  let tracedCode: string;

  beforeAll(async () => {
    tracing = await startTracing({
      serviceName: 'payment-retry-test',
      spanProcessor: new SimpleSpanProcessor(exporter),
    });
    // Only the traced twin: the plain bundle beside it is never read with tracing on.
    bundleDir = mkdtempSync(join(tmpdir(), 'cpr-traced-'));
    const plainPath = join(bundleDir, 'workflow-bundle.js');
    tracedCode = await bundleWorkflows({ traced: true, logger: new DefaultLogger('WARN') });
    writeFileSync(tracedBundlePath(plainPath), tracedCode);
    h = await startHarness({
      config: testConfig(4),
      tracing: { worker: tracing.worker, workflowBundlePath: plainPath },
    });
    client = await connectClient(
      { address: inject('temporalAddress'), namespace: 'default' },
      tracing.client,
    );
    // Postgres only: the trace's shape comes from the interceptors and the middleware, which are the
    // same whatever the driver (the cycle's database writes are local activities either way).
    t = await testApp('postgres', {
      db: h.db,
      cycles: createCycleClient({ client, taskQueue: h.taskQueue }),
      httpTracing: tracing.http,
    });
  });
  afterAll(async () => {
    await t?.close();
    await h?.close();
    await client?.connection.close();
    await tracing?.shutdown();
    if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  });

  const spansOf = (traceId: string) =>
    exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const named = (spans: ReadableSpan[], name: string) => spans.filter((s) => s.name === name);
  const one = (spans: ReadableSpan[], name: string) => {
    const found = named(spans, name);
    expect(
      found.map((s) => s.name),
      name,
    ).toEqual([name]);
    return found[0] as ReadableSpan;
  };

  it('follows a submit from the route through the Update into the workflow and its activities', async () => {
    const payment = failedPayment('pm-ok');
    const workflowId = cycleWorkflowId(documentOf(payment));
    const res = await t.json('POST', '/api/v1/payments/submit_failed_payment', payment, {
      traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
    });
    expect(res.status).toBe(200);
    // The payment method approves: the first retry collects and the cycle ends, which ends its
    // RunWorkflow span (a span is exported when it ends).
    await client.workflow.getHandle(workflowId).result();
    const ran = await eventually(async () =>
      exporter
        .getFinishedSpans()
        .find((s) => s.name === RUN_WORKFLOW && s.attributes.temporalWorkflowId === workflowId),
    );
    // The workflow's run is in the caller's trace: one trace, not one per process.
    expect(ran.spanContext().traceId).toBe(CALLER_TRACE);
    const spans = spansOf(CALLER_TRACE);

    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
    const parentOf = (s: ReadableSpan) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const tree = (s: ReadableSpan, depth = 0): string[] => [
      `${'  '.repeat(depth)}${s.name}`,
      ...spans.filter((c) => c.parentSpanId === s.spanContext().spanId).flatMap((c) => tree(c, depth + 1)),
    ];
    const http = one(spans, SUBMIT_ROUTE);
    // For the record (the report): the whole trace of one submit.
    console.info(`one submit, ${spans.length} spans:\n${tree(http).join('\n')}`);

    // The route's span continues the caller's trace and names the route template.
    expect(http.parentSpanId).toBe(CALLER_SPAN);
    expect(http.kind).toBe(SpanKind.SERVER);
    expect(http.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/api/v1/payments/submit_failed_payment',
      'http.response.status_code': 200,
    });

    // The client's Update-with-start is the route's child; the workflow run and the Update's handling
    // are its children (the library puts its context in the start's and the Update's headers).
    const uws = one(spans, 'UpdateWithStartWorkflow:submitFailedPayment');
    expect(parentOf(uws)).toBe(http);
    expect(uws.attributes.temporalWorkflowId).toBe(workflowId);
    const run = one(spans, RUN_WORKFLOW);
    expect(parentOf(run)).toBe(uws);
    // Identified by its workflow, and nothing more of the workflow's info (no memo, no search
    // attributes: runtime/workflow-span-sink.ts).
    expect(run.attributes).toEqual({
      temporalWorkflowId: workflowId,
      run_id: expect.any(String),
      temporalWorkflowType: 'RetryCycleV2',
    });
    expect(parentOf(one(spans, 'HandleUpdate:submitFailedPayment'))).toBe(uws);
    expect(parentOf(one(spans, 'ValidateUpdate:submitFailedPayment'))).toBe(uws);

    // Every activity run is the child of the workflow's span that scheduled it, and those are the
    // workflow's (the run's or the Update handler's).
    const runs = spans.filter((s) => s.name.startsWith('RunActivity:'));
    for (const r of runs) {
      const start = parentOf(r);
      expect(start?.name).toBe(r.name.replace('RunActivity:', 'StartActivity:'));
      expect([RUN_WORKFLOW, 'HandleUpdate:submitFailedPayment']).toContain(start && parentOf(start)?.name);
      expect(r.attributes.temporalWorkflowId).toBe(workflowId);
    }
    // The cycle's local store activities and its charge.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const charge = one(spans, 'RunActivity:charge');
    expect(parentOf(parentOf(charge) as ReadableSpan)).toBe(run);

    // One connected tree: every span's parent is in it, but the route's, which is the caller's.
    expect(spans.filter((s) => s !== http && !parentOf(s)).map((s) => s.name)).toEqual([]);
    // Spans made inside the workflow sandbox leave it through the sink with the process's resource, and
    // every attribute is what OpenTelemetry allows: a primitive.
    for (const s of spans) {
      expect(s.resource.attributes['service.name'], s.name).toBe('payment-retry-test');
      const nonPrimitive = Object.entries(s.attributes).filter(([, v]) => typeof v === 'object');
      expect(nonPrimitive, s.name).toEqual([]);
    }

    // Tracing adds headers, not commands: the traced run's history replays with and without the
    // tracing interceptors, so tracing can be turned on and off under running cycles.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history);
    await Worker.runReplayHistory(
      { workflowBundle: { code: tracedCode }, sinks: tracing.worker.sinks },
      history,
    );
  });

  it("follows an action's Update (executeUpdate) from its route into the workflow's handler", async () => {
    // A slow cycle waits an hour between attempts: it is still running when paused.
    const payment = failedPayment('pm-ok', { account: { segment: 'slow' } });
    expect((await t.json('POST', '/api/v1/payments/submit_failed_payment', payment)).status).toBe(200);
    const [row] = await h.db.db
      .select({ id: cycles.id })
      .from(cycles)
      .where(eq(cycles.documentId, payment.invoice_id as string));
    const res = await t.json('POST', `/api/v1/cycles/${row?.id}/pause`);
    expect(res.status).toBe(200);
    const http = await eventually(async () =>
      exporter.getFinishedSpans().find((s) => s.name === 'POST /api/v1/cycles/:id/pause'),
    );
    const handled = await eventually(async () =>
      exporter
        .getFinishedSpans()
        .find(
          (s) =>
            s.name === 'HandleUpdate:pauseConfirmed' &&
            s.spanContext().traceId === http.spanContext().traceId,
        ),
    );
    const spans = spansOf(http.spanContext().traceId);
    const update = one(spans, 'StartWorkflowUpdate:pauseConfirmed');
    expect(update.parentSpanId).toBe(http.spanContext().spanId);
    expect(handled.parentSpanId).toBe(update.spanContext().spanId);
  });

  it('marks a 5xx answer as an error, with the exception the handler threw', async () => {
    exporter.reset();
    const app = new Hono()
      .use(httpTracing(trace.getTracer('test')))
      .get('/boom/:id', () => {
        throw new Error('kaboom');
      })
      .onError((err, c) => c.json({ message: err.message }, 500));
    expect((await app.request('/boom/ID-1')).status).toBe(500);
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('GET /boom/:id');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['http.response.status_code']).toBe(500);
    expect(span?.events.map((e) => [e.name, e.attributes?.['exception.message']])).toEqual([
      ['exception', 'kaboom'],
    ]);
  });

  it('refuses to start a worker on a prebuilt bundle that has no traced twin', async () => {
    const plain = join(bundleDir, 'no-twin', 'workflow-bundle.js');
    await expect(
      createWorker({
        connection: h.temporal.workerConnection,
        namespace: 'default',
        taskQueue: h.taskQueue,
        activities: {},
        workflowBundlePath: plain,
        tracing: tracing.worker,
      }),
    ).rejects.toThrow(`tracing is on but ${tracedBundlePath(plain)} is missing`);
  });

  it('names a server span by its route template, never by the ids in the path', async () => {
    exporter.reset();
    const paths: [string, Record<string, string>, number, string][] = [
      // A route with an id in its path.
      [
        '/api/v1/payments/invoice_cycle_history/INV-SECRET-1',
        basic(),
        200,
        'GET /api/v1/payments/invoice_cycle_history/:invoice_id',
      ],
      // Refused before the route runs: still that route's span, and a 4xx is not an error.
      [
        '/api/v1/payments/invoice_cycle_history/INV-SECRET-2',
        {},
        401,
        'GET /api/v1/payments/invoice_cycle_history/:invoice_id',
      ],
      // No route at all: the method alone.
      ['/api/v1/no/such/INV-SECRET-3', basic(), 404, 'GET'],
    ];
    for (const [path, headers, status] of paths) {
      const res = await t.app.request(path, { headers });
      expect(res.status, path).toBe(status);
    }
    // Probes make no trace at all.
    // Probes make no trace at all (this app's /readyz has no checks registered: 503, as it should).
    for (const probe of ['/healthz', '/readyz']) await t.app.request(probe);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => [s.name, s.attributes['http.response.status_code']])).toEqual(
      paths.map(([, , status, name]) => [name, status]),
    );
    for (const s of spans) {
      // Without a traceparent each request is a trace of its own.
      expect(s.parentSpanId).toBeUndefined();
      expect(s.status.code).toBe(0);
      expect(JSON.stringify([s.name, s.attributes])).not.toContain('SECRET');
    }
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(paths.length);
  });
});
