import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { ConsoleAssets } from '../api/console';
import { projectRoot } from '../temporal/resolve-binary';

// The operator console is a small Preact app (console/) bundled by esbuild when the process starts:
// ~0.3 s, so `npm ci && npm start` needs no build step and there is no stale bundle to forget. The
// bundle is kept in memory; nothing is written to disk.

const consoleDir = join(projectRoot, 'console');

export async function buildConsoleAssets(): Promise<ConsoleAssets> {
  const result = await build({
    entryPoints: { app: join(consoleDir, 'main.tsx') },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: false,
    outdir: join(consoleDir, 'out'),
    tsconfig: join(projectRoot, 'tsconfig.console.json'),
    logLevel: 'silent',
    legalComments: 'none',
  });
  const files = new Map<string, { body: Uint8Array; type: string }>();
  for (const file of result.outputFiles) {
    const name = file.path.split('/').at(-1) as string;
    const type = name.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    files.set(name, { body: file.contents, type });
  }
  const index = await readFile(join(consoleDir, 'index.html'), 'utf8');
  return { index, files };
}
