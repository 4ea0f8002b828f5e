import {
  isGrpcServiceError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { ApiError } from './errors';

// Temporal's errors as clean JSON errors: callers see what to do, never a stack trace or gRPC detail.

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
 * next task attempt clears both, so the caller should try again, not see a 500.
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

/** The cycle ended just as the payment arrived: a new submit opens a new run. */
export function isCycleEnded(err: unknown): boolean {
  const failure = updateFailure(err);
  return (
    failure !== undefined && (failure.type === 'CycleEnded' || /the cycle has ended/.test(failure.message))
  );
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
    const invalid = /^invalid failed payment/.test(failure.message);
    return new ApiError(
      invalid ? 400 : 409,
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
