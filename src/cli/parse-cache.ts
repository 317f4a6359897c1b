/**
 * The parse cache: Claude Code files parsed by an earlier run are not parsed
 * again, and a file that was only appended to (agents append to their logs)
 * is parsed from the byte where the last run stopped.
 *
 * What is kept, per file: the parse as parts of src/ingest/split.ts (packed
 * turns, parser state), covering the file's first `size` bytes, all of them
 * complete lines; the file's identity (device, inode), modification and
 * change times; and the first and last 512 bytes of those bytes. A later run:
 * - same identity, size, mtime and ctime: the cached parts are the parse
 *   (`hit`), nothing is read;
 * - same identity, larger, the first and last 512 bytes of the cached bytes
 *   unchanged and the head still a Claude Code log: the bytes from `size` on
 *   are parsed as one more part (`grown`); parts merge exactly as a split
 *   file's ranges do, so the result is the ParsedFile a full parse gives;
 * - anything else (smaller, rewritten, replaced, another tool version or
 *   parser build, another display name): parsed in full (`miss`).
 * A part that ends in an unterminated line (an agent mid-write) is never
 * stored: the prefix before it stays cached. Other formats are not cached
 * (they are small, and not all of them can be resumed mid-file).
 *
 * One file per cache directory, written to a temporary file as files are
 * parsed and renamed over the old one at the end, only when something was
 * parsed, so concurrent runs never read a torn file; a
 * cache that cannot be read or written is ignored (the run parses as if there
 * were none). Only the files' identities are held in memory (read from the
 * file's index; their first and last bytes only for a file that grew): a
 * file's parts are read when the file is looked up, and entries carried over to the new
 * file are copied as bytes (from the file as opened: a run that replaced it
 * meanwhile does not matter). Directory: `--no-cache` for none, else TOKEN_ECON_CACHE_DIR
 * (empty: none), else $XDG_CACHE_HOME/token-econ, else ~/.cache/token-econ.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { HEAD_BYTES, chooseFormat } from '../ingest/ingest.js';
import { isPackedTurnsShape, packedArrayPool, type PackedPart, type PackedTurns } from '../ingest/packed.js';
import type { FormatId } from '../model/usage.js';
import { TOOL_VERSION } from '../version.js';
import type { CliContext } from './context.js';
import { SEEN_END_BYTES, FileAppender, closeQuietly, isLatin1, pageBuffer, readAt, readInto, type InputFile, type SeenFile } from './io.js';

export const CACHE_DIR_ENV = 'TOKEN_ECON_CACHE_DIR';
export const CACHE_FILE_NAME = 'parse-cache.v8';
/** Layout of the cache document; bumped when it changes. */
export const PARSE_CACHE_LAYOUT = 8;
/** Bytes compared at each end of the cached prefix (what the reader keeps of each end: io.ts SeenFile). */
const WINDOW = SEEN_END_BYTES;
/** First bytes of the cache file. */
const MAGIC = Buffer.from('token-econ parse cache\n');
/**
 * Frames per part: the part without its turns' string table and typed
 * arrays (v8.serialize), the string table (`TextFrame`), then the bytes of
 * `nums`, `ints`, `wide`, `strs`, `flags`, `lengths` and `combos` as they are in
 * memory (written from the arrays themselves, read into arrays of their
 * own).
 */
const FRAMES_PER_PART = 9;
/** A file appended to more times than this is parsed in full again (one part). */
const MAX_PARTS = 16;
/** Entries kept: this run's files first, then the most recent others. */
const MAX_ENTRIES = 50_000;

/** The file's last bytes: the index frame's offset (u32 low, u32 high), then this mark. */
const TRAILER_MARK = Buffer.from('tec-idx\n');
const TRAILER_BYTES = 8 + TRAILER_MARK.length;

/**
 * What identifies the bytes a file's cached parts were parsed from, as the
 * index holds it; their first and last bytes are the entry's own first frame
 * (read for grown files only).
 */
