import { createRequire } from 'node:module';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import type { OpenTelemetrySinks } from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks } from '@temporalio/worker';
import type { MiddlewareHandler } from 'hono';
import type { Env } from '../config/env';

// OpenTelemetry traces (issue 17): one trace follows a submit from the HTTP route through the Update
// into the workflow and its activities. Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; off, nothing is loaded or registered and every caller
// gets `undefined`, so the client, the worker and the API run exactly as without tracing.

/**
 * The workflow interceptors Temporal's package provides, compiled into the workflow bundle: they run in
 * the sandbox, add the trace to the headers of what the workflow schedules, never a command.
 */
export const workflowTracingModules = [
  createRequire(import.meta.url).resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors'),
];

const SHUTDOWN_MS = 3000;

/** What the worker adds when tracing is on (worker/create-worker.ts). */
export interface WorkerTracing {
  interceptors: { activity: ActivityInterceptorsFactory[]; workflowModules: string[] };
  /** Spans made in the sandbox leave it through this sink, into the same span processor. */
  sinks: InjectedSinks<OpenTelemetrySinks>;
}

export interface Tracing {
  /** The API's first middleware: a server span per request (api/http-tracing.ts). */
  http: MiddlewareHandler;
  /** For `new Client({ interceptors })` (temporal/connection.ts). */
  client: ClientInterceptors;
  worker: WorkerTracing;
  /** Ends the provider, sending what is still buffered (for 3 s at most). */
  shutdown(): Promise<void>;
}

/** The OTLP/HTTP traces URL the environment names, or undefined: tracing off. */
export function tracesUrlOf(
  env: Pick<Env, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>,
): string | undefined {
  // As the OpenTelemetry spec says: the per-signal URL is used as it is; the base gets `v1/traces`.
  if (env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT)
    return `${env.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`;
  return undefined;
}

/**
 * Tracing as the environment asks: spans batched to the OTLP/HTTP endpoint under OTEL_SERVICE_NAME, or
 * `defaultServiceName` (the process's own: payment-retry, payment-retry-api, payment-retry-worker).
 * Unset endpoint: undefined, and not even the SDK is loaded.
 */
export async function tracingFromEnv(
  env: Pick<Env, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' | 'OTEL_SERVICE_NAME'>,
  defaultServiceName: string,
): Promise<Tracing | undefined> {
  const url = tracesUrlOf(env);
  if (!url) return undefined;
  const [{ OTLPTraceExporter }, { BatchSpanProcessor }] = await Promise.all([
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  // Headers, timeout and compression come from the standard OTEL_EXPORTER_OTLP_* variables, read by
  // the exporter itself; the batch's sizes from OTEL_BSP_*, the sampler from OTEL_TRACES_SAMPLER.
  return await startTracing({
    serviceName: env.OTEL_SERVICE_NAME ?? defaultServiceName,
    spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url })),
  });
}

/**
 * Registers a tracer provider globally (its context manager and the W3C propagator too, which the
 * Temporal interceptors use to put the trace in headers) and returns the interceptors that use it.
 * Tests pass an in-memory span processor.
 */
export async function startTracing(opts: {
  serviceName: string;
  spanProcessor: SpanProcessor;
}): Promise<Tracing> {
  const [
    { NodeTracerProvider },
    { Resource },
    { ATTR_SERVICE_NAME },
    otelTemporal,
    { httpTracing },
    { workflowSpanSink },
  ] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/semantic-conventions'),
    import('@temporalio/interceptors-opentelemetry'),
    import('../api/http-tracing'),
    import('./workflow-span-sink'),
  ]);
  const resource = new Resource({ ...Resource.default().attributes, [ATTR_SERVICE_NAME]: opts.serviceName });
  const provider = new NodeTracerProvider({ resource, spanProcessors: [opts.spanProcessor] });
  provider.register();
  return {
    http: httpTracing(provider.getTracer('payment-retry/http')),
    client: { workflow: [new otelTemporal.OpenTelemetryWorkflowClientInterceptor()] },
    worker: {
      interceptors: {
        activity: [
          (ctx) => ({
            inbound: new otelTemporal.OpenTelemetryActivityInboundInterceptor(ctx),
            outbound: new otelTemporal.OpenTelemetryActivityOutboundInterceptor(ctx),
          }),
        ],
        workflowModules: workflowTracingModules,
      },
      sinks: workflowSpanSink(opts.spanProcessor, resource),
    },
    // Bounded: an unreachable collector (the exporter waits up to 10 s) must not hold the process past
    // its shutdown deadline once everything that matters has stopped; those last spans are lost.
    shutdown: () =>
      Promise.race([provider.shutdown(), new Promise<void>((r) => setTimeout(r, SHUTDOWN_MS).unref())]),
  };
}
