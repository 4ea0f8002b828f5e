import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockFileOf, PgliteLockedError } from '../../db/pglite-lock';
import { pgliteDirOf } from '../../runtime/data-dir';
import { openDatabase } from '../../runtime/database';
import { cli, type RunningStart, startExpectingFailure, startNpmStart } from '../support/npm-start';

// One process owns the embedded database: with `npm start` running, the CLI goes through its API, so
// what it does takes effect in the running server at once (before, it opened a second copy of the
// PGlite directory that the server never read). One boot for every "while running" case.

type Stored = { version: number; config: { settings: Record<string, unknown> } };

const dataDir = mkdtempSync(join(tmpdir(), 'cpr-cli-running-'));
const basic = (email: string, token: string) => ({
  Authorization: `Basic ${Buffer.from(`${email}:${token}`).toString('base64')}`,
});

// Each CLI run is a process that loads tsx (and, directly on the data, PGlite): seconds each on a busy machine.
describe('the CLI while npm start runs on the same DATA_DIR', { timeout: 180_000 }, () => {
  let s: RunningStart;
  let dev: { email: string; token: string };
  let ops = '';
  /**
   * One request on a connection of its own: the CLI runs for seconds between two requests, long enough
   * for the server to drop an idle keep-alive connection just as fetch reuses it ("other side closed").
   */
  const as = (
    email: string,
    token: string,
    path = '/api/v1/config',
    init: { method?: string; body?: unknown } = {},
  ) =>
    new Promise<{ status: number; etag: string | undefined; json: () => unknown }>((resolve, reject) => {
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      const req = request(
        `${s.api}${path}`,
        {
          method: init.method ?? 'GET',
          agent: false,
          headers: { ...basic(email, token), ...(body ? { 'content-type': 'application/json' } : {}) },
        },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => {
            text += d.toString();
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, json: () => JSON.parse(text) }),
          );
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  beforeAll(async () => {
    s = await startNpmStart(dataDir);
    dev = JSON.parse(readFileSync(join(dataDir, 'dev-credentials.json'), 'utf8')) as typeof dev;
  }, 200_000);
  afterAll(async () => {
    if (s?.child.exitCode === null) s.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses a second opener of the held PGlite directory at once, naming npm start, its pid and API', async () => {
    expect(JSON.parse(readFileSync(lockFileOf(pgliteDirOf({ DATA_DIR: dataDir })), 'utf8'))).toMatchObject({
      pid: s.pid,
      command: 'npm start',
      api: s.api,
    });
    const err = await openDatabase({ DATA_DIR: dataDir, DATABASE_POOL_SIZE: 1 }).then(
      async (h) => {
        await h.close();
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PgliteLockedError);
    expect((err as Error).message).toContain(`in use by npm start (pid ${s.pid}, since `);
    expect((err as Error).message).toContain(`API ${s.api})`);

    // A second npm start gives up before starting anything, saying which process has the data.
    const second = await startExpectingFailure(dataDir);
    expect(second.code, second.out + second.err).toBe(1);
    expect(second.err).toContain(`in use by npm start (pid ${s.pid}, since `);
    expect(second.out).not.toContain('[temporal] starting dev server');
    expect((await as(dev.email, dev.token)).status).toBe(200);
  });

  it('token create: the new token works against the running server at once', async () => {
    const created = cli(dataDir, ['token', 'create', 'ops@example.com']);
    expect(created.code, created.err).toBe(0);
    expect(created.err).toContain(`(through npm start (pid ${s.pid}`);
    ops = /cpr_[A-Za-z0-9_-]{43}/.exec(created.out)?.[0] as string;
    expect(ops).toBeDefined();
    expect((await as('ops@example.com', ops)).status).toBe(200);

    const listed = cli(dataDir, ['token', 'list']);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toContain('ops@example.com');
    expect(listed.out).toContain('dev@localhost');
    expect(listed.out).not.toContain(ops);
    expect(listed.out).not.toContain(dev.token);
  });

  it('config import: the running server serves the new version at once; an invalid one changes nothing', async () => {
    const file = join(dataDir, 'config.json');
    const exported = cli(dataDir, ['config', 'export', file]);
    expect(exported.code, exported.err).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as Stored['config'];
    doc.settings.time_zone = 'Europe/Paris';
    writeFileSync(file, JSON.stringify(doc));
    const imported = cli(dataDir, ['config', 'import', file]);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toContain('stored as version 2');
    const res = await as(dev.email, dev.token);
    expect(res.etag).toBe('"2"');
    const served = res.json() as Stored & { updated_by: string };
    expect(served.version).toBe(2);
    expect(served.config.settings.time_zone).toBe('Europe/Paris');
    expect(served.updated_by).toBe(dev.email);

    doc.settings.time_zone = 'Nowhere/Else';
    writeFileSync(file, JSON.stringify(doc));
    const bad = cli(dataDir, ['config', 'import', file]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('settings.time_zone');
    expect(((await as(dev.email, dev.token)).json() as Stored).version).toBe(2);
  });

  it('a token revoked through the API is refused on its very next request', async () => {
    const res = await as(dev.email, dev.token, '/api/v1/tokens', {
      method: 'POST',
      body: { email: 'temp@example.com' },
    });
    expect(res.status).toBe(201);
    const temp = res.json() as { id: number; token: string };
    expect((await as('temp@example.com', temp.token)).status).toBe(200);
    const revoked = await as(dev.email, dev.token, '/api/v1/tokens/revoke', {
      method: 'POST',
      body: { id: temp.id },
    });
    expect(revoked.status).toBe(200);
    expect((await as('temp@example.com', temp.token)).status).toBe(401);
  });

  it('token revoke of the dev login: refused at once; the CLI then needs another login, and says so', async () => {
    expect((await as(dev.email, dev.token)).status).toBe(200);
    const revoked = cli(dataDir, ['token', 'revoke', 'dev@localhost']);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out).toContain('revoked 1');
    expect((await as(dev.email, dev.token)).status).toBe(401);

    const refused = cli(dataDir, ['token', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(
      `refused the login dev@localhost (from ${join(dataDir, 'dev-credentials.json')})`,
    );
    const asOps = cli(dataDir, ['token', 'list'], { CPR_EMAIL: 'ops@example.com', CPR_TOKEN: ops });
    expect(asOps.code, asOps.err).toBe(0);
    expect(asOps.out).toContain('ops@example.com');
    expect(asOps.out).not.toContain('dev@localhost');
  });

  it('once the server has stopped, works on the data directly, and everything done through it is there', async () => {
    expect(await s.stop()).toBe(0);
    expect(existsSync(lockFileOf(pgliteDirOf({ DATA_DIR: dataDir })))).toBe(false);
    const listed = cli(dataDir, ['token', 'list']);
    expect(listed.code, listed.err).toBe(0);
    expect(listed.err).not.toContain('through');
    expect(listed.out).toContain('ops@example.com');
    expect(listed.out).not.toContain('dev@localhost');
    expect(listed.out).not.toContain('temp@example.com');
    const exported = cli(dataDir, ['config', 'export']);
    expect(exported.code, exported.err).toBe(0);
    expect((JSON.parse(exported.out) as Stored['config']).settings.time_zone).toBe('Europe/Paris');
  });
});
