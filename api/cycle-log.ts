import type { CycleRow } from '../db/cycle-with-attempts';
import { type CycleLogFields, cycleLogFields } from '../domain/cycle-log-fields';
import { cycleWorkflowId, type DocumentRef } from '../domain/failed-payment';

// The API's lines about a cycle carry the fields every such line carries (domain/cycle-log-fields.ts).

/** The fields of a cycle read from its row; the workflow id is its document's when the row is partial. */
export function cycleRowLogFields(
  row: Pick<CycleRow, 'id' | 'documentType' | 'documentId'> & { workflowId?: string },
): CycleLogFields {
  const document = { type: row.documentType, id: row.documentId };
  return cycleLogFields({
    workflow_id: row.workflowId ?? cycleWorkflowId(document),
    cycle_id: row.id,
    document,
  });
}

/** The fields of a document's cycle before its id is known: its workflow id and the document. */
export function documentLogFields(document: DocumentRef): CycleLogFields {
  return cycleLogFields({ workflow_id: cycleWorkflowId(document), document });
}
