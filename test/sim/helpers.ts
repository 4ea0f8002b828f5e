import { createSimServer, type SimServer, type SimServerOptions } from '../../sim/server';

export async function startSim(opts: SimServerOptions = {}): Promise<{ sim: SimServer; url: string }> {
  const sim = createSimServer(opts);
  const { url } = await sim.listen(0);
  return { sim, url };
}

let seq = 0;
/** A unique payment method id / key for a test: `sim.x.y` → `sim.x.y#t<n>`. */
export const uniq = (base: string) => `${base}#t${++seq}`;
export const key = () => `cycle-test-${++seq}-attempt-1`;

/** Loosely typed JSON body for assertions. */
// biome-ignore lint/suspicious/noExplicitAny: test assertions read arbitrary JSON fields
export type Json = any;

export type PostResult =
  | { kind: 'answer'; status: number; body: Json; ms: number }
  | { kind: 'no_answer'; error: Error; ms: number };

export async function postCharge(
  url: string,
  body: unknown,
  opts: { headers?: Record<string, string>; timeoutMs?: number; raw?: string } = {},
): Promise<PostResult> {
  const started = performance.now();
  try {
    const res = await fetch(`${url}/v1/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...opts.headers },
      body: opts.raw ?? JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 3000),
    });
    const text = await res.text();
    return {
      kind: 'answer',
      status: res.status,
      body: text ? JSON.parse(text) : null,
      ms: performance.now() - started,
    };
  } catch (error) {
    return { kind: 'no_answer', error: error as Error, ms: performance.now() - started };
  }
}

export async function getJson(url: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
  return { status: res.status, body: await res.json() };
}

export const chargeBody = (payment_method_id: string, idempotency_key?: string, amount = '100.00') => ({
  payment_method_id,
  amount,
  currency: 'USD',
  ...(idempotency_key === undefined ? {} : { idempotency_key }),
});
