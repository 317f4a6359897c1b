/**
 * `JSON.stringify(value, null, indent)` in pieces, byte for byte the same
 * text, so a large report (hundreds of MB for 1 GB of logs: every request
 * under every strategy) is written without ever being one string.
 *
 * Objects and arrays holding long arrays are walked here; everything else is
 * stringified natively, many array elements at once: the elements are wrapped
 * in as many arrays as their depth, so JSON.stringify itself indents them
 * exactly as in the whole document, and the wrapper text is cut off.
 */

/**
 * An array whose elements are made only when written (and dropped after):
 * e.g. the per-session part of a report converted one session at a time.
 */
export class LazyList<T> {
  constructor(
    readonly length: number,
    readonly get: (index: number) => T,
  ) {}
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Values JSON.stringify leaves out of objects (and writes as null in arrays). */
function isOmitted(v: unknown): boolean {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

const LONG = 32;
/** Array elements stringified per native call. */
const BATCH = 256;
/**
 * Text per native call in lazy lists (~48K characters): the batch size adapts
 * to the element size. Strings below V8's large-object size (128 KB) are
 * made in the young generation and die there; larger ones go to the
 * large-object space and stay until a full GC, which let the peak RSS of a
 * 200 MB document grow by ~100 MB.
 */
const LAZY_BATCH_CHARS = 48 * 1024;

/** True when walking `v` piecewise is worth it: it is, or directly holds, a long array. */
function holdsLongArray(v: unknown): boolean {
  if (v instanceof LazyList) return true;
  if (Array.isArray(v)) return v.length > LONG || v.some((x) => Array.isArray(x) || isPlainObject(x));
  if (!isPlainObject(v)) return false;
  for (const k in v) {
    const x = v[k];
    if ((Array.isArray(x) && x.length > LONG) || x instanceof LazyList) return true;
  }
  return false;
}

/**
 * Yields the text of `JSON.stringify(value, null, indent)` in chunks of
 * about `chunkChars` characters (a chunk can be larger when one value is).
 */
export function* jsonChunks(value: unknown, indent = 2, chunkChars = 1 << 20): Generator<string> {
  // As JSON.stringify: a number of spaces, at most 10; 0 (or less) is compact.
  indent = Math.min(10, Math.max(0, Math.floor(indent)));
  if (!Array.isArray(value) && !isPlainObject(value) && !(value instanceof LazyList)) {
    yield JSON.stringify(value, null, indent) ?? '';
    return;
  }
  const parts: string[] = [];
  let size = 0;
  /** Line break before an element or key: none when compact. */
  const nl = indent > 0 ? '\n' : '';
  /** Between a key and its value. */
  const colon = indent > 0 ? ': ' : ':';
  const pads: string[] = [];
  /** Line break and indentation at `depth`. */
  const pad = (depth: number): string => (pads[depth] ??= nl + ' '.repeat(indent * depth));
  const put = (s: string): boolean => {
    parts.push(s);
    size += s.length;
    return size >= chunkChars;
  };
  const flush = (): string => {
    const text = parts.join('');
    parts.length = 0;
    size = 0;
    return text;
  };
  /** `values` (non-empty) as elements at `depth` >= 1: "v1,\n<pad>v2…", as JSON.stringify indents them there. */
  const inner = (values: unknown[], depth: number): string => {
    let wrapped: unknown = values;
    for (let i = 1; i < depth; i++) wrapped = [wrapped];
    const text = JSON.stringify(wrapped, null, indent);
    // Each wrapper opens with "[" + line break + pad of the level inside, and closes with line break + its pad + "]".
    let head = 0;
    for (let j = 0; j < depth; j++) head += 1 + nl.length + indent * (j + 1);
    let tail = 0;
    for (let j = 0; j < depth; j++) tail += 1 + nl.length + indent * j;
    return text.slice(head, text.length - tail);
  };

  function* walkArray(arr: unknown[], depth: number): Generator<string> {
    if (arr.length === 0) {
      put('[]');
      return;
    }
    put('[');
    // Elements that hold long arrays are walked apart; runs of the others are stringified together.
    let i = 0;
    while (i < arr.length) {
      const el = arr[i];
      if (typeof el === 'object' && el !== null && holdsLongArray(el)) {
        put(i === 0 ? pad(depth + 1) : `,${pad(depth + 1)}`);
        yield* walkValue(el, depth + 1);
        i++;
        continue;
      }
      let j = i + 1;
      while (j < arr.length && j - i < BATCH) {
        const x = arr[j];
        if (typeof x === 'object' && x !== null && holdsLongArray(x)) break;
        j++;
      }
      if (put(`${i === 0 ? '' : ','}${pad(depth + 1)}${inner(arr.slice(i, j), depth + 1)}`)) yield flush();
      i = j;
    }
    if (put(`${pad(depth)}]`)) yield flush();
  }

  function* walkObject(obj: Record<string, unknown>, depth: number): Generator<string> {
    let first = true;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (isOmitted(v)) continue;
      put(`${first ? '{' : ','}${pad(depth + 1)}${JSON.stringify(k)}${colon}`);
      first = false;
      yield* walkValue(v, depth + 1);
    }
    if (first) put('{}');
    else if (put(`${pad(depth)}}`)) yield flush();
  }

  function* walkLazy(list: LazyList<unknown>, depth: number): Generator<string> {
    if (list.length === 0) {
      put('[]');
      return;
    }
    // As walkArray: elements holding long arrays are walked, runs of the others stringified together.
    const batch: unknown[] = [];
    let batchSize = 16;
    let first = true;
    const sep = (): string => {
      const s = first ? `[${pad(depth + 1)}` : `,${pad(depth + 1)}`;
      first = false;
      return s;
    };
    const flushBatch = (): boolean => {
      if (batch.length === 0) return false;
      const text = inner(batch, depth + 1);
      batchSize = Math.max(1, Math.min(BATCH, Math.floor((LAZY_BATCH_CHARS * batch.length) / Math.max(1, text.length))));
      batch.length = 0;
      return put(`${sep()}${text}`);
    };
    for (let i = 0; i < list.length; i++) {
      const el = list.get(i);
      if (typeof el === 'object' && el !== null && (el instanceof LazyList || holdsLongArray(el))) {
        if (flushBatch()) yield flush();
        put(sep());
        yield* walkValue(el, depth + 1);
        continue;
      }
      batch.push(el);
      if (batch.length >= batchSize && flushBatch()) yield flush();
    }
    flushBatch();
    if (put(`${pad(depth)}]`)) yield flush();
  }

  function* walkValue(v: unknown, depth: number): Generator<string> {
    if (v instanceof LazyList) {
      yield* walkLazy(v as LazyList<unknown>, depth);
    } else if (typeof v !== 'object' || v === null) {
      put(JSON.stringify(v) ?? 'null');
    } else if (Array.isArray(v) && holdsLongArray(v)) {
      yield* walkArray(v, depth);
    } else if (isPlainObject(v) && (depth === 0 || holdsLongArray(v) || Object.values(v).some(holdsLongArray))) {
      yield* walkObject(v, depth);
    } else if (depth === 0) {
      put(JSON.stringify(v, null, indent));
    } else {
      put(inner([v], depth));
    }
    if (size >= chunkChars) yield flush();
  }

  yield* walkValue(value, 0);
  if (size > 0) yield flush();
}
