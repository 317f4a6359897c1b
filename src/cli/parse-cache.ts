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
 * were none). Directory: `--no-cache` for none, else TOKEN_ECON_CACHE_DIR
 * (empty: none), else $XDG_CACHE_HOME/token-econ, else ~/.cache/token-econ.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { HEAD_BYTES, chooseFormat } from '../ingest/ingest.js';
import type { PackedPart } from '../ingest/packed.js';
import type { FormatId } from '../model/usage.js';
import { TOOL_VERSION } from '../version.js';
import type { CliContext } from './context.js';
import { writeAllSync, type InputFile } from './io.js';

export const CACHE_DIR_ENV = 'TOKEN_ECON_CACHE_DIR';
export const CACHE_FILE_NAME = 'parse-cache.v8';
/** Layout of the cache document; bumped when it changes. */
const LAYOUT = 1;
/** Bytes compared at each end of the cached prefix. */
const WINDOW = 512;
/** First bytes of the cache file. */
const MAGIC = Buffer.from('token-econ parse cache\n');
/** A file appended to more times than this is parsed in full again (one part). */
const MAX_PARTS = 16;
/** Entries kept: this run's files first, then the most recent others. */
const MAX_ENTRIES = 50_000;

interface CacheEntry {
  key: string;
  dev: number;
  ino: number;
  /** -1 when the file changed while it was parsed: never an exact hit. */
  mtimeMs: number;
  ctimeMs: number;
  /** Bytes the parts cover, from byte 0, every line ending with `\n`. */
  size: number;
  head: Uint8Array;
  tail: Uint8Array;
  parts: PackedPart[];
}

/**
 * The file: MAGIC, then frames of [u32 little-endian length][v8.serialize
 * bytes]: first the header ({ layout, code }), then one frame per entry, so
 * entries are written as files are parsed (their parts need not all be held
 * until the end) and read one at a time.
 */
interface CacheHeader {
  layout: number;
  /** Tool version and parser build the parts were made with. */
  code: string;
}

