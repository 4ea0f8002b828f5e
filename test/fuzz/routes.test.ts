// First: the API's zod extension must load before any schema it annotates.
import '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, createApp } from '../../api/app';
import { createFailedAuthLimiter } from '../../api/failed-auth-limiter';
import { createReadiness } from '../../api/readiness';
import { createManualRetryClient } from '../../client/manual-retries';
import { queryRows } from '../../db/rows';
import type { RetryConfig } from '../../policy';
import { basic, TEST_TOKEN, TEST_USER, testApp } from '../support/api';
import { failedPayment, type Harness, startHarness, testConfig } from '../support/cycle-harness';
import { exampleOf, type Operation, operationsOf } from './support/openapi';
import { type RequestSpec, requestsFor, toRequestInit } from './support/requests';

// Every route of /openapi.json, fuzzed through app.request() with a real database, a real Temporal
// server and a worker behind it: odd path ids, wrong methods and content types, broken and huge
// bodies, bad credentials. Every answer must be under 500, every error `{success: false, message}`,
// and a rejected request (or any GET) must write nothing: the checksum of every table is the same
// before and after it.

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 65);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/** How long a request may take to answer. */
const ANSWER_MS = 5_000;

/** The test rules with every retry an hour away: nothing happens in the background unless asked. */
function quietConfig(): RetryConfig {
  const base = testConfig(3);
  return {
    ...base,
    customer_groups: base.customer_groups.map((g) => ({
      ...g,
      attempts: g.attempts.map((a) => ({
        ...a,
        '*': { action: 'Retry', criteria: 'incremental_time', interval: 'PT1H' },
      })),
    })),
  } as RetryConfig;
}

type Json = Record<string, unknown>;

/** Replaced in every request by a value of its own, so one request's document never affects the next. */
const UNIQUE = 'FUZZ-UNIQUE';
/** A valid failed payment whose ids are fresh in each request (a cycle that sleeps for an hour). */
const uniquePayment = () =>
  failedPayment('sim.approve', {
    payment_id: `P-${UNIQUE}`,
    account_id: `A-${UNIQUE}`,
    invoice_id: `INV-${UNIQUE}`,
    account: { segment: 'slow' },
  });

/** Path ids every route gets once (already percent-encoded, or deliberately not). */
const ODD_IDS: Record<string, string> = {
  sql: encodeURIComponent("'; DROP TABLE cycles; --"),
  unicode: encodeURIComponent('Ωmega-😀-\u202e'),
  long: 'y'.repeat(1000),
  NUL: encodeURIComponent('a\u0000b'),
  'raw bad UTF-8': '%ED%A0%80%FF%C0%80',
  'raw lone %': 'a%zz%',
  'NUL beside raw %': 'a%00b%zz',
  // Past what an integer column holds (config versions are one), and past any safe integer.
  'past int4': '2147483648',
  'forty-digit': '9'.repeat(40),
};

/** JSON text `depth` arrays deep: JSON.stringify itself overflows the stack on such a value. */
const deepJson = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Values the next layer cannot take, for the body fields of those names (issue 13). */
const BAD_FIELD_VALUES: Record<string, [string, unknown][]> = {
  currency: [['unknown currency', 'ZZZ']],
  amount: [
    ['too many decimals', '10.125'],
    ['leading zero', '0100.00'],
  ],
  gateway_id: [['unconfigured gateway', 'stripe']],
};

/** The value with every string in it replaced. */
function everyString(value: unknown, by: string): unknown {
  if (typeof value === 'string') return by;
  if (Array.isArray(value)) return value.map((v) => everyString(v, by));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyString(v, by)]));
  }
  return value;
}

// Postgres only: the fuzz checks the routes' answers and that rejected requests write nothing, which
// is decided before the driver (the route tests run every route on both drivers); twice would double
// the slowest API file.
/** Error log lines of the fuzzed app, so a 500 can be reported with its cause. */
const errorLog: string[] = [];
let h: Harness;
let t: Awaited<ReturnType<typeof testApp>>;
let app: App;
beforeAll(async () => {
  h = await startHarness({ config: quietConfig() });
  const manualRetries = createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue });
  // testApp stores the login; the app under fuzz is the same, with its error log kept.
  t = await testApp('postgres', { db: h.db, cycles: h.cycles, manualRetries });
  app = createApp({
    db: h.db.db,
    logger: pino({ level: 'error' }, { write: (line: string) => void errorLog.push(line) }),
    readiness: createReadiness(),
    limiter: createFailedAuthLimiter({ max: 1_000_000_000, windowMs: 60_000 }),
    cycles: h.cycles,
    gatewayIds: ['sim'],
    manualRetries,
  });
});

