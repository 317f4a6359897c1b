/**
 * ./json-scan.ts on UTF-8 bytes: walks the top level of one JSON object line
 * without decoding it, and reports where the values of a few wanted keys lie.
 *
 * Same guarantees and the same verdicts as `scanObject` in ./json-scan.ts on
 * the decoded line (the bytes 0x22 `"`, 0x5c `\`, brackets, `:` `,` and
 * whitespace never occur inside a multi-byte UTF-8 sequence, and invalid bytes
 * decode to U+FFFD, which is never structural either), so a parser can work on
 * bytes and decode only the few small values it uses:
 * - a key reported is a key of the top-level object; duplicate keys: the last
 *   one wins, as with JSON.parse;
 * - structural damage (cut line, unbalanced brackets, missing colon or comma,
 *   unterminated string, bad top-level literal, trailing garbage) -> false.
 * Strings are jumped with `Buffer.indexOf(0x22)` (memchr) plus a
 * backslash-parity check; nested values by bracket matching.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** Index just past the closing quote of the string starting at `pos` (which is `"`), or -1. */
export function skipStringBytes(b: Buffer, pos: number, end: number): number {
  let i = pos + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, i);
    if (q < 0 || q >= end) return -1;
    let k = q - 1;
    while (k > pos && b[k] === BACKSLASH) k--;
    if (((q - 1 - k) & 1) === 0) return q + 1;
    i = q + 1;
  }
}

/** Open brackets of the value being skipped; nesting deeper than this is rejected as malformed (as in json-scan.ts). */
const stack = new Uint8Array(4096);
/** Brackets already open around the value being skipped (1 inside a `NestedKey` walk): they count toward the limit. */
let depthBase = 0;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** `true`, `false`, `null` or a number matching /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/ in b[s, e). */
function isLiteral(b: Buffer, s: number, e: number): boolean {
  const n = e - s;
  const c0 = b[s] as number;
  if (n === 4 && c0 === 0x74) return b[s + 1] === 0x72 && b[s + 2] === 0x75 && b[s + 3] === 0x65;
  if (n === 4 && c0 === 0x6e) return b[s + 1] === 0x75 && b[s + 2] === 0x6c && b[s + 3] === 0x6c;
  if (n === 5 && c0 === 0x66) return b[s + 1] === 0x61 && b[s + 2] === 0x6c && b[s + 3] === 0x73 && b[s + 4] === 0x65;
  let i = s;
  if (b[i] === 0x2d) i++;
  if (i >= e) return false;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i] as number)) {
    while (i < e && isDigit(b[i] as number)) i++;
  } else return false;
  if (i < e && b[i] === 0x2e) {
    i++;
    const d = i;
    while (i < e && isDigit(b[i] as number)) i++;
    if (i === d) return false;
  }
  if (i < e && (b[i] === 0x65 || b[i] === 0x45)) {
    i++;
    if (i < e && (b[i] === 0x2b || b[i] === 0x2d)) i++;
    const d = i;
    while (i < e && isDigit(b[i] as number)) i++;
    if (i === d) return false;
  }
  return i === e;
}

