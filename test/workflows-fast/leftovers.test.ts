import { describe, expect, it } from 'vitest';
import type { CycleDetails } from '../../domain/cycle-details';
import type { FailedPayment } from '../../domain/failed-payment';
import { failedPaymentSubmitted, RETRY_CYCLE_WORKFLOW_TYPES } from '../../workflows/messages';
import { testConfig } from '../support/test-config';
import {
  approved,
  type ChargeScript,
  type ClaimPaymentInput,
  declined,
  failedPayment,
  perFileTimeSkipping,
  stubActivities,
  uniqueName,
} from '../support/time-skipping';

// Failed payments that arrive (signal-with-start or plain signals have no answer to refuse them with)
// while a cycle is ending are not dropped: the document's next cycle opens with them, in the same
// workflow id's next run.

const fast = perFileTimeSkipping();

/** Another failed payment of the same invoice and account. */
const sameDocument = (first: FailedPayment, extra: Partial<FailedPayment>): FailedPayment => ({
  ...first,
  payment_id: uniqueName('P'),
  ...extra,
});

/** On charge `at`, the given payments are submitted (as signals) while the charge is at the gateway. */
function arriveDuring(
  at: number,
  workflowId: string,
  payments: FailedPayment[],
  then: ChargeScript,
): ChargeScript {
  return async (req, call) => {
    if (call === at) {
      const handle = fast.env.client.workflow.getHandle(workflowId);
      for (const p of payments) await handle.signal(failedPaymentSubmitted, p);
    }
    return await then(req, call);
  };
}