interface IndexedIdentity {
  key: string;
  dev: number;
  ino: number;
  /** -1 when the file changed while it was parsed: never an exact hit. */
  mtimeMs: number;
  ctimeMs: number;
  /** Bytes the parts cover, from byte 0, every line ending with `\n`. */
  size: number;
  /** Part frames that follow. */
  parts: number;
}

/** An entry of the file as opened: its identity, and where its frames lie. */
interface StoredEntry {
  id: IndexedIdentity;
  /** Offset of the identity frame (its length prefix). */
  at: number;
  /** Offset of the first part frame, and the end of the last. */
  partsAt: number;
  end: number;
}

/**
 * The file: MAGIC, then frames of [u32 little-endian length][bytes]: first
 * the header ({ layout, endian, code }, v8.serialize), then per entry its
 * identity frame (the first and last min(size, 512) bytes of the bytes
 * parsed, raw: the rest of the identity is in the index) and
 * FRAMES_PER_PART frames per part, so entries
 * are written as files are parsed (their parts need not all be held until
 * the end), and a run reads a file's parts only when it looks the file up.
 * Last, an index frame (every entry's identity without its first and last
 * bytes, and where its frames lie; JSON) and a trailer (the index's offset,
 * TRAILER_MARK): opening reads the header and the index only, not every
 * entry (a cache of 9,000 files, 88 MB, took ~60 ms to open by walking its
 * frames, whatever the run looked up).
 * The turns' typed arrays are copied from their own memory into one 1 MiB
 * write buffer (larger frames are written from the arrays themselves): a
 * serialised copy of them (and a joined copy of the entry) cost the first
 * run ~30 MB of peak RSS at 6 GB of logs and ~70 ms of the main thread per
 * GB; one writev per entry (~1,160 at 1 GB) cost ~25 ms and v8.serialize of
 * each identity (its two byte arrays go through node's JS host-object hook)
 * ~13 ms of the main thread per GB (BENCHMARKS.md run S).
 */
interface CacheHeader {
  layout: number;
  /** Byte order of the raw typed-array frames (`os.endianness()`). */
  endian: string;
  /** Tool version and parser build the parts were made with. */
  code: string;
}

/** Bytes copied per read when a stored entry is copied to the new file. */
const COPY_BYTES = 1 << 20;

/** Bytes the new file's frames are gathered in before one write (tests make it tiny). */
const WRITE_BUFFER_BYTES = 1 << 20;
let writeBufferBytes = WRITE_BUFFER_BYTES;

/** Tests: the size of the buffer the new file is written through; null restores 1 MiB. */
export function setCacheWriteBufferBytesForTests(bytes: number | null): void {
  writeBufferBytes = bytes ?? WRITE_BUFFER_BYTES;
}

/** A frame's length prefix, copied into the write buffer by `put4`; a text frame's encoding byte. */
const U32 = Buffer.alloc(4);
const U8 = Buffer.alloc(1);

/** Bytes of the first, and of the last, bytes kept of a file of `size` bytes parsed. */
function endBytes(size: number): number {
  return Math.min(size, WINDOW);
}

/** Bytes of the window the identities are read through (tests make it tiny). */
const WINDOW_BYTES = 256 * 1024;
let windowBytes = WINDOW_BYTES;

/** Tests: the size of the window the identities are read through; null restores 256 KiB. */
export function setCacheWindowBytesForTests(bytes: number | null): void {
  windowBytes = bytes ?? WINDOW_BYTES;
}

/**
 * Bytes read through a window of the file, refilled where the next read
 * falls outside it (the caches read their frames through one, never the
 * whole file at once).
 */
export class FileWindow {
  private readonly buf = pageBuffer(windowBytes);
  private start = 0;
  private end = 0;
  constructor(
    private readonly fd: number,
    private readonly size: number,
  ) {}

  /** The file's bytes [at, at + n): a view valid until the next call (its own buffer when larger than the window). */
  bytes(at: number, n: number): Buffer {
    if (at + n > this.size) throw new Error('cache file: cut frame');
    if (at >= this.start && at + n <= this.end) return this.buf.subarray(at - this.start, at - this.start + n);
    if (n > this.buf.length) {
      const own = readAt(this.fd, at, n);
      if (own === null) throw new Error('cache file: cut frame');
      return own;
    }
    const len = Math.min(this.buf.length, this.size - at);
    if (!readInto(this.fd, this.buf, at, len)) throw new Error('cache file: cut frame');
    this.start = at;
    this.end = at + len;
    return this.buf.subarray(0, n);
  }
}