function* frames(buf: Buffer): Generator<Buffer> {
  let at = MAGIC.length;
  while (at + 4 <= buf.length) {
    const n = buf.readUInt32LE(at);
    at += 4;
    if (at + n > buf.length) throw new Error('parse cache: cut frame');
    yield buf.subarray(at, at + n);
    at += n;
  }
  if (at !== buf.length) throw new Error('parse cache: trailing bytes');
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
    return ranges.map(([start, end]) => {
      const out = Buffer.alloc(end - start);
      let got = 0;
      while (got < out.length) {
        const n = readSync(fd, out, got, out.length - got, start + got);
        if (n <= 0) throw new Error('short read');
        got += n;
      }
      return out;
    });
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** The shape of an entry as read back (anything else makes the whole file unusable). */
function isEntry(e: Partial<CacheEntry> | null): e is CacheEntry {
  if (e === null || typeof e !== 'object') return false;
  const nums = [e.dev, e.ino, e.mtimeMs, e.ctimeMs, e.size];
  return (
    typeof e.key === 'string' &&
    nums.every((n) => typeof n === 'number' && Number.isFinite(n)) &&
    e.head instanceof Uint8Array &&
    e.tail instanceof Uint8Array &&
    Array.isArray(e.parts) &&
    e.parts.length > 0 &&
    e.parts.every((p) => typeof p === 'object' && p !== null && typeof p.bytes === 'number' && typeof p.claude === 'object' && p.claude !== null)
  );
}

function sameBytes(a: Uint8Array, b: Uint8Array | null): boolean {
  if (b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class ParseCache {
  private readonly entries = new Map<string, CacheEntry>();
  /** Keys recorded by this run: written to the new file already. */
  private readonly written = new Set<string>();
  private readonly tmp: string;
  private fd: number | null = null;
  private failed = false;
  private count = 0;
  /** This run wrote a new cache file. */
  wrote = false;

  private constructor(
    private readonly file: string,
    private readonly code: string,
    entries: readonly CacheEntry[],
  ) {
    for (const e of entries) this.entries.set(e.key, e);
    this.tmp = tempNameFor(file);
  }

  /** The cache in `dir` (empty when missing, unreadable, of another layout or parser build). */
  static open(dir: string, code: string): ParseCache {
    const file = join(dir, CACHE_FILE_NAME);
    let entries: CacheEntry[] = [];
    try {
      const buf = readFileSync(file);
      if (buf.subarray(0, MAGIC.length).equals(MAGIC)) {
        const it = frames(buf);
        const first = it.next();
        const header = first.done ? null : (deserialize(first.value) as Partial<CacheHeader> | null);
        if (header && header.layout === LAYOUT && header.code === code) {
          for (const f of it) {
            const e = deserialize(f) as Partial<CacheEntry> | null;
            if (!isEntry(e)) throw new Error('parse cache: malformed entry');
            entries.push(e);
          }
        }
      }
    } catch {
      // Missing, unreadable or damaged: start empty.
      entries = [];
    }
    return new ParseCache(file, code, entries);
  }

  /** What the cache holds for `input`, checked against the file as listed. */
  lookup(input: InputFile, forcedFormat?: FormatId): CacheLookup {
    const st = input.stat;
    if (input.path === '-' || st === undefined || (forcedFormat !== undefined && forcedFormat !== 'claude-code')) return { kind: 'miss' };
    const e = this.entries.get(keyOf(input));
    if (e === undefined || e.dev !== st.dev || e.ino !== st.ino) return { kind: 'miss' };
    if (input.size === e.size && st.mtimeMs === e.mtimeMs && st.ctimeMs === e.ctimeMs) return { kind: 'hit', parts: e.parts };
    if (input.size <= e.size) return { kind: 'miss' };
    // Appended to? The ends of the cached bytes are unchanged and the head still reads as a Claude Code log
    // (one read of the file's start serves both: the cached head is at most its first e.size < input.size bytes).
    const headLength = Math.min(input.size, HEAD_BYTES);
    const ends = readRanges(input.path, [
      [0, Math.max(headLength, e.head.length)],
      [e.size - e.tail.length, e.size],
    ]);
    if (ends === null) return { kind: 'miss' };
    const [start, tail] = ends as [Uint8Array, Uint8Array];
    if (!sameBytes(e.head, start.subarray(0, e.head.length)) || !sameBytes(e.tail, tail)) return { kind: 'miss' };
    if (chooseFormat(input.display, start.subarray(0, headLength), forcedFormat)?.id !== 'claude-code') return { kind: 'miss' };
    return { kind: 'grown', parts: e.parts, from: e.size };
  }

  /**
   * Keeps `parts`, the parse of `input` from byte 0 (cached parts first, then
   * new ones), written to the new cache file at once. Not kept when a part
   * ends in an unterminated line, blank ones included (the entry already
   * there, a shorter prefix, stays valid), when there are too many parts, or
   * when the file no longer holds the bytes parsed.
   */
  record(input: InputFile, parts: readonly PackedPart[]): void {
    if (this.failed || this.count > MAX_ENTRIES || input.path === '-' || input.stat === undefined || parts.length === 0 || parts.length > MAX_PARTS) return;
    let size = 0;
    for (const p of parts) {
      if (p.lastUnterminatedLine !== 0) return;
      size += p.bytes;
    }
    let now;
    try {
      now = statSync(input.path);
    } catch {
      return;
    }
    if (now.size < size || now.dev !== input.stat.dev || now.ino !== input.stat.ino) return;
    const ends = readRanges(input.path, [
      [0, Math.min(size, WINDOW)],
      [Math.max(0, size - WINDOW), size],
    ]);
    if (ends === null) return;
    const [head, tail] = ends as [Uint8Array, Uint8Array];
    // The parts end mid-line when the last line is unterminated. A non-blank one is flagged by the parser
    // (`lastUnterminatedLine`), but a blank or whitespace-only one is never emitted as a line: only the
    // last byte tells. Cached, a file appended to there would be resumed inside that line.
    if (tail.length > 0 && tail[tail.length - 1] !== 0x0a) return;
    const key = keyOf(input);
    // The times stand for these bytes only when nothing was appended since.
    const exact = now.size === size;
    const entry: CacheEntry = {
      key,
      dev: now.dev,
      ino: now.ino,
      mtimeMs: exact ? now.mtimeMs : -1,
      ctimeMs: exact ? now.ctimeMs : -1,
      size,
      head,
      tail,
      parts: [...parts],
    };
    if (this.write(entry)) this.written.add(key);
  }

  /** Appends one entry to the new file (started on first use); false once writing failed. */
  private write(entry: CacheEntry | CacheHeader): boolean {
    if (this.failed) return false;
    try {
      if (this.fd === null) {
        // Owner-only: the parts hold what the logs hold (ids, paths, the first prompt of each session).
        mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
        this.fd = openSync(this.tmp, 'w', 0o600);
        writeAllSync(this.fd, MAGIC);
        this.count = 0;
        const header: CacheHeader = { layout: LAYOUT, code: this.code };
        this.frame(header);
      }
      this.frame(entry);
      return true;
    } catch {
      this.abandon();
      return false;
    }
  }

  private frame(value: unknown): void {
    const bytes = serialize(value);
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length, 0);
    writeAllSync(this.fd as number, len);
    writeAllSync(this.fd as number, bytes);
    this.count++;
  }

  /** Drops the new file (a run that failed): the old cache stays as it was. */
  discard(): void {
    this.abandon();
  }

  private abandon(): void {
    this.failed = true;
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
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
    if (this.fd === null || this.failed) return;
    for (const e of this.entries.values()) {
      if (this.count > MAX_ENTRIES) break;
      if (this.written.has(e.key)) continue;
      // Entries of files that are gone are dropped.
      const path = e.key.slice(0, e.key.indexOf('\u0000'));
      if (!existsSync(path)) continue;
      if (!this.write(e)) return;
    }
    try {
      closeSync(this.fd);
      this.fd = null;
      renameSync(this.tmp, this.file);
      this.wrote = true;
    } catch {
      this.abandon();
    }
  }
}
