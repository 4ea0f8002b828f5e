import { execFile } from 'node:child_process';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import {
  isPostgresDroppedConnection,
  isPostgresNullSocketWrite,
  isSocketSystemError,
} from '../../db/postgres-write-guard';
import { adminUrl } from '../support/postgres';

/** Runs test/fixtures/socket-reset.ts in a child process; its exit code and what it printed. */
function socketReset(args: string[]): Promise<{ code: number | null; out: string }> {
  const script = join(import.meta.dirname, '..', 'fixtures', 'socket-reset.ts');
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
    );
  });
}

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

  it('keeps a process alive when a socket nobody listens to any more is reset (read ECONNRESET)', async () => {
    // The same child without the guard dies of it: the case is real, not a look-alike.
    const bare = await socketReset([]);
    expect(bare.code).not.toBe(0);
    expect(bare.out).toContain('ECONNRESET');
    const guarded = await socketReset(['guard']);
    expect(guarded.out).toContain('survived');
    expect(guarded.code).toBe(0);
  });

  it('recognises only real socket system errors', () => {
    const real = Object.assign(new Error('read ECONNRESET'), {
      code: 'ECONNRESET',
      syscall: 'read',
      errno: -104,
    });
    expect(isSocketSystemError(real)).toBe(true);
    expect(isSocketSystemError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(
      false,
    );
    expect(
      isSocketSystemError(Object.assign(new Error('x'), { code: 'ENOENT', syscall: 'open', errno: -2 })),
    ).toBe(false);
    expect(isSocketSystemError({ code: 'ECONNRESET', syscall: 'read', errno: -104 })).toBe(false);
  });
});
