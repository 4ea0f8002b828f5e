import { createTraceState } from '@opentelemetry/api';
import type { IResource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { OpenTelemetrySinks, SerializableSpan } from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';

// The sink the workflow sandbox's spans leave it through, in place of the package's
// `makeWorkflowExporter`: that one copies the whole WorkflowInfo into every workflow span's
// attributes (memo with the amount, search attributes with account and invoice ids, dates and nested
// objects, which OpenTelemetry attributes may not hold: some 40 keys on each of a submit's 11 workflow
// spans). Here a workflow span gets what identifies its workflow, under the keys the package's client
// and activity spans use, and is otherwise rebuilt the same way.

function attributesOf(info: WorkflowInfo) {
  return { temporalWorkflowId: info.workflowId, run_id: info.runId, temporalWorkflowType: info.workflowType };
}

function readable(span: SerializableSpan, info: WorkflowInfo, resource: IResource): ReadableSpan {
  const { spanContext, ...rest } = span;
  // The trace state crossed the isolate boundary as a string (it loses its prototype otherwise).
  const context = {
    ...spanContext,
    traceState: spanContext.traceState ? createTraceState(spanContext.traceState) : undefined,
  };
  return {
    ...rest,
    attributes: { ...rest.attributes, ...attributesOf(info) },
    spanContext: () => context,
    resource,
  };
}

export function workflowSpanSink(
  processor: SpanProcessor,
  resource: IResource,
): InjectedSinks<OpenTelemetrySinks> {
  return {
    exporter: {
      export: {
        fn: (info, spans) => {
          for (const span of spans) processor.onEnd(readable(span, info, resource));
        },
      },
    },
  };
}
