import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayRequestError, GatewayUnavailableError } from '../../activities/gateway/port';
import { createSimAdapter } from '../../activities/gateway/sim-adapter';
import type { ChargeRequest, ChargeResult } from '../../domain/charge';
import type { SimServer } from '../../sim/server';
import { key, startSim, uniq } from '../sim/helpers';

let sim: SimServer;
let url: string;

beforeAll(async () => {
  ({ sim, url } = await startSim());
});
afterAll(async () => {
  await sim.close();
});

const req = (payment_method_id: string, idempotency_key = key(), amount = '49.99'): ChargeRequest => ({
  gateway_id: 'sim',
  payment_method_id,
  amount,
  currency: 'USD',
  idempotency_key,
  metadata: { cycle_id: 'c1' },
});

/** What Temporal does: retry thrown retryable errors with the same input (same key). */
async function retrySameKey(fn: () => Promise<ChargeResult>, max = 10) {
  const errors: unknown[] = [];
  for (let i = 0; i < max; i++) {
    try {
      return { result: await fn(), errors };
    } catch (err) {
      if (!(err instanceof GatewayUnavailableError)) throw err;
      errors.push(err);
    }
  }
  throw new Error(`no result after ${max} attempts`);
}

describe('sim adapter', () => {
  const adapter = () => createSimAdapter({ baseUrl: url, timeoutMs: 150 });

  it('approves and maps the result', async () => {
    const r = req('pm_ok');
    const result = await adapter().charge(r);
    expect(result).toMatchObject({ status: 'approved', code: 'approved', amount_collected: '49.99' });
    const [charge] = sim.ledger.list({ idempotency_key: r.idempotency_key });
    expect(result.gateway_payment_id).toBe(charge?.gateway_payment_id);
    expect(charge?.metadata).toEqual({ cycle_id: 'c1' });
  });

  it('returns declines as results, and processing_error as status error', async () => {
    await expect(adapter().charge(req(uniq('sim.insufficient_funds')))).resolves.toMatchObject({
      status: 'declined',
      code: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
      amount_collected: '0.00',
    });
    await expect(adapter().charge(req(uniq('sim.processing_error')))).resolves.toMatchObject({
      status: 'error',
      code: 'processing_error',
    });
  });

  it('replays the same key without a second charge', async () => {
    const r = req(uniq('sim.approve'));
    const a = await adapter().charge(r);
    const b = await adapter().charge(r);
    expect(b).toEqual(a);
    expect(sim.ledger.list({ idempotency_key: r.idempotency_key })).toHaveLength(1);
  });

  it('timeout: throws GatewayUnavailableError (nothing recorded), the retry with the same key charges once', async () => {
    const r = req(uniq('sim.timeout.approve'));
    const err = await adapter()
      .charge(r)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnavailableError);
    expect(err).toMatchObject({ retryable: true, nonRetryable: false, idempotency_key: r.idempotency_key });
    expect((err as Error).message).toMatch(/no answer within 150 ms/);
    const result = await adapter().charge(r);
    expect(result.status).toBe('approved');
    expect(sim.ledger.list({ idempotency_key: r.idempotency_key })).toHaveLength(1);
  });

  it('lost_response: recovers the recorded charge through lookup, exactly one charge', async () => {
    const r = req(uniq('sim.lost_response'));
    const result = await adapter().charge(r);
    const charges = sim.ledger.list({ idempotency_key: r.idempotency_key });
    expect(charges).toHaveLength(1);
    expect(result).toEqual({
      status: 'approved',
      code: 'approved',
      message: charges[0]?.message,
      gateway_payment_id: charges[0]?.gateway_payment_id,
      amount_collected: '49.99',
    });
    // a later retry (e.g. after a worker crash) replays, still one charge
    await expect(adapter().charge(r)).resolves.toEqual(result);
    expect(sim.ledger.list({ idempotency_key: r.idempotency_key })).toHaveLength(1);
  });

  it('error500: throws GatewayUnavailableError, the retry with the same key succeeds with one charge', async () => {
    const r = req(uniq('sim.error500.approve'));
    await expect(adapter().charge(r)).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(sim.ledger.list({ idempotency_key: r.idempotency_key })).toHaveLength(0);
    await expect(adapter().charge(r)).resolves.toMatchObject({ status: 'approved' });
    expect(sim.ledger.list({ idempotency_key: r.idempotency_key })).toHaveLength(1);
  });

  it('latency longer than the timeout: the charge is found by lookup, not repeated', async () => {
    const { sim: slow, url: slowUrl } = await startSim({ latencyMs: 400 });
    try {
      const r = req('pm_slow');
      const result = await createSimAdapter({ baseUrl: slowUrl, timeoutMs: 100 }).charge(r);
      expect(result.status).toBe('approved');
      expect(slow.ledger.chargeCount).toBe(1);
    } finally {
      await slow.close();
    }
  });

  it('a reused key with another amount is a non-retryable GatewayRequestError', async () => {
    const r = req(uniq('sim.approve'));
    await adapter().charge(r);
    const err = await adapter()
      .charge({ ...r, amount: '1.00' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({
      code: 'idempotency_key_reused',
      http_status: 409,
      nonRetryable: true,
      retryable: false,
    });
  });

  it('a bad request (400) is a non-retryable GatewayRequestError', async () => {
    await expect(adapter().charge({ ...req('pm_x'), amount: 'ten' })).rejects.toMatchObject({
      name: 'GatewayRequestError',
      code: 'invalid_request',
      http_status: 400,
    });
  });

  it('lookup: null for an unknown key, the result for a recorded one', async () => {
    await expect(adapter().lookup('cycle-none-attempt-1')).resolves.toBeNull();
    const r = req(uniq('sim.do_not_honor'));
    const charged = await adapter().charge(r);
    await expect(adapter().lookup(r.idempotency_key)).resolves.toEqual(charged);
  });

  it('connection refused: GatewayUnavailableError', async () => {
    const { sim: gone, url: goneUrl } = await startSim();
    await gone.close();
    const a = createSimAdapter({ baseUrl: goneUrl, timeoutMs: 500 });
    await expect(a.charge(req('pm_x'))).rejects.toBeInstanceOf(GatewayUnavailableError);
    await expect(a.lookup('k')).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('an aborted caller signal rejects with its reason and makes no lookup', async () => {
    const r = req(uniq('sim.timeout.approve'));
    const controller = new AbortController();
    const reason = new Error('activity cancelled');
    setTimeout(() => controller.abort(reason), 30);
    const a = createSimAdapter({ baseUrl: url, timeoutMs: 5000 });
    await expect(a.charge(r, { signal: controller.signal })).rejects.toBe(reason);
  });

  it('rejects a bad config eagerly', () => {
    expect(() => createSimAdapter({ baseUrl: 'not a url', timeoutMs: 100 })).toThrow();
    expect(() => createSimAdapter({ baseUrl: 'ftp://x', timeoutMs: 100 })).toThrow();
    expect(() => createSimAdapter({ baseUrl: url, timeoutMs: 0 })).toThrow();
  });

  it('retrying with the same key through any script never charges twice', { timeout: 60_000 }, async () => {
    const step = fc.constantFrom(
      'approve',
      'insufficient_funds',
      'processing_error',
      'timeout',
      'error500',
      'lost_response',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 4 }), async (steps) => {
        // end with a definitive outcome so the retry loop terminates
        const pm = uniq(`sim.${[...steps, 'approve'].join('.')}`);
        const r = req(pm);
        const { result } = await retrySameKey(() =>
          createSimAdapter({ baseUrl: url, timeoutMs: 60 }).charge(r),
        );
        const charges = sim.ledger.list({ idempotency_key: r.idempotency_key });
        expect(charges).toHaveLength(1);
        expect(result.gateway_payment_id).toBe(charges[0]?.gateway_payment_id);
        const first = steps.find((s) => s !== 'timeout' && s !== 'error500') ?? 'approve';
        const expected =
          first === 'approve' || first === 'lost_response'
            ? 'approved'
            : first === 'processing_error'
              ? 'error'
              : 'declined';
        expect(result.status).toBe(expected);
      }),
      { numRuns: 25 },
    );
  });
});
