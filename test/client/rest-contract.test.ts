import type { z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { paymentRoutes, registerFailedPaymentRoute } from '../../api/routes/payments/routes';
import { createCycleClient } from '../../client/cycles';
import { restOperations } from '../../client/rest-operations';
import type * as Client from '../../client/rest-types';
import type { FailedPayment } from '../../domain/failed-payment';
import { testApp } from '../support/api';
import { testTemporal, uniqueName } from '../support/temporal';

// The REST client carries its own paths (client/rest-operations.ts) and body types
// (client/rest-types.ts) so that it loads nothing of the server. This file holds them to the server:
// the types at compile time (`npx tsc --noEmit` fails on a drift; vitest's expectTypeOf does nothing at
// run time), the paths against the OpenAPI document the server generates from its routes.

type Routes = typeof paymentRoutes;
type JsonOf<R, S extends number> = R extends {
  responses: { [K in S]: { content: { 'application/json': { schema: infer T extends z.ZodType } } } };
}
  ? z.infer<T>
  : never;
type RequestOf<R> = R extends {
  request: { body: { content: { 'application/json': { schema: infer T extends z.ZodType } } } };
}
  ? z.input<T>
  : never;

describe('the REST client against the route definitions', () => {
  it('types every body as the routes infer it (checked by tsc)', () => {
    expectTypeOf<Client.ActiveInvoiceCycles>().toEqualTypeOf<
      JsonOf<Routes['activeInvoiceCycleRoute'], 200>
    >();
    expectTypeOf<Client.ActiveDebitMemoCycles>().toEqualTypeOf<
      JsonOf<Routes['activeDebitMemoCycleRoute'], 200>
    >();
    expectTypeOf<Client.ActiveAccountCycles>().toEqualTypeOf<
      JsonOf<Routes['activeAccountCycleRoute'], 200>
    >();
    expectTypeOf<Client.InvoiceCycleHistory>().toEqualTypeOf<
      JsonOf<Routes['invoiceCycleHistoryRoute'], 200>
    >();
    expectTypeOf<Client.DebitMemoCycleHistory>().toEqualTypeOf<
      JsonOf<Routes['debitMemoCycleHistoryRoute'], 200>
    >();
    expectTypeOf<Client.AccountCycleHistory>().toEqualTypeOf<
      JsonOf<Routes['accountCycleHistoryRoute'], 200>
    >();
    expectTypeOf<Client.OperationResult>().toEqualTypeOf<JsonOf<Routes['executeInvoicePaymentRoute'], 200>>();
    expectTypeOf<Client.OperationResult>().toEqualTypeOf<JsonOf<Routes['removeInvoiceRoute'], 200>>();
    expectTypeOf<Client.OperationResult>().toEqualTypeOf<JsonOf<Routes['executePaymentsRoute'], 200>>();
    expectTypeOf<Client.SubmitFailedPaymentResponse>().toEqualTypeOf<
      JsonOf<Routes['submitFailedPaymentRoute'], 200>
    >();
    expectTypeOf<Client.RegisteredFailedPayment>().toEqualTypeOf<
      JsonOf<Routes['registerFailedPaymentRoute'], 201>
    >();
    expectTypeOf<Client.RegisteredFailedPayment>().toEqualTypeOf<
      JsonOf<Routes['registerFailedPaymentRoute'], 200>
    >();
    expectTypeOf<Client.ExecutePaymentsRequest>().toEqualTypeOf<RequestOf<Routes['executePaymentsRoute']>>();
    expectTypeOf<Client.SubmitFailedPaymentRequest>().toEqualTypeOf<
      RequestOf<Routes['submitFailedPaymentRoute']>
    >();
    expectTypeOf<FailedPayment>().toEqualTypeOf<RequestOf<typeof registerFailedPaymentRoute>>();
  });
});

type OpenApiOperation = { operationId?: string; parameters?: { name: string; in: string }[] };

describe('the REST client against the served OpenAPI document', () => {
  let doc: { paths: Record<string, Record<string, OpenApiOperation>> };
  let close: () => Promise<void>;
  beforeAll(async () => {
    // The payment routes are served only with a cycle client; nothing here reaches Temporal.
    const temporal = await testTemporal();
    const t = await testApp('pglite', {
      cycles: createCycleClient({ client: temporal.client, taskQueue: uniqueName('rest-contract') }),
    });
    doc = (await (await t.app.request('/openapi.json')).json()) as typeof doc;
    close = async () => {
      await t.close();
      await temporal.close();
    };
  });
  afterAll(async () => {
    await close?.();
  });

  it('calls every operation at a served path, with its method, operationId and path parameters', () => {
    for (const [name, op] of Object.entries(restOperations)) {
      const served = doc.paths[op.path]?.[op.method.toLowerCase()];
      expect(served, `${name}: ${op.method} ${op.path}`).toBeDefined();
      expect(served?.operationId, name).toBe(op.operationId);
      const params = (served?.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(
        [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]),
        name,
      ).toEqual(params);
    }
  });

  it('covers every CPR payment operation the server serves', () => {
    const served = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/payments/'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    const called = Object.values(restOperations).map((op) => `${op.method} ${op.path}`);
    expect(served.length).toBeGreaterThan(0);
    expect(called.sort()).toEqual(served.sort());
  });
});
