// First: the API's zod extension must load before any schema it annotates.
import '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS_PER_ROUTE ?? 75);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);

/**
 * Product bugs this suite found and reported, still open: a violation they explain is printed as a
 * warning instead of failing the run (FUZZ_STRICT=1 fails on them too). Delete an entry once fixed.
 */
const KNOWN_BUGS: { note: string; explains(spec: RequestSpec, status: number): boolean }[] = [
  {
    note: 'NUL or a lone surrogate in an id or a body string reaches Postgres, which refuses it: 500',
    explains: (spec, status) =>
      status === 500 &&
      /%00|\\u0000|\\ud[89a-f][0-9a-f]{2}/i.test(
        `${spec.path} ${typeof spec.body === 'string' ? spec.body : ''}`,
      ),
  },
  {
    note: 'PUT /api/v1/config and POST /api/v1/config/validate without a JSON body: the hook parses it again, 500',
    explains: (spec, status) =>
      status === 500 &&
      /^(PUT|POST) \/api\/v1\/config(\/validate)?$/.test(`${spec.method} ${spec.path}`) &&
      !/json/i.test(spec.headers['content-type'] ?? ''),
  },
];
const STRICT = process.env.FUZZ_STRICT === '1';

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

/** Path ids every route gets once (already percent-encoded, or deliberately not). */
const ODD_IDS: Record<string, string> = {
  sql: encodeURIComponent("'; DROP TABLE cycles; --"),
  unicode: encodeURIComponent('Ωmega-😀-\u202e'),
  long: 'y'.repeat(1000),
  NUL: encodeURIComponent('a\u0000b'),
  'raw bad UTF-8': '%ED%A0%80%FF%C0%80',
  'raw lone %': 'a%zz%',
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

let h: Harness;
let t: Awaited<ReturnType<typeof testApp>>;
beforeAll(async () => {
  h = await startHarness({ config: quietConfig() });
  t = await testApp('postgres', {
    db: h.db,
    cycles: h.cycles,
    manualRetries: createManualRetryClient({ client: h.temporal.client, taskQueue: h.taskQueue }),
    failedAuthMax: 1_000_000_000,
  });
});
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

  // Something to find: an active invoice cycle, a debit memo cycle, a cycle ended by a hard decline
  // (manual retries need one) with a manual retry, and a registered failed payment.
  const subscription = `Subscription-fuzz-${SEED}`;
  const active = failedPayment('sim.approve', {
    account: { segment: 'slow' },
    subscription_id: subscription,
  });
  const memo = failedPayment('sim.approve', { account: { segment: 'slow' } });
  const { invoice_id: memoId, ...memoRest } = memo;
  const ended = failedPayment('sim.lost_card', {
    gateway_response_code: 'lost_card',
    subscription_id: subscription,
  });
  await h.cycles.submit(active);
  await h.cycles.submit({ ...memoRest, debit_memo_id: `DM-${memoId}` });
  const endedCycle = await h.cycles.submit(ended);
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
    'POST /api/v1/payments/submit_failed_payment': failedPayment('sim.approve', {
      account: { segment: 'slow' },
    }),
    'POST /api/v1/payments/failed_payments': failedPayment('sim.approve', { account: { segment: 'slow' } }),
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
  const violations = new Map<string, { count: number; example: string; known?: string }>();
  const perKind: Record<string, number> = {};
  const perStatus: Record<string, number> = {};
  let requests = 0;

  const send = async (spec: RequestSpec) => {
    requests++;
    const res = await t.app.request(spec.path, toRequestInit(spec));
    return { res, text: await res.text() };
  };
  const violation = (spec: RequestSpec, what: string, detail: string, status: number) => {
    const known = KNOWN_BUGS.find((b) => b.explains(spec, status))?.note;
    const key = `${spec.op} | ${what}${known ? ' (known)' : ''}`;
    const seen = violations.get(key);
    if (seen) seen.count++;
    else {
      const body = typeof spec.body === 'string' ? spec.body.slice(0, 300) : JSON.stringify(spec.body);
      violations.set(key, {
        count: 1,
        example: `${spec.method} ${spec.path.slice(0, 200)} headers=${JSON.stringify(spec.headers).slice(0, 300)} body=${body} -> ${detail.slice(0, 400)}`,
        ...(known ? { known } : {}),
      });
    }
  };

  const check = async (spec: RequestSpec) => {
    const before = await checksum();
    const { res, text } = await send(spec);
    const after = await checksum();
    for (const k of spec.kinds) perKind[k] = (perKind[k] ?? 0) + 1;
    const bucket = `${Math.floor(res.status / 100)}xx`;
    perStatus[bucket] = (perStatus[bucket] ?? 0) + 1;

    const op = ops.find((o) => o.id === spec.op);
    // A status the route declares with a body of its own (e.g. /readyz: 503 {ready: false}) is its contract.
    const ownBody = op?.responses[String(res.status)]?.error === false;
    if (res.status >= 500 && !ownBody)
      violation(spec, `answered ${res.status}`, `${res.status} ${text}`, res.status);
    if (res.status >= 400 && spec.method !== 'HEAD' && !ownBody) {
      let body: Json | undefined;
      try {
        body = JSON.parse(text) as Json;
      } catch {
        violation(spec, `${res.status} is not JSON`, text, res.status);
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
        if (!shaped) violation(spec, `${res.status} is not {success: false, message}`, text, res.status);
      }
      if (!res.headers.get('content-type')?.includes('application/json')) {
        violation(
          spec,
          `${res.status} without a JSON content type`,
          String(res.headers.get('content-type')),
          res.status,
        );
      }
    }
    if (op?.security !== 'none' && spec.badAuth && res.status < 400) {
      violation(spec, `accepted bad credentials (${res.status})`, text, res.status);
    }
    const mustNotWrite = res.status >= 400 || spec.method === 'GET' || spec.method === 'HEAD';
    if (mustNotWrite && before !== after) {
      // Work from an earlier, valid request may still be landing: let it, then send this one again.
      await quiet();
      const again = await checksum();
      const replay = await send(spec);
      if (replay.res.status >= 400 || spec.method === 'GET' || spec.method === 'HEAD') {
        if ((await checksum()) !== again) {
          violation(spec, `wrote while answering ${replay.res.status}`, replay.text, replay.res.status);
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
      fixed.push({
        op: op.id,
        method: op.method,
        path,
        headers: { ...validHeaders, 'content-type': 'text/plain' },
        body,
        badAuth: false,
        kinds: ['content type'],
      });
    }
    for (const spec of fixed) await check(spec);
    const specs = fc.sample(requestsFor(op, c), { numRuns: RUNS_PER_ROUTE, seed: SEED });
    for (const spec of specs) await check(spec);
  }

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `fuzz: ${requests} requests to ${ops.length} routes in ${seconds} s (seed ${SEED}, FUZZ_SEED=${SEED} to replay)`,
  );
  console.table([{ ...perStatus }]);
  console.table(Object.entries(perKind).map(([kind, n]) => ({ fuzzed: kind, requests: n })));
  const open: string[] = [];
  for (const [key, v] of violations) {
    const line = `${key} (${v.count}x): ${v.example}`;
    if (v.known) console.warn(`KNOWN PRODUCT BUG (${v.known}): ${line}`);
    if (!v.known || STRICT) open.push(line);
  }
  for (const line of open) console.error(`VIOLATION ${line}`);
  expect(open).toEqual([]);
}, 240_000);
