import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Issue 14's shape of workflows/: no function longer than 200 lines (RetryCycle is a shell over
// CycleState), and CycleState loads no Temporal workflow API, so its unit tests need no server.

const ROOT = resolve(__dirname, '../..');
const WORKFLOWS = join(ROOT, 'workflows');
const MAX_LINES = 200;

/** Every function-like node in `file`, with its name and length in lines. */
function functionLengths(file: string): { name: string; lines: number }[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const found: { name: string; lines: number }[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line;
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line;
      const named = node as ts.Node & { name?: ts.Node };
      const name = named.name ? named.name.getText(source) : `<anonymous>:${start + 1}`;
      found.push({ name: `${file.slice(ROOT.length + 1)} ${name}`, lines: end - start + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The relative modules `file` imports at run time (type-only imports are erased), resolved to files. */
function runtimeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  for (const s of source.statements) {
    if (ts.isImportDeclaration(s) && !s.importClause?.isTypeOnly && ts.isStringLiteral(s.moduleSpecifier)) {
      specs.push(s.moduleSpecifier.text);
    }
  }
  return specs.map((spec) => (spec.startsWith('.') ? `${resolve(dirname(file), spec)}.ts` : spec));
}

describe('workflows/', () => {
  it(`has no function longer than ${MAX_LINES} lines`, () => {
    const all = readdirSync(WORKFLOWS)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => functionLengths(join(WORKFLOWS, f)))
      .sort((a, b) => b.lines - a.lines);
    // The longest, for the record (issue 14 asks for it).
    console.info('longest functions under workflows/:', all.slice(0, 3));
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((f) => f.lines > MAX_LINES)).toEqual([]);
  });

  it('CycleState loads no @temporalio/workflow, not even through its imports', () => {
    const seen = new Set<string>();
    const pending = [join(WORKFLOWS, 'cycle-state.ts')];
    while (pending.length > 0) {
      const file = pending.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const dep of runtimeImports(file)) {
        if (dep.endsWith('.ts')) {
          const path = readdirSync(dirname(dep)).includes(dep.split('/').pop() as string)
            ? dep
            : join(dep.slice(0, -3), 'index.ts');
          pending.push(path);
        } else {
          seen.add(dep);
        }
      }
    }
    expect([...seen].filter((m) => m.startsWith('@temporalio/workflow'))).toEqual([]);
    // The walk did reach the policy and domain modules it uses.
    expect([...seen].some((m) => m.endsWith('policy/index.ts'))).toBe(true);
  });
});
