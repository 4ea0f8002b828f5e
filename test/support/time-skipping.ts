import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Activities } from '../../activities';
import type { ChargeRequest, ChargeResult } from '../../domain/charge';
import type { FailedPayment } from '../../domain/failed-payment';
import type { RetryConfig } from '../../policy';
import { resolveTestServer } from '../../temporal/resolve-binary';
import { bundlerOptions, workflowsPath } from '../../worker/create-worker';
import { RETRY_CYCLE_WORKFLOW } from '../../workflows/messages';
import type { RetryCycleInput, RetryCycleWorkflow } from '../../workflows/retry-cycle-input';
import { customSearchAttributes } from '../../workflows/search-attributes';
import { freshFailedPayment } from './failed-payment';
import { uniqueName } from './temporal';

// The fast workflow tier: the real cycle workflow (RetryCycleV2) on Temporal's time-skipping test server, with stub
// activities in place of Postgres and the gateways, so days of a cycle's schedule pass in a second.
// The server binary is the project's pinned one (temporal/pins.json), never the SDK's download.

export { uniqueName };

/** One time-skipping server per test file; close it in afterAll. */
export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: resolveTestServer() } },
  });
  // The test server refuses upserts of attributes it does not know (the workflow task fails and retries
  // for ever), as a real server would: register ours the way the dev server gets them.
  // It implements addSearchAttributes but not listSearchAttributes, so this cannot reuse
  // temporal/register-search-attributes.ts (which adds only what the list lacks).
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      customSearchAttributes.map((key) => [key.name, INDEXED_TYPE[key.type]]),
    ),
  });
  return env;
}

const INDEXED_TYPE = {
  KEYWORD: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  INT: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  DATETIME: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
} as const;

/**
 * The workflow bundle the product's worker runs (workflowsPath and bundlerOptions of
 * worker/create-worker.ts): test/global-setup.ts builds it once per run; a file run without that
 * setup builds its own. `cleanup` removes only what this call created.
 */
export async function workflowBundle(): Promise<{ path: string; cleanup: () => void }> {
  const shared = inject('workflowBundlePath');
  if (shared) return { path: shared, cleanup: () => {} };
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    ...bundlerOptions,
    logger: new DefaultLogger('WARN'),
  });
  const dir = mkdtempSync(join(tmpdir(), 'cpr-fast-bundle-'));
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, bundle.code);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs `body` while a worker on a queue of its own serves `activities` with the product's workflow
 * bundle; the worker is shut down when `body` settles.
 */
/**
 * One time-skipping server and the workflow bundle for a test file: started before its tests, stopped
 * after them. Tests of the file share the server's clock (a test's `result()` lets it skip).
 */
export function perFileTimeSkipping(): {
  readonly env: TestWorkflowEnvironment;
  readonly bundlePath: string;
  withCycle<T>(
    start: {
      activities: object;
      input: RetryCycleInput;
      workflowId?: string;
      /** Another cycle type (RetryCycle, as cycles started before RetryCycleV2 run). */
      workflowType?: string;
    },
    body: (handle: WorkflowHandleWithFirstExecutionRunId<RetryCycleWorkflow>) => Promise<T>,
  ): Promise<T>;
} {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: Awaited<ReturnType<typeof workflowBundle>> | undefined;
  beforeAll(async () => {
    [env, bundle] = await Promise.all([startTimeSkipping(), workflowBundle()]);
  });
  afterAll(async () => {
    await env?.teardown();
    bundle?.cleanup();
  });
  return {
    get env() {
      if (!env) throw new Error('the time-skipping server is not started yet');
      return env;
    },
    get bundlePath() {
      if (!bundle) throw new Error('the workflow bundle is not built yet');
      return bundle.path;
    },
    /**
     * Starts a cycle with `input`, as the type new cycles start as (RETRY_CYCLE_WORKFLOW) unless told
     * otherwise, on a worker of its own over `activities`; `body` gets its handle.
     */
    withCycle(
      { activities, input, workflowId = uniqueName('cycle'), workflowType = RETRY_CYCLE_WORKFLOW },
      body,
    ) {
      const server = this.env;
      return withWorker(server, this.bundlePath, activities, async (taskQueue) =>
        body(
          await server.client.workflow.start<RetryCycleWorkflow>(workflowType, {
            taskQueue,
            workflowId,
            args: [input],
          }),
        ),
      );
    },
  };
}