/** Index just past the value starting at `pos` (non-whitespace), or -1 when malformed. */
export function skipValueBytes(b: Buffer, pos: number, end: number): number {
  const c = b[pos] as number;
  if (c === QUOTE) return skipStringBytes(b, pos, end);
  if (c === 0x7b || c === 0x5b) {
    const limit = stack.length - depthBase;
    let depth = 0;
    stack[depth++] = c;
    let i = pos + 1;
    while (i < end) {
      const ch = b[i] as number;
      if (ch === QUOTE) {
        i = skipStringBytes(b, i, end);
        if (i < 0) return -1;
        continue;
      }
      if (ch === 0x7b || ch === 0x5b) {
        if (depth >= limit) return -1;
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
  let i = pos;
  while (i < end) {
    const ch = b[i] as number;
    if (ch === 0x2c || ch === 0x7d || ch === 0x5d || isWs(ch)) break;
    i++;
  }
  if (i === pos) return -1;
  return isLiteral(b, pos, i) ? i : -1;
}

/**
 * The keys a parser wants, each given a slot. Spans are written to a reusable
 * Int32Array: value start at `2 * slot`, end at `2 * slot + 1`, -1 when absent.
 */
export class KeySet {
  readonly size: number;
  private readonly byLength: Array<Array<{ bytes: Uint8Array; slot: number }> | undefined> = [];
  private readonly byName = new Map<string, number>();

  constructor(readonly names: readonly string[]) {
    this.size = names.length;
    names.forEach((name, slot) => {
      const bytes = new TextEncoder().encode(name);
      (this.byLength[bytes.length] ??= []).push({ bytes, slot });
      this.byName.set(name, slot);
    });
  }

  /** New span array for this key set. */
  spans(): Int32Array {
    return new Int32Array(this.size * 2);
  }

  /** Slot of the key whose quoted bytes are b[k0, k1) (quotes included), -1 if not wanted, -2 if the key is not valid JSON. */
  slotOf(b: Buffer, k0: number, k1: number): number {
    const len = k1 - k0 - 2;
    // Raw bytes equal to a wanted name: that key (names hold no backslash, so the key has no escape).
    const list = this.byLength[len];
    if (list) {
      for (const cand of list) {
        const kb = cand.bytes;
        let same = true;
        for (let i = 0; i < len; i++) {
          if (b[k0 + 1 + i] !== kb[i]) {
            same = false;
            break;
          }
        }
        if (same) return cand.slot;
      }
    }
    // Else only an escaped key can still spell a wanted name (or be invalid JSON).
    for (let i = k0 + 1; i < k1 - 1; i++) {
      if (b[i] === BACKSLASH) {
        let key: string;
        try {
          key = JSON.parse(decodeUtf8(b, k0, k1)) as string;
        } catch {
          return -2;
        }
        return this.byName.get(key) ?? -1;
      }
    }
    return -1;
  }
}

/**
 * A key whose object value is walked with its own key set while its parent
 * is walked (`scanObjectBytes`' `nest`): one pass over the bytes instead of
 * skipping the value whole and walking it again. `ok` tells whether the value
 * was walked as one well-formed object (exactly `scanObjectBytes` over its
 * span); when it was not (or the key is absent or not an object) `spans` is
 * all -1 and the parent's verdict is what skipping the value gives.
 */
export class NestedKey {
  readonly spans: Int32Array;
  ok = false;
  constructor(
    readonly slot: number,
    readonly keys: KeySet,
  ) {
    this.spans = keys.spans();
  }
}

/**
 * Walks the object in b[start, end): fills `spans` for the keys of `keys`.
 * False when the bytes are not one well-formed object (ignoring the inside of
 * skipped values), exactly when json-scan's scanObject returns null. With
 * `nest`, the object value of its key is walked too (see `NestedKey`).
 */
export function scanObjectBytes(b: Buffer, start: number, end: number, keys: KeySet, spans: Int32Array, nest?: NestedKey): boolean {
  if (nest) {
    nest.ok = false;
    nest.spans.fill(-1);
  }
  let i = start;
  while (i < end && isWs(b[i] as number)) i++;
  if (i >= end || b[i] !== 0x7b) {
    spans.fill(-1);
    return false;
  }
  i = walkObject(b, i, end, keys, spans, nest);
  if (i < 0) return false;
  while (i < end && isWs(b[i] as number)) i++;
  return i === end;
}

/**
 * The members of the object opening at b[open] (`{`), up to its closing
 * brace: index just past it, or -1 when malformed before it.
 */
function walkObject(b: Buffer, open: number, end: number, keys: KeySet, spans: Int32Array, nest: NestedKey | undefined): number {
  spans.fill(-1);
  let i = open + 1;
  let first = true;
  for (;;) {
    while (i < end && isWs(b[i] as number)) i++;
    if (i >= end) return -1;
    const c = b[i] as number;
    if (c === 0x7d) return i + 1;
    if (!first) {
      if (c !== 0x2c) return -1;
      i++;
      while (i < end && isWs(b[i] as number)) i++;
    }
    if (i >= end || b[i] !== QUOTE) return -1;
    const k0 = i;
    const k1 = skipStringBytes(b, i, end);
    if (k1 < 0) return -1;
    const slot = keys.slotOf(b, k0, k1);
    if (slot === -2) return -1;
    i = k1;
    while (i < end && isWs(b[i] as number)) i++;
    if (i >= end || b[i] !== 0x3a) return -1;
    i++;
    while (i < end && isWs(b[i] as number)) i++;
    if (i >= end) return -1;
    let v1: number;
    if (nest !== undefined && slot === nest.slot) {
      // The last occurrence of the key decides, as for every span.
      nest.ok = false;
      if (b[i] === 0x7b) {
        depthBase = 1;
        try {
          v1 = walkObject(b, i, end, nest.keys, nest.spans, undefined);
        } finally {
          depthBase = 0;
        }
      } else v1 = -1;
      if (v1 >= 0) nest.ok = true;
      else {
        // Not one well-formed object: what skipping it gives, as without `nest`.
        nest.spans.fill(-1);
        v1 = skipValueBytes(b, i, end);
      }
    } else v1 = skipValueBytes(b, i, end);
    if (v1 < 0) return -1;
    if (slot >= 0) {
      spans[2 * slot] = i;
      spans[2 * slot + 1] = v1;
    }
    i = v1;
    first = false;
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * b[s, e) as a fresh string, exactly as TextDecoder decodes it (U+FFFD for
 * invalid bytes); short ASCII spans skip the decoder.
 */
export function decodeUtf8(b: Buffer, s: number, e: number): string {
  if (e - s <= 256) {
    let ascii = true;
    for (let i = s; i < e; i++) {
      if ((b[i] as number) >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return b.toString('latin1', s, e);
  }
  return utf8.decode(b.subarray(s, e));
}

/** True when b[s, e) is exactly the bytes of the JSON string `"value"` (ASCII value without escapes). */
export function bytesAre(b: Buffer, s: number, e: number, quoted: Uint8Array): boolean {
  if (s < 0 || e - s !== quoted.length) return false;
  for (let i = 0; i < quoted.length; i++) if (b[s + i] !== quoted[i]) return false;
  return true;
}
