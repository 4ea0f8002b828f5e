import type { ManualRetryClient } from '../client/manual-retries';
import {
  type CycleRow,
  createManualRetry,
  type ManualRetryTarget,
  manualRetryById,
} from '../db/billing-cycle-queries';
import type { Db } from '../db/client';
import { openingPayerOf } from '../db/payment-claims';
import { type ManualRetryView, manualRetryView } from '../domain/smartpay-view';
import type { Logger } from '../log/logger';
import { cycleRowLogFields } from './cycle-log';
import { ApiError } from './errors';
import { idempotently } from './idempotency';
import { viaTemporal } from './temporal-errors';

// The one code path of a manual retry request, behind both routes that take one: SmartPay's
// `POST /subscriptions/{s}/billing-cycles/{bc}/manual-retries` and the cycle explorer's
// `POST /api/v1/cycles/{id}/manual_retries`. Same rules (db/billing-cycle-queries.ts allocates the
// retry behind the cycle's lock and the charge gate), same Idempotency-Key handling, same answers.

export interface ManualRetryRequest {
  target: ManualRetryTarget;
  reason: string;
  requestedBy: string;
  requestKey: string | undefined;
  /** The route's method and path template, which scopes the Idempotency-Key. */
  route: string;
  /** What makes two requests the same (the path's ids and the reason). */
  fingerprint: unknown;
  /** The 404 for a target that names no cycle. */
  notFound: () => ApiError;
}

export interface ManualRetryAnswer {
  status: 200 | 201;
  body: ManualRetryView;
  replayed: boolean;
}

export async function requestManualRetry(
  deps: { db: Db; manualRetries: ManualRetryClient; log: Logger },
  req: ManualRetryRequest,
): Promise<ManualRetryAnswer> {
  const { db, manualRetries, log } = deps;
  // The retry charges for the same customer and document as the cycle did: what the cycle row lacks
  // (the opening payment's account fields and source) is read from that payment's claim.
  const withPayer = async (cycle: CycleRow) => ({ ...cycle, openingPayer: await openingPayerOf(db, cycle) });
  const run = async () => {
    const created = await createManualRetry(db, {
      ...req.target,
      reason: req.reason,
      requestedBy: req.requestedBy,
      requestKey: req.requestKey,
    });
    switch (created.kind) {
      case 'not_found':
        throw req.notFound();
      case 'key_reused':
        // The key named a retry with another reason (e.g. sent before keys were kept per request).
        throw new ApiError(
          422,
          `Idempotency-Key ${req.requestKey} was already used on this billing cycle, for ${created.retry.retryId} with another reason`,
        );
      case 'conflict':
        if (created.pending) {
          // A retry whose start was lost (crash, Temporal down) is started now; its key makes it safe.
          const pending = created.pending;
          const cycle = created.cycle;
          await withPayer(cycle)
            .then((c) => manualRetries.ensureStarted(pending, c))
            .catch((err: unknown) => {
              log.warn(
                { ...cycleRowLogFields(cycle), err, retry: pending.retryId },
                'could not resume a pending manual retry',
              );
            });
        }
        throw new ApiError(409, created.message);
      case 'refused':
        throw new ApiError(409, created.message);
    }
    let retry = created.retry;
    if (retry.status === 'pending') {
      const { cycle } = created;
      const payer = await withPayer(cycle);
      await viaTemporal(() => manualRetries.ensureStarted(retry, payer));
      await manualRetries.outcome(retry.workflowId);
      retry = (await manualRetryById(db, retry.retryId)) ?? retry;
    }
    log.info(
      {
        ...cycleRowLogFields(created.cycle),
        retry: retry.retryId,
        retry_workflow_id: retry.workflowId,
        status: retry.status,
        created: created.kind === 'created',
      },
      'manual retry requested',
    );
    return {
      status: created.kind === 'created' ? (201 as const) : (200 as const),
      body: manualRetryView(retry, created.cycle.billingCycleId),
    };
  };
  // The retry row carries the key too (written with it, in its own transaction), so a request that
  // takes over an abandoned claim finds that retry and charges nothing again.
  return await idempotently(
    { db, log },
    { route: req.route, principal: req.requestedBy, key: req.requestKey, request: req.fingerprint },
    run,
  );
}
