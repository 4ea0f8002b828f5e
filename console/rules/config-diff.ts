// A line diff of two configuration versions, for the history panel. The documents are a few hundred
// lines of pretty-printed JSON, so a plain longest-common-subsequence table (after trimming the common
// head and tail, where most of an edit's lines are) is fast enough and has no dependency.

export type DiffLine = { kind: 'same' | 'add' | 'del'; text: string };

/** The lines to delete from `a` and add to it, in order, so that applying them gives `b`. */
export function lineDiff(a: readonly string[], b: readonly string[]): DiffLine[] {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  ) {
    tail++;
  }
  const x = a.slice(head, a.length - tail);
  const y = b.slice(head, b.length - tail);
  const n = x.length;
  const m = y.length;
  // lcs[i * (m + 1) + j] = length of the LCS of x[i..] and y[j..].
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * (m + 1) + j] =
        x[i] === y[j]
          ? (lcs[(i + 1) * (m + 1) + j + 1] as number) + 1
          : Math.max(lcs[(i + 1) * (m + 1) + j] as number, lcs[i * (m + 1) + j + 1] as number);
    }
  }
  const out: DiffLine[] = a.slice(0, head).map((text) => ({ kind: 'same', text }));
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && x[i] === y[j]) {
      out.push({ kind: 'same', text: x[i] as string });
      i++;
      j++;
    } else if (
      i < n &&
      (j === m || (lcs[(i + 1) * (m + 1) + j] as number) >= (lcs[i * (m + 1) + j + 1] as number))
    ) {
      // Deletions before additions, so a changed line reads as "-old +new".
      out.push({ kind: 'del', text: x[i] as string });
      i++;
    } else {
      out.push({ kind: 'add', text: y[j] as string });
      j++;
    }
  }
  for (const text of a.slice(a.length - tail)) out.push({ kind: 'same', text });
  return out;
}

/** Replays a diff on `a`; throws when the diff does not fit `a` (a kept or deleted line differs). */
export function applyDiff(a: readonly string[], diff: readonly DiffLine[]): string[] {
  const out: string[] = [];
  let i = 0;
  for (const line of diff) {
    if (line.kind === 'add') {
      out.push(line.text);
      continue;
    }
    if (a[i] !== line.text) throw new Error(`line ${i + 1} does not match the diff`);
    if (line.kind === 'same') out.push(line.text);
    i++;
  }
  if (i !== a.length) throw new Error('the diff does not cover every line');
  return out;
}

export type DiffHunk =
  | { kind: 'lines'; lines: (DiffLine & { a: number | null; b: number | null })[] }
  | { kind: 'skipped'; count: number };

/**
 * The changes with `context` unchanged lines around each, and the runs of unchanged lines between them
 * folded (a one-line edit of a 600-line document shows 7 lines). Line numbers are 1-based.
 */
export function diffHunks(diff: readonly DiffLine[], context = 3): DiffHunk[] {
  const numbered: (DiffLine & { a: number | null; b: number | null })[] = [];
  let a = 0;
  let b = 0;
  for (const line of diff) {
    if (line.kind !== 'add') a++;
    if (line.kind !== 'del') b++;
    numbered.push({ ...line, a: line.kind === 'add' ? null : a, b: line.kind === 'del' ? null : b });
  }
  const keep = numbered.map(() => false);
  numbered.forEach((line, index) => {
    if (line.kind === 'same') return;
    for (let k = Math.max(0, index - context); k <= Math.min(numbered.length - 1, index + context); k++) {
      keep[k] = true;
    }
  });
  const hunks: DiffHunk[] = [];
  numbered.forEach((line, index) => {
    const last = hunks.at(-1);
    if (keep[index]) {
      if (last?.kind === 'lines') last.lines.push(line);
      else hunks.push({ kind: 'lines', lines: [line] });
    } else if (last?.kind === 'skipped') last.count++;
    else hunks.push({ kind: 'skipped', count: 1 });
  });
  return hunks;
}

export const changeCount = (diff: readonly DiffLine[]) => diff.filter((l) => l.kind !== 'same').length;

/** The one pretty-printing both sides of a diff use, so formatting never shows up as a change. */
export const prettyLines = (config: unknown): string[] => JSON.stringify(config, null, 2).split('\n');
