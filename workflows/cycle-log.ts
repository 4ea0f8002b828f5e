import { log, workflowInfo } from '@temporalio/workflow';
import { type CycleLogFields, cycleLogFields } from '../domain/cycle-log-fields';
import type { DocumentRef } from '../domain/failed-payment';

// The cycle's own log lines. `log` is the SDK's replay-aware logger (nothing is logged again on replay,
// and logging is no command), which adds workflowId, runId and workflowType; this adds the fields every
// line about a cycle carries (domain/cycle-log-fields.ts), read from the cycle's state at the time of
// the line: before the cycle is open, the document only.

type Attributes = Record<string, unknown>;

export interface CycleLog {
  info(message: string, attributes?: Attributes): void;
  warn(message: string, attributes?: Attributes): void;
  error(message: string, attributes?: Attributes): void;
}

export function cycleLog(cycle: { doc: DocumentRef; ids: { cycle_id: number } | undefined }): CycleLog {
  return loggerWith(() => ({ document: cycle.doc, cycle_id: cycle.ids?.cycle_id }));
}

/** For a workflow that is not the cycle but acts on it (ManualRetry, a charge's request metadata). */
export function cycleLogOf(known: { cycle_id?: number | string | undefined; document?: string | undefined }) {
  return loggerWith(() => known);
}

function loggerWith(known: () => Parameters<typeof cycleLogFields>[0]): CycleLog {
  const fields = (): CycleLogFields => cycleLogFields({ workflow_id: workflowInfo().workflowId, ...known() });
  return {
    info: (message, attributes) => log.info(message, { ...attributes, ...fields() }),
    warn: (message, attributes) => log.warn(message, { ...attributes, ...fields() }),
    error: (message, attributes) => log.error(message, { ...attributes, ...fields() }),
  };
}