export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  bundlePath: string,
  activities: object,
  body: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueName('fast');
  // As worker/create-worker.ts builds it, except the sticky queue's schedule-to-start timeout: a
  // workflow task the server refuses (a continue-as-new while a signal waited) evicts the run from
  // the worker's cache, and its retry waits this long on the sticky queue before the server hands it
  // to the normal one. The default 10 s made the history-limit tests take from 3 s to over a minute.
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    activities,
    workflowBundle: { codePath: bundlePath },
    shutdownGraceTime: '5s',
    stickyQueueScheduleToStartTimeout: '300ms',
  });
  return await worker.runUntil(body(taskQueue));
}

/** Every activity a RetryCycle run may call (new runs and the pre-patch paths of old ones). */
export type CycleActivities = Pick<
  Activities,
  | 'beginClaimedCycle'
  | 'claimPayment'
  | 'beginCycle'
  | 'loadConfig'
  | 'openCycle'
  | 'record'
  | 'methodHistory'
  | 'charge'
  | 'postWebhook'
>;

export type BeginClaimedInput = Parameters<Activities['beginClaimedCycle']>[0];
export type ClaimPaymentInput = Parameters<Activities['claimPayment']>[0];
export type RecordInput = Parameters<Activities['record']>[0];

/** A charge as the stub gateway saw it: the request and the workflow clock when it was scheduled. */
export interface ChargeCall {
  req: ChargeRequest;
  /** The server's (skipped) clock when the workflow scheduled the charge, epoch ms. */
  scheduledAt: number;
}

export type ChargeScript = (req: ChargeRequest, call: number) => ChargeResult | Promise<ChargeResult>;

export const declined =
  (code = 'insufficient_funds'): ChargeScript =>
  () => ({
    status: 'declined',
    code,
    message: `declined: ${code}`,
    gateway_payment_id: null,
    amount_collected: '0',
  });

export function approved(req: ChargeRequest): ChargeResult {
  return {
    status: 'approved',
    code: 'approved',
    message: 'approved',
    gateway_payment_id: `gw-${req.idempotency_key}`,
    amount_collected: req.amount,
  };
}

export interface StubOptions {
  config: RetryConfig;
  /** Answers the n-th charge (1-based, across every cycle of the stub). Declines by default. */
  charge?: ChargeScript;
  lifecycleWebhooks?: boolean;
  /** Cycle ids are handed out from here, one per cycle opened. */
  firstCycleId?: number;
}

/**
 * Stub activities shaped like `createActivities`: an in-memory claim store (a payment enters one
 * cycle, ever), a configuration, a scripted gateway, and a log of every call in order.
 */