describe('RetryCycle leftover payments', () => {
  it('a payment that arrives during the collecting charge opens the next cycle in the next run', async () => {
    const workflowId = uniqueName('cycle');
    const first = failedPayment();
    const second = sameDocument(first, { amount: '55.00', payment_method_id: 'pm-second' });
    // The first payment again is already in the cycle: it is no leftover.
    const stub = stubActivities({
      config: testConfig(),
      charge: arriveDuring(1, workflowId, [first, second], approved),
    });
    const { result, firstRunStatus, firstRunId } = await fast.withCycle(
      { activities: stub.activities, input: { payment: first }, workflowId },
      async (handle) => {
        const result = (await handle.result()) as CycleDetails;
        const firstRun = fast.env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId);
        return {
          result,
          firstRunId: handle.firstExecutionRunId,
          firstRunStatus: (await firstRun.describe()).status.name,
        };
      },
    );

    expect(firstRunStatus).toBe('CONTINUED_AS_NEW');
    const opened = stub.opened();
    expect(opened.map((o) => [o.workflow_id, o.payment.payment_id])).toEqual([
      [workflowId, first.payment_id],
      [workflowId, second.payment_id],
    ]);
    expect(opened[0]?.run_id).toBe(firstRunId);
    expect(opened[1]?.run_id).not.toBe(firstRunId);
    expect(stub.calls.filter((c) => c.name === 'claimPayment')).toEqual([]);
    // Cycle 1 collected its own balance; cycle 2 charges the second payment's amount on its method.
    expect(stub.charges.map((c) => [c.req.idempotency_key, c.req.amount, c.req.payment_method_id])).toEqual([
      ['cycle-1-attempt-2', '100.00', first.payment_method_id],
      ['cycle-2-attempt-2', '55.00', 'pm-second'],
    ]);
    const statuses = stub.records().map((r) => [r.cycle_id, r.cycle.status]);
    expect(statuses).toEqual([
      [1, 'in_retry'],
      [1, 'collected'],
      [2, 'in_retry'],
      [2, 'collected'],
    ]);
    // Cycle 1 never took the second payment as an attempt.
    const cycle1Payments = stub
      .records()
      .filter((r) => r.cycle_id === 1)
      .flatMap((r) => r.attempts.map((a) => a.zuora_payment_id));
    expect(cycle1Payments).not.toContain(second.payment_id);
    expect(result).toMatchObject({
      workflow_id: workflowId,
      cycle_id: 2,
      document_id: first.invoice_id,
      amount: '55.00',
      status: 'collected',
      outstanding: '0.00',
    });
  });

  it.each(RETRY_CYCLE_WORKFLOW_TYPES)('a %s cycle continues as new as its own type', async (workflowType) => {
    const workflowId = uniqueName('cycle');
    const first = failedPayment();
    const second = sameDocument(first, { payment_method_id: 'pm-second' });
    const stub = stubActivities({
      config: testConfig(),
      charge: arriveDuring(1, workflowId, [second], approved),
    });
    const types = await fast.withCycle(
      { activities: stub.activities, input: { payment: first }, workflowId, workflowType },
      async (handle) => {
        await handle.result();
        const firstRun = fast.env.client.workflow.getHandle(workflowId, handle.firstExecutionRunId);
        return [(await firstRun.describe()).type, (await handle.describe()).type];
      },
    );
    expect(stub.opened()).toHaveLength(2);
    // Cycles started before RetryCycleV2 keep their type (and their patched code path) for good.
    expect(types).toEqual([workflowType, workflowType]);
  });

  it('two payments arriving as the cycle exhausts: the next cycle opens with the first and takes the second', async () => {
    const workflowId = uniqueName('cycle');
    const first = failedPayment();
    const second = sameDocument(first, { amount: '70.00', payment_method_id: 'pm-second' });
    const third = sameDocument(first, { amount: '70.00', payment_method_id: 'pm-third' });
    // Two retry rules: cycle 1 charges attempts 2 and 3, and attempt 3's decline exhausts it.
    const stub = stubActivities({
      config: testConfig(2),
      charge: arriveDuring(2, workflowId, [second, third], (req, call) =>
        call <= 2 ? declined()(req, call) : approved(req),
      ),
    });
    const result = await fast.withCycle(
      { activities: stub.activities, input: { payment: first }, workflowId },
      async (handle) => {
        return (await handle.result()) as CycleDetails;
      },
    );

    expect(stub.opened().map((o) => o.payment.payment_id)).toEqual([first.payment_id, second.payment_id]);
    const claimed = stub.calls
      .filter((c) => c.name === 'claimPayment')
      .map((c) => c.input as ClaimPaymentInput);
    expect(claimed.map((c) => [c.cycle_id, c.payment.payment_id, c.attempt.attempt_number])).toEqual([
      [2, third.payment_id, 2],
    ]);
    // The cycle's balance is its opening payment's; later charges use the latest payment's method.
    expect(stub.charges.map((c) => [c.req.idempotency_key, c.req.amount, c.req.payment_method_id])).toEqual([
      ['cycle-1-attempt-2', '100.00', first.payment_method_id],
      ['cycle-1-attempt-3', '100.00', first.payment_method_id],
      ['cycle-2-attempt-3', '70.00', 'pm-third'],
    ]);
    const ends = stub
      .records()
      .filter((r) => r.cycle.status !== 'in_retry')
      .map((r) => [r.cycle_id, r.cycle.status, r.cycle.end_reason]);
    expect(ends).toEqual([
      [1, 'attempts_exhausted', 'attempts_exhausted'],
      [2, 'collected', 'collected'],
    ]);
    expect(result).toMatchObject({
      cycle_id: 2,
      status: 'collected',
      amount: '70.00',
      payment_method_id: 'pm-third',
    });
  });

  it('a cycle ending with nothing new queued closes its run without a next one', async () => {
    const workflowId = uniqueName('cycle');
    const first = failedPayment();
    const stub = stubActivities({
      config: testConfig(),
      charge: arriveDuring(1, workflowId, [first], approved),
    });
    const { result, status } = await fast.withCycle(
      { activities: stub.activities, input: { payment: first }, workflowId },
      async (handle) => {
        const result = (await handle.result()) as CycleDetails;
        return { result, status: (await handle.describe()).status.name };
      },
    );
    expect(status).toBe('COMPLETED');
    expect(result).toMatchObject({ cycle_id: 1, status: 'collected' });
    expect(stub.opened()).toHaveLength(1);
  });
});
