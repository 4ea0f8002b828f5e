import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../temporal/resolve-binary';

const dataDir = mkdtempSync(join(tmpdir(), 'cpr-cli-'));
const cli = (...args: string[]) => {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(projectRoot, 'scripts', 'cli.ts'), ...args],
    {
      cwd: projectRoot,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir },
      encoding: 'utf8',
    },
  );
  return { code: r.status, out: r.stdout, err: r.stderr };
};

describe('npm run cli', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates a token once, lists it without the secret, and revokes it', () => {
    const created = cli('token', 'create', 'ops@example.com');
    expect(created.code).toBe(0);
    const token = /cpr_[A-Za-z0-9_-]{43}/.exec(created.out)?.[0] as string;
    expect(token).toBeDefined();
    const listed = cli('token', 'list');
    expect(listed.out).toContain('ops@example.com');
    expect(listed.out).not.toContain(token);
    expect(cli('token', 'revoke', token).out).toContain('revoked 1');
    expect(cli('token', 'revoke', token).code).toBe(1);
    expect(cli('token', 'create', 'not-an-email').code).toBe(2);
  });

  it('creates a viewer token with --role viewer, lists roles, and refuses an unknown role', () => {
    const created = cli('token', 'create', 'viewer@example.com', '--role', 'viewer');
    expect(created.code, created.err).toBe(0);
    expect(created.out).toContain('for viewer@example.com as viewer');
    const listed = cli('token', 'list');
    expect(listed.out).toMatch(/\tviewer@example\.com\tviewer\t/);
    const bad = cli('token', 'create', 'nobody@example.com', '--role', 'admin');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('error: --role must be one of viewer, operator (got "admin")');
  });

  it('exports the configuration to a file and imports it back as a new version, refusing invalid ones', () => {
    const file = join(dataDir, 'config.json');
    expect(cli('config', 'export', file).code).toBe(0);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { settings: Record<string, unknown> };
    doc.settings.time_zone = 'Europe/Paris';
    writeFileSync(file, JSON.stringify(doc));
    expect(cli('config', 'import', file).out).toContain('stored as version 2');
    expect(JSON.parse(cli('config', 'export').out).settings.time_zone).toBe('Europe/Paris');

    doc.settings.time_zone = 'Nowhere/Else';
    writeFileSync(file, JSON.stringify(doc));
    const bad = cli('config', 'import', file);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('settings.time_zone');
    const missing = cli('config', 'import', join(dataDir, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^error: ENOENT/);
  });
});
