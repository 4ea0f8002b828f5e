import { Context } from '@temporalio/activity';
import { type CycleLogFields, cycleLogFields } from '../domain/cycle-log-fields';
import type { Logger } from '../log/logger';

// An activity's log lines about a cycle carry the fields every such line carries
// (domain/cycle-log-fields.ts): the cycle's workflow id (the input's, else the calling workflow's), and
// the cycle id and document where the input names them. Inside an activity the line goes through the
// SDK's activity logger (which adds activityType, workflowId...); called outside one (tests calling an
// activity function directly), through the injected logger.

type Attributes = Record<string, unknown>;

export interface ActivityCycleLog {
  warn(message: string, attributes?: Attributes): void;
  error(message: string, attributes?: Attributes): void;
}

export function activityCycleLog(fallback: Logger, input: unknown): ActivityCycleLog {
  const ctx = currentContext();
  const fields = cycleFieldsOf(input, ctx?.info.workflowExecution?.workflowId);
  if (ctx) {
    return {
      warn: (message, attributes) => ctx.log.warn(message, { ...attributes, ...fields }),
      error: (message, attributes) => ctx.log.error(message, { ...attributes, ...fields }),
    };
  }
  return {
    warn: (message, attributes) => fallback.warn({ ...attributes, ...fields }, message),
    error: (message, attributes) => fallback.error({ ...attributes, ...fields }, message),
  };
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

/**
 * What an activity's input says about its cycle. The inputs spell it three ways: `cycle_id` with a
 * `document` (a ref or `type:id`), `workflow_id` with `document_type`/`document_id` (opening a cycle),
 * or, for a webhook, the cycle's details under `payload.cycle`.
 */
export function cycleFieldsOf(input: unknown, callerWorkflowId?: string): CycleLogFields {
  const i = record(input);
  const cycle = record(record(i.payload).cycle);
  const source = Object.keys(cycle).length > 0 ? cycle : i;
  const docType = source.document_type;
  const docId = source.document_id;
  const doc = record(source.document);
  const document =
    typeof source.document === 'string'
      ? source.document
      : typeof doc.type === 'string' && typeof doc.id === 'string'
        ? `${doc.type}:${doc.id}`
        : typeof docType === 'string' && typeof docId === 'string'
          ? `${docType}:${docId}`
          : undefined;
  const cycleId = source.cycle_id;
  return cycleLogFields({
    workflow_id: typeof source.workflow_id === 'string' ? source.workflow_id : callerWorkflowId,
    cycle_id: typeof cycleId === 'number' || typeof cycleId === 'string' ? cycleId : undefined,
    document,
  });
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
