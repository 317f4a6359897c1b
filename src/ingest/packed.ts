/**
 * A compact, transferable form of a ParsedFile, for handing parse results from
 * a worker thread to the main thread (src/cli/ingest-workers.ts).
 *
 * Structured clone of ~100,000 small RawTurn objects is slow and allocates
 * twice (serialise, deserialise); here the per-turn numbers travel in a
 * Float64Array (times, cost) and a Uint32Array (counts, line; see N_INTS for
 * the rare value that needs more), string fields as indexes into a per-file string table sent as
 * one joined string plus lengths, and flags in a Uint8Array. The few other
 * records (diagnostics, events, session info, reported costs) are cloned as
 * they are. `unpackParsedFile(packParsedFile(f))` is deep-equal to `f`
 * (-0, null and every number bit-exact), with RawTurns built in the same key
 * order as `makeRawTurn`.
 */
import { HEAP_ARRAYS, type ArrayPool } from './array-pool.js';
import type { Provider, Turn } from '../model/usage.js';
import type { ParseOutput, RawTurn } from './format.js';
import type { ParsedFile } from './ingest.js';
import type { PackedClaudePart } from './formats/claude-code.js';
import type { FilePart } from './split.js';
import { foldSameFile } from '../normalize/duplicates.js';

/** Doubles per turn in `nums`: timestampMs, reportedCostUsd, tieTimestampMs. */
const N_NUMS = 3;
/** Slots of `nums`. */
const D_TIMESTAMP = 0;
const D_COST = 1;
const D_TIE = 2;
/**
 * Whole numbers per turn in `ints`: input, 5m, 1h, read, output, reasoning,
 * line, promptTokens, duplicatesFolded. A record with a value a Uint32Array
 * does not hold exactly (a fraction, a negative, -0, NaN, 2^32 on) is wide
 * (F_WIDE): its slot 0 is then the row of its nine numbers in `wide`.
 */
const N_INTS = 9;
/** Slots of `ints` (and of a row of `wide`); TurnColumns keeps the first eight in the same order. */
const I_INPUT = 0;
const I_5M = 1;
const I_1H = 2;
const I_READ = 3;
const I_OUTPUT = 4;
const I_REASONING = 5;
const I_LINE = 6;
const I_PROMPT = 7;
const I_FOLDED = 8;
/** Slots per turn in `strs`: its row of `combos`, its dedupe key (a table index, -1: none). */
const N_STRS = 2;
const S_COMBO = 0;
const S_DEDUPE_KEY = 1;
/**
 * Table indexes per row of `combos`: model, provider, streamId, sessionId,
 * project, source.file (-1: null). A file's records share a few such rows
 * (a model, a session, the file, a stream or a few), so each record keeps
 * the number of its row: 8 bytes of string slots a record, not 28.
 */
const N_COMBO = 6;
const K_MODEL = 0;
const K_PROVIDER = 1;
const K_STREAM = 2;
const K_SESSION = 3;
const K_PROJECT = 4;
const K_FILE = 5;

const F_TIMESTAMP_NULL = 1;
const F_REASONING_NULL = 2;
const F_COST_NULL = 4;
const F_SPLIT_KNOWN = 8;
const F_ESTIMATED = 16;
const F_TIE_NULL = 32;
/** The record's whole numbers are in `wide` (see N_INTS). */
const F_WIDE = 64;

/** Whether `v` is kept exactly by a Uint32Array (-0, fractions, negatives, NaN and 2^32 on are not). */
function fitsUint32(v: number): boolean {
  return v >>> 0 === v && (v !== 0 || 1 / v > 0);
}

/**
 * A record's numbers in 60 bytes instead of 96: three doubles and nine
 * uint32 (token counts, line, duplicates: whole numbers below 2^32 in any
 * real log), the rare record with another value kept whole in `wide`.
 * Every number reads back bit-exact (-0 included). Its strings in 8 bytes:
 * its row of `combos` and its dedupe key (69 bytes a record in all).
 */
export interface PackedTurns {
  count: number;
  /** timestampMs, reportedCostUsd, tieTimestampMs, per turn. */
  nums: Float64Array;
  /** input, 5m, 1h, read, output, reasoning, line, promptTokens, duplicatesFolded, per turn (F_WIDE: slot 0 is the row in `wide`). */
  ints: Uint32Array;
  /** The nine whole numbers of each wide record, in `ints`' order. */
  wide: Float64Array;
  /** Per turn: its row of `combos`, and its dedupeKey as a string index or -1. */
  strs: Int32Array;
  /** Rows of six string indexes (or -1): model, provider, streamId, sessionId, project, source.file. */
  combos: Int32Array;
  flags: Uint8Array;
  /** The string table, concatenated. */
  text: string;
  /** Length of each string of the table, in UTF-16 units. */
  lengths: Uint32Array;
}

export interface PackedFile {
  file: string;
  relativePath: string;
  bytes: number;
  linesRead: number;
  fileDiagnostics: ParsedFile['fileDiagnostics'];
  output: (Omit<ParseOutput, 'turns'> & { turns: PackedTurns }) | null;
  /** When the main thread got it, among the run's files (src/cli/ingest-workers.ts `madeInOrder`); absent when not known. */
  madeAt?: number;
}

/**
 * Whether `t` is a well-formed PackedTurns: its arrays as long as its count
 * says and its string lengths tiling its text (what a reader of packed turns
 * read back from elsewhere, e.g. the parse cache, checks before trusting them).
 */
export function isPackedTurnsShape(t: PackedTurns): boolean {
  const n = t.count;
  if (!Number.isSafeInteger(n) || n < 0 || typeof t.text !== 'string') return false;
  if (t.nums.length !== n * N_NUMS || t.ints.length !== n * N_INTS || t.strs.length !== n * N_STRS || t.flags.length !== n) return false;
  if (t.wide.length % N_INTS !== 0 || t.combos.length % N_COMBO !== 0) return false;
  const wideRows = t.wide.length / N_INTS;
  for (let k = 0; k < n; k++) if ((t.flags[k] as number) & F_WIDE && (t.ints[k * N_INTS] as number) >= wideRows) return false;
  let chars = 0;
  for (let i = 0; i < t.lengths.length; i++) chars += t.lengths[i] as number;
  if (chars !== t.text.length) return false;
  const strings = t.lengths.length;
  const rows = t.combos.length / N_COMBO;
  for (let k = 0; k < n; k++) {
    const row = t.strs[k * N_STRS + S_COMBO] as number;
    const key = t.strs[k * N_STRS + S_DEDUPE_KEY] as number;
    if (row < 0 || row >= rows || key < -1 || key >= strings) return false;
  }
  for (let i = 0; i < t.combos.length; i++) {
    const j = t.combos[i] as number;
    if (j < -1 || j >= strings) return false;
  }
  return true;
}

