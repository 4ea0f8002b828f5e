import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyDiff, changeCount, diffHunks, lineDiff, prettyLines } from '../../console/rules/config-diff';
import { defaultConfig } from '../../policy';

// The history panel's line diff: it must say exactly how one version becomes the other, with as
// few changed lines as an edit makes, or an operator reviewing a restore is misled.

// Few distinct lines, so the two sides share many and the LCS has real choices to make.
const lines = fc.array(fc.constantFrom('{', '}', '  "a": 1,', '  "b": 2,', '"x"', '', '  ]'), {
  maxLength: 40,
});

describe('lineDiff', () => {
  it('applied to A gives B, for any A and B', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        expect(applyDiff(a, lineDiff(a, b))).toEqual(b);
      }),
    );
  });

  it('finds no change between a document and itself', () => {
    fc.assert(
      fc.property(lines, (x) => {
        const diff = lineDiff(x, x);
        expect(changeCount(diff)).toBe(0);
        expect(diff.map((l) => l.text)).toEqual(x);
      }),
    );
  });

  it('changes a minimal number of lines: |A| + |B| − 2·LCS', () => {
    // A brute-force LCS on small inputs is the reference.
    const lcs = (a: string[], b: string[]): number => {
      const t = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
      for (let i = a.length - 1; i >= 0; i--)
        for (let j = b.length - 1; j >= 0; j--)
          (t[i] as number[])[j] =
            a[i] === b[j]
              ? ((t[i + 1] as number[])[j + 1] as number) + 1
              : Math.max((t[i + 1] as number[])[j] as number, (t[i] as number[])[j + 1] as number);
      return (t[0] as number[])[0] as number;
    };
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        expect(changeCount(lineDiff(a, b))).toBe(a.length + b.length - 2 * lcs(a, b));
      }),
    );
  });

  it('shows a one-value edit of the default configuration as one deleted and one added line', () => {
    const a = prettyLines(defaultConfig);
    const edited = structuredClone(defaultConfig) as typeof defaultConfig;
    (edited.settings as { max_cycle_days: number }).max_cycle_days = 60;
    const diff = lineDiff(a, prettyLines(edited));
    expect(diff.filter((l) => l.kind !== 'same')).toEqual([
      { kind: 'del', text: '    "max_cycle_days": 90,' },
      { kind: 'add', text: '    "max_cycle_days": 60,' },
    ]);
  });

  it('refuses to apply a diff to a document it was not made from', () => {
    expect(() => applyDiff(['a', 'c'], lineDiff(['a', 'b'], ['a']))).toThrow(/does not match/);
  });
});

describe('diffHunks', () => {
  it('keeps every change and folds only unchanged lines, with line numbers of both sides', () => {
    fc.assert(
      fc.property(lines, lines, fc.integer({ min: 0, max: 4 }), (a, b, context) => {
        const diff = lineDiff(a, b);
        const hunks = diffHunks(diff, context);
        const shown = hunks.flatMap((h) => (h.kind === 'lines' ? h.lines : []));
        const folded = hunks.reduce((n, h) => n + (h.kind === 'skipped' ? h.count : 0), 0);
        expect(shown.length + folded).toBe(diff.length);
        expect(shown.filter((l) => l.kind !== 'same').length).toBe(changeCount(diff));
        for (const l of shown) {
          if (l.a !== null) expect(a[l.a - 1]).toBe(l.text);
          if (l.b !== null) expect(b[l.b - 1]).toBe(l.text);
        }
      }),
    );
  });

  it('folds the far unchanged lines around an edit', () => {
    const a = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const b = a.map((l, i) => (i === 25 ? 'changed' : l));
    const hunks = diffHunks(lineDiff(a, b), 3);
    expect(hunks.map((h) => (h.kind === 'skipped' ? h.count : h.lines.length))).toEqual([22, 8, 21]);
  });
});
