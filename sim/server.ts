/**
 * Simulated card gateway (HTTP, JSON) used by tests, benchmarks and local runs.
 *
 * Routes
 * - POST /v1/charges            body { payment_method_id, amount: "100.00", currency: "USD", idempotency_key?, metadata? }
 *                               The key may be sent in the body, in an `Idempotency-Key` header, or both (then they
 *                               must be equal, else 400 idempotency_key_mismatch). One of them is required.
 *     200 { status: 'approved'|'declined', code, message, gateway_payment_id, amount_collected, idempotency_key,
 *           auth_code, replayed }              — a decline is a 200 result, not an HTTP error
 *     400 { error: { code: 'invalid_json'|'invalid_request'|'idempotency_key_required'|'idempotency_key_mismatch',
 *                    message, issues? } }      — nothing charged, nothing consumed
 *     409 { error: { code: 'idempotency_key_reused', message } } — the key is bound to a charge with a different
 *           payment_method_id/amount/currency; nothing charged, the stored charge is untouched
 *     500 { error: { code: 'internal_error', ... } } — scripted `error500`: nothing charged, key not bound
 *     (no answer) — scripted `timeout` (held open) or `lost_response` (charged, then the socket is destroyed)
 * - GET /v1/charges/:idempotency_key → 200 the recorded result (+ payment_method_id, amount, currency, at) | 404
 * - GET /charges[?idempotency_key=&payment_method_id=] → 200 [ recorded charges ] (approved and declined)
 * - GET /healthz → 200 { ok: true }
 * - POST /reset → 200 { ok: true } (clears charges, key bindings and script counters)
 *
 * Idempotency: a request whose key is bound returns the stored result with `replayed: true` and is not counted
 * as a new request. `timeout` and `error500` consume a step of the script but bind nothing, so a retry with the
 * same key takes the next step. `lost_response` binds the (approved) charge, so a retry replays it.
 * Keys are 1-255 chars of [A-Za-z0-9._:~+=@-] so they can be used verbatim in the lookup path.
 * `latencyMs` delays every answer of POST /v1/charges; the charge itself is recorded on arrival, so a client
 * that gives up during the latency can still find it with a lookup.
 * With `ledgerPath` the ledger (charges, key bindings, script counters) is kept in that file and loaded from
 * it, so a restarted gateway replays keys and continues scripts where it stopped; without it, in memory.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer, type HttpBindings } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { isCurrency } from '../domain/money/currency';
import { isDecimal, sameAmount } from '../domain/money/decimal';
import { type SimChargeRecord, SimLedger } from './ledger';
import { isPositiveDecimal, zeroLike } from './money';
import { declineMessage, outcomeFor, outcomeWord } from './outcomes';

export interface SimLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface SimServerOptions {
  /** Delay added to every answer of POST /v1/charges. Default 0. */
  latencyMs?: number;
  /** How long a scripted `timeout` is held open at most before the socket is dropped. Default 5 minutes. */
  hangMs?: number;
  logger?: SimLogger;
  /** File that keeps the ledger across restarts (append-only JSON lines); unset keeps it in memory. */
  ledgerPath?: string;
}

export interface SimServer {
  app: Hono<{ Bindings: HttpBindings }>;
  listen(port: number, host?: string): Promise<{ port: number; url: string }>;
  close(): Promise<void>;
  ledger: SimLedger;
}

export const IDEMPOTENCY_KEY_RE = /^[A-Za-z0-9._:~+=@-]{1,255}$/;