/** The ArrayBuffers of a packed file, to pass as postMessage's transfer list. */
export function transferablesOf(p: PackedFile): ArrayBuffer[] {
  if (!p.output) return [];
  return ownBuffers(p.output.turns);
}

/** The turns' ArrayBuffers to transfer with them (arrays in a SharedArrayBuffer are shared by posting them). */
function ownBuffers(t: PackedTurns): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  // An empty array (a file's `wide`, mostly) costs nothing to copy.
  for (const a of [t.nums, t.ints, t.wide, t.strs, t.combos, t.flags, t.lengths]) if (a.buffer instanceof ArrayBuffer && a.buffer.byteLength > 0 && !out.includes(a.buffer)) out.push(a.buffer);
  return out;
}

export function packParsedFile(f: ParsedFile): PackedFile {
  const base = { file: f.file, relativePath: f.relativePath, bytes: f.bytes, linesRead: f.linesRead, fileDiagnostics: f.fileDiagnostics };
  if (!f.output) return { ...base, output: null };
  const { turns, ...rest } = f.output;
  return { ...base, output: { ...rest, turns: packTurns(turns) } };
}

export function unpackParsedFile(p: PackedFile): ParsedFile {
  const base = { file: p.file, relativePath: p.relativePath, bytes: p.bytes, linesRead: p.linesRead, fileDiagnostics: p.fileDiagnostics };
  if (!p.output) return { ...base, output: null };
  const { turns, ...rest } = p.output;
  return { ...base, output: { ...rest, turns: unpackTurns(turns) } };
}

let arrays: ArrayPool = HEAP_ARRAYS;

/**
 * Makes this thread's packed turns and turn columns from then on in `pool`
 * (the shell's choice, see ./array-pool.ts); returns the pool used
 * before. What is computed never depends on it.
 */
export function usePackedArrayPool(pool: ArrayPool): ArrayPool {
  const before = arrays;
  arrays = pool;
  return before;
}

/** The pool this thread's packed turns are made in (for packed arrays made elsewhere, e.g. read from the parse cache). */
export function packedArrayPool(): ArrayPool {
  return arrays;
}

export function packTurns(turns: readonly RawTurn[]): PackedTurns {
  const n = turns.length;
  const nums = arrays.float64(n * N_NUMS);
  const ints = arrays.uint32(n * N_INTS);
  const strs = arrays.int32(n * N_STRS);
  const flags = arrays.uint8(n);
  const wide = new WideRows();
  const table = new Map<string, number>();
  const parts: string[] = [];
  const index = (s: string | null): number => {
    if (s === null) return -1;
    let i = table.get(s);
    if (i === undefined) {
      i = parts.length;
      table.set(s, i);
      parts.push(s);
    }
    return i;
  };
  // Per string field, the previous turn's value and index: consecutive turns mostly share them
  // (model, stream, session, file; the streamed lines of one request share its ids), and a string
  // compared by identity is cheaper than a Map lookup.
  const lastValue: Array<string | null> = new Array<string | null>(N_COMBO + 1).fill(null);
  const lastIndex = new Int32Array(N_COMBO + 1).fill(-1);
  const combos = new ComboRows();
  const combo = new Int32Array(N_COMBO);
  const field = (slot: number, s: string | null): number => {
    if (s === null) return -1;
    if (s === lastValue[slot]) return lastIndex[slot] as number;
    const i = index(s);
    lastValue[slot] = s;
    lastIndex[slot] = i;
    return i;
  };
  const row = new Float64Array(N_INTS);
  for (let k = 0; k < n; k++) {
    const t = turns[k] as RawTurn;
    const o = k * N_NUMS;
    nums[o + D_TIMESTAMP] = t.timestampMs ?? 0;
    nums[o + D_COST] = t.reportedCostUsd ?? 0;
    nums[o + D_TIE] = t.tieTimestampMs ?? 0;
    row[I_INPUT] = t.inputTokens;
    row[I_5M] = t.cacheWrite5mTokens;
    row[I_1H] = t.cacheWrite1hTokens;
    row[I_READ] = t.cacheReadTokens;
    row[I_OUTPUT] = t.outputTokens;
    row[I_REASONING] = t.reasoningOutputTokens ?? 0;
    row[I_LINE] = t.source.line;
    row[I_PROMPT] = t.promptTokens;
    row[I_FOLDED] = t.duplicatesFolded;
    const isWide = wide.write(ints, k * N_INTS, row, N_INTS);
    flags[k] =
      (t.timestampMs === null ? F_TIMESTAMP_NULL : 0) |
      (t.reasoningOutputTokens === null ? F_REASONING_NULL : 0) |
      (t.reportedCostUsd === null ? F_COST_NULL : 0) |
      (t.isCacheSplitKnown ? F_SPLIT_KNOWN : 0) |
      (t.isEstimated ? F_ESTIMATED : 0) |
      (t.tieTimestampMs === null ? F_TIE_NULL : 0) |
      (isWide ? F_WIDE : 0);
    combo[K_MODEL] = field(K_MODEL, t.model);
    combo[K_PROVIDER] = field(K_PROVIDER, t.provider);
    combo[K_STREAM] = field(K_STREAM, t.streamId);
    combo[K_SESSION] = field(K_SESSION, t.sessionId);
    combo[K_PROJECT] = field(K_PROJECT, t.project);
    combo[K_FILE] = field(K_FILE, t.source.file);
    const q = k * N_STRS;
    strs[q + S_COMBO] = combos.row(combo);
    strs[q + S_DEDUPE_KEY] = field(N_COMBO, t.dedupeKey);
  }
  const lengths = arrays.uint32(parts.length);
  for (let i = 0; i < parts.length; i++) lengths[i] = (parts[i] as string).length;
  return { count: n, nums, ints, wide: wide.finish(), strs, combos: combos.finish(), flags, text: parts.join(''), lengths };
}

