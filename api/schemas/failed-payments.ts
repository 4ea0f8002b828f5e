import { z } from '@hono/zod-openapi';
import { failedPaymentShape, refineFailedPayment } from '../../domain/failed-payment';
import { submitRequestExample } from './zuora-examples';

// The failed payment as our API takes it: registered ahead (POST /api/v1/payments/failed_payments) or
// sent whole in the submit body, next to Zuora's one field, `payment_id`.

export const failedPaymentExample = {
  payment_id: submitRequestExample.payment_id,
  account_id: '2c92c0f96bd69165016bdcbf55ad5e62',
  invoice_id: '2c92c0fa7849b3ff01784bc5e8ee18b5',
  amount: '100.00',
  currency: 'USD',
  payment_method_id: '2c92c0f9774f2b3e01775f6cf2fb726a',
  gateway_id: 'sim',
  gateway_response_code: 'insufficient_funds',
  gateway_response_message: 'Your card has insufficient funds.',
  source: 'PR-00000371',
  failed_at: '2021-03-19T18:42:20.103Z',
  account: { segment: 'smb', country: 'US' },
};

// Built here from the shared fields, with this module's (OpenAPI-extended) zod, so it does not matter
// which module created the workflow's own schema first.
export const failedPaymentBodySchema = z
  .strictObject(failedPaymentShape)
  .superRefine(refineFailedPayment)
  .openapi('FailedPayment', {
    description:
      'A failed payment: its account, exactly one of invoice_id and debit_memo_id, amount, payment method and the gateway response. `account` holds the fields customer-group filters read.',
    example: failedPaymentExample,
  });

const { payment_id, ...details } = failedPaymentShape;

/** Zuora's body (`payment_id`), optionally with the payment's details as extension fields. */
export const submitFailedPaymentRequestSchema = z
  .object({ payment_id, ...z.object(details).partial().shape })
  .strict()
  .openapi('POSTSubmitPaymentToCycleRequest', {
    description:
      "Zuora's body is `{ payment_id }`: the payment must then have been registered with `POST /api/v1/payments/failed_payments`. Alternatively send the payment's details here too (the same fields as `FailedPayment`).",
    example: submitRequestExample,
  });

export const registeredPaymentSchema = z
  .object({ success: z.literal(true), payment_id: z.string() })
  .strict()
  .openapi('RegisteredFailedPayment', {
    example: { success: true, payment_id: failedPaymentExample.payment_id },
  });
