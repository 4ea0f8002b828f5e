import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { DEFAULT_MANUAL_RETRY_WAIT_MS, type ManualRetryClient } from '../../client/manual-retries';
import {
  canonicalId,
  findBillingCycle,
  findManualRetry,
  listBillingCycles,
  NO_SUBSCRIPTION,
} from '../../db/billing-cycle-queries';
import type { Db } from '../../db/client';
import { billingCycleView, manualRetryView } from '../../domain/smartpay-view';
import type { AppEnv } from '../context';
import { ApiError, errorSchema } from '../errors';
import { IDEMPOTENCY_KEY_DESCRIPTION } from '../idempotency';
import { requestManualRetry } from '../manual-retry-request';
import { badRequest, forbidden, jsonResponse } from '../responses';
import {
  billingCyclePageSchema,
  billingCycleParams,
  billingCycleSchema,
  manualRetryHeaders,
  manualRetryParams,
  manualRetryRequestSchema,
  manualRetrySchema,
  NO_SUBSCRIPTION_DESCRIPTION,
  pageQuery,
  subscriptionParams,
} from '../schemas/smartpay';

// SmartPay-style billing cycles and manual retries (reference §8) under /subscriptions, with
// `x-api-key` auth. A billing cycle is one of our retry cycles; a manual retry charges a cycle that
// ended without collecting once more, as a short ManualRetry workflow through the same `charge`
// activity, and appends its attempt to the cycle's history.

export interface BillingCycleRouteDeps {
  db: Db;
  manualRetries: ManualRetryClient;
}

const json = jsonResponse;
const e400 = badRequest;
const e401 = json(errorSchema, 'Missing or invalid `x-api-key`');
const e404 = json(errorSchema, 'No such billing cycle (or retry) in this subscription');
const security = [{ apiKey: [] }];
const tags = ['Billing cycles and manual retries'];
const BASE = '/subscriptions/{subscriptionId}/billing-cycles';
const MANUAL_RETRY_ROUTE = `POST ${BASE}/{billingCycleId}/manual-retries`;

export const createManualRetryRoute = createRoute({
  method: 'post',
  path: `${BASE}/{billingCycleId}/manual-retries`,
  operationId: 'createManualRetry',
  tags,
  summary: 'Create a manual retry of a billing cycle',
  description: [
    'Charges a billing cycle once more, by hand. Allowed only when the cycle has ended without collecting: status `Failed` (stopped by a rule, attempts exhausted, expired or removed) or `Error`. A `Retrying` or `Captured` cycle answers 409, as does a cycle with a manual retry still pending (one at a time: two concurrent requests charge once). After a manual retry that failed, another is allowed.',
    'The charge uses the cycle\'s outstanding balance, payment method and gateway, with the idempotency key `cycle-<id>-attempt-<n>` of the next attempt; the attempt is added to the cycle\'s transactions with `source: "MANUAL"`. If it collects, the cycle becomes `Captured`.',
    `The answer (201) comes once the charge has answered, up to ${DEFAULT_MANUAL_RETRY_WAIT_MS / 1000} s; after that it answers with \`status: "Pending"\` and the GET of the retry shows the outcome.`,
    'Checks, in order: `x-api-key` (401), `Content-Type: application/json` and `Accept-Language: en-US` (400), the body (400), the `Idempotency-Key` (422, 409), the billing cycle (404), its state (409), then the network rules every charge passes (409 naming the rule: `never_retry` when the payment method answered a never-retry code since it last paid, `method_attempt_limit` at 20 attempts on the payment method in 30 days across every cycle, manual retries still charging included, `max_cycle_days` past the cycle limit). A refused request writes nothing.',
    `\`Idempotency-Key\`: ${IDEMPOTENCY_KEY_DESCRIPTION} The request is the billing cycle and the reason; a replay answers the first answer as it was (e.g. \`Pending\`; GET the retry for its outcome).`,
    NO_SUBSCRIPTION_DESCRIPTION,
  ].join('\n\n'),
  security,
  request: {
    params: billingCycleParams,
    headers: manualRetryHeaders,
    body: { required: true, content: { 'application/json': { schema: manualRetryRequestSchema } } },
  },
  responses: {
    201: json(manualRetrySchema, 'Manual retry created (with its outcome unless still Pending)'),
    200: json(manualRetrySchema, 'The retry an earlier request with the same Idempotency-Key created'),
    400: e400,
    401: e401,
    403: forbidden,
    404: e404,
    409: json(
      errorSchema,
      'The billing cycle is Retrying or Captured, a manual retry of it is pending, a network rule refuses the charge (never-retry code on the payment method, 20 attempts on it in 30 days, max_cycle_days; the message names the rule), or a request with the same Idempotency-Key is still being processed',
    ),
    422: json(errorSchema, 'The Idempotency-Key was already used for a different request'),
    503: json(errorSchema, 'The workflow service (Temporal) is unreachable; send the same request again'),
  },
});