/**
 * The rows of `combos` being written (see N_COMBO): each distinct row once,
 * numbered in the order first added.
 */
class ComboRows {
  private readonly values: number[] = [];
  private readonly rowOf = new Map<string, number>();
  /** The row last asked for and its values (consecutive records mostly share theirs). */
  private last = -1;
  private readonly lastValues = new Int32Array(N_COMBO);

  /** Starts with the rows of `seed`, each at its number (a row given twice is found at its first). */
  constructor(seed?: Int32Array) {
    if (!seed) return;
    for (let c = 0; c < seed.length; c += N_COMBO) {
      const key = `${seed[c]},${seed[c + 1]},${seed[c + 2]},${seed[c + 3]},${seed[c + 4]},${seed[c + 5]}`;
      if (!this.rowOf.has(key)) this.rowOf.set(key, c / N_COMBO);
      for (let j = 0; j < N_COMBO; j++) this.values.push(seed[c + j] as number);
    }
  }

  /** The number of the row `v[0..N_COMBO)`, added when new. */
  row(v: ArrayLike<number>): number {
    const lastValues = this.lastValues;
    if (
      this.last >= 0 &&
      v[0] === lastValues[0] &&
      v[1] === lastValues[1] &&
      v[2] === lastValues[2] &&
      v[3] === lastValues[3] &&
      v[4] === lastValues[4] &&
      v[5] === lastValues[5]
    ) {
      return this.last;
    }
    const key = `${v[0]},${v[1]},${v[2]},${v[3]},${v[4]},${v[5]}`;
    let r = this.rowOf.get(key);
    if (r === undefined) {
      r = this.values.length / N_COMBO;
      for (let j = 0; j < N_COMBO; j++) this.values.push(v[j] as number);
      this.rowOf.set(key, r);
    }
    this.last = r;
    for (let j = 0; j < N_COMBO; j++) lastValues[j] = v[j] as number;
    return r;
  }

  /** The number of rows. */
  get size(): number {
    return this.values.length / N_COMBO;
  }

  /** The rows as one array (from the pool). */
  finish(): Int32Array {
    const out = arrays.int32(this.values.length);
    for (let i = 0; i < this.values.length; i++) out[i] = this.values[i] as number;
    return out;
  }
}

/**
 * The wide rows of records being written (see N_INTS): `write` puts a
 * record's whole numbers in its `ints` slots when they all fit, else
 * appends them here and puts the row's number in its first slot.
 */
class WideRows {
  /** @internal The rows, one after another. */
  readonly values: number[] = [];
  private readonly stride: number;

  constructor(stride = N_INTS) {
    this.stride = stride;
  }

  /** Writes `row[0..count)` at `ints[at..]`; true when the record went wide. */
  write(ints: Uint32Array, at: number, row: ArrayLike<number>, count: number): boolean {
    let fits = true;
    for (let j = 0; j < count; j++) {
      if (!fitsUint32(row[j] as number)) {
        fits = false;
        break;
      }
    }
    if (fits) {
      for (let j = 0; j < count; j++) ints[at + j] = row[j] as number;
      return false;
    }
    for (let j = 1; j < count; j++) ints[at + j] = 0;
    ints[at] = this.values.length / this.stride;
    for (let j = 0; j < this.stride; j++) this.values.push(j < count ? (row[j] as number) : 0);
    return true;
  }

  /** The rows as one array (from the pool). */
  finish(): Float64Array {
    const out = arrays.float64(this.values.length);
    for (let i = 0; i < this.values.length; i++) out[i] = this.values[i] as number;
    return out;
  }
}

/**
 * A number read back from a Float64Array, as a small integer when it is one,
 * so RawTurns built here have the same field representations (Smi, not boxed
 * doubles) as those the parsers build from JSON.parse: less memory, and one
 * hidden class for downstream code. -0 stays -0.
 */
function num(v: number): number {
  const i = v | 0;
  return i === v && (i !== 0 || 1 / v > 0) ? i : v;
}

/**
 * A copy of `s` that shares no memory with it. A substring of 13 or more
 * characters is a V8 sliced string that keeps its whole parent alive.
 */
function detached(s: string): string {
  return Buffer.from(s, 'utf16le').toString('utf16le');
}

/**
 * A Turn from a record's doubles at `nums[o..]` (timestampMs, reportedCostUsd:
 * the first two of a packed record and of a TurnColumns row), its whole
 * numbers at `vals[v..]` (input, 5m, 1h, read, output, reasoning, line,
 * promptTokens: `ints`, or its row of `wide`) and flags `f`, its keys in the
 * order of `makeRawTurn`.
 */
function turnFrom(nums: Float64Array, o: number, vals: ArrayLike<number>, v: number, f: number, model: string, provider: Provider, streamId: string, file: string): Turn {
  return {
    timestampMs: f & F_TIMESTAMP_NULL ? null : (nums[o + D_TIMESTAMP] as number),
    model,
    provider,
    streamId,
    inputTokens: num(vals[v + I_INPUT] as number),
    cacheWrite5mTokens: num(vals[v + I_5M] as number),
    cacheWrite1hTokens: num(vals[v + I_1H] as number),
    cacheReadTokens: num(vals[v + I_READ] as number),
    outputTokens: num(vals[v + I_OUTPUT] as number),
    reasoningOutputTokens: f & F_REASONING_NULL ? null : num(vals[v + I_REASONING] as number),
    promptTokens: num(vals[v + I_PROMPT] as number),
    isCacheSplitKnown: (f & F_SPLIT_KNOWN) !== 0,
    isEstimated: (f & F_ESTIMATED) !== 0,
    reportedCostUsd: f & F_COST_NULL ? null : num(nums[o + D_COST] as number),
    source: { file, line: num(vals[v + I_LINE] as number) },
  };
}

/**
 * Reads a PackedTurns record by record without building a RawTurn for each:
 * normalizeSessions dedupes on the packed numbers and builds a Turn only for
 * the record it keeps.
 *
 * Strings are read from the file's table lazily. Substrings of `text` are V8
 * sliced strings that keep `text` (the file's table: every request and
 * message id) alive: the ids die with the turns, but the strings that outlive
 * them in the analysis (model, provider, stream, the source's file, session,
 * project) are copied once per file (`kept`), so the tables can go with the
 * sessions.
 */
