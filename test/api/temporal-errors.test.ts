import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors';
import { isCycleEnded, translateTemporalError } from '../../api/temporal-errors';
import { CycleFailure, type CycleFailureType } from '../../domain/failures';

// The API recognises the cycle's refusals by their failure type (domain/failures.ts), never by their
// words: each type maps to one HTTP answer, and a message that reads like another type changes nothing.

const refused = (type: string, message = 'some words') =>
  new WorkflowUpdateFailedError('Workflow Update failed', ApplicationFailure.nonRetryable(message, type));

/** Every type the workflow throws, with whether a submit tries again and what it answers otherwise. */
const EXPECTED: Record<CycleFailureType, { ended: boolean; status: 400 | 409 }> = {
  InvalidFailedPayment: { ended: false, status: 400 },
  WrongDocument: { ended: false, status: 409 },
  PaymentNotMember: { ended: false, status: 409 },
  CycleEnded: { ended: true, status: 409 },
  CycleNotOpened: { ended: true, status: 409 },
  PaymentIdConflict: { ended: false, status: 409 },
  InvalidActionRequest: { ended: false, status: 409 },
};

describe('the API maps workflow failures by type', () => {
  it('covers every failure type', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual(Object.values(CycleFailure).sort());
  });

  it.each(Object.entries(EXPECTED))('%s', (type, { ended, status }) => {
    const err = refused(type, `refusal of type ${type}`);
    expect(isCycleEnded(err)).toBe(ended);
    const translated = translateTemporalError(err);
    expect(translated).toBeInstanceOf(ApiError);
    expect(translated).toMatchObject({
      status,
      message: `The retry cycle did not accept the payment: refusal of type ${type}`,
    });
  });

  it('ignores the words: a message reading like another refusal keeps its own type', () => {
    const endedWords = refused('Error', 'the cycle has ended (removed); submit again to open a new one');
    expect(isCycleEnded(endedWords)).toBe(false);
    expect(translateTemporalError(endedWords)).toMatchObject({ status: 409 });
    const invalidWords = refused(CycleFailure.WrongDocument, 'invalid failed payment: amount');
    expect(translateTemporalError(invalidWords)).toMatchObject({ status: 409 });
    const endedType = refused(CycleFailure.CycleEnded, 'nothing about an end');
    expect(isCycleEnded(endedType)).toBe(true);
  });

  it('passes on what is not an Update failure', () => {
    const other = new Error('the cycle has ended');
    expect(isCycleEnded(other)).toBe(false);
    expect(translateTemporalError(other)).toBe(other);
  });
});
