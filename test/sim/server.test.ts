import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSimServer, type SimServer } from '../../sim/server';
import { eventually } from '../support/cycle-harness';
import { chargeBody, getJson, key, postCharge, startSim, uniq } from './helpers';

let sim: SimServer;
let url: string;

beforeAll(async () => {
  ({ sim, url } = await startSim());
});
afterAll(async () => {
  await sim.close();
});

const approveOnce = async (pm: string, k = key()) => {
  const r = await postCharge(url, chargeBody(pm, k));
  if (r.kind !== 'answer') throw r.error;
  return r;
};

describe('sim server: basics', () => {
  it('GET /healthz', async () => {
    expect(await getJson(`${url}/healthz`)).toEqual({ status: 200, body: { ok: true } });
  });

  it('approves any non-script payment method with a full result', async () => {
    const k = key();
    const r = await approveOnce('pm_card_visa', k);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      status: 'approved',
      code: 'approved',
      amount_collected: '100.00',
      idempotency_key: k,
      replayed: false,
    });
    expect(r.body.gateway_payment_id).toMatch(/^sim_ch_[0-9a-f]{24}$/);
    expect(r.body.auth_code).toMatch(/^[0-9A-F]{6}$/);
    expect(r.body.message).toContain(r.body.auth_code);
  });

  it('unknown routes answer a JSON 404', async () => {
    expect(await getJson(`${url}/nope`)).toMatchObject({
      status: 404,
      body: { error: { code: 'not_found' } },
    });
  });

  it('works in-process through app.request()', async () => {
    const res = await sim.app.request('/healthz');
    expect(res.status).toBe(200);
  });
});

describe('sim server: scripted sequences', () => {
  it('returns the n-th outcome on the n-th distinct request and repeats the last', async () => {
    const pm = uniq('sim.insufficient_funds.do_not_honor.approve');
    const results = [];
    for (let i = 0; i < 5; i++) results.push((await approveOnce(pm)).body);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['declined', 'insufficient_funds'],
      ['declined', 'do_not_honor'],
      ['approved', 'approved'],
      ['approved', 'approved'],
      ['approved', 'approved'],
    ]);
    expect(results[0]).toMatchObject({
      message: 'Your card has insufficient funds.',
      amount_collected: '0.00',
    });
    expect(results[1]).toMatchObject({ message: 'Do not honor' });
    expect(results[0].gateway_payment_id).toMatch(/^sim_ch_/);
  });

  it('counts per whole payment method id, #suffix included', async () => {
    const a = uniq('sim.expired_card.approve');
    const b = uniq('sim.expired_card.approve');
    expect((await approveOnce(a)).body.code).toBe('expired_card');
    expect((await approveOnce(b)).body.code).toBe('expired_card');
    expect((await approveOnce(a)).body.code).toBe('approved');
    expect((await approveOnce(b)).body.code).toBe('approved');
    expect(sim.ledger.requestsFor(a)).toBe(2);
  });

  it('any other word is a decline with that code', async () => {
    const r = await approveOnce(uniq('sim.card_velocity_exceeded'));
    expect(r.body).toMatchObject({ status: 'declined', code: 'card_velocity_exceeded' });
    const s = await approveOnce(uniq('sim.brand_new_code'));
    expect(s.body).toMatchObject({ status: 'declined', code: 'brand_new_code' });
  });
});

describe('sim server: idempotency', () => {
  it('the same key returns the same result and never charges twice', async () => {
    const pm = uniq('sim.insufficient_funds.approve');
    const k = key();
    const first = await approveOnce(pm, k);
    const again = await approveOnce(pm, k);
    expect(first.body).toMatchObject({ status: 'declined', replayed: false });
    expect(again.body).toEqual({ ...first.body, replayed: true });
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(1);
    // a replay does not consume a step of the script
    expect(sim.ledger.requestsFor(pm)).toBe(1);
    expect((await approveOnce(pm)).body.status).toBe('approved');
  });

  it('concurrent requests with one key make exactly one charge', async () => {
    const pm = uniq('sim.approve');
    const k = key();
    const all = await Promise.all(Array.from({ length: 8 }, () => approveOnce(pm, k)));
    const ids = new Set(all.map((r) => r.body.gateway_payment_id));
    expect(ids.size).toBe(1);
    expect(all.filter((r) => !r.body.replayed)).toHaveLength(1);
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(1);
  });

  it('a bound key with a different amount/currency/payment method is 409 idempotency_key_reused', async () => {
    const pm = uniq('sim.approve');
    const k = key();
    await approveOnce(pm, k);
    for (const body of [
      chargeBody(pm, k, '99.00'),
      { ...chargeBody(pm, k), currency: 'EUR' },
      chargeBody(uniq('sim.approve'), k),
    ]) {
      const r = await postCharge(url, body);
      expect(r).toMatchObject({
        kind: 'answer',
        status: 409,
        body: { error: { code: 'idempotency_key_reused' } },
      });
    }
    // the same amount written differently is the same request
    const same = await postCharge(url, chargeBody(pm, k, '100'));
    expect(same).toMatchObject({ kind: 'answer', status: 200, body: { replayed: true } });
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(1);
  });

  it('accepts the key in the Idempotency-Key header; body and header must agree', async () => {
    const pm = uniq('sim.approve');
    const k = key();
    const viaHeader = await postCharge(url, chargeBody(pm), { headers: { 'Idempotency-Key': k } });
    expect(viaHeader).toMatchObject({ kind: 'answer', status: 200, body: { idempotency_key: k } });
    const both = await postCharge(url, chargeBody(pm, k), { headers: { 'Idempotency-Key': k } });
    expect(both).toMatchObject({ status: 200, body: { replayed: true } });
    const mismatch = await postCharge(url, chargeBody(pm, k), { headers: { 'Idempotency-Key': `${k}-x` } });
    expect(mismatch).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_mismatch' } } });
    const none = await postCharge(url, chargeBody(pm));
    expect(none).toMatchObject({ status: 400, body: { error: { code: 'idempotency_key_required' } } });
  });
});

