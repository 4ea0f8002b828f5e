import type { MiddlewareHandler } from 'hono';
import { formatPath } from '../policy';
import { errorJson } from './errors';

// A request body nested thousands of levels deep parses, but what handles it next does not: the
// Temporal payload converter, a recursive canonical form, and Postgres jsonb (stack depth) fail on
// it with a 500 or a cycle that can never be written. No document of ours nests past a handful of
// levels (a retry configuration: 6), so every body is measured on its raw text, before any route or
// middleware parses it, and refused past MAX_JSON_DEPTH with a 400 naming where.

/** Objects and arrays inside one another, the outermost counting as 1. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

interface Frame {
  array: boolean;
  /** Where in this container the scan is: the key being read or last read, or the array index. */
  at: string | number;
  expectKey: boolean;
}

function keyText(raw: string): string {
  try {
    return JSON.parse(raw) as string;
  } catch {
    return raw.slice(1, -1);
  }
}

/**
 * The path to the first object or array nested deeper than `max`, or undefined. One pass over the
 * text with an explicit stack (no recursion, so no depth can overflow it); text that is not JSON is
 * measured the same way and left for the route to refuse.
 */
export function tooDeepPath(text: string, max = MAX_JSON_DEPTH): (string | number)[] | undefined {
  const stack: Frame[] = [];
  let inString = false;
  let keyStart = -1;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (inString) {
      if (ch === BACKSLASH) i++;
      else if (ch === QUOTE) {
        inString = false;
        if (keyStart >= 0 && top) top.at = keyText(text.slice(keyStart, i + 1));
        keyStart = -1;
      }
      continue;
    }
    switch (ch) {
      case QUOTE:
        inString = true;
        if (top && !top.array && top.expectKey) {
          keyStart = i;
          top.expectKey = false;
        }
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        if (stack.length >= max) return stack.map((f) => f.at);
        stack.push({
          array: ch === OPEN_ARRAY,
          at: ch === OPEN_ARRAY ? 0 : '',
          expectKey: ch === OPEN_OBJECT,
        });
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        stack.pop();
        break;
      case COMMA:
        if (top?.array) top.at = (top.at as number) + 1;
        else if (top) top.expectKey = true;
        break;
    }
  }
  return undefined;
}

export const TOO_DEEP = `must not nest objects and arrays more than ${MAX_JSON_DEPTH} levels deep`;

/** Refuses (400) any request body nested deeper than MAX_JSON_DEPTH. Hono keeps the text for the route. */
export function jsonDepthLimit(): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.raw.body !== null) {
      const path = tooDeepPath(await c.req.text());
      if (path) {
        const at = formatPath(path) || '(root)';
        return errorJson(c, 400, `Invalid request: ${at}: ${TOO_DEEP}`, [{ path: at, message: TOO_DEEP }]);
      }
    }
    await next();
  };
}
