/**
 * A cheap look at the top level of one JSON object line without building it.
 *
 * Agent logs are dominated by huge `user` lines (tool results of 100 KB and
 * more) that carry nothing billable. `scanObject` walks the top-level keys of
 * an object, jumping over strings with indexOf and over nested values by
 * bracket matching, and returns where each top-level value lies. Only the
 * values a parser needs are then decoded (`JSON.parse` of a small slice).
 *
 * Guarantees (tested against JSON.parse with generated lines):
 * - a key reported is a key of the top-level object, never one nested in a
 *   value or quoted inside a string;
 * - for duplicate keys the last one wins, as with JSON.parse;
 * - structural damage (cut line, unbalanced brackets, missing colon or comma,
 *   unterminated string, trailing garbage) returns null.
 * Nested values that are skipped are checked for balance and string syntax
 * only; callers JSON.parse every value they use, so a damaged value they need
 * is still caught.
 */

export interface Span {
  start: number;
  end: number;
}

export type ScanResult = Map<string, Span>;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index just past the closing quote of the string starting at `pos` (which is `"`), or -1. */
export function skipString(text: string, pos: number, end: number): number {
  let i = pos + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q < 0 || q >= end) return -1;
    // Count backslashes right before the quote: odd = escaped quote.
    let b = q - 1;
    while (b > pos && text.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** Open brackets of the value being skipped; nesting deeper than this is rejected as malformed. */
const stack = new Uint8Array(4096);

/** Index just past the value starting at `pos` (non-whitespace), or -1 when malformed. */
export function skipValue(text: string, pos: number, end: number): number {
  const c = text.charCodeAt(pos);
  if (c === 0x22) return skipString(text, pos, end);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    stack[depth++] = c;
    let i = pos + 1;
    while (i < end) {
      const ch = text.charCodeAt(i);
      if (ch === 0x22) {
        i = skipString(text, i, end);
        if (i < 0) return -1;
        continue;
      }
      if (ch === 0x7b || ch === 0x5b) {
        if (depth >= stack.length) return -1;
        stack[depth++] = ch;
      } else if (ch === 0x7d || ch === 0x5d) {
        const open = stack[--depth];
        if ((ch === 0x7d && open !== 0x7b) || (ch === 0x5d && open !== 0x5b)) return -1;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return -1;
  }
  // Literal: number, true, false, null.
  let i = pos;
  while (i < end) {
    const ch = text.charCodeAt(i);
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d || isWs(ch)) break;
    i++;
  }
  if (i === pos) return -1;
  const lit = text.slice(pos, i);
  if (lit === 'true' || lit === 'false' || lit === 'null') return i;
  return /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(lit) ? i : -1;
}

function decodeKey(text: string, start: number, endQuote: number): string | null {
  const raw = text.slice(start + 1, endQuote - 1);
  if (raw.indexOf('\\') < 0) return raw;
  try {
    return JSON.parse(text.slice(start, endQuote)) as string;
  } catch {
    return null;
  }
}

/**
 * Top-level keys of the object in text[start, end) -> value spans. Null when
 * the text is not one well-formed object (ignoring the inside of skipped values).
 */
export function scanObject(text: string, start = 0, end = text.length): ScanResult | null {
  let i = start;
  while (i < end && isWs(text.charCodeAt(i))) i++;
  if (text.charCodeAt(i) !== 0x7b) return null;
  i++;
  const out: ScanResult = new Map();
  let first = true;
  for (;;) {
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (i >= end) return null;
    const c = text.charCodeAt(i);
    if (c === 0x7d) {
      if (!first && out.size === 0) return null;
      i++;
      break;
    }
    if (!first) {
      if (c !== 0x2c) return null;
      i++;
      while (i < end && isWs(text.charCodeAt(i))) i++;
    }
    if (text.charCodeAt(i) !== 0x22) return null;
    const keyEnd = skipString(text, i, end);
    if (keyEnd < 0) return null;
    const key = decodeKey(text, i, keyEnd);
    if (key === null) return null;
    i = keyEnd;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 0x3a) return null;
    i++;
    while (i < end && isWs(text.charCodeAt(i))) i++;
    if (i >= end) return null;
    const vEnd = skipValue(text, i, end);
    if (vEnd < 0) return null;
    out.delete(key); // keep insertion order of the last occurrence
    out.set(key, { start: i, end: vEnd });
    i = vEnd;
    first = false;
  }
  while (i < end && isWs(text.charCodeAt(i))) i++;
  return i === end ? out : null;
}

/**
 * The decoded string value of `key`, or null when absent or not a string.
 * Always a fresh string (JSON.parse), never a slice: a slice would keep the
 * whole (possibly huge) line alive for as long as the value is kept.
 */
export function scanString(text: string, scan: ScanResult, key: string): string | null {
  const span = scan.get(key);
  if (!span || text.charCodeAt(span.start) !== 0x22) return null;
  try {
    return JSON.parse(text.slice(span.start, span.end)) as string;
  } catch {
    return null;
  }
}

/** True when the value of `key` is exactly the JSON string `"value"` (no escapes in `value`); no allocation. */
export function scanIs(text: string, scan: ScanResult, key: string, value: string): boolean {
  const span = scan.get(key);
  return span !== undefined && span.end - span.start === value.length + 2 && text.startsWith(value, span.start + 1) && text.charCodeAt(span.start) === 0x22;
}

/** True / false for a boolean value, null otherwise. */
export function scanBool(text: string, scan: ScanResult, key: string): boolean | null {
  const span = scan.get(key);
  if (!span) return null;
  const len = span.end - span.start;
  if (len === 4 && text.startsWith('true', span.start)) return true;
  if (len === 5 && text.startsWith('false', span.start)) return false;
  return null;
}

/** JSON.parse of the value of `key`; `undefined` when absent, throws when invalid. */
export function scanJson(text: string, scan: ScanResult, key: string): unknown {
  const span = scan.get(key);
  if (!span) return undefined;
  return JSON.parse(text.slice(span.start, span.end)) as unknown;
}
