import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { isPostgresDroppedConnection, isPostgresNullSocketWrite } from '../../db/postgres-write-guard';
import { adminUrl } from '../support/postgres';

// The guard must recognise the errors postgres.js really raises when the server drops a connection,
// and nothing that merely looks like them.

describe('postgres.js stray-error guard', () => {
  const sql = postgres(adminUrl(), { max: 1, onnotice: () => {} });
  afterAll(() => sql.end({ timeout: 5 }));

  /** What postgres.js rejects with when the server terminates the connection it is using. */
  async function terminatedError(): Promise<unknown> {
    try {
      await sql`select pg_terminate_backend(pg_backend_pid())`;
    } catch (err) {
      return err;
    }
    throw new Error('terminating its own backend did not fail');
  }

  it('recognises the server closing a connection (57P01) and the closed-connection errors', async () => {
    const raised = [await terminatedError()];
    // The server's 57P01 may also reach the next query (postgres.js races the socket's close against
    // the ErrorResponse); the pool then opens a fresh connection.
    let one: unknown;
    for (let i = 0; i < 3 && one === undefined; i++) {
      try {
        one = (await sql`select 1 as one`)[0]?.one;
      } catch (err) {
        raised.push(err);
      }
    }
    expect(one).toBe(1);
    for (const err of raised) {
      expect((err as { code?: string }).code).toMatch(/^(57P01|CONNECTION_CLOSED)$/);
      expect(isPostgresDroppedConnection(err)).toBe(true);
    }
  });

  it('lets every other error through, including look-alikes raised elsewhere', async () => {
    const lookAlike = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    expect(isPostgresDroppedConnection(lookAlike)).toBe(false);
    expect(isPostgresNullSocketWrite(new TypeError("Cannot read properties of null (reading 'write')"))).toBe(
      false,
    );
    let syntax: unknown;
    try {
      await sql`select from_nowhere(`;
    } catch (err) {
      syntax = err;
    }
    expect((syntax as { code?: string }).code).toBe('42601');
    expect(isPostgresDroppedConnection(syntax)).toBe(false);
    expect(isPostgresDroppedConnection('57P01')).toBe(false);
  });
});
