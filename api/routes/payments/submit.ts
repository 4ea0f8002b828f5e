import type { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { findFailedPayment, registerFailedPayment } from '../../../db/failed-payment-store';
import { findClaim } from '../../../db/payment-claims';
import type { SubmitResult } from '../../../domain/cycle-details';
import { cycleLogFields } from '../../../domain/cycle-log-fields';
import { documentOf, type FailedPayment, failedPaymentSchema } from '../../../domain/failed-payment';
import type { AppEnv } from '../../context';
import { ApiError, zodErrorItems } from '../../errors';
import { createFailedPaymentSubmission, type SubmissionDeps } from '../../failed-payment-submission';
import { idempotently } from '../../idempotency';
import type { submitFailedPaymentRequestSchema } from '../../schemas/failed-payments';
import { SUBMIT_MESSAGE } from '../../schemas/zuora';
import { registerFailedPaymentRoute, submitFailedPaymentRoute } from './routes';

// Submitting a failed payment: Zuora's body names the payment; its details come with it or from an
// earlier registration. The answer waits for the Update, so the cycle lists the attempt at once.

export type SubmitDeps = SubmissionDeps;

const REGISTER_ROUTE = 'POST /api/v1/payments/failed_payments';

const REQUIRED_DETAILS = [
  'account_id',
  'amount',
  'currency',
  'payment_method_id',
  'gateway_id',
  'gateway_response_code',
] as const;

type SubmitBody = z.infer<typeof submitFailedPaymentRequestSchema>;

const summary = (items: { path: string; message: string }[]) =>
  items.map((i) => `${i.path}: ${i.message}`).join('; ');

function invalidPayment(error: z.ZodError, prefix: string): never {
  const items = zodErrorItems(error.issues);
  throw new ApiError(400, `${prefix}: ${summary(items)}`, items);
}

const bringsDetails = (body: unknown): boolean =>
  typeof body === 'object' && body !== null && Object.keys(body).some((k) => k !== 'payment_id');

/**
 * On a schema failure of a body that brings the payment's details, list every problem of the whole
 * failed payment (missing fields too), not only those of the fields sent.
 */
const fullValidation = (
  result: { success: true } | { success: false; error: z.ZodError },
  c: Context<AppEnv>,
) => {
  if (result.success) return undefined;
  return (async () => {
    const raw: unknown = await c.req.json().catch(() => undefined);
    const full = bringsDetails(raw) ? failedPaymentSchema.safeParse(raw) : undefined;
    const items = zodErrorItems(full && !full.success ? full.error.issues : result.error.issues);
    return c.json(
      { success: false as const, message: `Invalid request: ${summary(items)}`, errors: items },
      400 as const,
    );
  })();
};

function documentAlreadyCollected(
  payment: FailedPayment,
  result: SubmitResult,
  previous: NonNullable<SubmitResult['document_already_collected']>,
) {
  const doc = documentOf(payment);
  return {
    code: 'document_already_collected' as const,
    message: `${doc.type === 'invoice' ? 'Invoice' : 'Debit memo'} ${doc.id} was already collected in full by retry cycle ${previous.cycle_id} (${previous.status}); this payment opened retry cycle ${result.cycle_id} anyway`,
    previous_cycle_id: previous.cycle_id,
    previous_billing_cycle_id: previous.billing_cycle_id,
    cycle_id: result.cycle_id,
    billing_cycle_id: result.billing_cycle_id,
  };
}

export function registerSubmitRoutes(app: OpenAPIHono<AppEnv>, deps: SubmitDeps) {
  const { db } = deps;
  const submission = createFailedPaymentSubmission(deps);
  const requireKnownGateway = (payment: FailedPayment) => submission.requireKnownGateway(payment);

  /** The payment in full: from the body when it brings details, else from the registration. */
  const resolvePayment = async (body: SubmitBody): Promise<FailedPayment> => {
    if (bringsDetails(body)) {
      const parsed = failedPaymentSchema.safeParse(body);
      if (!parsed.success) invalidPayment(parsed.error, 'Invalid failed payment');
      requireKnownGateway(parsed.data);
      return parsed.data;
    }
    // A payment that already entered a cycle is known by its claim, registered or not.
    const stored =
      (await findFailedPayment(db, body.payment_id)) ??
      (await findClaim(db, body.payment_id))?.payment ??
      null;
    if (stored === null) {
      const missing = [...REQUIRED_DETAILS, 'invoice_id'];
      throw new ApiError(
        400,
        `Payment ${body.payment_id} is not registered: send its details (${REQUIRED_DETAILS.join(', ')}, and invoice_id or debit_memo_id) in this body, or register it first with POST /api/v1/payments/failed_payments`,
        missing.map((path) => ({
          path,
          message:
            path === 'invoice_id'
              ? 'exactly one of invoice_id and debit_memo_id is required'
              : 'required (the payment is not registered)',
        })),
      );
    }
    const parsed = failedPaymentSchema.safeParse(stored);
    if (!parsed.success) invalidPayment(parsed.error, `Registered payment ${body.payment_id} is invalid`);
    requireKnownGateway(parsed.data);
    return parsed.data;
  };

  app.openapi(
    submitFailedPaymentRoute,
    async (c) => {
      const payment = await resolvePayment(c.req.valid('json'));
      const result = await submission.submit(payment);
      c.get('log').info(
        {
          ...cycleLogFields({
            workflow_id: result.workflow_id,
            cycle_id: result.cycle_id,
            document: documentOf(payment),
          }),
          payment_id: payment.payment_id,
          added: result.added,
        },
        'failed payment submitted',
      );
      // A repeated submit gets the same answer as the first, and says it is a replay.
      if (!result.added) c.header('Idempotent-Replayed', 'true');
      const collected = result.document_already_collected;
      return c.json(
        {
          success: true,
          message: SUBMIT_MESSAGE,
          ...(collected ? { warning: documentAlreadyCollected(payment, result, collected) } : {}),
        },
        200,
      );
    },
    fullValidation,
  );

  app.openapi(registerFailedPaymentRoute, async (c) => {
    const payment = c.req.valid('json');
    requireKnownGateway(payment);
    const answerFor = (outcome: 'created' | 'identical') => ({
      status: outcome === 'created' ? (201 as const) : (200 as const),
      body: { success: true as const, payment_id: payment.payment_id },
    });
    const answer = await idempotently(
      { db, log: c.get('log') },
      {
        route: REGISTER_ROUTE,
        principal: c.get('user'),
        key: c.req.valid('header')['idempotency-key'],
        request: payment,
      },
      async (remember) => {
        const outcome = await registerFailedPayment(
          db,
          payment,
          c.get('user'),
          remember && ((tx, recorded) => remember(tx, answerFor(recorded))),
        );
        if (outcome === 'conflict') {
          throw new ApiError(
            409,
            `Payment ${payment.payment_id} is already registered with different details; a payment_id names one payment`,
          );
        }
        return answerFor(outcome);
      },
    );
    if (answer.replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(answer.body, answer.status);
  });
}