describe('sim server: non-charging and lost outcomes', () => {
  it('timeout holds the request, charges nothing, and a retry with the same key takes the next outcome', async () => {
    const pm = uniq('sim.timeout.approve');
    const k = key();
    const first = await postCharge(url, chargeBody(pm, k), { timeoutMs: 200 });
    expect(first.kind).toBe('no_answer');
    expect(first.ms).toBeGreaterThanOrEqual(150);
    expect((await getJson(`${url}/v1/charges/${k}`)).status).toBe(404);
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(0);
    const retry = await approveOnce(pm, k);
    expect(retry.body).toMatchObject({ status: 'approved', replayed: false });
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(1);
  });

  it('error500 answers 500, charges nothing and binds nothing', async () => {
    const pm = uniq('sim.error500.insufficient_funds');
    const k = key();
    const first = await postCharge(url, chargeBody(pm, k));
    expect(first).toMatchObject({ kind: 'answer', status: 500, body: { error: { code: 'internal_error' } } });
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(0);
    const retry = await approveOnce(pm, k);
    expect(retry.body).toMatchObject({ status: 'declined', code: 'insufficient_funds', replayed: false });
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(1);
  });

  it('lost_response charges, drops the socket, and binds the approval to the key', async () => {
    const pm = uniq('sim.lost_response.insufficient_funds');
    const k = key();
    const first = await postCharge(url, chargeBody(pm, k));
    expect(first.kind).toBe('no_answer');
    const charges = sim.ledger.list({ idempotency_key: k });
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ status: 'approved', response_lost: true });
    const lookup = await getJson(`${url}/v1/charges/${k}`);
    expect(lookup).toMatchObject({
      status: 200,
      body: {
        status: 'approved',
        idempotency_key: k,
        payment_method_id: pm,
        amount: '100.00',
        currency: 'USD',
      },
    });
    const retry = await approveOnce(pm, k);
    expect(retry.body).toMatchObject({ status: 'approved', replayed: true });
    expect(retry.body.gateway_payment_id).toBe(charges[0]?.gateway_payment_id);
    expect(sim.ledger.list({ idempotency_key: k })).toHaveLength(1);
  });
});