export const getManualRetryRoute = createRoute({
  method: 'get',
  path: `${BASE}/{billingCycleId}/manual-retries/{retryId}`,
  operationId: 'getManualRetry',
  tags,
  summary: 'Get a manual retry',
  description: `The retry as created, with its outcome. ${NO_SUBSCRIPTION_DESCRIPTION}`,
  security,
  request: { params: manualRetryParams },
  responses: { 200: json(manualRetrySchema, 'The manual retry'), 400: e400, 401: e401, 404: e404 },
});

export const getBillingCycleRoute = createRoute({
  method: 'get',
  path: `${BASE}/{billingCycleId}`,
  operationId: 'getBillingCycle',
  tags,
  summary: 'Get a billing cycle',
  description: `A retry cycle with every transaction (attempt), manual retries included. ${NO_SUBSCRIPTION_DESCRIPTION}`,
  security,
  request: { params: billingCycleParams },
  responses: { 200: json(billingCycleSchema, 'The billing cycle'), 400: e400, 401: e401, 404: e404 },
});

export const listBillingCyclesRoute = createRoute({
  method: 'get',
  path: BASE,
  operationId: 'listBillingCycles',
  tags,
  summary: "List a subscription's billing cycles",
  description: `Oldest first, paginated: pages start at 1; \`pageSize\` defaults to 20, at most 100. A page past the last answers an empty \`data\`. A subscription with no billing cycle answers 404 (\`none\` always exists). ${NO_SUBSCRIPTION_DESCRIPTION}`,
  security,
  request: { params: subscriptionParams, query: pageQuery },
  responses: { 200: json(billingCyclePageSchema, 'One page'), 400: e400, 401: e401, 404: e404 },
});

const notFound = (subscriptionId: string, billingCycleId: string) =>
  new ApiError(404, `No billing cycle ${billingCycleId} in subscription ${subscriptionId}`);

export function registerBillingCycleRoutes(app: OpenAPIHono<AppEnv>, deps: BillingCycleRouteDeps) {
  const { db, manualRetries } = deps;

  app.openapi(createManualRetryRoute, async (c) => {
    const { subscriptionId, billingCycleId } = c.req.valid('param');
    const requestKey = c.req.valid('header')['idempotency-key'];
    const { reason } = c.req.valid('json');
    const answer = await requestManualRetry(
      { db, manualRetries, log: c.get('log') },
      {
        target: { subscriptionId, billingCycleId },
        reason,
        requestedBy: c.get('user'),
        requestKey,
        route: MANUAL_RETRY_ROUTE,
        fingerprint: { subscriptionId, billingCycleId: canonicalId('BillingCycle', billingCycleId), reason },
        notFound: () => notFound(subscriptionId, billingCycleId),
      },
    );
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(answer.body, answer.status);
  });

  app.openapi(getManualRetryRoute, async (c) => {
    const { subscriptionId, billingCycleId, retryId } = c.req.valid('param');
    const found = await findManualRetry(db, subscriptionId, billingCycleId, retryId);
    if (!found) {
      throw new ApiError(
        404,
        `No manual retry ${retryId} of billing cycle ${billingCycleId} in subscription ${subscriptionId}`,
      );
    }
    return c.json(manualRetryView(found.retry, found.cycle.billingCycleId), 200);
  });

  app.openapi(getBillingCycleRoute, async (c) => {
    const { subscriptionId, billingCycleId } = c.req.valid('param');
    const found = await findBillingCycle(db, subscriptionId, billingCycleId);
    if (!found) throw notFound(subscriptionId, billingCycleId);
    return c.json(billingCycleView(found), 200);
  });

  app.openapi(listBillingCyclesRoute, async (c) => {
    const { subscriptionId } = c.req.valid('param');
    const { page, pageSize } = c.req.valid('query');
    const { count, items } = await listBillingCycles(db, subscriptionId, { page, pageSize });
    if (count === 0 && subscriptionId !== NO_SUBSCRIPTION) {
      throw new ApiError(404, `No billing cycles for subscription ${subscriptionId}`);
    }
    return c.json(
      { page, pageSize, count, totalPages: Math.ceil(count / pageSize), data: items.map(billingCycleView) },
      200,
    );
  });
}