export class PackedTurnReader {
  readonly count: number;
  /** @internal Read by TurnColumns.put. */
  readonly nums: Float64Array;
  /** @internal */
  readonly ints: Uint32Array;
  /** @internal */
  readonly wide: Float64Array;
  /** @internal */
  readonly strs: Int32Array;
  /** @internal */
  readonly combos: Int32Array;
  /** @internal */
  readonly flags: Uint8Array;
  private readonly text: string;
  /** Start of each table string in `text`, and one past the last. */
  private readonly starts: Uint32Array;
  /**
   * Table strings read so far, by index: few per file (session, project,
   * files, models, streams; dedupe keys are compared in `text` by
   * `sameString`), so maps, not arrays as long as the table (~2 slots a
   * record).
   */
  private readonly table = new Map<number, string>();
  private readonly kept = new Map<number, string>();

  constructor(p: PackedTurns) {
    this.count = p.count;
    this.nums = p.nums;
    this.ints = p.ints;
    this.wide = p.wide;
    this.strs = p.strs;
    this.combos = p.combos;
    this.flags = p.flags;
    this.text = p.text;
    const n = p.lengths.length;
    const starts = new Uint32Array(n + 1);
    for (let i = 0; i < n; i++) starts[i + 1] = (starts[i] as number) + (p.lengths[i] as number);
    this.starts = starts;
  }

  /** Bytes of its record arrays and string table: what letting the reader (and its file's turns) go frees. */
  heldBytes(): number {
    return this.nums.byteLength + this.ints.byteLength + this.wide.byteLength + this.strs.byteLength + this.combos.byteLength + this.flags.byteLength + this.starts.byteLength + this.text.length;
  }

  /** @internal The table index of record `k`'s string `slot` (K_MODEL … K_FILE), -1 for null. */
  comboString(k: number, slot: number): number {
    return this.combos[(this.strs[k * N_STRS + S_COMBO] as number) * N_COMBO + slot] as number;
  }

  /** Table string `i` (shares `text`: see `keptStr` for one to keep), null for -1. */
  tableString(i: number): string | null {
    return this.str(i);
  }

  /** Table string `i` (shares `text`), null for -1. */
  private str(i: number): string | null {
    if (i < 0) return null;
    let s = this.table.get(i);
    if (s === undefined) this.table.set(i, (s = this.text.substring(this.starts[i] as number, this.starts[i + 1] as number)));
    return s;
  }

  /** Table string `i` copied out of `text` (once per file), null for -1. */
  keptStr(i: number): string | null {
    if (i < 0) return null;
    let s = this.kept.get(i);
    if (s === undefined) this.kept.set(i, (s = detached(this.str(i) as string)));
    return s;
  }

  /** Record `k`'s dedupe key: a string of its own (not kept by the reader), null when it has none. */
  dedupeKey(k: number): string | null {
    const i = this.strs[k * N_STRS + S_DEDUPE_KEY] as number;
    return i < 0 ? null : this.text.substring(this.starts[i] as number, this.starts[i + 1] as number);
  }

  /** @internal The table index of record `k`'s dedupe key, -1 when it has none (see KeyTable). */
  dedupeKeyIndex(k: number): number {
    return this.strs[k * N_STRS + S_DEDUPE_KEY] as number;
  }

  /** @internal A hash of table string `i` (FNV-1a over its UTF-16 code units). */
  hashOf(i: number): number {
    const text = this.text;
    const end = this.starts[i + 1] as number;
    let h = 0x811c9dc5;
    for (let j = this.starts[i] as number; j < end; j++) h = Math.imul(h ^ text.charCodeAt(j), 0x01000193);
    return h >>> 0;
  }

  /** @internal Whether table string `i` equals `other`'s table string `j`, compared in place. */
  sameString(i: number, other: PackedTurnReader, j: number): boolean {
    const a = this.starts[i] as number;
    const n = (this.starts[i + 1] as number) - a;
    const b = other.starts[j] as number;
    if ((other.starts[j + 1] as number) - b !== n) return false;
    const x = this.text;
    const y = other.text;
    for (let d = 0; d < n; d++) if (x.charCodeAt(a + d) !== y.charCodeAt(b + d)) return false;
    return true;
  }

  sessionId(k: number): string {
    return this.keptStr(this.comboString(k, K_SESSION)) as string;
  }

  project(k: number): string | null {
    return this.keptStr(this.comboString(k, K_PROJECT));
  }

  file(k: number): string {
    return this.keptStr(this.comboString(k, K_FILE)) as string;
  }

  timestampMs(k: number): number | null {
    return (this.flags[k] as number) & F_TIMESTAMP_NULL ? null : (this.nums[k * N_NUMS + D_TIMESTAMP] as number);
  }

  /** @internal Whole number `slot` of record `k` (see N_INTS), as stored. */
  int(k: number, slot: number): number {
    const i = k * N_INTS;
    return (this.flags[k] as number) & F_WIDE ? (this.wide[(this.ints[i] as number) * N_INTS + slot] as number) : (this.ints[i + slot] as number);
  }

  /** Line of record `k` in its file. */
  line(k: number): number {
    return num(this.int(k, I_LINE));
  }

  isEstimated(k: number): boolean {
    return ((this.flags[k] as number) & F_ESTIMATED) !== 0;
  }

  tieTimestampMs(k: number): number | null {
    return (this.flags[k] as number) & F_TIE_NULL ? null : (this.nums[k * N_NUMS + D_TIE] as number);
  }

  /** promptTokens + outputTokens (what `isBetter` compares). */
  completeness(k: number): number {
    return num(this.int(k, I_PROMPT)) + num(this.int(k, I_OUTPUT));
  }

  duplicatesFolded(k: number): number {
    return num(this.int(k, I_FOLDED));
  }

  /** Record `k` as a Turn, its keys in the order of `makeRawTurn`. */
  turn(k: number): Turn {
    const c = (this.strs[k * N_STRS + S_COMBO] as number) * N_COMBO;
    const combos = this.combos;
    const f = this.flags[k] as number;
    const wide = (f & F_WIDE) !== 0;
    return turnFrom(
      this.nums,
      k * N_NUMS,
      wide ? this.wide : this.ints,
      wide ? (this.ints[k * N_INTS] as number) * N_INTS : k * N_INTS,
      f,
      this.keptStr(combos[c + K_MODEL] as number) as string,
      this.keptStr(combos[c + K_PROVIDER] as number) as Provider,
      this.keptStr(combos[c + K_STREAM] as number) as string,
      this.keptStr(combos[c + K_FILE] as number) as string,
    );
  }

