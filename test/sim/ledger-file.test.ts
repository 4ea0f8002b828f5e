import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SimLedger } from '../../sim/ledger';
import { LedgerCorruptError } from '../../sim/ledger-file';
import { createSimServer, type SimServer } from '../../sim/server';
import { chargeBody, key, postCharge, uniq } from './helpers';

// The persistent ledger of the simulated gateway (`npm start` keeps it under DATA_DIR): keys, charges and
// script counters survive a restart, a torn last record (SIGKILL, power loss) is dropped on load, and a
// key charged before the restart is replayed after it, never charged again.

const dir = mkdtempSync(join(tmpdir(), 'cpr-sim-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const newPath = () => join(dir, `ledger-${++files}.jsonl`);

const servers: SimServer[] = [];
afterAll(async () => {
  for (const s of servers) await s.close();
});
async function start(ledgerPath: string, latencyMs = 0) {
  const sim = createSimServer({ ledgerPath, latencyMs, hangMs: 200 });
  servers.push(sim);
  const { url } = await sim.listen(0);
  return { sim, url };
}

const charge = async (url: string, pm: string, k: string) => {
  const r = await postCharge(url, chargeBody(pm, k));
  if (r.kind !== 'answer') throw r.error;
  return r;
};

const record = (k: string, pm: string) => ({
  idempotency_key: k,
  payment_method_id: pm,
  amount: '100.00',
  currency: 'USD',
  status: 'declined' as const,
  code: 'insufficient_funds',
  message: 'Your card has insufficient funds.',
  gateway_payment_id: 'sim_ch_000000000000000000000000',
  amount_collected: '0.00',
  auth_code: null,
  metadata: null,
  response_lost: false,
  at: new Date(0).toISOString(),
});

describe('sim ledger on disk', () => {
  it('keeps charges, key bindings and script counters across a restart', async () => {
    const path = newPath();
    const pm = uniq('sim.timeout.error500.insufficient_funds.approve');
    const first = await start(path);
    const k1 = key();
    // Steps 1 (timeout) and 2 (error500) charge nothing but consume the script; step 3 declines.
    expect((await postCharge(first.url, chargeBody(pm, k1), { timeoutMs: 2000 })).kind).toBe('no_answer');
    expect((await charge(first.url, pm, k1)).status).toBe(500);
    const declined = await charge(first.url, pm, k1);
    expect(declined.body).toMatchObject({ status: 'declined', code: 'insufficient_funds', replayed: false });
    await first.sim.close();

    const second = await start(path);
    expect(second.sim.ledger.requestsFor(pm)).toBe(3);
    expect(second.sim.ledger.list({ payment_method_id: pm })).toHaveLength(1);
    // The key charged before the restart is replayed with the same result, and not charged again.
    const replay = await charge(second.url, pm, k1);
    expect(replay.body).toEqual({ ...declined.body, replayed: true });
    expect(second.sim.ledger.requestsFor(pm)).toBe(3);
    // The script goes on where it stopped (step 4: approve), not from its start (a timeout).
    const k2 = key();
    expect((await charge(second.url, pm, k2)).body).toMatchObject({ status: 'approved', replayed: false });
    await second.sim.close();

    const third = await start(path);
    expect(
      third.sim.ledger.list({ payment_method_id: pm }).map((c) => [c.idempotency_key, c.status]),
    ).toEqual([
      [k1, 'declined'],
      [k2, 'approved'],
    ]);
    expect(third.sim.ledger.requestsFor(pm)).toBe(4);
  });

  it('has a charge on disk before it answers it', async () => {
    const path = newPath();
    // The answer is held back for two minutes: the record must reach the file long before it.
    const slow = await start(path, 120_000);
    const k = key();
    let answered = false;
    const answer = postCharge(slow.url, chargeBody(uniq('sim.approve'), k), { timeoutMs: 120_000 }).then(
      (r) => {
        answered = true;
        return r;
      },
    );
    const deadline = Date.now() + 30_000;
    while (!readFileSync(path, 'utf8').includes(k) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(readFileSync(path, 'utf8')).toContain(`"idempotency_key":"${k}"`);
    expect(answered).toBe(false);
    await slow.sim.close();
    await answer;
  });

  it('drops a torn last record on load, cuts it off the file, and appends cleanly after it', async () => {
    const path = newPath();
    const pm = uniq('sim.insufficient_funds.approve');
    const k1 = key();
    writeFileSync(path, `${JSON.stringify({ kind: 'charge', charge: record(k1, pm) })}\n`);
    const good = statSync(path).size;
    // A record cut short by SIGKILL or power loss: no newline, half a JSON object.
    const k2 = key();
    appendFileSync(path, JSON.stringify({ kind: 'charge', charge: record(k2, pm) }).slice(0, 40));

    const { ledger, tornBytes } = SimLedger.open(path);
    expect(tornBytes).toBe(40);
    expect(statSync(path).size).toBe(good);
    expect(ledger.list().map((c) => c.idempotency_key)).toEqual([k1]);
    expect(ledger.requestsFor(pm)).toBe(1);
    // The torn charge was never answered, so its key is free and the script continues at step 2.
    expect(ledger.get(k2)).toBeUndefined();
    expect(ledger.nextRank(pm)).toBe(2);
    ledger.record({ ...record(k2, pm), status: 'approved', code: 'approved' });
    ledger.close();

    const again = SimLedger.open(path);
    expect(again.tornBytes).toBe(0);
    expect(again.ledger.list().map((c) => [c.idempotency_key, c.status])).toEqual([
      [k1, 'declined'],
      [k2, 'approved'],
    ]);
    again.ledger.close();
  });

  it('loads the records before the cut, whatever byte a crash cut the file at', () => {
    const pm = uniq('sim.insufficient_funds.approve');
    const lines = [
      { kind: 'charge', charge: record(key(), pm) },
      { kind: 'request', payment_method_id: pm },
      { kind: 'charge', charge: { ...record(key(), pm), metadata: { note: 'é ünïcode ✓' } } },
    ].map((e) => Buffer.from(`${JSON.stringify(e)}\n`, 'utf8'));
    const whole = Buffer.concat(lines);
    const ends = lines.map((_, i) => lines.slice(0, i + 1).reduce((n, l) => n + l.length, 0));
    const path = newPath();
    for (let cut = 0; cut <= whole.length; cut++) {
      writeFileSync(path, whole.subarray(0, cut));
      const { ledger, tornBytes } = SimLedger.open(path);
      const complete = ends.filter((end) => end <= cut).length;
      const goodBytes = complete === 0 ? 0 : (ends[complete - 1] as number);
      expect({ cut, requests: ledger.requestCount, tornBytes }).toEqual({
        cut,
        requests: complete,
        tornBytes: cut - goodBytes,
      });
      expect(statSync(path).size).toBe(goodBytes);
      ledger.close();
    }
  });

  it('drops a last line that ends but does not parse (its bytes lost with the page cache)', () => {
    const path = newPath();
    const pm = uniq('sim.approve');
    writeFileSync(
      path,
      `${JSON.stringify({ kind: 'request', payment_method_id: pm })}\n\u0000\u0000\u0000\u0000\n`,
    );
    const { ledger, tornBytes } = SimLedger.open(path);
    expect(tornBytes).toBe(5);
    expect(ledger.requestsFor(pm)).toBe(1);
    ledger.close();
  });

  it('refuses to load a ledger damaged anywhere but its last record', () => {
    const path = newPath();
    const pm = uniq('sim.approve');
    const line = `${JSON.stringify({ kind: 'request', payment_method_id: pm })}\n`;
    writeFileSync(path, `${line}{"kind":"charge","charge":{"idempotency_key":"x"}}\n${line}`);
    expect(() => SimLedger.open(path)).toThrow(LedgerCorruptError);
    expect(() => SimLedger.open(path)).toThrow(/record 2 \(byte \d+\)/);
    // Nothing was cut off a damaged file.
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(4);
  });

  it('POST /reset empties the file too', async () => {
    const path = newPath();
    const first = await start(path);
    await charge(first.url, uniq('sim.approve'), key());
    expect(statSync(path).size).toBeGreaterThan(0);
    expect((await fetch(`${first.url}/reset`, { method: 'POST' })).status).toBe(200);
    expect(statSync(path).size).toBe(0);
    await first.sim.close();
    const second = await start(path);
    expect(second.sim.ledger.chargeCount).toBe(0);
    expect(second.sim.ledger.requestCount).toBe(0);
  });

  it('keeps the ledger in memory only when no path is given', async () => {
    const sim = createSimServer({});
    servers.push(sim);
    const { url } = await sim.listen(0);
    await charge(url, uniq('sim.approve'), key());
    expect(sim.ledger.chargeCount).toBe(1);
    await sim.close();
    expect(createSimServer({}).ledger.chargeCount).toBe(0);
  });
});
