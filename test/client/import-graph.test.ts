import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../temporal/resolve-binary';

// The clients ship to other services (payment-retry/client/cycles and /rest), so no client file may
// reach server code, not even through a type-only import: only client/, domain/ and the message
// contract, and of the packages only Temporal's client side and zod. Walked from the sources, every
// import and export counted, so a new import fails here before anything is built or packed.

const ALLOWED_FILES = [
  /^client\/[^/]+\.ts$/,
  /^domain\/.+\.ts$/,
  /^workflows\/(messages|search-attributes)\.ts$/,
];
const ALLOWED_PACKAGES = new Set(['@temporalio/client', '@temporalio/common', '@temporalio/workflow', 'zod']);

function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const isDirectory = (path: string) => statSync(path).isDirectory();

function resolveRelative(from: string, specifier: string): string {
  const base = resolve(dirname(from), specifier);
  const file = [`${base}.ts`, join(base, 'index.ts'), base].find((f) => existsSync(f) && !isDirectory(f));
  if (!file) throw new Error(`${relative(projectRoot, from)}: cannot resolve ${specifier}`);
  return file;
}

/** Every project file and package the entry files reach, following relative imports. */
function importGraph(entries: string[]): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = entries.map((e) => resolve(projectRoot, e));
  for (let file = pending.pop(); file; file = pending.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    if (!file.endsWith('.ts')) continue; // e.g. a JSON example
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) pending.push(resolveRelative(file, fileName));
      else if (!fileName.startsWith('node:')) packages.add(packageOf(fileName));
    }
  }
  return { files: [...files].map((f) => relative(projectRoot, f)).sort(), packages: [...packages].sort() };
}

const clientFiles = readdirSync(join(projectRoot, 'client'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `client/${f}`);

describe('the client import graph', () => {
  it('reaches only client/, domain/ and the message contract, and no server package', () => {
    expect(clientFiles).toEqual(expect.arrayContaining(['client/cycles.ts', 'client/rest.ts']));
    const graph = importGraph(clientFiles);
    expect(graph.files.filter((f) => !ALLOWED_FILES.some((re) => re.test(f)))).toEqual([]);
    expect(graph.packages.filter((p) => !ALLOWED_PACKAGES.has(p))).toEqual([]);
  });

  it('sees server code where there is some (the walk itself)', () => {
    const graph = importGraph(['api/routes/payments/routes.ts']);
    expect(graph.packages).toEqual(expect.arrayContaining(['@hono/zod-openapi']));
    expect(graph.files).toEqual(expect.arrayContaining(['api/errors.ts', 'domain/failed-payment.ts']));
  });
});