  /** The number of table strings. */
  get tableSize(): number {
    return this.starts.length - 1;
  }

  /** Record `k` as the RawTurn that was packed: `turn`, then the RawTurn fields, in the order of `makeRawTurn`. */
  rawTurn(k: number): RawTurn {
    const t = this.turn(k) as RawTurn;
    t.sessionId = this.sessionId(k);
    t.project = this.project(k);
    t.dedupeKey = this.dedupeKey(k);
    t.duplicatesFolded = this.duplicatesFolded(k);
    t.tieTimestampMs = this.tieTimestampMs(k);
    return t;
  }
}

export function unpackTurns(p: PackedTurns): RawTurn[] {
  const reader = new PackedTurnReader(p);
  const out: RawTurn[] = new Array<RawTurn>(p.count);
  for (let k = 0; k < p.count; k++) out[k] = reader.rawTurn(k);
  return out;
}

/**
 * A copy of `p` with every record's session and project set, and the
 * streams of the records listed (what merging a file's one part sets on its
 * RawTurns, src/ingest/formats/claude-code.ts): new strings are appended to
 * the table, only the string slots and rows (`strs`, `combos`) are copied,
 * the numbers are shared.
 */
export function withFileStrings(
  p: PackedTurns,
  sessionId: string,
  project: string | null,
  streams: ReadonlyArray<{ k: number; streamId: string }>,
  /** `p` is the caller's to give: its string slots and rows are set in place (not copied; the numbers are shared either way). */
  inPlace = false,
): PackedTurns {
  const table = new TableAppend([p]);
  const session = table.add(sessionId);
  const proj = project === null ? -1 : table.add(project);
  let strs = p.strs;
  let combos = p.combos;
  if (!inPlace) {
    strs = arrays.int32(p.strs.length);
    strs.set(p.strs);
    combos = arrays.int32(p.combos.length);
    combos.set(p.combos);
  }
  for (let c = 0; c < combos.length; c += N_COMBO) {
    combos[c + K_SESSION] = session;
    combos[c + K_PROJECT] = proj;
  }
  if (streams.length > 0) {
    // A record given a stream of its own takes a row with that stream (the rows above kept at their numbers).
    const rows = new ComboRows(combos);
    const v = new Int32Array(N_COMBO);
    for (const x of streams) {
      const q = x.k * N_STRS + S_COMBO;
      v.set(combos.subarray((strs[q] as number) * N_COMBO, (strs[q] as number) * N_COMBO + N_COMBO));
      v[K_STREAM] = table.add(x.streamId);
      strs[q] = rows.row(v);
    }
    if (rows.size > combos.length / N_COMBO) combos = rows.finish();
  }
  return { count: p.count, nums: p.nums, ints: p.ints, wide: p.wide, strs, combos, flags: p.flags, ...table.finish() };
}

/**
 * String tables of packed turns one after another, then strings added to
 * them (each once): the table the turns' string slots index into once
 * `bases[i]` is added to the slots of `tables[i]`.
 */
class TableAppend {
  /** Index of each given table's first string in the joined table. */
  readonly bases: number[] = [];
  private readonly size: number;
  private readonly added: string[] = [];
  private readonly addedAt = new Map<string, number>();

  constructor(private readonly tables: ReadonlyArray<Pick<PackedTurns, 'text' | 'lengths'>>) {
    let size = 0;
    for (const t of tables) {
      this.bases.push(size);
      size += t.lengths.length;
    }
    this.size = size;
  }

  /** The joined table's index of `value`, added after the given tables' strings when new. */
  add(value: string): number {
    let i = this.addedAt.get(value);
    if (i === undefined) {
      i = this.size + this.added.length;
      this.added.push(value);
      this.addedAt.set(value, i);
    }
    return i;
  }

  /** The joined table: its text and the length of each string. */
  finish(): Pick<PackedTurns, 'text' | 'lengths'> {
    const lengths = arrays.uint32(this.size + this.added.length);
    this.tables.forEach((t, i) => lengths.set(t.lengths, this.bases[i] as number));
    for (let i = 0; i < this.added.length; i++) lengths[this.size + i] = (this.added[i] as string).length;
    return { text: this.tables.map((t) => t.text).join('') + this.added.join(''), lengths };
  }
}

/** A packed record as `foldSameFile` reads and updates it. */
interface FoldedRecord {
  promptTokens: number;
  outputTokens: number;
  duplicatesFolded: number;
  tieTimestampMs: number | null;
}

/**
 * The turns of a file parsed in several parts, each packed with line numbers
 * relative to its first byte, as `mergeClaudeParts` makes them from the
 * unpacked parts (src/ingest/formats/claude-code.ts): in file order, a
 * request whose records are in several parts folded into one (the same
 * `foldSameFile` on the fields it reads and updates), every line shifted by
 * its part's `lineOffsets`, every session and project set, and the stream
 * of each record in `streams` (part, index in it) set when that record is
 * kept. The parts' string tables are concatenated (strings added after).
 * The records kept are columns and their keys are looked up in the parts'
 * tables (KeyTable): an object, a key string and a map entry per record took
 * ~40 MB of heap for the 150,000 requests of one 1 GB file.
 */
