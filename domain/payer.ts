import type { ChargeRequest } from './charge';
import { documentOf, type FailedPayment } from './failed-payment';

// Who pays for what: the fields of a cycle's first failed payment that every charge of the cycle
// carries to its gateway (the scheduled attempts and a manual retry alike), so a gateway that
// charges a customer's saved method or pays the document itself charges the same one each time.

export type Payer = Pick<ChargeRequest, 'account_id' | 'account' | 'document' | 'source'>;

export function payerOf(first: FailedPayment): Payer {
  return {
    account_id: first.account_id,
    document: documentOf(first),
    ...(first.account ? { account: first.account } : {}),
    ...(first.source !== undefined ? { source: first.source } : {}),
  };
}