/** What the app logged for the request id a 500 quotes. */
function causeOf(text: string): string {
  const id = /request id (\S+)/.exec(text)?.[1];
  const line = id ? errorLog.find((l) => l.includes(id)) : undefined;
  if (!line) return '';
  try {
    const err = (JSON.parse(line) as { err?: { message?: string; cause?: { message?: string } } }).err;
    return ` [cause: ${(err?.cause?.message ?? err?.message ?? '').replace(/\s+/g, ' ').slice(0, 300)}]`;
  } catch {
    return '';
  }
}
afterAll(async () => {
  await t?.close();
  await h?.close();
});

let checksumQuery: ReturnType<typeof sql.raw> | undefined;
/** One md5 per table over all its rows (every table of the schema, whoever added it). */
async function checksum(): Promise<string> {
  if (!checksumQuery) {
    const tables = await queryRows<{ name: string }>(
      h.db.db,
      sql`select tablename as name from pg_tables where schemaname = 'public' order by 1`,
    );
    const parts = tables.map(
      (tb) => `(select md5(coalesce(string_agg(x::text, '|' order by x::text), '')) from "${tb.name}" x)`,
    );
    checksumQuery = sql.raw(`select concat_ws(',', ${parts.join(', ')}) as sum`);
  }
  const [row] = await queryRows<{ sum: string }>(h.db.db, checksumQuery);
  return row?.sum ?? '';
}

/** Until nothing in the database changes for a second (a valid request may have work in flight). */
async function quiet(): Promise<void> {
  let last = await checksum();
  let stableSince = Date.now();
  const deadline = Date.now() + 15_000;
  while (Date.now() - stableSince < 1000 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = await checksum();
    if (now !== last) {
      last = now;
      stableSince = Date.now();
    }
  }
}