export function mergePackedTurns(
  parts: readonly PackedTurns[],
  lineOffsets: readonly number[],
  sessionId: string,
  project: string | null,
  streams: ReadonlyArray<{ part: number; k: number; streamId: string }>,
): PackedTurns {
  const readers = parts.map((p) => new PackedTurnReader(p));
  let total = 0;
  for (const r of readers) total += r.count;
  // The records kept, in file order (where each request's first record was): part, index in it, and the
  // fields foldSameFile updates.
  const recPart = new Int32Array(total);
  const recK = new Int32Array(total);
  const recFolded = new Float64Array(total);
  const recTie = new Float64Array(total);
  const recTieNull = new Uint8Array(total);
  let n = 0;
  const put = (at: number, part: number, k: number, folded: number, tie: number | null): void => {
    recPart[at] = part;
    recK[at] = k;
    recFolded[at] = folded;
    recTie[at] = tie ?? 0;
    recTieNull[at] = tie === null ? 1 : 0;
  };
  const kept: FoldedRecord = { promptTokens: 0, outputTokens: 0, duplicatesFolded: 0, tieTimestampMs: null };
  const next: FoldedRecord = { promptTokens: 0, outputTokens: 0, duplicatesFolded: 0, tieTimestampMs: null };
  const load = (into: FoldedRecord, part: number, k: number, folded: number, tie: number | null): void => {
    const r = readers[part] as PackedTurnReader;
    into.promptTokens = num(r.int(k, I_PROMPT));
    into.outputTokens = num(r.int(k, I_OUTPUT));
    into.duplicatesFolded = folded;
    into.tieTimestampMs = tie;
  };
  const keys = new KeyTable(readers, { readerOf: (at) => recPart[at] as number, recordOf: (at) => recK[at] as number }, total);
  readers.forEach((r, part) => {
    for (let k = 0; k < r.count; k++) {
      const key = r.dedupeKeyIndex(k);
      const e = key < 0 ? -1 : keys.findOrAdd(part, key, n);
      if (e < 0) {
        put(n++, part, k, r.duplicatesFolded(k), r.tieTimestampMs(k));
        continue;
      }
      const at = keys.refOf(e);
      load(kept, recPart[at] as number, recK[at] as number, recFolded[at] as number, recTieNull[at] ? null : (recTie[at] as number));
      load(next, part, k, r.duplicatesFolded(k), r.tieTimestampMs(k));
      if (foldSameFile(kept, next) === kept) put(at, recPart[at] as number, recK[at] as number, kept.duplicatesFolded, kept.tieTimestampMs);
      else put(at, part, k, next.duplicatesFolded, next.tieTimestampMs);
    }
  });
  const table = new TableAppend(parts);
  const bases = table.bases;
  const session = table.add(sessionId);
  const proj = project === null ? -1 : table.add(project);
  const streamAt = parts.map(() => new Map<number, number>());
  for (const x of streams) (streamAt[x.part] as Map<number, number>).set(x.k, table.add(x.streamId));
  const nums = arrays.float64(n * N_NUMS);
  const ints = arrays.uint32(n * N_INTS);
  const strs = arrays.int32(n * N_STRS);
  const flags = arrays.uint8(n);
  const wide = new WideRows();
  const row = new Float64Array(N_INTS);
  // Each part's rows of strings in the joined table, session and project set (made when first used).
  const combos = new ComboRows();
  const rowAt = parts.map((p) => new Int32Array(p.combos.length / N_COMBO).fill(-1));
  const combo = new Int32Array(N_COMBO);
  const comboOf = (part: number, c: number, stream: number | undefined): number => {
    const p = parts[part] as PackedTurns;
    const base = bases[part] as number;
    for (let j = 0; j < N_COMBO; j++) {
      const i = p.combos[c * N_COMBO + j] as number;
      combo[j] = i < 0 ? -1 : base + i;
    }
    combo[K_SESSION] = session;
    combo[K_PROJECT] = proj;
    if (stream !== undefined) combo[K_STREAM] = stream;
    return combos.row(combo);
  };
  for (let s = 0; s < n; s++) {
    const part = recPart[s] as number;
    const p = parts[part] as PackedTurns;
    const reader = readers[part] as PackedTurnReader;
    const k = recK[s] as number;
    const o = s * N_NUMS;
    nums[o + D_TIMESTAMP] = p.nums[k * N_NUMS + D_TIMESTAMP] as number;
    nums[o + D_COST] = p.nums[k * N_NUMS + D_COST] as number;
    nums[o + D_TIE] = recTie[s] as number;
    for (let j = 0; j < N_INTS; j++) row[j] = reader.int(k, j);
    row[I_LINE] = (row[I_LINE] as number) + (lineOffsets[part] as number);
    row[I_FOLDED] = recFolded[s] as number;
    const isWide = wide.write(ints, s * N_INTS, row, N_INTS);
    flags[s] = ((p.flags[k] as number) & ~(F_TIE_NULL | F_WIDE)) | (recTieNull[s] ? F_TIE_NULL : 0) | (isWide ? F_WIDE : 0);
    const q = s * N_STRS;
    const key = p.strs[k * N_STRS + S_DEDUPE_KEY] as number;
    strs[q + S_DEDUPE_KEY] = key < 0 ? -1 : (bases[part] as number) + key;
    const c = p.strs[k * N_STRS + S_COMBO] as number;
    const stream = (streamAt[part] as Map<number, number>).get(k);
    if (stream !== undefined) strs[q + S_COMBO] = comboOf(part, c, stream);
    else {
      const at = rowAt[part] as Int32Array;
      let r = at[c] as number;
      if (r < 0) at[c] = r = comboOf(part, c, undefined);
      strs[q + S_COMBO] = r;
    }
  }
  return { count: n, nums, ints, wide: wide.finish(), strs, combos: combos.finish(), flags, ...table.finish() };
}

/** A FilePart (./split.ts) in transferable form: its turns packed, the rest cloned. */
export interface PackedPart extends Omit<FilePart, 'claude'> {
  claude: PackedClaudePart;
}

export function packFilePart(p: FilePart): PackedPart {
  const { turns, ...rest } = p.claude;
  return { ...p, claude: { ...rest, turns: packTurns(turns) } };
}

export function unpackFilePart(p: PackedPart): FilePart {
  const { turns, ...rest } = p.claude;
  return { ...p, claude: { ...rest, turns: unpackTurns(turns) } };
}

export function partTransferables(p: PackedPart): ArrayBuffer[] {
  return ownBuffers(p.claude.turns);
}

/**
 * A copy of a packed part that shares nothing mutable with it: merging parts
 * (./split.ts `mergePackedFileParts`) rewrites the events and diagnostics of
 * the parts it is given in place. The turns' typed arrays are only ever
 * read, so they are shared.
 */
export function clonePackedPart(p: PackedPart): PackedPart {
  // The merge shifts the line numbers of events and diagnostics, sets the events' streams and appends
  // diagnostics: those are copied. It only reads sideParent, sideTurns and sideUuids (the bulk), and the turns.
  const { turns, events, diagnostics, ...rest } = p.claude;
  return { ...p, claude: { ...rest, events: structuredClone(events), diagnostics: structuredClone(diagnostics), turns } };
}

