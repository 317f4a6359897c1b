/**
 * Decoding and parsing a JSON document the user hands us (a file or stdin),
 * with errors that point at a line and column instead of V8's message (which
 * differs between Node versions and quotes the whole input).
 */

/** Bytes -> text: UTF-8 (BOM stripped), or UTF-16 with a BOM (what Windows PowerShell's `>` writes). */
export function decodeText(bytes: Uint8Array): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  const text = new TextDecoder('utf-8').decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export interface JsonSyntaxError {
  /** 1-based line and column (UTF-16 code units) of the offending character. */
  line: number;
  col: number;
  reason: string;
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; error: JsonSyntaxError };

/** `JSON.parse`, and on failure the position and a short reason from {@link findJsonSyntaxError}. */
export function parseJsonText(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const found = findJsonSyntaxError(text) ?? { offset: text.length, reason: 'invalid JSON' };
    return { ok: false, error: { ...lineCol(text, found.offset), reason: found.reason } };
  }
}

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1 };
}

const MAX_DEPTH = 2000;

function describe(ch: string | undefined): string {
  if (ch === undefined) return 'end of input';
  const cp = ch.codePointAt(0) ?? 0;
  if (cp < 0x20 || cp === 0x7f) return `control character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${ch}'`;
}

/**
 * A strict RFC 8259 scanner that returns the offset of the first error, or
 * null when the text is valid JSON. Used only after `JSON.parse` failed.
 */
export function findJsonSyntaxError(text: string): { offset: number; reason: string } | null {
  let i = 0;
  class Fail {
    constructor(
      readonly offset: number,
      readonly reason: string,
    ) {}
  }
  // Annotated so TypeScript treats calls as control-flow ends.
  const fail: (reason: string, at?: number) => never = (reason, at = i) => {
    throw new Fail(at, reason);
  };
  const ws = (): void => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++) {
      if (text[i + k] !== word[k]) fail(`expected a value, found ${describe(text[i])}`, i);
    }
    i += word.length;
  };
  const string = (): void => {
    i++; // opening quote
    for (;;) {
      const ch = text[i];
      if (ch === undefined) fail('unterminated string');
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        const esc = text[i + 1];
        if (esc === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) fail('invalid \\u escape in string');
          i += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) i += 2;
        else fail(`invalid escape ${describe(esc)} in string`, i + 1);
        continue;
      }
      if ((ch.codePointAt(0) ?? 0) < 0x20) fail(`${describe(ch)} in string (escape it)`);
      i++;
    }
  };
  const number = (): void => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m || m[0] === '-' || m[0].length === 0) fail(`expected a value, found ${describe(text[i])}`);
    i += (m as RegExpExecArray)[0].length;
  };
  const value = (depth: number): void => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a property name in double quotes, found ${describe(text[i])}`);
        string();
        ws();
        if (text[i] !== ':') fail(`expected ':' after property name, found ${describe(text[i])}`);
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === '}') fail("trailing comma before '}'");
          continue;
        }
        if (text[i] === '}') {
          i++;
          return;
        }
        fail(`expected ',' or '}' after property value, found ${describe(text[i])}`);
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          ws();
          if (text[i] === ']') fail("trailing comma before ']'");
          continue;
        }
        if (text[i] === ']') {
          i++;
          return;
        }
        fail(`expected ',' or ']' after array element, found ${describe(text[i])}`);
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    fail(`expected a value, found ${describe(ch)}`);
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail(`unexpected ${describe(text[i])} after the end of the JSON document`);
    return null;
  } catch (err) {
    if (err instanceof Fail) return { offset: err.offset, reason: err.reason };
    if (err instanceof RangeError) return { offset: i, reason: 'nested too deeply' };
    throw err;
  }
}