it('answers every route, whatever it is sent, under 500, in the error shape, writing nothing when it rejects', async () => {
  const started = Date.now();
  const doc = (await (await t.app.request('/openapi.json')).json()) as Json;
  const ops = operationsOf(doc);
  expect(ops.length).toBeGreaterThan(20);

  // Something to find: an active invoice cycle, a debit memo cycle, a cycle ended by removal (manual
  // retries need an ended one; not by a never-retry code, which refuses them) with a manual retry,
  // and a registered failed payment.
  const subscription = `Subscription-fuzz-${SEED}`;
  const active = failedPayment('sim.approve', {
    account: { segment: 'slow' },
    subscription_id: subscription,
  });
  const memo = failedPayment('sim.approve', { account: { segment: 'slow' } });
  const { invoice_id: memoId, ...memoRest } = memo;
  const ended = failedPayment('sim.do_not_honor', {
    account: { segment: 'slow' },
    subscription_id: subscription,
  });
  await h.cycles.submit(active);
  await h.cycles.submit({ ...memoRest, debit_memo_id: `DM-${memoId}` });
  const endedCycle = await h.cycles.submit(ended);
  await h.cycles.remove({ type: 'invoice', id: ended.invoice_id as string });
  await h.cycles.handle({ type: 'invoice', id: ended.invoice_id as string }).result();
  const retryRes = await t.app.request(
    `/subscriptions/${subscription}/billing-cycles/${endedCycle.billing_cycle_id}/manual-retries`,
    {
      method: 'POST',
      headers: { 'x-api-key': TEST_TOKEN, 'content-type': 'application/json', 'accept-language': 'en-US' },
      body: JSON.stringify({ reason: 'fuzz seed' }),
    },
  );
  expect(retryRes.status).toBe(201);
  const retry = (await retryRes.json()) as { id: string };
  const registered = failedPayment('sim.approve', { account: { segment: 'slow' } });
  const beforeWrite = await checksum();
  expect((await t.json('POST', '/api/v1/payments/failed_payments', registered)).status).toBe(201);
  expect(await checksum(), 'the checksum sees a write').not.toBe(beforeWrite);

  const known: Record<string, string[]> = {
    invoice_id: [active.invoice_id as string, ended.invoice_id as string],
    debit_memo_id: [`DM-${memoId}`],
    account_id: [active.account_id, ended.account_id],
    subscriptionId: [subscription, 'none'],
    billingCycleId: [endedCycle.billing_cycle_id],
    retryId: [retry.id],
    n: ['1', '2'],
  };
  const config = ((await (await t.json('GET', '/api/v1/config')).json()) as { config: unknown }).config;
  // Bodies that pass validation for the routes we know; any other route gets one built from its schema.
  const bases: Record<string, unknown> = {
    'POST /api/v1/payments/submit_failed_payment': uniquePayment(),
    'POST /api/v1/payments/failed_payments': uniquePayment(),
    'PUT /api/v1/config': config,
    'POST /api/v1/config/validate': config,
    'POST /api/v1/payments/execute_payments': { invoice_ids: ['INV-fuzz-unknown'] },
    'POST /subscriptions/{subscriptionId}/billing-cycles/{billingCycleId}/manual-retries': { reason: 'fuzz' },
  };
  const ctx = (op: Operation) => ({
    known,
    base: op.id in bases ? bases[op.id] : exampleOf(op.bodySchema, doc),
    valid: { ...basic(), 'x-api-key': TEST_TOKEN },
    user: TEST_USER,
    token: TEST_TOKEN,
  });

  await quiet();
  const violations = new Map<string, { count: number; example: string }>();
  const perKind: Record<string, number> = {};
  const perStatus: Record<string, number> = {};
  let requests = 0;

  /** The answer, or null when there is none within ANSWER_MS (the request is left to hang). */
  const send = async (spec: RequestSpec) => {
    requests++;
    let timer: NodeJS.Timeout | undefined;
    const answered = (async () => {
      const res = await app.request(
        spec.path.replaceAll(UNIQUE, `u${requests}`),
        toRequestInit(spec, UNIQUE, `u${requests}`),
      );
      return { res, text: await res.text() };
    })();
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), ANSWER_MS);
    });
    try {
      return await Promise.race([answered, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  const violation = (spec: RequestSpec, what: string, detail: string) => {
    const key = `${spec.op} | ${what}`;
    const seen = violations.get(key);
    if (seen) seen.count++;
    else {
      const body = typeof spec.body === 'string' ? spec.body.slice(0, 300) : JSON.stringify(spec.body);
      violations.set(key, {
        count: 1,
        example: `${spec.method} ${spec.path.slice(0, 200)} headers=${JSON.stringify(spec.headers).slice(0, 300)} body=${body} -> ${detail.slice(0, 400)}`,
      });
    }
  };

  const check = async (spec: RequestSpec) => {
    const before = await checksum();
    const answer = await send(spec);
    const after = await checksum();
    for (const k of spec.kinds) perKind[k] = (perKind[k] ?? 0) + 1;
    if (!answer) {
      perStatus['no answer'] = (perStatus['no answer'] ?? 0) + 1;
      violation(spec, `no answer within ${ANSWER_MS / 1000} s`, '(still waiting)');
      return false;
    }
    const { res, text } = answer;
    const bucket = `${Math.floor(res.status / 100)}xx`;
    perStatus[bucket] = (perStatus[bucket] ?? 0) + 1;

    const op = ops.find((o) => o.id === spec.op);
    // A status the route declares with a body of its own (e.g. /readyz: 503 {ready: false}) is its contract.
    const ownBody = op?.responses[String(res.status)]?.error === false;
    if (res.status >= 500 && !ownBody)
      violation(spec, `answered ${res.status}`, `${res.status} ${text}${causeOf(text)}`);
    if (res.status >= 400 && spec.method !== 'HEAD' && !ownBody) {
      let body: Json | undefined;
      try {
        body = JSON.parse(text) as Json;
      } catch {
        violation(spec, `${res.status} is not JSON`, text);
      }
      if (body) {
        const errors = body.errors as unknown;
        const shaped =
          body.success === false &&
          typeof body.message === 'string' &&
          body.message.length > 0 &&
          (errors === undefined ||
            (Array.isArray(errors) &&
              errors.every(
                (e) =>
                  typeof e === 'object' &&
                  e !== null &&
                  typeof e.path === 'string' &&
                  typeof e.message === 'string',
              )));
        if (!shaped) violation(spec, `${res.status} is not {success: false, message}`, text);
      }
      if (!res.headers.get('content-type')?.includes('application/json')) {
        violation(spec, `${res.status} without a JSON content type`, String(res.headers.get('content-type')));
      }
    }
    if (spec.refused && res.status < 400) violation(spec, `accepted bad input (${res.status})`, text);
    if (op?.security !== 'none' && spec.badAuth && res.status < 400) {
      violation(spec, `accepted bad credentials (${res.status})`, text);
    }
    const mustNotWrite = res.status >= 400 || spec.method === 'GET' || spec.method === 'HEAD';
    if (mustNotWrite && before !== after) {
      // Work from an earlier, valid request may still be landing: let it, then send this one again.
      await quiet();
      const again = await checksum();
      const replay = await send(spec);
      if (replay && (replay.res.status >= 400 || spec.method === 'GET' || spec.method === 'HEAD')) {
        if ((await checksum()) !== again) {
          violation(spec, `wrote while answering ${replay.res.status}`, replay.text);
        }
      }
    }
  };

  // Per route: every fault at least once, then random requests.
  for (const op of ops) {
    const c = ctx(op);
    const fill = (p: string, v: string) =>
      op.pathParams.reduce((acc, name) => acc.replace(`{${name}}`, v), p);
    const path = fill(op.path, encodeURIComponent(known[op.pathParams[0] ?? '']?.[0] ?? 'x'));
    const validHeaders = { ...c.valid, 'content-type': 'application/json', 'accept-language': 'en-US' };
    const body = op.bodySchema ? JSON.stringify(c.base) : undefined;
    const fixed: RequestSpec[] = [
      { op: op.id, method: op.method, path, headers: {}, body, badAuth: true, kinds: ['no auth'] },
      {
        op: op.id,
        method: op.method,
        path,
        headers: { authorization: 'Basic !!!', 'x-api-key': 'nope' },
        body,
        badAuth: true,
        kinds: ['malformed Basic'],
      },
      {
        op: op.id,
        method: op.method === 'DELETE' ? 'PATCH' : 'DELETE',
        path,
        headers: validHeaders,
        badAuth: false,
        kinds: ['wrong method'],
      },
      {
        op: op.id,
        method: op.method === 'GET' ? 'POST' : op.method,
        path,
        headers: validHeaders,
        body: { oversize: 'length' },
        badAuth: false,
        kinds: ['oversize body'],
      },
      ...Object.entries(ODD_IDS).map(
        ([kind, id]): RequestSpec => ({
          op: op.id,
          method: op.method,
          path: fill(op.path, id),
          headers: validHeaders,
          body,
          badAuth: false,
          kinds: [`${kind} id`],
        }),
      ),
    ];
    if (op.bodySchema) {
      for (const [kind, odd] of [
        ['NUL', 'a\u0000b'],
        ['lone surrogate', 'a\ud800b'],
      ]) {
        fixed.push({
          op: op.id,
          method: op.method,
          path,
          headers: validHeaders,
          body: JSON.stringify(everyString(c.base, odd as string)),
          badAuth: false,
          kinds: [`${kind} in body strings`],
        });
      }
      // One odd string at a time, in each top-level string field of a valid body.
      const base = (c.base ?? {}) as Record<string, unknown>;
      fixed.push({
        op: op.id,
        method: op.method,
        path,
        headers: validHeaders,
        body: deepJson(10_000),
        badAuth: false,
        kinds: ['deep body'],
        refused: true,
      });
      for (const key of Object.keys(base).slice(0, 1)) {
        fixed.push({
          op: op.id,
          method: op.method,
          path,
          headers: validHeaders,
          body: JSON.stringify({ ...base, [key]: '__deep__' }).replace('"__deep__"', deepJson(3000)),
          badAuth: false,
          kinds: ['deep field'],
          refused: true,
        });
      }
      // Only a failed payment (it has a currency) must refuse these; e.g. a preview may name any gateway.
      for (const [key, bad] of Object.entries(BAD_FIELD_VALUES)) {
        if (!(key in base) || !('currency' in base)) continue;
        for (const [kind, value] of bad) {
          fixed.push({
            op: op.id,
            method: op.method,
            path,
            headers: validHeaders,
            body: JSON.stringify({ ...base, [key]: value }),
            badAuth: false,
            kinds: [kind],
            refused: true,
          });
        }
      }
      for (const [key, value] of Object.entries(base)) {
        if (typeof value !== 'string') continue;
        for (const [kind, odd] of [
          ['NUL', `${value}\u0000`],
          ['lone surrogate', `${value}\udc00`],
        ]) {
          fixed.push({
            op: op.id,
            method: op.method,
            path,
            headers: validHeaders,
            body: JSON.stringify({ ...base, [key]: odd }),
            badAuth: false,
            kinds: [`${kind} in body strings`],
          });
        }
      }
      fixed.push(
        {
          op: op.id,
          method: op.method,
          path,
          headers: { ...validHeaders, 'content-type': 'text/plain' },
          body,
          badAuth: false,
          kinds: ['content type'],
        },
        {
          op: op.id,
          method: op.method,
          path,
          headers: c.valid,
          badAuth: false,
          kinds: ['no body, no content type'],
        },
      );
    }
    // A fixed case that hangs is not repeated for the route's other fields (each would wait ANSWER_MS).
    const hung = new Set<string>();
    for (const spec of fixed) {
      const kind = spec.kinds.join();
      if (hung.has(kind)) continue;
      if ((await check(spec)) === false) hung.add(kind);
    }
    const specs = fc.sample(requestsFor(op, c), { numRuns: RUNS_PER_ROUTE, seed: SEED });
    for (const spec of specs) await check(spec);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `fuzz: ${requests} requests to ${ops.length} routes in ${seconds} s (seed ${SEED}, FUZZ_SEED=${SEED} to replay)`,
  );
  console.table([{ ...perStatus }]);
  console.table(Object.entries(perKind).map(([kind, n]) => ({ fuzzed: kind, requests: n })));
  const found = [...violations].map(([key, v]) => `${key} (${v.count}x): ${v.example}`);
  for (const line of found) console.error(`VIOLATION ${line}`);
  expect(found).toEqual([]);
}, 240_000);
