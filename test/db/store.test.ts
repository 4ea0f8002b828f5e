import { readdirSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, ensureToken, revokeTokens, verifyCredentials, verifyToken } from '../../auth/tokens';
import { listTokens } from '../../db/api-tokens';
import { createDb, type DbHandle } from '../../db/client';
import {
  configVersion,
  currentConfig,
  ensureConfig,
  saveConfig,
  VersionConflictError,
} from '../../db/config-versions';
import { migrateDb, migrationsFolder } from '../../db/migrate';
import { queryRows } from '../../db/rows';
import { type DbKind, dbKinds, openTestDb } from '../support/databases';

const migrationFiles = () => readdirSync(migrationsFolder).filter((f) => f.endsWith('.sql'));

describe.each(dbKinds)('store on %s', (kind: DbKind) => {
  let handle: DbHandle & { url?: string };
  beforeAll(async () => {
    handle = await openTestDb(kind);
  });
  afterAll(async () => {
    await handle.close();
  });

  it('applies migrations once, and again is a no-op', async () => {
    await migrateDb(handle);
    const [count] = await queryRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    expect(count?.n).toBe(migrationFiles().length);
    const tables = await queryRows<{ table_name: string }>(
      handle.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(
      expect.arrayContaining(['api_tokens', 'config_versions', 'users']),
    );
  });

  it('versions configurations with optimistic concurrency', async () => {
    const first = await ensureConfig(handle.db, { a: 1 });
    expect(first.version).toBe(1);
    expect((await ensureConfig(handle.db, { a: 'ignored' })).config).toEqual({ a: 1 });
    const second = await saveConfig(handle.db, { a: 2 }, 'ops@example.com', 1);
    expect(second).toMatchObject({ version: 2, config: { a: 2 }, updated_by: 'ops@example.com' });
    await expect(saveConfig(handle.db, { a: 3 }, 'late@example.com', 1)).rejects.toBeInstanceOf(
      VersionConflictError,
    );
    expect((await currentConfig(handle.db))?.version).toBe(2);
    expect((await configVersion(handle.db, 1))?.config).toEqual({ a: 1 });
    expect(await configVersion(handle.db, 99)).toBeNull();
  });

  it('stores tokens only as digests and verifies them', async () => {
    const { token } = await createToken(handle.db, 'ana@example.com');
    expect(token).toMatch(/^cpr_[A-Za-z0-9_-]{43}$/);
    const dump = JSON.stringify(await handle.db.execute(sql`select * from api_tokens`));
    expect(dump).not.toContain(token);
    expect(await verifyCredentials(handle.db, 'ana@example.com', token)).toEqual({
      email: 'ana@example.com',
      role: 'operator',
    });
    expect(await verifyCredentials(handle.db, 'ANA@example.com', token)).toEqual({
      email: 'ana@example.com',
      role: 'operator',
    });
    expect(await verifyCredentials(handle.db, 'bob@example.com', token)).toBeNull();
    expect(await verifyCredentials(handle.db, 'ana@example.com', `${token}x`)).toBeNull();
    expect(await verifyToken(handle.db, token)).toEqual({ email: 'ana@example.com', role: 'operator' });
    expect(await revokeTokens(handle.db, { token })).toBe(1);
    expect(await verifyToken(handle.db, token)).toBeNull();
  });

  it('bootstrap tokens are idempotent across restarts', async () => {
    const token = 'b'.repeat(40);
    await ensureToken(handle.db, 'boot@example.com', token);
    await ensureToken(handle.db, 'boot@example.com', token);
    expect((await listTokens(handle.db)).filter((t) => t.email === 'boot@example.com')).toHaveLength(1);
    expect(await verifyCredentials(handle.db, 'boot@example.com', token)).toEqual({
      email: 'boot@example.com',
      role: 'operator',
    });
    expect(await revokeTokens(handle.db, { email: 'boot@example.com' })).toBe(1);
  });
});

describe('migrations on postgres', () => {
  it('run safely when several processes start at once', async () => {
    const first = await openTestDb('postgres');
    const url = first.url as string;
    await first.db.execute(sql`drop schema public cascade`);
    await first.db.execute(sql`create schema public`);
    await first.db.execute(sql`drop schema drizzle cascade`);
    await first.close();
    const handles = await Promise.all(
      Array.from({ length: 4 }, () => createDb({ kind: 'postgres', url, poolSize: 2 })),
    );
    try {
      await Promise.all(handles.map((h) => migrateDb(h)));
      const [count] = await queryRows<{ n: number }>(
        handles[0]?.db as DbHandle['db'],
        sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
      );
      expect(count?.n).toBe(migrationFiles().length);
    } finally {
      await Promise.all(handles.map((h) => h.close()));
    }
  });
});