/** The frames of b[from, to), or null when they do not tile it exactly. */
function framesOf(b: Buffer, from: number, to: number): Buffer[] | null {
  const out: Buffer[] = [];
  let at = from;
  while (at < to) {
    if (at + 4 > to) return null;
    const n = b.readUInt32LE(at);
    at += 4;
    if (at + n > to) return null;
    out.push(b.subarray(at, at + n));
    at += n;
  }
  return out;
}

export type CacheLookup = { kind: 'hit'; parts: PackedPart[] } | { kind: 'grown'; parts: PackedPart[]; from: number } | { kind: 'miss' };

/** The cache directory from the environment, or null for none. */
export function cacheDirOf(env: CliContext['env']): string | null {
  const own = env[CACHE_DIR_ENV];
  if (own !== undefined) return own.trim() === '' ? null : own;
  const xdg = env['XDG_CACHE_HOME'];
  if (xdg !== undefined && xdg.trim() !== '') return join(xdg, 'token-econ');
  const home = env['HOME'] ?? env['USERPROFILE'];
  return home ? join(home, '.cache', 'token-econ') : null;
}

/**
 * A fingerprint of compiled code: the tool version and the size and mtime of
 * every module under the given directories of src/ (as compiled next to this
 * one), so a cache is never read by another build, released or not.
 */
export function codeFingerprint(dirs: readonly string[]): string {
  const parts: string[] = [TOOL_VERSION];
  for (const dir of dirs) {
    const walk = (d: string, rel: string): void => {
      for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
        else if (e.name.endsWith('.js')) {
          const st = statSync(join(d, e.name));
          parts.push(`${dir}/${rel}${e.name}:${st.size}:${st.mtimeMs}`);
        }
      }
    };
    try {
      walk(fileURLToPath(new URL(`../${dir}/`, import.meta.url)), '');
    } catch {
      parts.push(`${dir}:unlisted`);
    }
  }
  return parts.join('|');
}

/**
 * The parser build: what the cached parts were made with (src/ingest, and
 * src/normalize, whose provider table and duplicate folding the parsers use).
 */
export function parserBuild(): string {
  return codeFingerprint(['ingest', 'normalize']);
}

let tempCount = 0;

/** A temporary name next to `file`, unique to this process and call (two runs in one process never share one). */
export function tempNameFor(file: string): string {
  return `${file}.${process.pid}.${++tempCount}.tmp`;
}

function keyOf(input: InputFile): string {
  return `${input.path}\u0000${input.display}\u0000${input.relativePath}`;
}

/** The bytes of each [start, end) range of the file, read with one open (null when any cannot be read whole). */
function readRanges(path: string, ranges: ReadonlyArray<readonly [number, number]>): Uint8Array[] | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const out: Uint8Array[] = [];
    for (const [start, end] of ranges) {
      const bytes = readAt(fd, start, end - start);
      if (bytes === null) return null;
      out.push(bytes);
    }
    return out;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The shape of an index entry as read back (anything else makes the whole file unusable). */
function isIndexEntry(e: unknown, from: number, to: number): e is [string, number, number, number, number, number, number, number, number, number] {
  if (!Array.isArray(e) || e.length !== 10 || typeof e[0] !== 'string') return false;
  const n = e.slice(1) as unknown[];
  if (!n.every((x) => typeof x === 'number' && Number.isFinite(x))) return false;
  const [, , , , size, parts, at, partsAt, end] = n as number[];
  return (
    Number.isSafeInteger(size) &&
    (size as number) >= 0 &&
    Number.isInteger(parts) &&
    (parts as number) > 0 &&
    (parts as number) <= MAX_PARTS &&
    Number.isSafeInteger(at) &&
    (at as number) >= from &&
    (at as number) < (partsAt as number) &&
    (partsAt as number) <= (end as number) &&
    (end as number) <= to
  );
}

