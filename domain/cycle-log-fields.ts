import type { DocumentRef } from './failed-payment';

// The fields every log line about a cycle carries, in every process (api, worker: workflows and
// activities), so that one search (`document == "invoice:INV-1"`, or a cycle id) finds a cycle's whole
// story. Pure, so workflows use it too.

export interface CycleLogFields {
  /** The cycle's workflow id (a ManualRetry's own, for its lines). */
  workflow_id?: string;
  /** Known once the cycle is open; lines before that carry the document only. */
  cycle_id?: number;
  /** `<type>:<id>`, e.g. `invoice:INV-1`. */
  document?: string;
}

export function documentLabel(doc: DocumentRef): string {
  return `${doc.type}:${doc.id}`;
}

/** The fields that are known, in their one spelling; unknown ones are left out, never logged empty. */
export function cycleLogFields(known: {
  workflow_id?: string | undefined;
  cycle_id?: number | string | null | undefined;
  document?: DocumentRef | string | undefined;
}): CycleLogFields {
  const fields: CycleLogFields = {};
  if (known.workflow_id) fields.workflow_id = known.workflow_id;
  const cycleId = typeof known.cycle_id === 'string' ? Number(known.cycle_id) : known.cycle_id;
  if (typeof cycleId === 'number' && Number.isSafeInteger(cycleId)) fields.cycle_id = cycleId;
  if (typeof known.document === 'string' && known.document !== '') fields.document = known.document;
  else if (typeof known.document === 'object') fields.document = documentLabel(known.document);
  return fields;
}
