import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { dyingWithParent, stopChild, waitUntil } from '../runtime/child-process';
import { searchAttributeFlags } from './search-attribute-flags';

export interface DevServerOptions {
  binary: string;
  /** 0 picks a free port. */
  port?: number;
  /** Web UI port; undefined runs headless. */
  uiPort?: number;
  /** SQLite file; undefined keeps everything in memory. */
  dbFile?: string;
  namespace?: string;
  /** How long to wait for the frontend to answer; the SDK's own 5 s is too short on a busy machine. */
  startTimeoutMs?: number;
  /** Dynamic-config values (YAML text) on top of DEV_SERVER_DYNAMIC_CONFIG (a key given here wins). */
  dynamicConfig?: Record<string, string>;
  log?: (line: string) => void;
}

/**
 * What we change in the CLI's dev-server defaults. The CLI turns on
 * `system.forceSearchAttributesCacheRefreshOnRead`, which the server's own docs say "should not be turned
 * on in production": every visibility write and search-attribute upsert then re-reads the cluster
 * metadata from SQLite under a lock (temporalio/cli commands.server.go; temporal
 * common/searchattribute/manager.go). Our search attributes are all registered at boot
 * (`--search-attribute`), so the cache never needs that refresh. An explicit value wins over the CLI's.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string>> = {
  'system.forceSearchAttributesCacheRefreshOnRead': 'false',
};

/** `--dynamic-config-value K=V` flags; each value is YAML text (`false`, `4`, `"text"`). */
export function dynamicConfigFlags(values: Readonly<Record<string, string>>): string[] {
  return Object.entries(values).flatMap(([key, value]) => ['--dynamic-config-value', `${key}=${value}`]);
}

export interface DevServer {
  address: string;
  uiUrl: string | undefined;
  startedInMs: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolvePort(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/**
 * Starts `temporal server start-dev` as a child process and waits until its frontend answers. A port we
 * picked (`port` 0) can be taken by another process before the server binds it (freePort only finds one
 * free now): then the server exits with "address already in use" and we start it again on another.
 */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  if (opts.port) return await startOn(opts.port, opts);
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOn(await freePort(), opts);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('address already in use')) throw err;
      opts.log?.(`[temporal] a port was taken before the dev server bound it; starting it again`);
    }
  }
}

async function startOn(port: number, opts: DevServerOptions): Promise<DevServer> {
  const started = Date.now();
  const namespace = opts.namespace ?? 'default';
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
    ...searchAttributeFlags(),
    ...dynamicConfigFlags({ ...DEV_SERVER_DYNAMIC_CONFIG, ...opts.dynamicConfig }),
  ];
  if (opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1');
  if (opts.dbFile) args.push('--db-filename', opts.dbFile);

  // Stopped by the kernel if whoever started it dies without stopping it (e.g. `npm start` SIGKILLed).
  const cmd = dyingWithParent(opts.binary, args);
  const child = spawn(cmd.command, cmd.args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const stop = () => stopChild(child);

  const address = `127.0.0.1:${port}`;
  try {
    await waitUntil(
      `temporal dev server on ${address}`,
      async () => {
        const connection = await Connection.connect({ address, connectTimeout: 1000 });
        try {
          await connection.workflowService.describeNamespace({ namespace });
        } finally {
          await connection.close();
        }
      },
      { child, timeoutMs: opts.startTimeoutMs ?? 60_000, childOutput: () => stderr },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const startedInMs = Date.now() - started;
  opts.log?.(`[temporal] dev server ready on ${address} in ${startedInMs} ms`);
  return {
    address,
    uiUrl: opts.uiPort === undefined ? undefined : `http://127.0.0.1:${opts.uiPort}`,
    startedInMs,
    process: child,
    stop,
  };
}
