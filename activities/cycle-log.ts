import { Context } from '@temporalio/activity';
import { type CycleLogFields, cycleLogFields } from '../domain/cycle-log-fields';
import type { Logger } from '../log/logger';
import { isRetryCycleType } from '../workflows/messages';

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
  const fields = cycleFieldsOf(input, {
    workflowId: ctx?.info.workflowExecution?.workflowId,
    workflowType: ctx?.info.workflowType,
  });
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

/** The workflow that called the activity, as its context tells. */
export interface Caller {
  workflowId?: string | undefined;
  workflowType?: string | undefined;
}

/**
 * What an activity's input says about its cycle. The inputs spell it several ways: `cycle_id` with a
 * `document` (a ref or `type:id`), `workflow_id` with `document_type`/`document_id` (opening a cycle),
 * a charge's `metadata`, or, for a webhook, the cycle's details under `payload.cycle`. What the input
 * leaves out comes from the caller: a retry cycle's workflow id (either type's) is its document's
 * (cycleWorkflowId).
 */
export function cycleFieldsOf(input: unknown, caller: Caller = {}): CycleLogFields {
  const i = record(input);
  const sources = [record(record(i.payload).cycle), i, record(i.metadata)];
  const first = (key: string) => sources.map((s) => s[key]).find((v) => v !== undefined && v !== null);
  const cycleId = first('cycle_id');
  const workflowId = first('workflow_id');
  return cycleLogFields({
    workflow_id: typeof workflowId === 'string' ? workflowId : caller.workflowId,
    cycle_id: typeof cycleId === 'number' || typeof cycleId === 'string' ? cycleId : undefined,
    document:
      sources.map(documentIn).find((d) => d !== undefined) ??
      (isRetryCycleType(caller.workflowType) ? documentOfCycleWorkflow(caller.workflowId) : undefined),
  });
}

function documentIn(source: Record<string, unknown>): string | undefined {
  const doc = source.document;
  if (typeof doc === 'string' && doc !== '') return doc;
  const ref = record(doc);
  if (typeof ref.type === 'string' && typeof ref.id === 'string') return `${ref.type}:${ref.id}`;
  const { document_type: type, document_id: id } = source;
  if (typeof type === 'string' && typeof id === 'string') return `${type}:${id}`;
  return undefined;
}

/** The inverse of cycleWorkflowId (`cpr-<type>-<id>`). */
function documentOfCycleWorkflow(workflowId: string | undefined): string | undefined {
  const m = workflowId ? /^cpr-(invoice|debit_memo)-(.+)$/.exec(workflowId) : null;
  return m ? `${m[1]}:${m[2]}` : undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
