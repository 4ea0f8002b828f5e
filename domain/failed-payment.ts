import { z } from 'zod';
import { amountProblem, isCurrency, NOT_A_CURRENCY } from './money/currency';
import { isDecimal, toUnits } from './money/decimal';
import { isStorableText, UNSTORABLE_TEXT, unstorablePath } from './storable-text';

// The failed payment that opens or joins a retry cycle. The REST submit endpoint, the Update, the
// Signal and the workflow input all take exactly this JSON.

const text = () => z.string().refine(isStorableText, UNSTORABLE_TEXT);
const id = text().trim().min(1).max(200);
// The amount's format alone; what its currency allows (minor units) is checked on the whole payment.
const decimal = z
  .string()
  .refine(isDecimal, { message: 'a decimal string such as "100.00", without leading zeros', abort: true })
  .refine((v) => toUnits(v) > 0n, 'must be greater than zero')
  .describe('A decimal string greater than zero, without leading zeros, e.g. "100.00" (USD) or "100" (JPY)');

/** The fields, kept apart so the API can build its OpenAPI-described schema from the same ones. */
export const failedPaymentShape = {
  payment_id: id,
  account_id: id,
  invoice_id: id.optional(),
  debit_memo_id: id.optional(),
  amount: decimal,
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { message: NOT_A_CURRENCY, abort: true })
    .refine(isCurrency, NOT_A_CURRENCY)
    .describe('An ISO 4217 code; `amount` may have at most as many decimals as the currency has'),
  payment_method_id: id,
  gateway_id: id,
  gateway_response_code: text().trim().min(1).max(200),
  gateway_response_message: text().max(2000).optional(),
  source: text().max(200).optional(),
  failed_at: z.iso.datetime({ offset: true }).optional(),
  account: z
    .record(z.string(), z.unknown())
    .superRefine((account, ctx) => {
      const path = unstorablePath(account);
      if (path) ctx.addIssue({ code: 'custom', path, message: UNSTORABLE_TEXT });
    })
    .optional(),
  subscription_id: id.optional(),
  due_date: z.iso.date().optional(),
};

export function requireOneDocument(
  p: { invoice_id?: string | undefined; debit_memo_id?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  if ((p.invoice_id === undefined) === (p.debit_memo_id === undefined)) {
    ctx.addIssue({
      code: 'custom',
      path: ['invoice_id'],
      message: 'exactly one of invoice_id and debit_memo_id is required',
    });
  }
}

/** No more decimals than the currency has: 10.125 USD or 100.5 JPY cannot be charged. */
export function requireCurrencyAmount(
  p: { amount?: string | undefined; currency?: string | undefined },
  ctx: z.RefinementCtx,
): void {
  // A malformed amount or an unknown currency is already reported by its own field.
  if (typeof p.amount !== 'string' || !isDecimal(p.amount) || typeof p.currency !== 'string') return;
  if (!isCurrency(p.currency)) return;
  const problem = amountProblem(p.amount, p.currency);
  if (problem) ctx.addIssue({ code: 'custom', path: ['amount'], message: problem });
}

/** The checks across fields, for every schema built from `failedPaymentShape`. */
export function refineFailedPayment(
  p: Parameters<typeof requireOneDocument>[0] & Parameters<typeof requireCurrencyAmount>[0],
  ctx: z.RefinementCtx,
): void {
  requireOneDocument(p, ctx);
  requireCurrencyAmount(p, ctx);
}

export const failedPaymentSchema = z.strictObject(failedPaymentShape).superRefine(refineFailedPayment);

export type FailedPayment = z.infer<typeof failedPaymentSchema>;

export type DocumentType = 'invoice' | 'debit_memo';

export interface DocumentRef {
  type: DocumentType;
  id: string;
}

export function documentOf(p: Pick<FailedPayment, 'invoice_id' | 'debit_memo_id'>): DocumentRef {
  if (p.invoice_id !== undefined) return { type: 'invoice', id: p.invoice_id };
  if (p.debit_memo_id !== undefined) return { type: 'debit_memo', id: p.debit_memo_id };
  throw new Error('a failed payment names an invoice or a debit memo');
}

/** One workflow per document while a cycle is active. */
export function cycleWorkflowId(doc: DocumentRef): string {
  return `cpr-${doc.type}-${doc.id}`;
}