/** The shape of a part's first frame as read back (anything else: that file is parsed again). */
function isPartMeta(p: Partial<PartMeta> | null): p is PartMeta {
  if (typeof p !== 'object' || p === null || typeof p.bytes !== 'number' || typeof p.claude !== 'object' || p.claude === null) return false;
  const t = (p.claude as Partial<PartMeta['claude']>).turns;
  return typeof t === 'object' && t !== null && typeof t.count === 'number';
}

/** A part as its first frame holds it: the turns without their string table and typed arrays. */
interface PartMeta extends Omit<PackedPart, 'claude'> {
  claude: Omit<PackedPart['claude'], 'turns'> & { turns: Pick<PackedTurns, 'count'> };
}

/**
 * A part's string table, written into the cache file's write buffer as it is
 * encoded (in v8.serialize's output it was a malloc'd copy of every table,
 * ~15 MiB of the peak of a 3 GB first run, BENCHMARKS.md run V): one byte
 * for the encoding, then the text, Latin-1 when every character fits
 * (mostly), else UTF-16 (exact for any string, lone surrogates included).
 */
class TextFrame {
  readonly latin1: boolean;
  readonly byteLength: number;
  constructor(readonly text: string) {
    this.latin1 = isLatin1(text);
    this.byteLength = 1 + text.length * (this.latin1 ? 1 : 2);
  }
}

/** The string table a text frame holds, null when it is not one. */
function textOf(frame: Uint8Array): string | null {
  if (frame.length === 0) return null;
  const kind = frame[0];
  const body = Buffer.from(frame.buffer, frame.byteOffset + 1, frame.length - 1);
  if (kind === 0) return body.toString('latin1');
  if (kind === 1 && body.length % 2 === 0) return body.toString('utf16le');
  return null;
}

/** A raw frame's bytes in an array of its own of `T` (null when the length is not a whole number of elements). */
function ownCopy<T extends Float64Array | Int32Array | Uint8Array | Uint32Array>(frame: Uint8Array, make: (n: number) => T): T | null {
  const out = make(0);
  const size = out.BYTES_PER_ELEMENT;
  if (frame.length % size !== 0) return null;
  const arr = make(frame.length / size);
  new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength).set(frame);
  return arr;
}

/** The part of frames [meta, text, nums, ints, wide, strs, flags, lengths, combos], its arrays its own; null when they do not make a well-formed part. */
function partOf(frames: readonly Buffer[]): PackedPart | null {
  // From a copy: the frame may be a view of a reused read window, and deserialised typed arrays are views
  // into the bytes they came from (a part's meta holds none today; a copy keeps that from mattering).
  const meta = deserialize(Buffer.from(frames[0] as Buffer)) as Partial<PartMeta> | null;
  if (!isPartMeta(meta)) return null;
  const text = textOf(frames[1] as Buffer);
  const pool = packedArrayPool();
  const nums = ownCopy(frames[2] as Buffer, (n) => pool.float64(n));
  const ints = ownCopy(frames[3] as Buffer, (n) => pool.uint32(n));
  const wide = ownCopy(frames[4] as Buffer, (n) => pool.float64(n));
  const strs = ownCopy(frames[5] as Buffer, (n) => pool.int32(n));
  const flags = ownCopy(frames[6] as Buffer, (n) => pool.uint8(n));
  const lengths = ownCopy(frames[7] as Buffer, (n) => pool.uint32(n));
  const combos = ownCopy(frames[8] as Buffer, (n) => pool.int32(n));
  if (text === null || nums === null || ints === null || wide === null || strs === null || flags === null || lengths === null || combos === null) return null;
  const turns: PackedTurns = { count: meta.claude.turns.count, nums, ints, wide, strs, combos, flags, text, lengths };
  if (!isPackedTurnsShape(turns)) return null;
  return { ...meta, claude: { ...meta.claude, turns } };
}

