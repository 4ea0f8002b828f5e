import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpAdapter, parseHttpResult } from '../../activities/gateway/http-adapter';
import { GatewayRequestError, GatewayUnavailableError } from '../../activities/gateway/port';
import type { ChargeRequest } from '../../domain/charge';

/** A tiny in-house payment service following the documented contract, with scripted misbehaviour. */
type Behaviour =
  | { kind: 'result'; body: object; status?: number } // charge (record) and answer
  | { kind: 'charge_then'; status: number; body?: string } // charge (record) but answer something else
  | { kind: 'answer'; status: number; body?: string } // answer without charging
  | { kind: 'hang' }; // never answer, never charge

interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
}

let server: Server;
let baseUrl: string;
const stored = new Map<string, object>();
let script: Behaviour[] = [];
let lookupBehaviour: Behaviour | null = null;
let seen: Seen[] = [];
let charges = 0;

beforeAll(async () => {
  const app = new Hono();
  const record = async (c: {
    req: { method: string; path: string; header(): Record<string, string>; text(): Promise<string> };
  }) => {
    const text = await c.req.text();
    seen.push({
      method: c.req.method,
      path: c.req.path,
      headers: c.req.header(),
      body: text ? JSON.parse(text) : null,
    });
  };
  app.post('/api/pay/charges', async (c) => {
    await record(c);
    const key = c.req.header('idempotency-key') ?? '';
    const prior = stored.get(key);
    if (prior) return c.json(prior);
    const b = script.shift() ?? { kind: 'result', body: { status: 'approved', amount_collected: '10.00' } };
    if (b.kind === 'hang') return new Promise<Response>(() => {});
    if (b.kind === 'answer') return c.body(b.body ?? '', b.status as 500);
    charges += 1;
    if (b.kind === 'charge_then') {
      stored.set(key, {
        status: 'approved',
        code: 'approved',
        gateway_payment_id: `pay_${charges}`,
        amount_collected: '10.00',
      });
      return c.body(b.body ?? '', b.status as 500);
    }
    stored.set(key, b.body);
    return c.json(b.body, (b.status ?? 200) as 200);
  });
  app.get('/api/pay/charges/:key', async (c) => {
    await record(c);
    if (lookupBehaviour?.kind === 'answer')
      return c.body(lookupBehaviour.body ?? '', lookupBehaviour.status as 500);
    const found = stored.get(c.req.param('key'));
    return found ? c.json(found) : c.json({ error: { code: 'not_found' } }, 404);
  });
  server = createAdaptorServer({ fetch: app.fetch }) as Server;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/pay/`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  stored.clear();
  script = [];
  lookupBehaviour = null;
  seen = [];
  charges = 0;
});

let n = 0;
const req = (): ChargeRequest => ({
  gateway_id: 'acme',
  payment_method_id: 'pm_1',
  amount: '10.00',
  currency: 'EUR',
  idempotency_key: `cycle-c${++n}:x-attempt-1`,
});
// A generous timeout, so a loaded machine never turns an answer into a timeout; the timeout test uses a
// short one against a request the fake never answers.
const adapter = (token?: string, timeoutMs = 15_000) =>
  createHttpAdapter({ gatewayId: 'acme', baseUrl, timeoutMs, ...(token ? { token } : {}) });

describe('http adapter', () => {
  it('POSTs {baseUrl}/charges with Idempotency-Key and bearer token, maps the answer with defaults', async () => {
    const r = { ...req(), metadata: { invoice: 'INV-1' } };
    const result = await adapter('s3cret').charge(r);
    expect(result).toEqual({
      status: 'approved',
      code: 'approved',
      message: '',
      gateway_payment_id: null,
      amount_collected: '10.00',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      path: '/api/pay/charges',
      headers: {
        authorization: 'Bearer s3cret',
        'idempotency-key': r.idempotency_key,
        'content-type': 'application/json',
      },
      body: {
        payment_method_id: 'pm_1',
        amount: '10.00',
        currency: 'EUR',
        idempotency_key: r.idempotency_key,
        metadata: { invoice: 'INV-1' },
      },
    });
  });

  it('sends no Authorization header without a token', async () => {
    await adapter().charge(req());
    expect(seen[0]?.headers.authorization).toBeUndefined();
  });

  it('declined / error / processing_error answers are results', async () => {
    script = [
      {
        kind: 'result',
        body: {
          status: 'declined',
          code: 'do_not_honor',
          message: 'Do not honor',
          gateway_payment_id: 'p1',
          amount_collected: '0',
        },
      },
      { kind: 'result', body: { status: 'error', code: 'acquirer_down', amount_collected: '0' } },
      { kind: 'result', body: { status: 'declined', code: 'processing_error', amount_collected: '0.00' } },
    ];
    await expect(adapter().charge(req())).resolves.toEqual({
      status: 'declined',
      code: 'do_not_honor',
      message: 'Do not honor',
      gateway_payment_id: 'p1',
      amount_collected: '0',
    });
    await expect(adapter().charge(req())).resolves.toMatchObject({ status: 'error', code: 'acquirer_down' });
    await expect(adapter().charge(req())).resolves.toMatchObject({
      status: 'error',
      code: 'processing_error',
    });
  });

  it('5xx after charging: the lookup finds the charge, no second charge', async () => {
    script = [{ kind: 'charge_then', status: 502, body: 'bad gateway' }];
    const r = req();
    const result = await adapter().charge(r);
    expect(result).toMatchObject({ status: 'approved', gateway_payment_id: 'pay_1' });
    expect(charges).toBe(1);
    expect(seen.map((s) => `${s.method} ${s.path}`)).toEqual([
      'POST /api/pay/charges',
      `GET /api/pay/charges/${encodeURIComponent(r.idempotency_key)}`,
    ]);
  });

  it.each([503, 429, 408])(
    '%i without a charge: lookup 404 → GatewayUnavailableError, retry same key',
    async (status) => {
      script = [{ kind: 'answer', status, body: '{"error":{"code":"busy"}}' }];
      const r = req();
      const err = await adapter()
        .charge(r)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayUnavailableError);
      expect((err as Error).message).toContain(`HTTP ${status} busy`);
      await expect(adapter().charge(r)).resolves.toMatchObject({ status: 'approved' });
      expect(charges).toBe(1);
      expect(
        seen
          .filter((s) => s.method === 'POST')
          .every((s) => s.headers['idempotency-key'] === r.idempotency_key),
      ).toBe(true);
    },
  );

  it('a timeout looks the key up, then throws GatewayUnavailableError', async () => {
    script = [{ kind: 'hang' }];
    await expect(adapter(undefined, 1500).charge(req())).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET']);
  });

  it('a malformed 2xx is an unknown outcome', async () => {
    script = [{ kind: 'charge_then', status: 200, body: 'OK' }];
    await expect(adapter().charge(req())).resolves.toMatchObject({ status: 'approved' });
    script = [{ kind: 'answer', status: 200, body: '{"status":"maybe"}' }];
    await expect(adapter().charge(req())).rejects.toBeInstanceOf(GatewayUnavailableError);
  });

  it('if the lookup fails too, the error stays retryable', async () => {
    script = [{ kind: 'answer', status: 500 }];
    lookupBehaviour = { kind: 'answer', status: 401 };
    const err = await adapter()
      .charge(req())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayUnavailableError);
    expect((err as Error).message).toMatch(/lookup failed/);
  });

  it.each([
    [400, '{"error":{"code":"invalid_amount","message":"bad amount"}}', 'invalid_amount'],
    [401, '', 'http_401'],
    [409, '{"code":"idempotency_key_reused"}', 'idempotency_key_reused'],
    [422, '{"error":"unprocessable"}', 'unprocessable'],
  ])('%i is a non-retryable GatewayRequestError (%s)', async (status, body, code) => {
    script = [{ kind: 'answer', status, body }];
    const err = await adapter()
      .charge(req())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GatewayRequestError);
    expect(err).toMatchObject({
      code,
      http_status: status,
      nonRetryable: true,
      type: 'GatewayRequestError',
      gateway_id: 'acme',
    });
    expect(seen.map((s) => s.method)).toEqual(['POST']);
  });

  it('lookup: 404 → null, 200 → result, 5xx → unavailable, 403 → request error', async () => {
    await expect(adapter().lookup('nope')).resolves.toBeNull();
    const r = req();
    const charged = await adapter().charge(r);
    await expect(adapter('t').lookup(r.idempotency_key)).resolves.toEqual(charged);
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer t');
    lookupBehaviour = { kind: 'answer', status: 500 };
    await expect(adapter().lookup(r.idempotency_key)).rejects.toBeInstanceOf(GatewayUnavailableError);
    lookupBehaviour = { kind: 'answer', status: 403 };
    await expect(adapter().lookup(r.idempotency_key)).rejects.toBeInstanceOf(GatewayRequestError);
  });

  it('parseHttpResult requires status and a decimal amount_collected', () => {
    expect(parseHttpResult({ status: 'approved' })).toBeNull();
    expect(parseHttpResult({ status: 'approved', amount_collected: 10 })).toBeNull();
    expect(parseHttpResult({ status: 'ok', amount_collected: '1' })).toBeNull();
    expect(parseHttpResult(null)).toBeNull();
    expect(parseHttpResult({ status: 'declined', amount_collected: '0', message: null })).toEqual({
      status: 'declined',
      code: 'declined',
      message: '',
      gateway_payment_id: null,
      amount_collected: '0',
    });
  });
});
