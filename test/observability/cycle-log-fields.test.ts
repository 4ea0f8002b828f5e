import { describe, expect, it } from 'vitest';
import { cycleFieldsOf } from '../../activities/cycle-log';
import { cycleLogFields } from '../../domain/cycle-log-fields';
import { RETRY_CYCLE_WORKFLOW_TYPES } from '../../workflows/messages';

// The activities' inputs name their cycle in several shapes; each gives the same three fields.

const cycle = { workflow_id: 'cpr-invoice-INV-1', cycle_id: 7, document: 'invoice:INV-1' };
const retryCycle = { workflowId: 'cpr-invoice-INV-1', workflowType: 'RetryCycle' };

describe('cycle log fields', () => {
  it('spells the fields one way, leaving out what is unknown', () => {
    expect(
      cycleLogFields({ workflow_id: 'w', cycle_id: '7', document: { type: 'debit_memo', id: 'DM-1' } }),
    ).toEqual({ workflow_id: 'w', cycle_id: 7, document: 'debit_memo:DM-1' });
    expect(cycleLogFields({ document: 'invoice:INV-1', cycle_id: null, workflow_id: '' })).toEqual({
      document: 'invoice:INV-1',
    });
  });

  it('reads every shape an activity input takes', () => {
    // Opening a cycle.
    expect(
      cycleFieldsOf(
        { workflow_id: 'cpr-invoice-INV-1', document_type: 'invoice', document_id: 'INV-1' },
        retryCycle,
      ),
    ).toEqual({ workflow_id: 'cpr-invoice-INV-1', document: 'invoice:INV-1' });
    // Claiming a payment for an open cycle.
    expect(cycleFieldsOf({ cycle_id: 7, document: { type: 'invoice', id: 'INV-1' } }, retryCycle)).toEqual(
      cycle,
    );
    // Recording attempts: the document comes from the cycle's workflow id, whichever its type.
    for (const workflowType of RETRY_CYCLE_WORKFLOW_TYPES) {
      expect(cycleFieldsOf({ cycle_id: 7, attempts: [] }, { ...retryCycle, workflowType })).toEqual(cycle);
    }
    // A charge: its metadata.
    expect(
      cycleFieldsOf(
        { idempotency_key: 'k', metadata: { cycle_id: '7', document: 'invoice:INV-1' } },
        retryCycle,
      ),
    ).toEqual(cycle);
    // A webhook delivery, run by the cycle's child: the cycle's details in the payload.
    expect(
      cycleFieldsOf(
        {
          event: 'cycle.completed',
          payload: {
            cycle: {
              workflow_id: 'cpr-invoice-INV-1',
              cycle_id: 7,
              document_type: 'invoice',
              document_id: 'INV-1',
            },
          },
        },
        { workflowId: 'cpr-invoice-INV-1-0123abcd-webhook-3', workflowType: 'deliverWebhook' },
      ),
    ).toEqual(cycle);
    // Another workflow's id is not read as a document.
    expect(
      cycleFieldsOf({ retry_id: 'Retry-1' }, { workflowId: 'cpr-manual-7-1', workflowType: 'ManualRetry' }),
    ).toEqual({ workflow_id: 'cpr-manual-7-1' });
  });
});
