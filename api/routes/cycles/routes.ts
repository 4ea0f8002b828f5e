import { createRoute, z } from '@hono/zod-openapi';
import { DEFAULT_MANUAL_RETRY_WAIT_MS } from '../../../client/manual-retries';
import { errorSchema } from '../../errors';
import { IDEMPOTENCY_KEY_DESCRIPTION, idempotencyKeyHeader } from '../../idempotency';
import { badRequest, basicSecurity, forbidden, jsonResponse, unauthorized } from '../../responses';
import {
  actionResultSchema,
  cycleDetailSchema,
  cycleIdParams,
  cycleListQuery,
  cyclePageSchema,
  removeRequestSchema,
} from '../../schemas/cycles';
import { manualRetryRequestSchema, manualRetrySchema } from '../../schemas/smartpay';

// The cycle explorer of the operator console (issue 15): every cycle, filtered and paged, one cycle's
// timeline, and the actions on one cycle by its numeric id. Handlers are in list.ts, detail.ts and
// actions.ts.

const json = jsonResponse;
const security = basicSecurity;
const tags = ['Cycle explorer'];
const C = '/api/v1/cycles';

const e404 = json(errorSchema, 'No cycle with this id');
const e409 = json(errorSchema, 'The cycle has already ended: there is nothing to act on');
const e503 = json(errorSchema, 'The workflow service (Temporal) is unreachable; try again shortly');

export const listCyclesRoute = createRoute({
  method: 'get',
  path: C,
  operationId: 'GET_Cycles',
  tags,
  summary: 'List cycles',
  description:
    'Every retry cycle, newest first (started_at, then id, descending), filtered by every parameter given (all must match). Paged by cursor: pass `next_cursor` as `cursor` for the next page; cycles opened while you page come before your cursor, so a walk sees every older cycle exactly once. Read from the database in one statement: answers while Temporal is down.',
  security,
  request: { query: cycleListQuery },
  responses: { 200: json(cyclePageSchema, 'One page'), 400: badRequest, 401: unauthorized },
});

export const getCycleRoute = createRoute({
  method: 'get',
  path: `${C}/{id}`,
  operationId: 'GET_Cycle',
  tags,
  summary: 'Get a cycle with its timeline',
  description:
    "The cycle, every attempt (time, decline code and message, label, the rule that decided, the next attempt), every event of its audit trail, the configuration version it pinned, and its workflow (with a link to the Temporal UI when TEMPORAL_UI_URL is set). One statement: the attempts and events are the same moment as the cycle's status.",
  security,
  request: { params: cycleIdParams },
  responses: { 200: json(cycleDetailSchema, 'The cycle'), 400: badRequest, 401: unauthorized, 404: e404 },
});

const ACTION_ANSWER =
  'Answers what the cycle\'s workflow answered (its confirmed Update), as is: `applied` says whether it took effect; an execute the network rules refuse answers `outcome: "refused"` with the `rule` (`never_retry`, `method_attempt_limit`, `max_cycle_days`). A cycle that has already ended answers 409.';

const actionResponses = {
  200: json(actionResultSchema, "The workflow's answer"),
  400: badRequest,
  401: unauthorized,
  403: forbidden,
  404: e404,
  409: e409,
  503: e503,
};

const action = (operationId: string, verb: string, summary: string, description: string) =>
  createRoute({
    method: 'post',
    path: `${C}/{id}/${verb}`,
    operationId,
    tags,
    summary,
    description: `${description} ${ACTION_ANSWER} No request body.`,
    security,
    request: { params: cycleIdParams },
    responses: actionResponses,
  });

export const executeCycleRoute = action(
  'POST_ExecuteCycle',
  'execute',
  'Retry now',
  'Moves the next attempt to the next processor run (a paused cycle is resumed), unless the network rules refuse the charge.',
);
export const pauseCycleRoute = action(
  'POST_PauseCycle',
  'pause',
  'Pause a cycle',
  'No attempt runs until it is resumed (a cycle paused past its limit ends as expired).',
);
export const resumeCycleRoute = action(
  'POST_ResumeCycle',
  'resume',
  'Resume a cycle',
  'An attempt that fell due while paused moves to the next processor run.',
);
export const removeCycleRoute = createRoute({
  method: 'post',
  path: `${C}/{id}/remove`,
  operationId: 'POST_RemoveCycle',
  tags,
  summary: 'Remove a cycle',
  description: `Ends the cycle as removed; no charge starts after the request (one already at the gateway is waited for, up to 30 s). Optional JSON body \`{ "reason": "…" }\` (1 to 500 characters), recorded in the cycle's \`removed\` event. ${ACTION_ANSWER}`,
  security,
  request: {
    params: cycleIdParams,
    body: { required: false, content: { 'application/json': { schema: removeRequestSchema } } },
  },
  responses: actionResponses,
});

export const createCycleManualRetryRoute = createRoute({
  method: 'post',
  path: `${C}/{id}/manual_retries`,
  operationId: 'POST_CycleManualRetry',
  tags,
  summary: 'Manual retry of a cycle',
  description: [
    "Charges a cycle that ended without collecting once more, with a reason: exactly SmartPay's `POST /subscriptions/{subscriptionId}/billing-cycles/{billingCycleId}/manual-retries` for this cycle's billing cycle (the same rules, the same network rules, the same answers), reached by the cycle's id with Basic auth.",
    `The answer (201) comes once the charge has answered, up to ${DEFAULT_MANUAL_RETRY_WAIT_MS / 1000} s; after that \`status: "Pending"\`.`,
    `\`Idempotency-Key\`: ${IDEMPOTENCY_KEY_DESCRIPTION}`,
  ].join('\n\n'),
  security,
  request: {
    params: cycleIdParams,
    headers: z.object({ 'idempotency-key': idempotencyKeyHeader }),
    body: { required: true, content: { 'application/json': { schema: manualRetryRequestSchema } } },
  },
  responses: {
    201: json(manualRetrySchema, 'Manual retry created (with its outcome unless still Pending)'),
    200: json(manualRetrySchema, 'The retry an earlier request with the same Idempotency-Key created'),
    400: badRequest,
    401: unauthorized,
    403: forbidden,
    404: e404,
    409: json(
      errorSchema,
      'The cycle is still retrying or has collected, a manual retry of it is pending, a network rule refuses the charge (the message names it), or a request with the same Idempotency-Key is still being processed',
    ),
    422: json(errorSchema, 'The Idempotency-Key was already used for a different request'),
    503: json(errorSchema, 'The workflow service (Temporal) is unreachable; send the same request again'),
  },
});

/** Every route of this module, for the OpenAPI tests. */
export const cycleRoutes = {
  listCyclesRoute,
  getCycleRoute,
  executeCycleRoute,
  pauseCycleRoute,
  resumeCycleRoute,
  removeCycleRoute,
  createCycleManualRetryRoute,
};
