import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { CycleFailure, type CycleFailureType, isCycleFailureType } from '../domain/failures';
import { ApiError } from './errors';

// Temporal's errors as clean JSON errors: callers see what to do, never a stack trace or gRPC detail.
// Our own workflow's failures are recognised by their type (domain/failures.ts), never by their words.
// The message matches below are for Temporal's own errors (the SDK's and the server's), which carry no
// type or code we could match instead; they are not our workflow's failures.

/** gRPC codes that mean "the service cannot be reached now": UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED. */
const UNREACHABLE_CODES = new Set([14, 4, 8]);

function causes(err: unknown): unknown[] {
  const chain: unknown[] = [];
  let current: unknown = err;
  while (current !== undefined && current !== null && chain.length < 8) {
    chain.push(current);
    current = current instanceof Error ? current.cause : undefined;
  }
  return chain;
}

/** Temporal's own connection errors: some carry a gRPC code, others only their words. */
export function isTemporalUnreachable(err: unknown): boolean {
  return causes(err).some(
    (e) =>
      (isGrpcServiceError(e) && UNREACHABLE_CODES.has(e.code)) ||
      (e instanceof ServiceError && !(e.cause && isGrpcServiceError(e.cause))) ||
      (e instanceof Error && /connection (?:is )?closed|failed to connect/i.test(e.message)),
  );
}

/**
 * The server refuses Updates and Queries while the cycle's last workflow task failed (WorkflowNotReady,
 * FAILED_PRECONDITION), e.g. while a crashed worker's task waits to be retried, and rejects an Update
 * whose workflow task failed under it ("unexpected workflow task failure"), e.g. when the server threw
 * that task away because a signal-with-start's signal arrived as it completed (UNHANDLED_COMMAND). The
 * next task attempt clears both, so the caller should try again, not see a 500. These are the server's
 * errors (no type to match), so their words are what we match.
 */
export function isWorkflowTaskFailing(err: unknown): boolean {
  return causes(err).some(
    (e) =>
      e instanceof Error && /workflow task in failed state|unexpected workflow task failure/i.test(e.message),
  );
}

/**
 * The server refuses an update-with-start it could not run as one operation (FAILED_PRECONDITION
 * "Update-with-Start could not be executed"), e.g. when a signal-with-start of the same workflow id is
 * starting the run at that moment. The run exists a moment later, so the caller should try again.
 * The server's error: FAILED_PRECONDITION is shared with other refusals, so its words tell them apart.
 */
export function isUpdateWithStartRace(err: unknown): boolean {
  return causes(err).some(
    (e) =>
      isGrpcServiceError(e) && e.code === 9 && /update-with-start could not be executed/i.test(e.message),
  );
}

/** The failure an Update handler or validator raised, if that is what `err` is. */
export function updateFailure(err: unknown): ApplicationFailure | undefined {
  if (!(err instanceof WorkflowUpdateFailedError)) return undefined;
  return err.cause instanceof ApplicationFailure ? err.cause : undefined;
}

/** The failure type an Update handler or validator of ours raised, if that is what `err` is. */
function cycleFailureType(err: unknown): CycleFailureType | undefined {
  const type = updateFailure(err)?.type;
  return isCycleFailureType(type) ? type : undefined;
}

/**
 * The cycle ended just as the payment arrived (or the run opened none, its opening payment being
 * claimed already): a new submit opens a new run.
 */
export function isCycleEnded(err: unknown): boolean {
  const type = cycleFailureType(err);
  return type === CycleFailure.CycleEnded || type === CycleFailure.CycleNotOpened;
}

/** The HTTP status a refused submit answers: a payload that is not a failed payment is the caller's 400. */
function refusalStatus(type: string | undefined): 400 | 409 {
  return type === CycleFailure.InvalidFailedPayment ? 400 : 409;
}

const unavailable = () =>
  new ApiError(503, 'The workflow service (Temporal) is unreachable; try again shortly', undefined, {
    'Retry-After': '5',
  });

/** An ApiError for what a caller can act on; anything else is rethrown as is (a logged 500). */
export function translateTemporalError(err: unknown): unknown {
  if (err instanceof ApiError) return err;
  if (isTemporalUnreachable(err)) return unavailable();
  if (isWorkflowTaskFailing(err) || isUpdateWithStartRace(err)) {
    return new ApiError(
      503,
      'The retry cycle is recovering from a failed workflow task; try again shortly (a repeated submit adds the payment once)',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(
      503,
      'The retry cycle did not answer in time; submitting again is safe (the same payment_id is added once)',
      undefined,
      { 'Retry-After': '5' },
    );
  }
  const failure = updateFailure(err);
  if (failure) {
    return new ApiError(
      refusalStatus(failure.type ?? undefined),
      `The retry cycle did not accept the payment: ${failure.message}`,
    );
  }
  return err;
}

/** Runs a Temporal call, answering its failures as JSON errors. */
export async function viaTemporal<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw translateTemporalError(err);
  }
}
