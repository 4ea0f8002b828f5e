import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createToken, revokeTokens, verifyCredentials } from '../../auth/tokens';
import { bootstrapStore, DEV_EMAIL } from '../../runtime/bootstrap';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

// `npm start`'s development login (DATA_DIR/dev-credentials.json) is kept across restarts, but a
// revoked one must not come back at the next start: the start re-reads the file.

const root = mkdtempSync(join(tmpdir(), 'cpr-dev-login-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const noBootstrap = { CPR_BOOTSTRAP_USER: undefined, CPR_BOOTSTRAP_TOKEN: undefined };

describe.each<DbKind>(dbKinds)('the dev login on %s', (kind) => {
  it('is kept across starts, restored into an empty store, and never restored once revoked', async () => {
    const file = join(root, `${kind}-dev-credentials.json`);
    const readFile = () => JSON.parse(readFileSync(file, 'utf8')) as { email: string; token: string };
    const db = await openTestDb(kind);
    try {
      const first = await bootstrapStore(db.db, noBootstrap, file);
      expect(first).toMatchObject({ email: DEV_EMAIL, source: 'dev-file' });
      expect(readFile().token).toBe(first?.token);
      const again = await bootstrapStore(db.db, noBootstrap, file);
      expect(again?.token).toBe(first?.token);

      // The only login is revoked: the next start must not bring it back, but make a new one.
      expect(await revokeTokens(db.db, { email: DEV_EMAIL })).toBe(1);
      const after = await bootstrapStore(db.db, noBootstrap, file);
      expect(after?.token).not.toBe(first?.token);
      expect(readFile().token).toBe(after?.token);
      expect(await verifyCredentials(db.db, DEV_EMAIL, first?.token as string)).toBeNull();
      expect(await verifyCredentials(db.db, DEV_EMAIL, after?.token as string)).toEqual({
        email: DEV_EMAIL,
        role: 'operator',
      });

      // The same with another login beside it.
      await createToken(db.db, 'ops@example.com');
      expect(await revokeTokens(db.db, { token: after?.token as string })).toBe(1);
      const third = await bootstrapStore(db.db, noBootstrap, file);
      expect(third?.token).not.toBe(after?.token);
      expect(await verifyCredentials(db.db, DEV_EMAIL, after?.token as string)).toBeNull();
    } finally {
      await db.close();
    }

    // A new, empty store beside the old file: the file's login is restored, not replaced.
    const fresh = await openTestDb(kind);
    try {
      const kept = readFile().token;
      expect((await bootstrapStore(fresh.db, noBootstrap, file))?.token).toBe(kept);
      expect(await verifyCredentials(fresh.db, DEV_EMAIL, kept)).toEqual({
        email: DEV_EMAIL,
        role: 'operator',
      });
    } finally {
      await fresh.close();
    }
  });
});
