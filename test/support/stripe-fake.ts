import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for api.stripe.com that speaks its wire format, so the tests run the real `stripe`
// SDK: form-encoded requests (`metadata[k]=v`, `expand[0]=x`), JSON answers, a Bearer secret key,
// `Idempotency-Key` replay (same key + same parameters → the stored answer with
// `Idempotent-Replayed: true`; other parameters → 400 idempotency_error; a key still in flight → 409),
// 402 card errors carrying the PaymentIntent, search by metadata, and invoices paid with
// `POST /v1/invoices/{id}/pay`. Cards behave as Stripe's own test payment methods do
// (`pm_card_visa` approves, `pm_card_chargeDeclinedInsufficientFunds` declines, ...).
//
// Faults are scripted per request: `failNext` answers the next matching requests with a 5xx/429
// WITHOUT doing anything; `blackHole` does the work (or replays it, for a key already used) and then
// never answers (a lost response); `dropNext` neither does anything nor answers (lost on the way in).

export const FAKE_SECRET_KEY = 'sk_test_fake_payment_retry';

type Json = Record<string, unknown>;

export interface RecordedRequest {
  method: string;
  path: string;
  query: Json;
  form: Json;
  idempotencyKey: string | undefined;
  stripeVersion: string | undefined;
}

export interface FakeCustomer {
  id: string;
  invoice_settings: { default_payment_method: string | null };
}

export interface FakePaymentIntent {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_received: number;
  currency: string;
  customer: string | null;
  payment_method: string | null;
  status: string;
  metadata: Record<string, string>;
  last_payment_error: Json | null;
  off_session?: boolean;
  created: number;
  livemode: false;
  invoice?: string | null;
}

export interface FakeInvoice {
  id: string;
  object: 'invoice';
  customer: string;
  currency: string;
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  attempt_count: number;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  default_payment_method: string | null;
  due_date: number | null;
  parent: { type: 'subscription_details'; subscription_details: { subscription: string } } | null;
  created: number;
  livemode: false;
  /** The invoice's PaymentIntents, oldest first (Stripe's InvoicePayments). */
  payment_intents: string[];
}

interface Fault {
  match: (r: RecordedRequest) => boolean;
  status: number;
  error: Json;
  times: number;
}

interface BlackHole {
  match: (r: RecordedRequest) => boolean;
  times: number;
}

/** The card a test payment method stands for: Stripe's documented test PaymentMethods. */
const CARDS: Record<
  string,
  { code: string; decline_code?: string; message: string } | 'approve' | 'auth' | 'action'
> = {
  pm_card_visa: 'approve',
  pm_card_mastercard: 'approve',
  pm_card_chargeDeclined: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedLostCard: {
    code: 'card_declined',
    decline_code: 'lost_card',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedStolenCard: {
    code: 'card_declined',
    decline_code: 'stolen_card',
    message: 'Your card was declined.',
  },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', message: 'Your card has expired.' },
  pm_card_chargeDeclinedIncorrectCvc: {
    code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
  },
  pm_card_chargeDeclinedProcessingError: {
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  // Off-session, a card that needs 3-D Secure fails with authentication_required.
  pm_card_authenticationRequired: 'auth',
  // A card whose issuer asks for 3-D Secure on this payment: the PaymentIntent is answered with
  // status requires_action (HTTP 200), waiting for a customer who is not there.
  pm_card_threeDSecure2Required: 'action',
};

/** Stripe's `a[b][0]=c` form encoding → nested objects and arrays (what the SDK sends). */
export function parseStripeForm(text: string): Json {
  const out: Json = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const [head, ...rest] = rawKey.split('[');
    const path = [head as string, ...rest.map((p) => p.replace(/]$/, ''))];
    let node: Json = out;
    path.forEach((seg, i) => {
      const last = i === path.length - 1;
      const key: string | number = Array.isArray(node) ? (seg === '' ? node.length : Number(seg)) : seg;
      const slot = node as Record<string | number, unknown>;
      if (last) {
        slot[key] = value;
        return;
      }
      if (slot[key] === undefined) slot[key] = /^\d*$/.test(path[i + 1] as string) ? [] : {};
      node = slot[key] as Json;
    });
  }
  return out;
}

const id = (prefix: string) => `${prefix}_${randomBytes(12).toString('hex')}`;
const now = () => Math.floor(Date.now() / 1000);

