import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { build } from 'esbuild';
import { projectRoot } from '../temporal/resolve-binary';

// Builds the client package (`npm run build:client`; `npm pack` runs it as prepack) into dist/:
// esbuild bundles each entry point into one ESM file for Node 20, because the sources' extensionless
// relative imports are not valid Node ESM; packages stay imports, resolved from the consumer's
// node_modules. tsc emits the .d.ts files (tsconfig.client.json), whose relative imports get their
// `.js` so consumers on `moduleResolution: NodeNext` resolve them too.

const ENTRY_POINTS = ['client/cycles.ts', 'client/rest.ts'];
const dist = join(projectRoot, 'dist');

rmSync(dist, { recursive: true, force: true });

await build({
  absWorkingDir: projectRoot,
  entryPoints: ENTRY_POINTS,
  outdir: 'dist/client',
  bundle: true,
  packages: 'external',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Code both entry points use is one module, so e.g. `instanceof RestClientError` holds across them.
  splitting: true,
  logLevel: 'warning',
});

const tsc = spawnSync(
  process.execPath,
  [join(projectRoot, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.client.json'],
  { cwd: projectRoot, stdio: 'inherit' },
);
if (tsc.status !== 0) throw new Error(`tsc -p tsconfig.client.json failed (${tsc.status ?? tsc.signal})`);

function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? declarationFiles(join(dir, e.name))
      : e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** `./x` → `./x.js` (or `./x/index.js`), the specifier NodeNext resolution needs for `x.d.ts`. */
function withExtension(file: string, specifier: string): string {
  const target = resolve(dirname(file), specifier);
  if (existsSync(`${target}.d.ts`)) return `${specifier}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${specifier}/index.js`;
  throw new Error(`${relative(projectRoot, file)}: no declaration for ${specifier}`);
}

const RELATIVE_SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*)(['"])(\.\.?\/[^'"]*)\2/g;
for (const file of declarationFiles(dist)) {
  const text = readFileSync(file, 'utf8');
  writeFileSync(
    file,
    text.replace(RELATIVE_SPECIFIER, (_, lead: string, q: string, spec: string) => {
      return `${lead}${q}${withExtension(file, spec)}${q}`;
    }),
  );
}
