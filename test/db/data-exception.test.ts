import { ApplicationFailure } from '@temporalio/common';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createGatewayRegistry } from '../../activities/gateway/registry';
import type { DbHandle } from '../../db/client';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// A write the database refuses as data fails for good (non-retryable), instead of being retried by
// Temporal forever; any other failure stays retryable.

describe.each(dbKinds)('store activities on %s', (kind: DbKind) => {
  let handle: DbHandle;
  let activities: ReturnType<typeof createActivities>;
  beforeAll(async () => {
    handle = await openTestDb(kind);
    activities = createActivities({
      db: handle.db,
      logger: pino({ level: 'silent' }),
      gateways: createGatewayRegistry({}),
    });
  });
  afterAll(async () => {
    await handle.close();
  });

  const open = (documentId: string) =>
    activities.openCycle({
      workflow_id: `wf-${documentId}`,
      run_id: `run-${Math.random()}`,
      document_type: 'invoice',
      document_id: documentId,
      payment: {
        payment_id: 'P-1',
        account_id: 'A-1',
        invoice_id: documentId,
        amount: '10.00',
        currency: 'USD',
        payment_method_id: 'pm-1',
        gateway_id: 'sim',
        gateway_response_code: 'insufficient_funds',
      },
      customer_group_id: 1,
      customer_group_name: 'All',
      config_version: 1,
      started_at: new Date().toISOString(),
    });

  it('refuses text Postgres cannot hold with a non-retryable DataException', async () => {
    const err = await open('INV-\u0000').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'DataException', nonRetryable: true });
    expect((err as Error).message).toMatch(/^openCycle: the database refused the data \(22/);
  });

  it('keeps other failures retryable, and valid writes working', async () => {
    expect((await open('INV-ok')).cycle_id).toBeGreaterThan(0);
    // No configuration stored yet: a plain error, which Temporal retries until one is.
    const notYet = await activities.loadConfig().catch((e: unknown) => e);
    expect(notYet).toBeInstanceOf(Error);
    expect(notYet).not.toBeInstanceOf(ApplicationFailure);
    expect((notYet as Error).message).toBe('no retry configuration stored');
  });
});