export interface StripeFake {
  /** E.g. `http://127.0.0.1:54321`: what STRIPE_API_BASE points at. */
  url: string;
  requests: RecordedRequest[];
  customers: Map<string, FakeCustomer>;
  paymentIntents: Map<string, FakePaymentIntent>;
  invoices: Map<string, FakeInvoice>;
  addCustomer(c: { id?: string; default_payment_method?: string | null }): FakeCustomer;
  addInvoice(i: {
    customer: string;
    amount: number;
    currency?: string;
    default_payment_method?: string | null;
    subscription?: string;
    status?: FakeInvoice['status'];
  }): FakeInvoice;
  /**
   * Stripe's own collection attempt on an invoice (what a subscription renewal does): a PaymentIntent
   * charged with `payment_method`; the invoice is paid or stays open with `attempt_count` raised.
   */
  attemptInvoice(invoiceId: string, payment_method: string): FakePaymentIntent;
  /** Answer the next `times` requests matching with `status` (doing nothing). */
  failNext(match: (r: RecordedRequest) => boolean, status: number, times?: number, error?: Json): void;
  /** Do (or replay) the next `times` matching requests but never answer them. */
  blackHole(match: (r: RecordedRequest) => boolean, times?: number): void;
  /** Neither do nor answer the next `times` matching requests. */
  dropNext(match: (r: RecordedRequest) => boolean, times?: number): void;
  /** PaymentIntents that moved money (succeeded). */
  succeeded(): FakePaymentIntent[];
  close(): Promise<void>;
}

