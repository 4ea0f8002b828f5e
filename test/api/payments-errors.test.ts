import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CycleClient } from '../../client/cycles';
import type { SubmitResult } from '../../domain/cycle-details';
import type { FailedPayment } from '../../domain/failed-payment';
import { CycleFailure } from '../../domain/failures';
import { testApp } from '../support/api';

// How the payment routes answer Temporal's failures: a stand-in cycle client throws exactly what the
// SDK throws, so these cases run without a server that is down or a cycle that ends on cue.

const P = '/api/v1/payments';

/** What @grpc/grpc-js raises when the frontend cannot be reached. */
function unavailable(): ServiceError {
  const grpc = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
    code: 14,
    details: 'No connection established',
    metadata: {},
  });
  return new ServiceError('Failed to query workflow', { cause: grpc });
}

/** What the server answers an Update while the workflow's last task failed (WorkflowNotReady). */
function taskFailing(): Error {
  const grpc = Object.assign(
    new Error(
      '9 FAILED_PRECONDITION: Unable to perform workflow execution update due to Workflow Task in failed state.',
    ),
    { code: 9, details: 'Unable to perform workflow execution update due to Workflow Task in failed state.' },
  );
  return new ServiceError('Workflow Update failed', { cause: grpc });
}

/**
 * What the server answers an update-with-start whose workflow task it threw away as a signal-with-start
 * of the same cycle arrived (seen under load): the SDK replaces the message with the failed operation's
 * own, as `rethrowKnownErrorTypes` does with a MultiOperationExecutionFailure; without those details the
 * message is the multi-operation's.
 */
function updateWithStartRace(detailed: boolean): Error {
  return Object.assign(
    new Error(
      detailed
        ? 'Unable to perform workflow execution update due to unexpected workflow task failure.'
        : '9 FAILED_PRECONDITION: Update-with-Start could not be executed.',
    ),
    { code: 9, details: 'Update-with-Start could not be executed.', metadata: {} },
  );
}

const rejected = (message: string, type: string) =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(message, type));

const payment: FailedPayment = {
  payment_id: 'P-1',
  account_id: 'A-1',
  invoice_id: 'I-1',
  amount: '10.00',
  currency: 'USD',
  payment_method_id: 'pm-1',
  gateway_id: 'sim',
  gateway_response_code: 'insufficient_funds',
};
const accepted: SubmitResult = {
  workflow_id: 'cpr-invoice-I-1',
  cycle_id: 7,
  billing_cycle_id: 'BillingCycle-x',
  added: true,
  attempt_number: 1,
};

describe('payment routes when Temporal fails', () => {
  const submits: FailedPayment[] = [];
  let submitOutcomes: (() => Promise<SubmitResult>)[] = [];
  const stub = {
    state: async () => {
      throw unavailable();
    },
    submit: async (p: FailedPayment) => {
      submits.push(p);
      const next = submitOutcomes.shift();
      if (!next) throw new Error('unexpected submit');
      return await next();
    },
  } as unknown as CycleClient;
  let t: Awaited<ReturnType<typeof testApp>>;
  beforeAll(async () => {
    // PGlite only: the cycle client is a stand-in, the database only holds the login.
    t = await testApp('pglite', { cycles: stub });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 with Retry-After, no gRPC detail, when Temporal is unreachable; reads still answer', async () => {
    submitOutcomes = [() => Promise.reject(unavailable())];
    const submit = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(submit.status).toBe(503);
    expect(submit.headers.get('retry-after')).toBe('5');
    expect(await submit.json()).toEqual({
      success: false,
      message: 'The workflow service (Temporal) is unreachable; try again shortly',
    });
    // The cycle views read Postgres only (the stand-in's state() would throw UNAVAILABLE).
    const res = await t.json('GET', `${P}/active_invoice_cycle_information/I-1`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ cycles: [] });
  });

  it('submits again when the cycle ended just as the payment arrived', async () => {
    submits.length = 0;
    submitOutcomes = [
      () =>
        Promise.reject(
          rejected('the cycle has ended (removed); submit again to open a new one', CycleFailure.CycleEnded),
        ),
      () =>
        Promise.reject(
          rejected('the cycle ended (removed) before the payment was recorded', CycleFailure.CycleEnded),
        ),
      () => Promise.resolve(accepted),
    ];
    const res = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(await res.json()).toEqual({ success: true, message: 'Payment entered into retry process' });
    expect(submits).toHaveLength(3);
  });

  it('gives up after two more tries, and answers other rejections as a conflict', async () => {
    const ended = () => Promise.reject(rejected('the cycle has ended (collected)', CycleFailure.CycleEnded));
    submitOutcomes = [ended, ended, ended];
    const res = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(res.status).toBe(409);
    expect(await res.json()).toEqual({
      success: false,
      message: 'The retry cycle did not accept the payment: the cycle has ended (collected)',
    });
    submitOutcomes = [
      () =>
        Promise.reject(rejected('this cycle is for invoice X, not invoice Y', CycleFailure.WrongDocument)),
    ];
    const other = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(other.status).toBe(409);
    expect(submitOutcomes).toEqual([]);
  });

  it('waits out a workflow task being retried, then answers 503 with Retry-After rather than 500', async () => {
    submits.length = 0;
    submitOutcomes = [() => Promise.reject(taskFailing()), () => Promise.resolve(accepted)];
    const ok = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(ok.status).toBe(200);
    expect(submits).toHaveLength(2);
    submitOutcomes = Array.from({ length: 5 }, () => () => Promise.reject(taskFailing()));
    const res = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(((await res.json()) as { message: string }).message).toMatch(/try again shortly/);
    expect(submitOutcomes).toEqual([]);
  });

  it('submits again when update-with-start raced a signal-with-start of the same cycle', async () => {
    submits.length = 0;
    submitOutcomes = [
      () => Promise.reject(updateWithStartRace(true)),
      () => Promise.reject(updateWithStartRace(false)),
      () => Promise.resolve(accepted),
    ];
    const ok = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(ok.status).toBe(200);
    expect(submits).toHaveLength(3);
    submitOutcomes = Array.from({ length: 5 }, () => () => Promise.reject(updateWithStartRace(true)));
    const res = await t.json('POST', `${P}/submit_failed_payment`, payment);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(submitOutcomes).toEqual([]);
  });

  it('hides unexpected failures behind the request id', async () => {
    submitOutcomes = [() => Promise.reject(new Error('secret internals'))];
    const res = await t.json('POST', `${P}/submit_failed_payment`, payment, { 'X-Request-Id': 'req-9' });
    expect(res.status).toBe(500);
    const body = (await res.json()) as { message: string };
    expect(body.message).toContain('req-9');
    expect(body.message).not.toContain('secret');
  });
});