/** Doubles per turn in TurnColumns: timestampMs, reportedCostUsd (a packed record's first two: `turnFrom` reads both). */
const C_NUMS = 2;
/** Whole numbers per turn in TurnColumns: a packed record's first eight (input … promptTokens), wide as there. */
const C_INTS = 8;
/** Strings per row of TurnStrings' `combos`: model, provider, streamId, source.file (a TurnColumns row holds the number of its row). */
const C_STRS = 4;
const C_MODEL = 0;
const C_PROVIDER = 1;
const C_STREAM = 2;
const C_FILE = 3;
/** Flag bits a TurnColumns row keeps of the reader's (its own F_WIDE is set by `put`). */
const C_FLAGS = F_TIMESTAMP_NULL | F_REASONING_NULL | F_COST_NULL | F_SPLIT_KNOWN | F_ESTIMATED;

/** Where the record a KeyTable ref stands for lies: its reader's index and its index in that reader. */
export interface RefPlace {
  readerOf(ref: number): number;
  recordOf(ref: number): number;
}

/**
 * The dedupe keys of packed records across files, each with the record kept
 * for it (a `ref`, see normalizeSessions): what a Map from key string to ref
 * did, over typed arrays. A key is looked up by its hash and compared in its
 * file's string table (exact: no two keys are taken for one on a hash
 * match), so no string is made per record: a Map with one substring per
 * record held ~70 bytes a record (15 MB of heap at the peak of a 6 GB run).
 * An entry's key is read where its ref's record is (`place`: every record
 * kept for a key has that key), so the table holds 20 bytes an entry.
 * Keys iterate in first-insertion order, as a Map's do.
 */
export class KeyTable {
  /** Open addressing, linear probing: entry + 1 per slot, 0 when empty. */
  private slots: Int32Array;
  private hashes: Uint32Array;
  /** Per entry: the ref kept. */
  private refs: Float64Array;
  /** Entries, in insertion order. */
  count = 0;

  /**
   * `place`: the reader (an index of `readers`) and the record in it of a ref given to `findOrAdd` or
   * `setRef`. `expected`: how many keys there may be (e.g. the records to be added), so the table is
   * made at its size once instead of doubling from 512 (a rehash and a dead copy of every array per step).
   */
  constructor(
    private readonly readers: readonly PackedTurnReader[],
    private readonly place: RefPlace,
    expected = 0,
  ) {
    let entries = 512;
    while (entries < expected) entries *= 2;
    this.slots = new Int32Array(entries * 2);
    this.hashes = new Uint32Array(entries);
    this.refs = new Float64Array(entries);
  }

  /**
   * The entry of the key that is table string `i` of reader `r`; when there
   * is none, one is added with `ref` (a record with that key: `place` tells
   * where) and `~entry` (negative) is returned.
   */
  findOrAdd(r: number, i: number, ref: number): number {
    const reader = this.readers[r] as PackedTurnReader;
    const hash = reader.hashOf(i);
    const mask = this.slots.length - 1;
    for (let s = hash & mask; ; s = (s + 1) & mask) {
      const e = (this.slots[s] as number) - 1;
      if (e < 0) {
        const added = this.add(hash, ref);
        this.slots[s] = added + 1;
        if (this.count * 2 > this.slots.length) this.rehash();
        return ~added;
      }
      if (this.hashes[e] === hash && this.sameKey(reader, i, this.refs[e] as number)) return e;
    }
  }

  refOf(e: number): number {
    return this.refs[e] as number;
  }

  /** Bytes of its arrays (what letting the table go frees). */
  heldBytes(): number {
    return this.slots.byteLength + this.hashes.byteLength + this.refs.byteLength;
  }

  setRef(e: number, ref: number): void {
    this.refs[e] = ref;
  }

  /** Whether `reader`'s table string `i` is the key of the record `ref` stands for. */
  private sameKey(reader: PackedTurnReader, i: number, ref: number): boolean {
    const other = this.readers[this.place.readerOf(ref)] as PackedTurnReader;
    return reader.sameString(i, other, other.dedupeKeyIndex(this.place.recordOf(ref)));
  }

  private add(hash: number, ref: number): number {
    const e = this.count;
    if (e === this.refs.length) {
      const grow = <T extends Float64Array | Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
        const b = make(a.length * 2);
        b.set(a);
        return b;
      };
      this.hashes = grow(this.hashes, (n) => new Uint32Array(n));
      this.refs = grow(this.refs, (n) => new Float64Array(n));
    }
    this.hashes[e] = hash;
    this.refs[e] = ref;
    this.count = e + 1;
    return e;
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.count; e++) {
      let s = (this.hashes[e] as number) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
    this.slots = slots;
  }
}

/**
 * The strings of TurnColumns (models, providers, streams, files), each once,
 * and their combinations a turn has (model, provider, stream, file), each
 * once, shared by the columns of every session of a run: a file's table and
 * rows map to them once, however many sessions take records from that file.
 */
export class TurnStrings {
  /** @internal */
  readonly strings: string[] = [];
  private readonly index = new Map<string, number>();
  /** @internal Rows of C_STRS indexes into `strings` (-1: null), each distinct one once. */
  readonly combos: number[] = [];
  private readonly comboIndex = new Map<string, number>();
  /** Per reader: this table's index of each of its table strings (-1: not yet). */
  private readonly readerStrings = new WeakMap<PackedTurnReader, Int32Array>();
  /** Per reader: this table's row of each of its rows of strings (-1: not yet). */
  private readonly readerCombos = new WeakMap<PackedTurnReader, Int32Array>();

  /** @internal This table's row for record `k` of `reader`: its model, provider, stream and file. */
  comboOf(reader: PackedTurnReader, k: number): number {
    let rows = this.readerCombos.get(reader);
    if (rows === undefined) this.readerCombos.set(reader, (rows = new Int32Array(reader.combos.length / N_COMBO).fill(-1)));
    const row = reader.strs[k * N_STRS + S_COMBO] as number;
    let j = rows[row] as number;
    if (j < 0) {
      const map = this.mapOf(reader);
      const c = row * N_COMBO;
      const combos = reader.combos;
      const model = this.stringOf(reader, map, combos[c + K_MODEL] as number);
      const provider = this.stringOf(reader, map, combos[c + K_PROVIDER] as number);
      const stream = this.stringOf(reader, map, combos[c + K_STREAM] as number);
      const file = this.stringOf(reader, map, combos[c + K_FILE] as number);
      const key = `${model},${provider},${stream},${file}`;
      const known = this.comboIndex.get(key);
      if (known === undefined) {
        j = this.combos.length / C_STRS;
        this.combos.push(model, provider, stream, file);
        this.comboIndex.set(key, j);
      } else j = known;
      rows[row] = j;
    }
    return j;
  }

