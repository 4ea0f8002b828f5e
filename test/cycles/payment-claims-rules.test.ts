import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { externalAttempt } from '../../domain/attempt-record';
import { membershipProblem } from '../../domain/payment-claim';

// The pure rules behind "a payment enters a cycle once, ever" (domain/payment-claim.ts).

const currency = fc.constantFrom('USD', 'EUR', 'GBP');
const account = fc.constantFrom('A-1', 'A-2', 'a-1');

describe('membershipProblem', () => {
  it('lets a payment join exactly when its currency and account are the cycle’s, and names what differs', () => {
    fc.assert(
      fc.property(currency, account, currency, account, (c1, a1, c2, a2) => {
        const problem = membershipProblem({ currency: c1, account_id: a1 }, { currency: c2, account_id: a2 });
        expect(problem === null).toBe(c1 === c2 && a1 === a2);
        if (c1 !== c2) expect(problem).toContain(`currency ${c2} differs from the active cycle's ${c1}`);
        else if (a1 !== a2) expect(problem).toContain(`account ${a2} differs`);
      }),
    );
  });
});

describe('externalAttempt', () => {
  it('is the failed payment as an undecided, not CPR-generated attempt, timed by failed_at when given', () => {
    fc.assert(
      fc.property(
        fc.option(
          fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
          {
            nil: undefined,
          },
        ),
        fc.nat(50),
        (at, n) => {
          const now = '2026-12-01T10:00:00.000Z';
          const attempt = externalAttempt(
            {
              payment_id: 'P-1',
              account_id: 'A-1',
              invoice_id: 'INV-1',
              amount: '100.00',
              currency: 'USD',
              payment_method_id: 'pm',
              gateway_id: 'sim',
              gateway_response_code: 'insufficient_funds',
              ...(at ? { failed_at: at.toISOString() } : {}),
            },
            n + 1,
            3,
            'Transaction-x',
            now,
          );
          expect(attempt).toMatchObject({
            attempt_number: n + 1,
            zuora_payment_id: 'P-1',
            cpr_generated: false,
            success: false,
            action: null,
            source: 'EXTERNAL',
            customer_group_id: 3,
            time_of_execution: at ? at.toISOString() : now,
          });
        },
      ),
    );
  });
});
