import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, tooDeepPath } from '../../api/json-depth';

// The depth limit measures raw text, before anything parses it. Checked against the parsed value:
// a text is too deep exactly when its value nests more containers than the limit, and the path it
// names leads, in that value, to a container at the limit that holds one more.

/** Containers inside one another, the outermost counting as 1 (by the parsed value, iteratively). */
function depthOf(value: unknown): number {
  let max = 0;
  const todo: [unknown, number][] = [[value, 0]];
  for (let next = todo.pop(); next; next = todo.pop()) {
    const [v, d] = next;
    if (v === null || typeof v !== 'object') continue;
    max = Math.max(max, d + 1);
    for (const child of Object.values(v)) todo.push([child, d + 1]);
  }
  return max;
}

const at = (value: unknown, path: (string | number)[]) =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);

describe('JSON depth limit', () => {
  it('is exceeded exactly when the value nests deeper than the limit, and names where', () => {
    // Keys with quotes, backslashes and brackets inside strings must not count.
    const key = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '{', '[', '}', ']', ',', 'a'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.oneof(
          fc.string(),
          fc.integer(),
          fc.boolean(),
          fc.constant(null),
          fc.constantFrom('[', '{"', '\\"]'),
        ),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.integer({ min: 1, max: 6 }), (v, max) => {
        const text = JSON.stringify(v);
        const path = tooDeepPath(text, max);
        expect(path !== undefined).toBe(depthOf(v) > max);
        if (path) {
          expect(path).toHaveLength(max);
          const container = at(v, path);
          expect(typeof container === 'object' && container !== null).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('measures 100,000 levels without a stack, and passes what is at the limit', () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    expect(tooDeepPath(deep)).toEqual(Array(MAX_JSON_DEPTH).fill('a'));
    expect(tooDeepPath(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).toBeUndefined();
    expect(tooDeepPath(`{"x":[0,1,${'['.repeat(MAX_JSON_DEPTH)}`)).toEqual([
      'x',
      2,
      ...Array(MAX_JSON_DEPTH - 2).fill(0),
    ]);
  });
});
