import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 14: all SQL lives in db/; activities/ are Temporal adapters over db/ and the gateways. This
// reads the activity sources themselves, so a query written there again fails here, naming the line.

const ROOT = join(import.meta.dirname, '../..');
const ACTIVITIES = join(ROOT, 'activities');

function sourcesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesUnder(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** A drizzle import, a table import, or a query builder/transaction call on a database handle. */
const SQL_PATTERNS: [string, RegExp][] = [
  ['drizzle import', /from ['"]drizzle-orm/],
  ['table import', /from ['"][./]*\/?db\/schema/],
  [
    'query on a handle',
    /\b(db|tx|executor)\s*\.\s*(insert|update|select|selectDistinct|delete|transaction|execute)\s*\(/,
  ],
  [
    'chained query',
    /^\s*\.(insert|update|select|selectDistinct|delete|transaction|execute|onConflictDo\w+|returning)\s*\(/,
  ],
  ['raw SQL', /\bsql`/],
];

/** Every line of `text` that matches one of the patterns, as `file:line: kind: text`. */
function sqlLines(file: string, text: string): string[] {
  return text
    .split('\n')
    .flatMap((line, i) =>
      SQL_PATTERNS.filter(([, pattern]) => pattern.test(line)).map(
        ([kind]) => `${relative(ROOT, file)}:${i + 1}: ${kind}: ${line.trim()}`,
      ),
    );
}

describe('SQL in db/', () => {
  it('finds a query the way it is written (the check can fail)', () => {
    const sample = [
      "import { eq } from 'drizzle-orm';",
      "import { attempts } from '../db/schema';",
      'await db.transaction(async (tx) => {',
      '  await tx',
      '    .insert(attempts)',
      '    .values(row)',
      '    .onConflictDoNothing();',
      '  await tx.execute(sql`select 1`);',
      '});',
    ].join('\n');
    expect(sqlLines(join(ACTIVITIES, 'sample.ts'), sample).map((l) => l.split(': ')[1])).toEqual([
      'drizzle import',
      'table import',
      'query on a handle',
      'chained query',
      'chained query',
      'query on a handle',
      'raw SQL',
    ]);
  });

  it('has no drizzle import, table import or query under activities/', () => {
    const sources = sourcesUnder(ACTIVITIES);
    expect(sources.length).toBeGreaterThan(5);
    expect(sources.flatMap((file) => sqlLines(file, readFileSync(file, 'utf8')))).toEqual([]);
  });
});