export function stubActivities(opts: StubOptions) {
  const calls: { name: keyof CycleActivities; input: unknown }[] = [];
  const charges: ChargeCall[] = [];
  const claims = new Map<
    string,
    {
      run_id: string;
      workflow_id: string;
      cycle_id: number;
      billing_cycle_id: string;
      attempt_number: number;
    }
  >();
  const cyclesByRun = new Map<string, { cycle_id: number; billing_cycle_id: string }>();
  let nextCycleId = opts.firstCycleId ?? 1;
  const script = opts.charge ?? declined();
  const loaded = { version: 1, config: opts.config, lifecycle_webhooks: opts.lifecycleWebhooks ?? false };
  const groupOf = (payment: FailedPayment) => {
    // The catch-all group unless a group's filter on account.segment matches (all test configs use that).
    const segment = payment.account?.segment;
    const match = opts.config.customer_groups.find((g) =>
      g.filters.some((f) => f.field === 'segment' && f.value === segment),
    );
    const group = match ?? opts.config.customer_groups.find((g) => g.filters.length === 0);
    if (!group) throw new Error('test config has no catch-all group');
    return { id: group.id, name: group.name };
  };
  const open = (runId: string) => {
    const existing = cyclesByRun.get(runId);
    if (existing) return existing;
    const id = nextCycleId++;
    const ids = { cycle_id: id, billing_cycle_id: `BC-${id}` };
    cyclesByRun.set(runId, ids);
    return ids;
  };
  const log = (name: keyof CycleActivities, input: unknown) =>
    calls.push({ name, input: structuredClone(input) });

  const activities: CycleActivities = {
    async beginClaimedCycle(input) {
      log('beginClaimedCycle', input);
      const held = claims.get(input.payment.payment_id);
      if (held && held.run_id !== input.run_id) {
        return { kind: 'claimed', claim: { ...held, same_payment: true } };
      }
      const ids = open(input.run_id);
      claims.set(input.payment.payment_id, {
        run_id: input.run_id,
        workflow_id: input.workflow_id,
        ...ids,
        attempt_number: 1,
      });
      return { kind: 'opened', ...loaded, group: groupOf(input.payment), ...ids, previous_collected: null };
    },
    async claimPayment(input) {
      log('claimPayment', input);
      const held = claims.get(input.payment.payment_id);
      if (held && held.cycle_id !== input.cycle_id)
        return { kind: 'claimed', claim: { ...held, same_payment: true } };
      const run = [...cyclesByRun.entries()].find(([, ids]) => ids.cycle_id === input.cycle_id);
      claims.set(input.payment.payment_id, {
        run_id: run?.[0] ?? '',
        workflow_id: '',
        cycle_id: input.cycle_id,
        billing_cycle_id: `BC-${input.cycle_id}`,
        attempt_number: input.attempt.attempt_number,
      });
      return { kind: 'claimed_here' };
    },
    async beginCycle(input) {
      log('beginCycle', input);
      return { ...loaded, group: groupOf(input.payment), ...open(input.run_id) };
    },
    async loadConfig() {
      log('loadConfig', undefined);
      return loaded;
    },
    async openCycle(input) {
      log('openCycle', input);
      return open(input.run_id);
    },
    async record(input) {
      log('record', input);
    },
    async methodHistory(input) {
      log('methodHistory', input);
      // No other cycle has touched the method: the gate sees only the cycle's own attempts.
      return { attempts: [], codes: [] };
    },
    async charge(req) {
      log('charge', req);
      charges.push({ req, scheduledAt: Context.current().info.currentAttemptScheduledTimestampMs });
      return await script(req, charges.length);
    },
    async postWebhook(event) {
      log('postWebhook', event);
    },
  };

  return {
    activities,
    calls,
    charges,
    /** Every record() input, in order. */
    records: () => calls.filter((c) => c.name === 'record').map((c) => c.input as RecordInput),
    opened: () =>
      calls.filter((c) => c.name === 'beginClaimedCycle').map((c) => c.input as BeginClaimedInput),
    /** The names of the activities called, deduplicated, in first-call order. */
    names: () => [...new Set(calls.map((c) => c.name))],
  };
}

/** A failed payment for a fresh invoice, as billing submits it. */
export const failedPayment = (extra: Partial<FailedPayment> = {}): FailedPayment =>
  freshFailedPayment('pm', extra);

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

/**
 * Polls `read` until it answers (not undefined or false). Real time does not skip on the test server
 * unless a result or env.sleep is awaited, so a cycle waiting for its next attempt stays put meanwhile.
 * Gives up after `tries` polls (5 ms apart, about 30 s) with an error naming what never happened, so a
 * broken workflow fails the test with a reason instead of running into the test's timeout.
 */
export async function until<T>(
  read: () => T | undefined | false | Promise<T | undefined | false>,
  what = 'the condition',
  tries = 6_000,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const value = await read();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** The last of up to `tries` reads, stopping early at one that `done` accepts: assert on it afterwards. */
export async function settle<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  tries = 100,
): Promise<T> {
  let value = await read();
  for (let i = 1; i < tries && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    value = await read();
  }
  return value;
}
