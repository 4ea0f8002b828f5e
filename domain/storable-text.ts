// Postgres text and jsonb cannot hold U+0000, and an unpaired UTF-16 surrogate has no UTF-8 form, so
// a string carrying either is refused by the database long after it was accepted. Inputs are
// checked against this at every boundary instead; third-party text (gateway messages) is cleaned.

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

export const UNSTORABLE_TEXT = 'must not contain U+0000 or an unpaired UTF-16 surrogate';

export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && !LONE_SURROGATE.test(text);
}

interface Step {
  item: unknown;
  /** The step this one is inside, and its key or index there; the path is built only when needed. */
  parent?: Step;
  at?: string | number;
  /** Set when `item` is an object key, checked before its value. */
  key?: true;
}

function pathOf(step: Step): (string | number)[] {
  const path: (string | number)[] = [];
  for (let s: Step | undefined = step; s?.at !== undefined; s = s.parent) path.push(s.at);
  return path.reverse();
}

/**
 * The path of the first string or key in a JSON value that Postgres could not store, if any. Walks with
 * its own stack: a request body may nest deeper than the call stack allows.
 */
export function unstorablePath(value: unknown): (string | number)[] | undefined {
  const todo: Step[] = [{ item: value }];
  for (let step = todo.pop(); step; step = todo.pop()) {
    const { item } = step;
    if (step.key || typeof item === 'string') {
      if (!isStorableText(item as string)) return pathOf(step);
    } else if (Array.isArray(item)) {
      for (let i = item.length - 1; i >= 0; i--) todo.push({ item: item[i], parent: step, at: i });
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, child] = entries[i] as [string, unknown];
        todo.push({ item: child, parent: step, at: k }, { item: k, parent: step, at: k, key: true });
      }
    }
  }
  return undefined;
}

/** Text from outside our control made storable: NULs dropped, unpaired surrogates replaced by U+FFFD. */
export function toStorableText(text: string): string {
  if (isStorableText(text)) return text;
  return text.replaceAll('\u0000', '').replace(LONE_SURROGATES, '\uFFFD');
}