describe('sim server: ledger routes', () => {
  it('GET /charges lists charges, filters by key, and POST /reset clears', async () => {
    const { sim: own, url: ownUrl } = await startSim();
    try {
      const k1 = key();
      const k2 = key();
      await postCharge(ownUrl, chargeBody('pm_1', k1));
      await postCharge(ownUrl, chargeBody(uniq('sim.do_not_honor'), k2));
      await postCharge(ownUrl, chargeBody(uniq('sim.error500'), key()));
      const all = await getJson(`${ownUrl}/charges`);
      expect(all.body).toHaveLength(2);
      expect(all.body[0]).toMatchObject({
        idempotency_key: k1,
        payment_method_id: 'pm_1',
        amount: '100.00',
        currency: 'USD',
        status: 'approved',
        code: 'approved',
      });
      expect(Date.parse(all.body[0].at)).not.toBeNaN();
      const one = await getJson(`${ownUrl}/charges?idempotency_key=${k2}`);
      expect(one.body).toHaveLength(1);
      expect(one.body[0]).toMatchObject({ status: 'declined', code: 'do_not_honor' });
      expect((await fetch(`${ownUrl}/reset`, { method: 'POST' })).status).toBe(200);
      expect((await getJson(`${ownUrl}/charges`)).body).toEqual([]);
      expect(own.ledger.requestCount).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe('sim server: bad requests', () => {
  const good = () => chargeBody('pm_1', key());
  it.each([
    ['invalid JSON', undefined, '{"payment_method_id":', 'invalid_json'],
    ['empty body', undefined, '', 'invalid_json'],
    ['an array', [], undefined, 'invalid_request'],
    ['missing payment_method_id', { ...good(), payment_method_id: undefined }, undefined, 'invalid_request'],
    ['numeric amount', { ...good(), amount: 100 }, undefined, 'invalid_request'],
    ['too many decimals', { ...good(), amount: '1.23456' }, undefined, 'invalid_request'],
    ['zero amount', { ...good(), amount: '0.00' }, undefined, 'invalid_request'],
    ['negative amount', { ...good(), amount: '-5.00' }, undefined, 'invalid_request'],
    ['lower-case currency', { ...good(), currency: 'usd' }, undefined, 'invalid_request'],
    ['metadata not an object', { ...good(), metadata: 'x' }, undefined, 'invalid_request'],
    ['key with a space', { ...good(), idempotency_key: 'a b' }, undefined, 'invalid_request'],
  ])('%s → 400', async (_name, body, raw, code) => {
    const before = sim.ledger.requestCount;
    const r = await postCharge(url, body, raw === undefined ? {} : { raw });
    expect(r).toMatchObject({ kind: 'answer', status: 400, body: { error: { code } } });
    expect(sim.ledger.requestCount).toBe(before);
  });

  it('lists the failing fields', async () => {
    const r = await postCharge(url, {
      payment_method_id: 'pm',
      amount: 'x',
      currency: 'USD',
      idempotency_key: 'k',
    });
    expect(r).toMatchObject({ status: 400, body: { error: { issues: [{ path: 'amount' }] } } });
  });
});

describe('sim server: latency and shutdown', () => {
  it('latencyMs delays every charge answer (the charge is recorded on arrival)', async () => {
    const { sim: slow, url: slowUrl } = await startSim({ latencyMs: 150 });
    try {
      const k = key();
      const r = await postCharge(slowUrl, chargeBody('pm_1', k));
      expect(r).toMatchObject({ kind: 'answer', status: 200 });
      expect(r.ms).toBeGreaterThanOrEqual(140);
      const replay = await postCharge(slowUrl, chargeBody('pm_1', k));
      expect(replay.ms).toBeGreaterThanOrEqual(140);
      // a client that gives up during the latency finds the charge with a lookup
      const k2 = key();
      const gaveUp = await postCharge(slowUrl, chargeBody('pm_1', k2), { timeoutMs: 50 });
      expect(gaveUp.kind).toBe('no_answer');
      expect((await getJson(`${slowUrl}/v1/charges/${k2}`)).status).toBe(200);
      expect(slow.ledger.chargeCount).toBe(2);
    } finally {
      await slow.close();
    }
  });

  // No wall-clock budgets here: the held requests would wait minutes, far past the test's timeout, so
  // the test can only pass if close() and hangMs really release them; and a client-side timeout (a
  // TimeoutError) is told apart from the server dropping the request.
  const droppedByServer = (r: Awaited<ReturnType<typeof postCharge>>) =>
    r.kind === 'no_answer' && r.error.name !== 'TimeoutError';

  it('close() releases held timeouts at once', async () => {
    const { sim: own, url: ownUrl } = await startSim({ latencyMs: 10 * 60_000, hangMs: 10 * 60_000 });
    const hanging = postCharge(ownUrl, chargeBody(uniq('sim.timeout'), key()), { timeoutMs: 45_000 });
    const delayed = postCharge(ownUrl, chargeBody('pm_1', key()), { timeoutMs: 45_000 });
    await eventually(async () => own.ledger.requestCount >= 2);
    await own.close();
    const [h, d] = await Promise.all([hanging, delayed]);
    expect(droppedByServer(h)).toBe(true);
    expect(d.kind === 'answer' || droppedByServer(d)).toBe(true);
    await own.close(); // idempotent
  });

  it('a held timeout is dropped after hangMs without an answer', async () => {
    const { sim: own, url: ownUrl } = await startSim({ hangMs: 100 });
    try {
      const r = await postCharge(ownUrl, chargeBody(uniq('sim.timeout'), key()), { timeoutMs: 45_000 });
      expect(droppedByServer(r)).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('listen(0) picks a free port and reports it', async () => {
    const own = createSimServer();
    const { port, url: ownUrl } = await own.listen(0);
    expect(port).toBeGreaterThan(0);
    expect(ownUrl).toBe(`http://127.0.0.1:${port}`);
    await expect(own.listen(0)).rejects.toThrow(/already listening/);
    await own.close();
  });
});
