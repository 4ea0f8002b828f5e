import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The dependency rule of docs/ARCHITECTURE.md, read from the code's own imports: who may import whom,
// SQL packages only in db/, and no import loops. A change that breaks the layout fails here with the files that break it. The
// clients' rule is test/client/import-graph.test.ts, SQL only in db/ is sql-in-db.test.ts, the workflow
// as a thin shell is workflow-shape.test.ts.

const root = resolve(import.meta.dirname, '..', '..');
const SOURCE_FOLDERS = [
  'activities',
  'api',
  'auth',
  'client',
  'config',
  'console',
  'db',
  'domain',
  'log',
  'policy',
  'runtime',
  'sim',
  'stripe',
  'temporal',
  'worker',
  'workflows',
];

function sourceFiles(folder: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name)) out.push(path);
    }
  };
  walk(folder);
  return out;
}

const files = SOURCE_FOLDERS.flatMap(sourceFiles);
const parsed = new Map(
  files.map((f) => [
    f,
    ts.createSourceFile(f, readFileSync(join(root, f), 'utf8'), ts.ScriptTarget.Latest, true),
  ]),
);

/** Every module a file imports or re-exports (type-only imports included: they are dependencies too). */
function specifiers(source: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      out.push(node.arguments[0].text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** A relative specifier as a project file (`x/y.ts`), or the package name of a bare one. */
function target(from: string, spec: string): { file: string } | { pkg: string } {
  if (!spec.startsWith('.')) {
    const parts = spec.replace(/^node:/, 'node:').split('/');
    return { pkg: spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string) };
  }
  const base = relative(root, resolve(root, dirname(from), spec)).replace(/\.tsx?$/, '');
  for (const candidate of [`${base}.ts`, `${base}.tsx`, `${base}.d.ts`, join(base, 'index.ts')])
    if (parsed.has(candidate)) return { file: candidate };
  return { file: `${base} (not a source file)` };
}

const edges = new Map(
  files.map((f) => [f, specifiers(parsed.get(f) as ts.SourceFile).map((s) => target(f, s))]),
);
const fileEdges = (f: string) =>
  (edges.get(f) ?? []).flatMap((t) => ('file' in t && parsed.has(t.file) ? [t.file] : []));
const top = (f: string) => f.split('/')[0] as string;

/** The message contract other layers may use to talk to workflows. */
const WORKFLOW_CONTRACT = new Set(['workflows/messages.ts', 'workflows/search-attributes.ts']);

describe('the dependency rule', () => {
  it('domain/ imports nothing but zod and domain/', () => {
    const broken = files
      .filter((f) => top(f) === 'domain')
      .flatMap((f) =>
        (edges.get(f) ?? []).flatMap((t) =>
          ('pkg' in t && t.pkg !== 'zod') || ('file' in t && top(t.file) !== 'domain')
            ? [`${f} -> ${'pkg' in t ? t.pkg : t.file}`]
            : [],
        ),
      );
    expect(broken).toEqual([]);
  });

  it('policy/ is pure: it imports only domain/, zod and luxon', () => {
    const broken = files
      .filter((f) => top(f) === 'policy')
      .flatMap((f) =>
        (edges.get(f) ?? []).flatMap((t) =>
          ('pkg' in t && !['zod', 'luxon'].includes(t.pkg)) ||
          ('file' in t && !['policy', 'domain'].includes(top(t.file)))
            ? [`${f} -> ${'pkg' in t ? t.pkg : t.file}`]
            : [],
        ),
      );
    expect(broken).toEqual([]);
  });

  it('console/ is a browser app: it imports only console/ and its UI packages, never the server', () => {
    const allowed = ['preact', 'preact-iso', 'openapi-fetch'];
    const broken = files
      .filter((f) => top(f) === 'console')
      .flatMap((f) =>
        (edges.get(f) ?? []).flatMap((t) =>
          ('pkg' in t && !allowed.includes(t.pkg)) || ('file' in t && top(t.file) !== 'console')
            ? [`${f} -> ${'pkg' in t ? t.pkg : t.file}`]
            : [],
        ),
      );
    expect(broken).toEqual([]);
    // It talks to the server through the API only, and nothing on the server imports the console.
    const intoConsole = files
      .filter((f) => top(f) !== 'console')
      .flatMap((f) =>
        fileEdges(f)
          .filter((t) => top(t) === 'console')
          .map((t) => `${f} -> ${t}`),
      );
    expect(intoConsole).toEqual([]);
  });

  it('stripe/ (the Stripe integration) imports only domain/, stripe/, zod and the stripe SDK', () => {
    const broken = files
      .filter((f) => top(f) === 'stripe')
      .flatMap((f) =>
        (edges.get(f) ?? []).flatMap((t) =>
          ('pkg' in t && !['zod', 'stripe'].includes(t.pkg) && !t.pkg.startsWith('node:')) ||
          ('file' in t && !['stripe', 'domain'].includes(top(t.file)))
            ? [`${f} -> ${'pkg' in t ? t.pkg : t.file}`]
            : [],
        ),
      );
    expect(broken).toEqual([]);
  });

  it('outside workflows/ and worker/, only the message contract of workflows/ is imported', () => {
    const broken = files
      .filter((f) => !['workflows', 'worker'].includes(top(f)))
      .flatMap((f) =>
        fileEdges(f)
          .filter((t) => top(t) === 'workflows' && !WORKFLOW_CONTRACT.has(t))
          .map((t) => `${f} -> ${t}`),
      );
    expect(broken).toEqual([]);
  });

  it('nothing outside db/ (and the process wiring in runtime/) imports drizzle-orm or a Postgres driver', () => {
    const sqlPackages = ['drizzle-orm', 'postgres', '@electric-sql/pglite'];
    const broken = files
      .filter((f) => !['db', 'runtime'].includes(top(f)))
      .flatMap((f) =>
        (edges.get(f) ?? []).flatMap((t) =>
          'pkg' in t && sqlPackages.includes(t.pkg) ? [`${f} -> ${t.pkg}`] : [],
        ),
      );
    expect(broken).toEqual([]);
  });

  it('has no import loops between source files', () => {
    // Tarjan's strongly connected components over the file graph.
    let index = 0;
    const state = new Map<string, { index: number; low: number; onStack: boolean }>();
    const stack: string[] = [];
    const loops: string[][] = [];
    const connect = (v: string) => {
      state.set(v, { index, low: index, onStack: true });
      index++;
      stack.push(v);
      for (const w of fileEdges(v)) {
        const sw = state.get(w);
        const sv = state.get(v) as { low: number; index: number };
        if (!sw) {
          connect(w);
          sv.low = Math.min(sv.low, (state.get(w) as { low: number }).low);
        } else if (sw.onStack) sv.low = Math.min(sv.low, sw.index);
      }
      const sv = state.get(v) as { low: number; index: number };
      if (sv.low === sv.index) {
        const component: string[] = [];
        for (let w = stack.pop(); w; w = stack.pop()) {
          (state.get(w) as { onStack: boolean }).onStack = false;
          component.push(w);
          if (w === v) break;
        }
        if (component.length > 1) loops.push(component.sort());
      }
    };
    for (const f of files) if (!state.has(f)) connect(f);
    expect(loops).toEqual([]);
  });
});