const ChargeBody = z.object({
  payment_method_id: z.string().min(1).max(255),
  amount: z
    .string()
    .refine(isDecimal, { message: 'expected a decimal string like "100.00"', abort: true })
    .refine(isPositiveDecimal, 'must be greater than zero'),
  currency: z.string().refine(isCurrency, 'expected an ISO 4217 code like "USD"'),
  idempotency_key: z
    .string()
    .regex(IDEMPOTENCY_KEY_RE, 'expected 1-255 characters of [A-Za-z0-9._:~+=@-]')
    .optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

const noopLogger: SimLogger = { debug() {}, info() {}, warn() {}, error() {} };

type Ctx = Context<{ Bindings: HttpBindings }>;

function fail(c: Ctx, status: ContentfulStatusCode, code: string, message: string, extra: object = {}) {
  return c.json({ error: { code, message, ...extra } }, status);
}

function chargeBody(r: SimChargeRecord, replayed: boolean) {
  return {
    status: r.status,
    code: r.code,
    message: r.message,
    gateway_payment_id: r.gateway_payment_id,
    amount_collected: r.amount_collected,
    idempotency_key: r.idempotency_key,
    auth_code: r.auth_code,
    replayed,
  };
}

function lookupBody(r: SimChargeRecord) {
  const { replayed: _replayed, ...result } = chargeBody(r, false);
  return {
    ...result,
    payment_method_id: r.payment_method_id,
    amount: r.amount,
    currency: r.currency,
    at: r.at,
  };
}

function listBody(r: SimChargeRecord) {
  return {
    idempotency_key: r.idempotency_key,
    payment_method_id: r.payment_method_id,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    code: r.code,
    message: r.message,
    amount_collected: r.amount_collected,
    gateway_payment_id: r.gateway_payment_id,
    response_lost: r.response_lost,
    at: r.at,
  };
}

/** The node socket behind a request, when served by @hono/node-server (absent under app.request()). */
function socketOf(c: Ctx) {
  const env = c.env as Partial<HttpBindings> | undefined;
  return env?.incoming?.socket;
}

function openLedger(path: string, logger: SimLogger): SimLedger {
  const { ledger, tornBytes } = SimLedger.open(path);
  logger.info(
    {
      event: 'ledger_loaded',
      path,
      charges: ledger.chargeCount,
      requests: ledger.requestCount,
      torn_bytes_dropped: tornBytes,
    },
    'sim gateway: ledger loaded',
  );
  return ledger;
}

export function createSimServer(opts: SimServerOptions = {}): SimServer {
  const latencyMs = Math.max(0, opts.latencyMs ?? 0);
  const hangMs = Math.max(0, opts.hangMs ?? 300_000);
  const logger = opts.logger ?? noopLogger;
  const ledger = opts.ledgerPath ? openLedger(opts.ledgerPath, logger) : new SimLedger();
  /** Release functions of everything that is waiting (held timeouts, latency timers); run on close(). */
  const pending = new Set<() => void>();
  let closed = false;
  let server: Server | undefined;

  /** Resolves after `ms`, or at once when the server closes. */
  const delay = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const done = () => {
        clearTimeout(timer);
        pending.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      pending.add(done);
    });

  /** Holds a request open without ever answering it; released when the client goes away, on close or after hangMs. */
  const hang = (c: Ctx) =>
    new Promise<Response>((resolve) => {
      const socket = socketOf(c);
      const signal = c.req.raw.signal;
      const release = () => {
        clearTimeout(timer);
        pending.delete(release);
        signal.removeEventListener('abort', release);
        socket?.off('close', release);
        socket?.destroy(); // never answer
        // Only reaches a caller when there is no socket (in-process app.request()).
        resolve(
          new Response(JSON.stringify({ error: { code: 'timeout', message: 'No answer.' } }), {
            status: 504,
          }),
        );
      };
      const timer = setTimeout(release, hangMs);
      timer.unref();
      pending.add(release);
      signal.addEventListener('abort', release, { once: true });
      socket?.once('close', release);
      if (closed || signal.aborted || socket?.destroyed) release();
    });

  const app = new Hono<{ Bindings: HttpBindings }>();

  app.onError((err, c) => {
    logger.error({ err: { message: err.message, stack: err.stack } }, 'sim gateway: unhandled error');
    return fail(c, 500, 'internal_error', 'Internal error.');
  });
  app.notFound((c) => fail(c, 404, 'not_found', `No route for ${c.req.method} ${c.req.path}.`));

  app.get('/healthz', (c) => c.json({ ok: true }));

  app.post('/reset', (c) => {
    ledger.reset();
    logger.info({ event: 'reset' }, 'sim gateway: ledger reset');
    return c.json({ ok: true });
  });

  app.get('/charges', (c) =>
    c.json(
      ledger
        .list({
          idempotency_key: c.req.query('idempotency_key'),
          payment_method_id: c.req.query('payment_method_id'),
        })
        .map(listBody),
    ),
  );

  app.get('/v1/charges/:idempotency_key', (c) => {
    const key = c.req.param('idempotency_key');
    const found = ledger.get(key);
    if (!found) return fail(c, 404, 'not_found', `No charge recorded for idempotency key ${key}.`);
    return c.json(lookupBody(found));
  });

  app.post('/v1/charges', async (c) => {
    let raw: unknown;
    try {
      raw = JSON.parse(await c.req.text());
    } catch {
      return fail(c, 400, 'invalid_json', 'The request body must be valid JSON.');
    }
    const parsed = ChargeBody.safeParse(raw);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      return fail(c, 400, 'invalid_request', 'The charge request is invalid.', { issues });
    }
    const body = parsed.data;
    const headerKey = c.req.header('idempotency-key');
    if (headerKey !== undefined && !IDEMPOTENCY_KEY_RE.test(headerKey)) {
      return fail(c, 400, 'invalid_request', 'The Idempotency-Key header is invalid.', {
        issues: [{ path: 'Idempotency-Key', message: 'expected 1-255 characters of [A-Za-z0-9._:~+=@-]' }],
      });
    }
    if (headerKey !== undefined && body.idempotency_key !== undefined && headerKey !== body.idempotency_key) {
      return fail(
        c,
        400,
        'idempotency_key_mismatch',
        'The Idempotency-Key header and body idempotency_key differ.',
      );
    }
    const key = body.idempotency_key ?? headerKey;
    if (key === undefined) {
      return fail(
        c,
        400,
        'idempotency_key_required',
        'An idempotency key is required (body or Idempotency-Key).',
      );
    }

    // From here to ledger.record() everything is synchronous: concurrent requests cannot both charge a key.
    const existing = ledger.get(key);
    if (existing) {
      const same =
        existing.payment_method_id === body.payment_method_id &&
        existing.currency === body.currency &&
        sameAmount(existing.amount, body.amount);
      logger.debug({ event: 'replay', idempotency_key: key, conflict: !same }, 'sim gateway: replay');
      await delay(latencyMs);
      if (!same) {
        return fail(
          c,
          409,
          'idempotency_key_reused',
          'This idempotency key was already used for a charge with a different payment method, amount or currency.',
        );
      }
      return c.json(chargeBody(existing, true));
    }

    const n = ledger.nextRank(body.payment_method_id);
    const outcome = outcomeFor(body.payment_method_id, n);
    logger.debug(
      {
        event: 'charge',
        idempotency_key: key,
        payment_method_id: body.payment_method_id,
        n,
        outcome: outcomeWord(outcome),
      },
      'sim gateway: charge request',
    );

    // The step is on disk before the gateway acts on it, like the charges below.
    if (outcome.kind === 'timeout' || outcome.kind === 'error500')
      ledger.countRequest(body.payment_method_id);
    if (outcome.kind === 'timeout') return hang(c);
    if (outcome.kind === 'error500') {
      await delay(latencyMs);
      return fail(c, 500, 'internal_error', 'Simulated gateway failure; nothing was charged.');
    }

    const approved = outcome.kind !== 'decline';
    const code = outcome.kind === 'decline' ? outcome.code : 'approved';
    const authCode = approved ? randomBytes(3).toString('hex').toUpperCase() : null;
    const record = ledger.record({
      idempotency_key: key,
      payment_method_id: body.payment_method_id,
      amount: body.amount,
      currency: body.currency,
      status: approved ? 'approved' : 'declined',
      code,
      message: approved ? `Approved (auth code ${authCode})` : declineMessage(code),
      gateway_payment_id: `sim_ch_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
      amount_collected: approved ? body.amount : zeroLike(body.amount),
      auth_code: authCode,
      metadata: body.metadata ?? null,
      response_lost: outcome.kind === 'lost_response',
      at: new Date().toISOString(),
    });
    await delay(latencyMs);

    if (outcome.kind === 'lost_response') {
      const socket = socketOf(c);
      socket?.destroy();
      // Only reaches a caller when there is no socket (in-process app.request()).
      return fail(c, 502, 'response_lost', 'The charge was made but its answer was lost.');
    }
    return c.json(chargeBody(record, false));
  });

  async function listen(port: number, host = '127.0.0.1') {
    if (closed) throw new Error('sim gateway: already closed');
    if (server) throw new Error('sim gateway: already listening');
    const s = createAdaptorServer({ fetch: app.fetch, hostname: host }) as Server;
    server = s;
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve();
      });
    });
    const actual = (s.address() as AddressInfo).port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
    return { port: actual, url };
  }

  async function close() {
    closed = true;
    for (const release of [...pending]) release();
    const s = server;
    if (s?.listening) {
      await new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections();
      });
    }
    ledger.close();
  }

  return { app, listen, close, ledger };
}