/** The frames of one part: its meta (serialised), its string table, and its turns' typed arrays as raw bytes (views, not copies). */
function partFrames(p: PackedPart): Array<Uint8Array | TextFrame> {
  const { turns, ...claude } = p.claude;
  const meta: PartMeta = { ...p, claude: { ...claude, turns: { count: turns.count } } };
  const bytesOf = (a: Float64Array | Int32Array | Uint8Array | Uint32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return [serialize(meta), new TextFrame(turns.text), bytesOf(turns.nums), bytesOf(turns.ints), bytesOf(turns.wide), bytesOf(turns.strs), bytesOf(turns.flags), bytesOf(turns.lengths), bytesOf(turns.combos)];
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ParseCache {
  private readonly entries = new Map<string, StoredEntry>();
  /** Keys recorded by this run: written to the new file already. */
  private readonly written = new Set<string>();
  private readonly tmp: string;
  /** The new file, appended to through one write buffer (see `frames`); null until the first entry. */
  private out: FileAppender | null = null;
  private failed = false;
  private count = 0;
  /** Stored entries are copied to the new file through this (one buffer for all of them). */
  private copyBuffer: Buffer | null = null;
  /** The new file's entries, for its index: identity without its ends, and where its frames lie. */
  private readonly index: Array<[string, number, number, number, number, number, number, number, number, number]> = [];
  /** This run wrote a new cache file. */
  wrote = false;
  /** Lookups this run answered with parts (hits and grown files). */
  served = 0;

  private constructor(
    private readonly file: string,
    private readonly code: string,
    /** The cache file as opened (its parts are read from it), null when there was none usable. */
    private oldFd: number | null,
    entries: readonly StoredEntry[],
    /** The window its identities were read through: the parts are read through it too (see `lookupOrder`). */
    private window: FileWindow | null,
  ) {
    for (const e of entries) this.entries.set(e.id.key, e);
    this.tmp = tempNameFor(file);
  }

  /** The cache in `dir` (empty when missing, unreadable, of another layout or parser build). */
  static open(dir: string, code: string): ParseCache {
    const file = join(dir, CACHE_FILE_NAME);
    let entries: StoredEntry[] = [];
    let fd: number | null = null;
    let window: FileWindow | null = null;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      // The header and the index only: the entries are read when their files are looked up (through the
      // same window, front to back: see lookupOrder), their identities' first and last bytes for grown files.
      const w = new FileWindow(fd, size);
      window = w;
      if (size < MAGIC.length + 4 + TRAILER_BYTES || !w.bytes(0, MAGIC.length).equals(MAGIC)) throw new Error('parse cache: not ours');
      const frameAt = (pos: number, limit: number): [number, number] => {
        if (pos + 4 > limit) throw new Error('parse cache: cut frame');
        const n = w.bytes(pos, 4).readUInt32LE(0);
        if (pos + 4 + n > limit) throw new Error('parse cache: cut frame');
        return [pos + 4, pos + 4 + n];
      };
      const [headerAt, afterHeader] = frameAt(MAGIC.length, size);
      const header = deserialize(Buffer.from(w.bytes(headerAt, afterHeader - headerAt))) as Partial<CacheHeader> | null;
      if (!header || header.layout !== PARSE_CACHE_LAYOUT || header.endian !== endianness() || header.code !== code) throw new Error('parse cache: other build');
      const trailer = w.bytes(size - TRAILER_BYTES, TRAILER_BYTES);
      if (!trailer.subarray(8).equals(TRAILER_MARK)) throw new Error('parse cache: no index');
      const indexPos = trailer.readUInt32LE(0) + trailer.readUInt32LE(4) * 2 ** 32;
      const [indexAt, indexEnd] = frameAt(indexPos, size - TRAILER_BYTES);
      if (indexPos < afterHeader || indexEnd !== size - TRAILER_BYTES) throw new Error('parse cache: bad index');
      const index = JSON.parse(w.bytes(indexAt, indexEnd - indexAt).toString('utf8')) as unknown;
      if (!Array.isArray(index)) throw new Error('parse cache: bad index');
      for (const e of index) {
        if (!isIndexEntry(e, afterHeader, indexPos)) throw new Error('parse cache: malformed entry');
        const [key, dev, ino, mtimeMs, ctimeMs, bytes, parts, at, partsAt, end] = e;
        entries.push({ id: { key, dev, ino, mtimeMs, ctimeMs, size: bytes, parts }, at, partsAt, end });
      }
    } catch {
      // Missing, unreadable or damaged: start empty.
      entries = [];
      if (fd !== null) closeQuietly(fd);
      fd = null;
      window = null;
    }
    return new ParseCache(file, code, fd, entries, window);
  }

  /** The first and last bytes of a stored entry's identity (its own frame), null when it cannot be read or does not match. */
  private endsOf(e: StoredEntry): { head: Uint8Array; tail: Uint8Array } | null {
    if (this.window === null) return null;
    try {
      const n = this.window.bytes(e.at, 4).readUInt32LE(0);
      if (e.at + 4 + n !== e.partsAt) return null;
      const ends = endBytes(e.id.size);
      if (n !== 2 * ends) return null;
      // Copies: the window is reused by the next read.
      const frame = this.window.bytes(e.at + 4, n);
      return { head: Uint8Array.prototype.slice.call(frame, 0, ends), tail: Uint8Array.prototype.slice.call(frame, ends, n) };
    } catch {
      return null;
    }
  }

  /**
   * The indexes of `inputs` in the order their entries lie in the cache file
   * (inputs without one first, in their order). Looked up in this order, the
   * parts are read front to back through one window (a few large reads)
   * instead of one read per file (1,161 at 1 GB: ~20 ms of a warm run).
   */
  lookupOrder(inputs: readonly InputFile[]): number[] {
    const at = inputs.map((input) => this.entries.get(keyOf(input))?.partsAt ?? -1);
    return inputs.map((_, i) => i).sort((a, b) => (at[a] as number) - (at[b] as number) || a - b);
  }

  /** A stored entry's parts, read from the file as opened; null (and the entry forgotten) when they cannot be read. */
  private partsOf(e: StoredEntry): PackedPart[] | null {
    let parts: PackedPart[] | null = null;
    try {
      // A view of the window, valid until its next read: everything is copied out of it below.
      const bytes = this.window === null ? null : this.window.bytes(e.partsAt, e.end - e.partsAt);
      const frames = bytes === null ? null : framesOf(bytes, 0, bytes.length);
      if (frames !== null && frames.length === e.id.parts * FRAMES_PER_PART) {
        const read: PackedPart[] = [];
        for (let k = 0; k < frames.length; k += FRAMES_PER_PART) {
          const part = partOf(frames.slice(k, k + FRAMES_PER_PART));
          if (part === null) break;
          read.push(part);
        }
        if (read.length === e.id.parts) parts = read;
      }
    } catch {
      parts = null;
    }
    if (parts === null) this.entries.delete(e.id.key);
    else this.served++;
    return parts;
  }

  /** What the cache holds for `input`, checked against the file as listed. */
  lookup(input: InputFile, forcedFormat?: FormatId): CacheLookup {
    const st = input.stat;
    if (input.path === '-' || st === undefined || (forcedFormat !== undefined && forcedFormat !== 'claude-code')) return { kind: 'miss' };
    const stored = this.entries.get(keyOf(input));
    const e = stored?.id;
    if (stored === undefined || e === undefined || e.dev !== st.dev || e.ino !== st.ino) return { kind: 'miss' };
    if (input.size === e.size && st.mtimeMs === e.mtimeMs && st.ctimeMs === e.ctimeMs) {
      const parts = this.partsOf(stored);
      return parts === null ? { kind: 'miss' } : { kind: 'hit', parts };
    }
    if (input.size <= e.size) return { kind: 'miss' };
    const cachedEnds = this.endsOf(stored);
    if (cachedEnds === null) {
      this.entries.delete(e.key);
      return { kind: 'miss' };
    }
    // Appended to? The ends of the cached bytes are unchanged and the head still reads as a Claude Code log
    // (one read of the file's start serves both: the cached head is at most its first e.size < input.size bytes).
    const headLength = Math.min(input.size, HEAD_BYTES);
    const ends = readRanges(input.path, [
      [0, Math.max(headLength, cachedEnds.head.length)],
      [e.size - cachedEnds.tail.length, e.size],
    ]);
    if (ends === null) return { kind: 'miss' };
    const [start, tail] = ends as [Uint8Array, Uint8Array];
    if (!sameBytes(cachedEnds.head, start.subarray(0, cachedEnds.head.length)) || !sameBytes(cachedEnds.tail, tail)) return { kind: 'miss' };
    if (chooseFormat(input.display, start.subarray(0, headLength), forcedFormat)?.id !== 'claude-code') return { kind: 'miss' };
    const parts = this.partsOf(stored);
    return parts === null ? { kind: 'miss' } : { kind: 'grown', parts, from: e.size };
  }

  /**
   * Keeps `parts`, the parse of `input` from byte 0 (cached parts first, then
   * new ones), written to the new cache file at once. Not kept when a part
   * ends in an unterminated line, blank ones included (the entry already
   * there, a shorter prefix, stays valid), when there are too many parts, or
   * when the file no longer holds the bytes parsed.
   */
  record(input: InputFile, parts: readonly PackedPart[], seen: SeenFile | null = null): void {
    if (this.failed || this.count > MAX_ENTRIES || input.path === '-' || input.stat === undefined || parts.length === 0 || parts.length > MAX_PARTS) return;
    let size = 0;
    for (const p of parts) {
      if (p.lastUnterminatedLine !== 0) return;
      size += p.bytes;
    }
    let now: { dev: number; ino: number; size: number; mtimeMs: number; ctimeMs: number };
    let head: Uint8Array;
    let tail: Uint8Array;
    if (seen !== null && seen.size === size) {
      // What the reader saw of the bytes it parsed, and fstat of the open file after reading.
      now = { dev: seen.dev, ino: seen.ino, size: seen.statSize, mtimeMs: seen.mtimeMs, ctimeMs: seen.ctimeMs };
      head = seen.head;
      tail = seen.tail;
    } else {
      try {
        now = statSync(input.path);
      } catch {
        return;
      }
      if (now.size < size) return;
      const ends = readRanges(input.path, [
        [0, Math.min(size, WINDOW)],
        [Math.max(0, size - WINDOW), size],
      ]);
      if (ends === null) return;
      [head, tail] = ends as [Uint8Array, Uint8Array];
    }
    if (now.size < size || now.dev !== input.stat.dev || now.ino !== input.stat.ino) return;
    // The parts end mid-line when the last line is unterminated. A non-blank one is flagged by the parser
    // (`lastUnterminatedLine`), but a blank or whitespace-only one is never emitted as a line: only the
    // last byte tells. Cached, a file appended to there would be resumed inside that line.
    if (tail.length > 0 && tail[tail.length - 1] !== 0x0a) return;
    const key = keyOf(input);
    // The times stand for these bytes only when nothing was appended since.
    const exact = now.size === size;
    const mtimeMs = exact ? now.mtimeMs : -1;
    const ctimeMs = exact ? now.ctimeMs : -1;
    // The identity's first and last bytes, then each part's frames.
    const ends = endBytes(size);
    if (head.length !== ends || tail.length !== ends) return;
    if (
      this.write(() => {
        const out = this.out as FileAppender;
        const at = out.writeAt;
        // One frame of both.
        this.put4(head.length + tail.length);
        out.put(head);
        out.put(tail);
        const partsAt = out.writeAt;
        this.frames(parts.flatMap(partFrames));
        this.index.push([key, now.dev, now.ino, mtimeMs, ctimeMs, size, parts.length, at, partsAt, out.writeAt]);
      })
    ) {
      this.written.add(key);
    }
  }

  /** Appends one entry to the new file (started on first use) with `frames`; false once writing failed. */
  private write(frames: () => void): boolean {
    if (this.failed) return false;
    try {
      if (this.out === null) {
        // Owner-only: the parts hold what the logs hold (ids, paths, the first prompt of each session).
        mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
        this.out = new FileAppender(openSync(this.tmp, 'w', 0o600), 0, writeBufferBytes);
        this.out.put(MAGIC);
        this.count = 0;
        this.index.length = 0;
        const header: CacheHeader = { layout: PARSE_CACHE_LAYOUT, endian: endianness(), code: this.code };
        this.frames([serialize(header)]);
      }
      frames();
      this.count++;
      return true;
    } catch {
      this.abandon();
      return false;
    }
  }

  /** Appends one frame per payload, [u32 length][bytes], through the write buffer. */
  private frames(payloads: ReadonlyArray<Uint8Array | TextFrame>): void {
    const out = this.out as FileAppender;
    for (const p of payloads) {
      this.put4(p.byteLength);
      if (p instanceof TextFrame) {
        // The encoding's byte, then the text encoded straight into the write buffer.
        U8[0] = p.latin1 ? 0 : 1;
        out.put(U8);
        out.putText(p.text, p.latin1);
      } else out.put(p);
    }
  }

  /** Appends `n` as a u32, little-endian. */
  private put4(n: number): void {
    U32.writeUInt32LE(n, 0);
    (this.out as FileAppender).put(U32);
  }

  /** Copies a stored entry's frames, as bytes, from the file as opened to the new one. */
  private copy(e: StoredEntry): void {
    const out = this.out as FileAppender;
    const shift = out.writeAt - e.at;
    const buf = (this.copyBuffer ??= pageBuffer(COPY_BYTES));
    for (let at = e.at; at < e.end; at += buf.length) {
      const n = Math.min(buf.length, e.end - at);
      if (!readInto(this.oldFd as number, buf, at, n)) throw new Error('parse cache: the old file is shorter than it was');
      out.putOwn(buf.subarray(0, n));
    }
    const id = e.id;
    this.index.push([id.key, id.dev, id.ino, id.mtimeMs, id.ctimeMs, id.size, id.parts, e.at + shift, e.partsAt + shift, e.end + shift]);
  }

  /** Appends the index of the entries written and the trailer that points to it. */
  private finishIndex(): void {
    const out = this.out as FileAppender;
    const indexPos = out.writeAt;
    const index = JSON.stringify(this.index);
    // ~3.5 MB for 7,860 files: pageBuffer's memory, not malloc's (see pageBuffer).
    const bytes = pageBuffer(Buffer.byteLength(index, 'utf8'));
    bytes.write(index, 'utf8');
    this.frames([bytes]);
    const trailer = Buffer.alloc(TRAILER_BYTES);
    trailer.writeUInt32LE(indexPos % 2 ** 32, 0);
    trailer.writeUInt32LE(Math.floor(indexPos / 2 ** 32), 4);
    TRAILER_MARK.copy(trailer, 8);
    out.put(trailer);
    out.flush();
  }

  /** Drops the new file (a run that failed): the old cache stays as it was. */
  discard(): void {
    this.abandon();
    this.close();
  }

  /** Closes the file as opened (lookups miss from then on). */
  close(): void {
    if (this.oldFd !== null) closeQuietly(this.oldFd);
    this.oldFd = null;
    this.window = null;
    this.entries.clear();
  }

  private abandon(): void {
    this.failed = true;
    if (this.out !== null) {
      closeQuietly(this.out.fd);
      this.out = null;
    }
    try {
      unlinkSync(this.tmp);
    } catch {
      // nothing written
    }
  }

  /**
   * Finishes the new file when this run recorded anything: the earlier
   * entries not replaced are carried over, then it replaces the old file
   * (rename). Errors are ignored (the next run parses again).
   */
  save(): void {
    if (this.out === null || this.failed) {
      this.close();
      return;
    }
    for (const e of this.entries.values()) {
      if (this.count > MAX_ENTRIES) break;
      if (this.written.has(e.id.key)) continue;
      // Entries of files that are gone are dropped.
      const path = e.id.key.slice(0, e.id.key.indexOf('\u0000'));
      if (!existsSync(path)) continue;
      if (!this.write(() => this.copy(e))) break;
    }
    this.close();
    if (this.out === null || this.failed) return;
    try {
      this.finishIndex();
      closeSync(this.out.fd);
      this.out = null;
      renameSync(this.tmp, this.file);
      this.wrote = true;
    } catch {
      this.abandon();
    }
  }
}