  /** @internal This table's index of each table string of `reader` (-1: not yet). */
  mapOf(reader: PackedTurnReader): Int32Array {
    let map = this.readerStrings.get(reader);
    if (map === undefined) this.readerStrings.set(reader, (map = new Int32Array(reader.tableSize).fill(-1)));
    return map;
  }

  /** @internal This table's index of `reader`'s table string `i` (-1 for -1). */
  stringOf(reader: PackedTurnReader, map: Int32Array, i: number): number {
    if (i < 0) return -1;
    let j = map[i] as number;
    if (j < 0) {
      // Looked up by the file's own (sliced) string; copied out of its table only when new to the run.
      const known = this.index.get(reader.tableString(i) as string);
      if (known === undefined) {
        const s = reader.keptStr(i) as string;
        j = this.strings.length;
        this.strings.push(s);
        this.index.set(s, j);
      } else j = known;
      map[i] = j;
    }
    return j;
  }
}

/**
 * Kept turns in columns: 53 bytes a turn (numbers bit-exact, strings as a
 * row of a shared TurnStrings' combinations) instead of a Turn object and its source
 * (~280 bytes of heap with their boxed timestamps). Each session is built
 * over columns of its own (src/normalize/sessions.ts) and makes its Turn
 * objects when first read, so an analysis that reads one session at a time
 * and lets it go never holds every turn as an object, and the columns of the
 * sessions read go with them.
 */
export class TurnColumns {
  private readonly nums: Float64Array;
  private readonly ints: Uint32Array;
  /** Rows whose whole numbers a Uint32Array does not hold (made at the first). */
  private wide: WideRows | null = null;
  /** Per row: its row of the table's `combos`. */
  private readonly strs: Int32Array;
  private readonly flags: Uint8Array;
  /** A wide record's numbers on their way in. */
  private readonly scratch = new Float64Array(C_INTS);
  count = 0;

  constructor(
    capacity: number,
    private readonly table: TurnStrings = new TurnStrings(),
  ) {
    const n = Math.max(0, capacity);
    this.nums = arrays.float64(n * C_NUMS);
    this.ints = arrays.uint32(n * C_INTS);
    this.strs = arrays.int32(n);
    this.flags = arrays.uint8(n);
  }

  /** Appends record `k` of `reader` (capacity permitting); returns its row. */
  append(reader: PackedTurnReader, k: number): number {
    const row = this.count;
    this.put(row, reader, k);
    return row;
  }

  /**
   * Writes record `k` of `reader` as row `row` (below the capacity), in any
   * order: the rows below `count` (one past the highest row written) are the
   * columns' turns, so a caller filling out of order writes every row.
   */
  put(row: number, reader: PackedTurnReader, k: number): void {
    if (row < 0 || row >= this.flags.length) throw new Error('TurnColumns: row outside the capacity');
    const from = reader.nums;
    const o = k * N_NUMS;
    const c = row * C_NUMS;
    this.nums[c + D_TIMESTAMP] = from[o + D_TIMESTAMP] as number;
    this.nums[c + D_COST] = from[o + D_COST] as number;
    const f = reader.flags[k] as number;
    const ints = this.ints;
    const i = row * C_INTS;
    let wide = 0;
    if ((f & F_WIDE) === 0) {
      const src = reader.ints;
      const j = k * N_INTS;
      ints[i] = src[j] as number;
      ints[i + 1] = src[j + 1] as number;
      ints[i + 2] = src[j + 2] as number;
      ints[i + 3] = src[j + 3] as number;
      ints[i + 4] = src[j + 4] as number;
      ints[i + 5] = src[j + 5] as number;
      ints[i + 6] = src[j + 6] as number;
      ints[i + 7] = src[j + 7] as number;
    } else {
      const row8 = this.scratch;
      for (let j = 0; j < C_INTS; j++) row8[j] = reader.int(k, j);
      if ((this.wide ??= new WideRows(C_INTS)).write(ints, i, row8, C_INTS)) wide = F_WIDE;
    }
    this.strs[row] = this.table.comboOf(reader, k);
    this.flags[row] = (f & C_FLAGS) | wide;
    if (row >= this.count) this.count = row + 1;
  }

  timestampMs(row: number): number | null {
    return (this.flags[row] as number) & F_TIMESTAMP_NULL ? null : (this.nums[row * C_NUMS + D_TIMESTAMP] as number);
  }

  /** String `j` of the table, null for -1 (as the reader's keptStr). */
  private str(j: number): string | null {
    return j < 0 ? null : (this.table.strings[j] as string);
  }

  /** String `slot` (C_MODEL … C_FILE) of row `row`, null for none. */
  private strAt(row: number, slot: number): string | null {
    return this.str(this.table.combos[(this.strs[row] as number) * C_STRS + slot] as number);
  }

  file(row: number): string {
    return this.strAt(row, C_FILE) as string;
  }

  line(row: number): number {
    const i = row * C_INTS;
    return num((this.flags[row] as number) & F_WIDE ? ((this.wide as WideRows).values[(this.ints[i] as number) * C_INTS + I_LINE] as number) : (this.ints[i + I_LINE] as number));
  }

  isEstimated(row: number): boolean {
    return ((this.flags[row] as number) & F_ESTIMATED) !== 0;
  }

  /** Row `row` as a Turn: the fields, values and key order of PackedTurnReader.turn on the record appended. */
  turn(row: number): Turn {
    const f = this.flags[row] as number;
    const wide = (f & F_WIDE) !== 0;
    return turnFrom(
      this.nums,
      row * C_NUMS,
      wide ? (this.wide as WideRows).values : this.ints,
      wide ? (this.ints[row * C_INTS] as number) * C_INTS : row * C_INTS,
      f,
      this.strAt(row, C_MODEL) as string,
      this.strAt(row, C_PROVIDER) as Provider,
      this.strAt(row, C_STREAM) as string,
      this.strAt(row, C_FILE) as string,
    );
  }

  /** Every row as a Turn object, in row order. */
  allTurns(): Turn[] {
    const out = new Array<Turn>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.turn(i);
    return out;
  }
}