export async function startStripeFake(): Promise<StripeFake> {
  const requests: RecordedRequest[] = [];
  const customers = new Map<string, FakeCustomer>();
  const paymentIntents = new Map<string, FakePaymentIntent>();
  const invoices = new Map<string, FakeInvoice>();
  const faults: Fault[] = [];
  const holes: BlackHole[] = [];
  const drops: BlackHole[] = [];
  const idempotency = new Map<string, { fingerprint: string; status: number; body: Json }>();
  const inFlight = new Set<string>();
  const hanging = new Set<ServerResponse>();

  const stripeError = (status: number, error: Json) => ({ status, body: { error } });
  const notFound = (what: string, value: string) =>
    stripeError(404, {
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'id',
      message: `No such ${what}: '${value}'`,
    });

  /** One charge of `pm` for `amount`: a PaymentIntent, succeeded or carrying the card's error. */
  const chargeCard = (args: {
    amount: number;
    currency: string;
    customer: string | null;
    payment_method: string;
    metadata: Record<string, string>;
    off_session: boolean;
    invoice?: string;
  }): { pi: FakePaymentIntent; error: Json | null } => {
    const pi: FakePaymentIntent = {
      id: id('pi'),
      object: 'payment_intent',
      amount: args.amount,
      amount_received: 0,
      currency: args.currency,
      customer: args.customer,
      payment_method: args.payment_method,
      status: 'requires_payment_method',
      metadata: args.metadata,
      last_payment_error: null,
      created: now(),
      livemode: false,
      invoice: args.invoice ?? null,
    };
    paymentIntents.set(pi.id, pi);
    const card = CARDS[args.payment_method];
    if (card === 'approve') {
      pi.status = 'succeeded';
      pi.amount_received = args.amount;
      return { pi, error: null };
    }
    if (card === 'action') {
      pi.status = 'requires_action';
      return { pi, error: null };
    }
    const failure =
      card === 'auth'
        ? {
            code: 'authentication_required',
            decline_code: 'authentication_required',
            message: 'Your card was declined. This transaction requires authentication.',
          }
        : (card ?? null);
    if (failure === null) {
      return {
        pi,
        error: {
          type: 'invalid_request_error',
          code: 'resource_missing',
          param: 'payment_method',
          message: `No such PaymentMethod: '${args.payment_method}'`,
        },
      };
    }
    const lastError: Json = {
      type: 'card_error',
      code: failure.code,
      ...(failure.decline_code ? { decline_code: failure.decline_code } : {}),
      message: failure.message,
      payment_method: { id: args.payment_method, object: 'payment_method' },
    };
    pi.last_payment_error = lastError;
    return { pi, error: { ...lastError, payment_intent: pi } };
  };

  const publicInvoice = (inv: FakeInvoice, expand: string[]) => {
    const { payment_intents, ...rest } = inv;
    const out: Json = { ...rest };
    if (expand.some((e) => e.startsWith('payments'))) {
      const expandPi = expand.includes('payments.data.payment.payment_intent');
      out.payments = {
        object: 'list',
        has_more: false,
        url: `/v1/invoices/${inv.id}/payments`,
        // Newest first, as Stripe lists.
        data: [...payment_intents].reverse().map((piId) => {
          const pi = paymentIntents.get(piId) as FakePaymentIntent;
          return {
            id: `inpay_${piId.slice(3)}`,
            object: 'invoice_payment',
            amount_paid: pi.status === 'succeeded' ? pi.amount_received : null,
            amount_requested: pi.amount,
            currency: pi.currency,
            invoice: inv.id,
            is_default: true,
            status: pi.status === 'succeeded' ? 'paid' : 'open',
            created: pi.created,
            payment: { type: 'payment_intent', payment_intent: expandPi ? pi : pi.id },
          };
        }),
      };
    }
    if (expand.includes('customer')) out.customer = customers.get(inv.customer) ?? inv.customer;
    return out;
  };

  const payInvoice = (inv: FakeInvoice, payment_method: string, off_session: boolean) => {
    const { pi, error } = chargeCard({
      amount: inv.amount_remaining,
      currency: inv.currency,
      customer: inv.customer,
      payment_method,
      metadata: {},
      off_session,
      invoice: inv.id,
    });
    inv.payment_intents.push(pi.id);
    inv.attempt_count += 1;
    if (!error && pi.status === 'requires_action') {
      // Stripe leaves the invoice open and refuses the pay call: the customer must authenticate.
      const refusal: Json = {
        type: 'invalid_request_error',
        code: 'invoice_payment_intent_requires_action',
        message: 'This payment requires additional user action before it can be completed successfully.',
        payment_intent: pi,
      };
      return { pi, error: refusal };
    }
    if (!error) {
      inv.amount_paid += pi.amount_received;
      inv.amount_remaining = 0;
      inv.status = 'paid';
    }
    return { pi, error };
  };

  const route = (r: RecordedRequest): { status: number; body: Json } => {
    const { method, path, form } = r;
    const expand = ((r.method === 'GET' ? r.query.expand : form.expand) ?? []) as string[];
    /** The path's one id when it matches `/v1/<collection>/<id><suffix>`. */
    const idIn = (collection: string, suffix = ''): string | undefined =>
      path.match(new RegExp(`^/v1/${collection}/([^/]+)${suffix}$`))?.[1];
    const piId = method === 'GET' ? idIn('payment_intents') : undefined;
    const customerId = method === 'GET' ? idIn('customers') : undefined;
    const invoiceId = method === 'GET' ? idIn('invoices') : undefined;
    const payId = method === 'POST' ? idIn('invoices', '/pay') : undefined;
    if (method === 'POST' && path === '/v1/payment_intents') {
      if (form.confirm !== 'true') {
        return stripeError(400, { type: 'invalid_request_error', message: 'fake: only confirm=true' });
      }
      const amount = Number(form.amount);
      if (!Number.isInteger(amount) || amount <= 0) {
        return stripeError(400, {
          type: 'invalid_request_error',
          param: 'amount',
          message: 'Invalid integer',
        });
      }
      const customer = String(form.customer ?? '');
      if (customer && !customers.has(customer)) return notFound('customer', customer);
      const { pi, error } = chargeCard({
        amount,
        currency: String(form.currency),
        customer: customer || null,
        payment_method: String(form.payment_method),
        metadata: (form.metadata ?? {}) as Record<string, string>,
        off_session: form.off_session === 'true',
      });
      if (!error) return { status: 200, body: pi as unknown as Json };
      return stripeError(error.type === 'card_error' ? 402 : 400, error);
    }
    if (method === 'GET' && path === '/v1/payment_intents/search') {
      const q = String(r.query.query ?? '');
      const mq = q.match(/^metadata\['([^']+)'\]:'([^']*)'$/);
      if (!mq) return stripeError(400, { type: 'invalid_request_error', message: `fake: query ${q}` });
      const [, key, value] = mq;
      const data = [...paymentIntents.values()].filter((pi) => pi.metadata[key as string] === value);
      return {
        status: 200,
        body: { object: 'search_result', data, has_more: false, next_page: null, url: path },
      };
    }
    if (piId !== undefined && piId !== 'search') {
      const pi = paymentIntents.get(piId);
      return pi ? { status: 200, body: pi as unknown as Json } : notFound('payment_intent', piId);
    }
    if (customerId !== undefined) {
      const c = customers.get(customerId);
      return c ? { status: 200, body: { object: 'customer', ...c } } : notFound('customer', customerId);
    }
    if (invoiceId !== undefined) {
      const inv = invoices.get(invoiceId);
      return inv ? { status: 200, body: publicInvoice(inv, expand) } : notFound('invoice', invoiceId);
    }
    if (payId !== undefined) {
      const inv = invoices.get(payId);
      if (!inv) return notFound('invoice', payId);
      if (inv.status === 'paid') {
        return stripeError(400, { type: 'invalid_request_error', message: 'Invoice is already paid' });
      }
      if (inv.status !== 'open') {
        return stripeError(400, {
          type: 'invalid_request_error',
          message: "You can only pass in open invoices. This invoice isn't open.",
        });
      }
      const customer = customers.get(inv.customer);
      const pm = String(
        form.payment_method ??
          inv.default_payment_method ??
          customer?.invoice_settings.default_payment_method ??
          '',
      );
      const { error } = payInvoice(inv, pm, form.off_session === 'true');
      if (!error) return { status: 200, body: publicInvoice(inv, expand) };
      return stripeError(error.type === 'card_error' ? 402 : 400, error);
    }
    return stripeError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  };

  const send = (res: ServerResponse, status: number, body: Json, replayed = false) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      'request-id': id('req'),
      'stripe-version': '2026-10-28.endive',
      ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
    });
    res.end(JSON.stringify(body));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const header = (name: string) => {
      const v = req.headers[name];
      return Array.isArray(v) ? v[0] : v;
    };
    const r: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: parseStripeForm(url.search.slice(1)),
      form: req.method === 'POST' ? parseStripeForm(text) : {},
      idempotencyKey: header('idempotency-key'),
      stripeVersion: header('stripe-version'),
    };
    requests.push(r);
    if (header('authorization') !== `Bearer ${FAKE_SECRET_KEY}`) {
      return send(res, 401, {
        error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_***' },
      });
    }
    const drop = drops.find((d) => d.times > 0 && d.match(r));
    if (drop) {
      drop.times -= 1;
      hanging.add(res);
      return; // lost before Stripe saw it
    }
    const fault = faults.find((f) => f.times > 0 && f.match(r));
    if (fault) {
      fault.times -= 1;
      return send(res, fault.status, { error: fault.error });
    }
    /** The answer, unless a black hole swallows it (the work is done all the same). */
    const answerWith = (status: number, body: Json, replayed = false) => {
      const hole = holes.find((h) => h.times > 0 && h.match(r));
      if (hole) {
        hole.times -= 1;
        hanging.add(res);
        return;
      }
      send(res, status, body, replayed);
    };
    const key = r.method === 'POST' ? r.idempotencyKey : undefined;
    const fingerprint = `${r.method} ${r.path} ${text}`;
    let answer: { status: number; body: Json };
    if (key !== undefined) {
      const stored = idempotency.get(key);
      if (stored) {
        if (stored.fingerprint !== fingerprint) {
          return send(res, 400, {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          });
        }
        return answerWith(stored.status, stored.body, true);
      }
      if (inFlight.has(key)) {
        return send(res, 409, {
          error: {
            type: 'idempotency_error',
            code: 'idempotency_key_in_use',
            message: 'There is currently another in-progress request using this Stripe-Idempotency-Key.',
          },
        });
      }
      inFlight.add(key);
      try {
        answer = route(r);
        // Stripe stores every answer under the key, except 5xx/429 that did nothing.
        idempotency.set(key, { fingerprint, ...answer });
      } finally {
        inFlight.delete(key);
      }
    } else {
      answer = route(r);
    }
    answerWith(answer.status, answer.body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => send(res, 500, { error: { type: 'api_error', message: String(err) } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    customers,
    paymentIntents,
    invoices,
    addCustomer(c) {
      const customer: FakeCustomer = {
        id: c.id ?? id('cus'),
        invoice_settings: { default_payment_method: c.default_payment_method ?? null },
      };
      customers.set(customer.id, customer);
      return customer;
    },
    addInvoice(i) {
      const inv: FakeInvoice = {
        id: id('in'),
        object: 'invoice',
        customer: i.customer,
        currency: i.currency ?? 'usd',
        amount_due: i.amount,
        amount_paid: 0,
        amount_remaining: i.amount,
        attempt_count: 0,
        status: i.status ?? 'open',
        default_payment_method: i.default_payment_method ?? null,
        due_date: null,
        parent: i.subscription
          ? { type: 'subscription_details', subscription_details: { subscription: i.subscription } }
          : null,
        created: now(),
        livemode: false,
        payment_intents: [],
      };
      invoices.set(inv.id, inv);
      return inv;
    },
    attemptInvoice(invoiceId, payment_method) {
      const inv = invoices.get(invoiceId);
      if (!inv) throw new Error(`no invoice ${invoiceId}`);
      return payInvoice(inv, payment_method, true).pi;
    },
    failNext(match, status, times = 1, error) {
      faults.push({
        match,
        status,
        times,
        error: error ?? {
          type: status === 429 ? 'invalid_request_error' : 'api_error',
          ...(status === 429 ? { code: 'rate_limit' } : {}),
          message: `fake: scripted HTTP ${status}`,
        },
      });
    },
    blackHole(match, times = 1) {
      holes.push({ match, times });
    },
    dropNext(match, times = 1) {
      drops.push({ match, times });
    },
    succeeded: () => [...paymentIntents.values()].filter((pi) => pi.status === 'succeeded'),
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
