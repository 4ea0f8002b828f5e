import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, createContextKey, propagation, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { loadEnv } from '../../config/env';
import { tracesUrlOf, tracingFromEnv } from '../../runtime/tracing';
import { testApp } from '../support/api';

// Tracing is off unless an OTLP endpoint is set, and off costs nothing: no provider, no propagator,
// no context manager registered, no interceptors. On, spans go to the endpoint the standard variables
// name. The checks of "off" run first: this file's process has nothing registered until the last test.

describe('tracing from the environment', () => {
  it('is off without an endpoint: nothing returned, nothing registered', async () => {
    expect(await tracingFromEnv(loadEnv({}), 'payment-retry')).toBeUndefined();
    expect(await tracingFromEnv(loadEnv({ OTEL_SERVICE_NAME: 'svc' }), 'payment-retry')).toBeUndefined();
    expect(
      await tracingFromEnv(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }), 'payment-retry'),
    ).toBeUndefined();
    // The global API is still its no-op self.
    const span = trace.getTracer('probe').startSpan('probe');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(propagation.fields()).toEqual([]);
    const key = createContextKey('probe');
    expect(
      context.with(context.active().setValue(key, 1), () => context.active().getValue(key)),
    ).toBeUndefined();
  });

  it('takes the standard variables: the traces URL as it is, or the base URL with v1/traces', () => {
    expect(tracesUrlOf(loadEnv({}))).toBeUndefined();
    expect(tracesUrlOf(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))).toBe(
      'http://collector:4318/v1/traces',
    );
    expect(tracesUrlOf(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/otlp/' }))).toBe(
      'http://collector:4318/otlp/v1/traces',
    );
    expect(
      tracesUrlOf(
        loadEnv({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example/ingest',
        }),
      ),
    ).toBe('https://traces.example/ingest');
    expect(() => loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      'OTEL_EXPORTER_OTLP_ENDPOINT="collector:4318": expected an http(s):// URL',
    );
    expect(() => loadEnv({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' })).toThrow(
      'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="grpc://collector:4317": expected an http(s):// URL',
    );
  });

  it('is on with an endpoint: spans are sent there over OTLP/HTTP under OTEL_SERVICE_NAME', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    const tracing = await tracingFromEnv(
      loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_SERVICE_NAME: 'svc-from-env' }),
      'payment-retry-api',
    );
    expect(tracing).toBeDefined();
    const t = await testApp('pglite', { httpTracing: tracing?.http });
    try {
      expect((await t.app.request('/openapi.json')).status).toBe(200);
      // The batch goes out on shutdown at the latest.
      await tracing?.shutdown();
    } finally {
      await t.close();
      await new Promise((r) => collector.close(r));
    }
    expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
    const body = JSON.parse(received[0]?.body ?? '{}') as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: { name: string }[] }[];
      }[];
    };
    const [resourceSpans] = body.resourceSpans;
    expect(resourceSpans?.resource.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'svc-from-env' },
    });
    expect(resourceSpans?.scopeSpans.flatMap((s) => s.spans.map((span) => span.name))).toEqual([
      'GET /openapi.json',
    ]);
  });
});
