/**
 * Reading inputs: files, directories, globs, `-` (stdin), or the default
 * agent log directories. Read-only; never follows paths found inside logs.
 *
 * - Directories are walked recursively (sorted, symlinked directories and
 *   `node_modules` / dot-directories below the root skipped) and keep only
 *   plausible log files: .jsonl .ndjson .json .csv .tsv .txt .log.
 * - Globs support `*` (within a path segment), `**` (any number of segments)
 *   and `?`; they are matched over a walk of the glob's static prefix
 *   directory, and match any extension.
 * - Each file is streamed in 4 MiB chunks of whole lines (synchronous reads) up to the size it had when opened
 *   (a growing file yields a consistent prefix; a cut last line is reported
 *   as `truncated-line` when it is not complete JSON), so memory is bounded
 *   by the longest line, never by the file.
 */
import { closeSync, fstatSync, openSync, readdirSync, readSync, realpathSync, statSync, writeSync, type Dirent } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { InputError } from '../errors.js';
import type { ColumnMapping, Tokenizer } from '../ingest/format.js';
import { FileIngest, HEAD_BYTES, chooseFormat, type ParsedFile } from '../ingest/ingest.js';
import { ClaudePartIngest, lineStartAtOrAfter, planCuts, type FilePart } from '../ingest/split.js';
import type { FormatId } from '../model/usage.js';
import type { CliContext } from './context.js';

export const CHUNK_BYTES = 4 * 1024 * 1024;
/** Bytes of each end of a file the reader keeps for the parse cache's identity (its WINDOW). */
export const SEEN_END_BYTES = 512;

/**
 * A file as the reader saw it when it parsed the whole of it: its first and
 * last `SEEN_END_BYTES` of what it read (`size` bytes from 0), and fstat of
 * the open file after reading. The parse cache records its identity from
 * these instead of opening and stat-ing the file again; the bytes are the
 * ones parsed (a later re-read could see a rewritten file).
 */
export interface SeenFile {
  size: number;
  head: Uint8Array;
  tail: Uint8Array;
  dev: number;
  ino: number;
  /** After reading. */
  statSize: number;
  mtimeMs: number;
  ctimeMs: number;
}
export const LOG_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.csv', '.tsv', '.txt', '.log'];
export const STDIN_NAME = '<stdin>';

export interface InputFile {
  /** Absolute path, or `-` for stdin. */
  path: string;
  /** Name shown to the user and used in diagnostics. */
  display: string;
  /** Path relative to the root the user gave, `/` separators. */
  relativePath: string;
  /** Size in bytes when listed (0 for stdin). */
  size: number;
  /** Identity and modification times when listed (files only; the parse cache's validity check). */
  stat?: FileIdentity;
}

/** What the parse cache compares to decide a file is unchanged or only appended to. */
export interface FileIdentity {
  dev: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
}

const toSlash = (p: string): string => p.split(sep).join('/');

function hasGlob(p: string): boolean {
  return /[*?]/.test(p);
}

function isLogFile(name: string): boolean {
  const lower = name.toLowerCase();
  return LOG_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

/**
 * The files under `dir` that `accept` takes, by `/`-separated relative path,
 * in name order; `link` when the file is a symbolic link (directories reached
 * through links are not entered, so the others' real paths are the real
 * directory's plus their relative path). Synchronous calls: far faster than
 * their promise versions on big trees.
 */
async function walk(dir: string, accept: (rel: string) => boolean): Promise<Array<{ rel: string; link: boolean }>> {
  const out: Array<{ rel: string; link: boolean }> = [];
  function visit(abs: string, rel: string): void {
    let entries: Dirent[];
    try {
      entries = readdirSync(abs, { withFileTypes: true });
    } catch (err) {
      throw new InputError(`cannot read directory ${abs}: ${errText(err)}`);
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const childAbs = join(abs, e.name);
      if (e.isDirectory()) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        visit(childAbs, childRel);
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (e.isSymbolicLink()) {
          let isFile = false;
          try {
            isFile = statSync(childAbs).isFile();
          } catch {
            // dangling link
          }
          if (!isFile) continue;
        }
        if (accept(childRel)) out.push({ rel: childRel, link: e.isSymbolicLink() });
      }
    }
  }
  visit(dir, '');
  return out;
}

/** `*`, `**`, `?` glob -> RegExp over `/`-separated relative paths. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  const segs = pattern.split('/');
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    if (seg === '**') {
      re += last ? '.*' : '(?:[^/]+/)*';
      return;
    }
    for (const ch of seg) {
      if (ch === '*') re += '[^/]*';
      else if (ch === '?') re += '[^/]';
      else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
    if (!last) re += '/';
  });
  return new RegExp(`^${re}$`);
}

function errText(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}

/** Default log roots from the environment (HOME from ctx.env). */
export function defaultRoots(env: CliContext['env']): string[] {
  const home = env['HOME'] ?? env['USERPROFILE'] ?? '';
  const roots: string[] = [];
  const claudeDirs = env['CLAUDE_CONFIG_DIR']
    ? env['CLAUDE_CONFIG_DIR'].split(',').map((s) => s.trim()).filter((s) => s.length > 0)
    : home
      ? [join(home, '.claude'), join(home, '.config', 'claude')]
      : [];
  for (const d of claudeDirs) roots.push(join(d, 'projects'));
  const codexHome = env['CODEX_HOME'] ?? (home ? join(home, '.codex') : '');
  if (codexHome) roots.push(join(codexHome, 'sessions'));
  return roots;
}

/** Expands the user's paths (or the default locations) into files to read. */
export async function resolveInputs(ctx: CliContext, paths: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  // Synchronous realpath/stat: on a local disk ~10 µs each, several times
  // faster than the thread-pool round trips of their promise versions (1,000s of files).
  /** The real path of `abs`, or `abs` when it has none. */
  const realOf = (abs: string): string => {
    try {
      return realpathSync.native(abs);
    } catch {
      return abs;
    }
  };
  /** `real`: the file's real path when known (a file found in a directory walk that is not a link), else looked up. */
  const add = async (abs: string, display: string, rel: string, real: string = realOf(abs)): Promise<void> => {
    if (seen.has(real)) return;
    seen.add(real);
    let st;
    try {
      st = statSync(abs);
    } catch (err) {
      throw new InputError(`cannot read ${display}: ${errText(err)}`);
    }
    files.push({ path: abs, display, relativePath: rel, size: st.size, stat: { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs } });
  };

  if (paths.length === 0) {
    const roots = defaultRoots(ctx.env);
    for (const root of roots) {
      const st = await stat(root).catch(() => null);
      if (!st?.isDirectory()) continue;
      const realRoot = realOf(root);
      for (const { rel, link } of await walk(root, (r) => r.toLowerCase().endsWith('.jsonl'))) {
        await add(join(root, rel), toSlash(join(root, rel)), rel, link ? undefined : join(realRoot, rel));
      }
    }
    if (files.length === 0) {
      throw new InputError(
        `no logs given and none found in the default locations (${roots.join(', ') || 'HOME is not set'})`,
        'pass log files, directories or globs, e.g. `token-econ sessions ~/.claude/projects`',
      );
    }
    return files;
  }

  let stdinUsed = false;
  for (const p of paths) {
    if (p === '-') {
      if (stdinUsed) continue;
      stdinUsed = true;
      files.push({ path: '-', display: STDIN_NAME, relativePath: STDIN_NAME, size: 0 });
      continue;
    }
    const abs = isAbsolute(p) ? p : resolve(ctx.cwd, p);
    const shown = toSlash(p).replace(/\/+$/, '') || '/';
    if (hasGlob(p)) {
      const norm = toSlash(p);
      const segs = norm.split('/');
      const firstGlob = segs.findIndex((s) => hasGlob(s));
      const baseShown = segs.slice(0, firstGlob).join('/');
      const pattern = segs.slice(firstGlob).join('/');
      const baseAbs = baseShown === '' ? (norm.startsWith('/') ? '/' : ctx.cwd) : isAbsolute(baseShown) ? baseShown : resolve(ctx.cwd, baseShown);
      const st = await stat(baseAbs).catch(() => null);
      const re = globToRegExp(pattern);
      const matches = st?.isDirectory() ? await walk(baseAbs, (rel) => re.test(rel)) : [];
      if (matches.length === 0) throw new InputError(`no files match ${p}`);
      const realBase = realOf(baseAbs);
      for (const { rel, link } of matches) await add(join(baseAbs, rel), baseShown ? `${baseShown}/${rel}` : rel, rel, link ? undefined : join(realBase, rel));
      continue;
    }
    const st = await stat(abs).catch((err: unknown) => {
      throw new InputError(`cannot read ${p}: ${errText(err)}`);
    });
    if (st.isDirectory()) {
      const rels = await walk(abs, (rel) => isLogFile(rel));
      if (rels.length === 0) throw new InputError(`no log files (${LOG_EXTENSIONS.join(' ')}) in directory ${p}`);
      const prefix = shown === '.' ? '' : shown === '/' ? '/' : `${shown}/`;
      const realDir = realOf(abs);
      for (const { rel, link } of rels) await add(join(abs, rel), `${prefix}${rel}`, rel, link ? undefined : join(realDir, rel));
    } else {
      await add(abs, shown, toSlash(p.split(/[\\/]/).pop() ?? p));
    }
  }
  return files;
}

export interface ReadOptions {
  forcedFormat?: FormatId | undefined;
  getTokenizer: () => Tokenizer;
  columns?: ColumnMapping | undefined;
  /** Called after every chunk with the bytes of this file read so far. */
  onBytes?: (bytes: number) => void;
}

function newIngest(input: InputFile, opts: ReadOptions, reread?: Reread): FileIngest {
  return new FileIngest({
    file: input.display,
    relativePath: input.relativePath,
    forcedFormat: opts.forcedFormat,
    getTokenizer: opts.getTokenizer,
    columns: opts.columns,
    allocate: pageBuffer,
    reread: reread?.read,
  });
}

/**
 * Reads bytes of a range pushed from `fd` (file offset `base` = stream
 * offset 0) again: a long line shortened while read that the parser needs
 * whole (src/ingest/long-line.ts). Null once `close()`d (the descriptor's
 * number may then be another file's) or when the bytes cannot all be read.
 */
class Reread {
  private open = true;
  constructor(
    private readonly fd: number,
    private readonly base: number,
  ) {}

  readonly read = (start: number, end: number): Buffer | null => {
    if (!this.open) return null;
    try {
      return readAt(this.fd, this.base + start, end - start);
    } catch {
      return null;
    }
  };

  close(): void {
    this.open = false;
  }
}

/** Streams one file (or stdin) through the pure ingest driver. */
export async function readInput(ctx: CliContext, input: InputFile, opts: ReadOptions): Promise<ParsedFile> {
  if (input.path === '-') {
    const ingest = newIngest(input, opts);
    let bytes = 0;
    for await (const chunk of ctx.stdin as AsyncIterable<string | Uint8Array>) {
      const buf = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
      ingest.push(buf);
      bytes += buf.length;
      opts.onBytes?.(bytes);
    }
    return ingest.finish();
  }
  return readFileInput(input, opts);
}

function openInput(input: InputFile): number {
  try {
    return openSync(input.path, 'r');
  } catch (err) {
    throw new InputError(`cannot read ${input.display}: ${errText(err)}`);
  }
}

/**
 * Reads bytes [start, end) of `fd` into the shared 4 MiB buffer and hands
 * `push` complete lines only: each chunk up to its last `\n`; the cut line
 * after it slides to the buffer's start and the next read lands behind it,
 * so a line cut by a read is moved once (its first part), instead of being
 * assembled by the line splitter from copies of both parts, and the
 * splitter needs no buffer of its own per file (buffers of varying sizes per
 * file, allocated on a worker thread, stayed in that thread's malloc arena:
 * 56 MiB of RSS after parsing 3 GB). A line longer than the buffer is pushed
 * in pieces, a buffer at a time: the ingest's splitter holds it in
 * pageBuffer memory, or, when the parser allows, only its shortened form
 * (src/ingest/long-line.ts), so a line of hundreds of MB costs no more than
 * the buffer. The bytes after the last `\n` (an unterminated last line) are
 * pushed at the end. Synchronous, so no idle time between chunks and no
 * per-file buffer (nothing awaits between two reads, so files read
 * "concurrently" by loadSessions never share the buffer at once).
 */
function readRange(
  fd: number,
  input: InputFile,
  start: number,
  end: number,
  push: (bytes: Uint8Array) => void,
  onBytes: ((pos: number) => void) | undefined,
  ends?: { head: Uint8Array; tail: Uint8Array },
): { readBytes: number; lastByte: number } {
  const buffer = readBuffer();
  const headLength = ends ? ends.head.length : 0;
  const tailStart = ends ? end - ends.tail.length : end;
  let pos = start;
  let lastByte = 0x0a;
  /** Bytes at the buffer's start: a line the previous read cut. */
  let carry = 0;
  while (pos < end) {
    if (carry === buffer.length) {
      // One line fills the buffer: its first part goes now (the ingest holds the line, or a shortened
      // form of it: src/ingest/long-line.ts), and the buffer takes the rest.
      push(buffer.subarray(0, carry));
      carry = 0;
    }
    let n: number;
    try {
      n = readSync(fd, buffer, carry, Math.min(buffer.length - carry, end - pos), pos);
    } catch (err) {
      throw new InputError(`cannot read ${input.display}: ${errText(err)}`);
    }
    if (n === 0) break; // truncated while reading
    if (ends) {
      // The bytes just read, [pos, pos + n) of the file, are buffer[carry, carry + n).
      if (pos < start + headLength) ends.head.set(buffer.subarray(carry, carry + Math.min(n, start + headLength - pos)), pos - start);
      if (pos + n > tailStart) {
        const from = Math.max(pos, tailStart);
        ends.tail.set(buffer.subarray(carry + (from - pos), carry + n), from - tailStart);
      }
    }
    const filled = carry + n;
    lastByte = buffer[filled - 1] as number;
    pos += n;
    // The carried bytes hold no newline: look in the new ones only.
    const nl = buffer.subarray(carry, filled).lastIndexOf(0x0a);
    if (nl >= 0) {
      const cut = carry + nl + 1;
      push(buffer.subarray(0, cut));
      carry = filled - cut;
      if (carry > 0) buffer.copyWithin(0, cut, filled);
    } else carry = filled;
    onBytes?.(pos);
  }
  if (carry > 0) push(buffer.subarray(0, carry));
  return { readBytes: pos - start, lastByte };
}

/**
 * Whether the file grew past `size` (the size read up to). A last line
 * without newline may be an agent mid-write or a cut file; reading is
 * synchronous and fast, so a writer gets a moment before deciding.
 */
async function grewAfter(fd: number, size: number, read: { readBytes: number; lastByte: number }): Promise<boolean> {
  if (fstatSync(fd).size > size) return true;
  if (read.readBytes === 0 || read.lastByte === 0x0a) return false;
  await new Promise((r) => setTimeout(r, GROWTH_WAIT_MS));
  return fstatSync(fd).size > size;
}

/** Streams one file (not stdin) through the pure ingest driver; needs no CliContext, so worker threads use it too. */
export async function readFileInput(input: InputFile, opts: ReadOptions): Promise<ParsedFile> {
  const { ingest, grown } = await ingestWholeFile(input, opts);
  return ingest.finish(grown);
}

/**
 * As readFileInput, but a Claude Code file comes back unmerged, as one part
 * of src/ingest/split.ts covering the whole file (`mergeFileParts([part],
 * grown)` is what readFileInput gives): the parse cache keeps parts, and a
 * part crosses threads packed. Other formats come back parsed.
 */
export async function readFileOrPart(
  input: InputFile,
  opts: ReadOptions,
): Promise<{ kind: 'part'; part: FilePart; grown: boolean; seen: SeenFile | null } | { kind: 'file'; file: ParsedFile }> {
  const { ingest, grown, seen } = await ingestWholeFile(input, opts, true);
  const part = ingest.finishAsPart();
  return part === null ? { kind: 'file', file: ingest.finish(grown) } : { kind: 'part', part, grown, seen };
}

/**
 * Pushes a whole file (what existed at open) through a FileIngest; `grown`:
 * it grew meanwhile; `seen` (when asked for): see SeenFile, null when fewer
 * bytes than the size at open could be read.
 */
async function ingestWholeFile(input: InputFile, opts: ReadOptions, keepSeen = false): Promise<{ ingest: FileIngest; grown: boolean; seen: SeenFile | null }> {
  const fd = openInput(input);
  const reread = new Reread(fd, 0);
  const ingest = newIngest(input, opts, reread);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new InputError(`cannot read ${input.display}: is a directory`);
    // Read only what existed at open: a file still being written yields a consistent prefix.
    const size = st.size;
    const ends = keepSeen ? { head: new Uint8Array(Math.min(size, SEEN_END_BYTES)), tail: new Uint8Array(Math.min(size, SEEN_END_BYTES)) } : undefined;
    const read = readRange(fd, input, 0, size, (bytes) => ingest.push(bytes), opts.onBytes, ends);
    // The last line too, while the file can still be read again.
    ingest.endLines();
    const grown = await grewAfter(fd, size, read);
    let seen: SeenFile | null = null;
    if (ends && read.readBytes === size) {
      const now = fstatSync(fd);
      seen = { size, head: ends.head, tail: ends.tail, dev: now.dev, ino: now.ino, statSize: now.size, mtimeMs: now.mtimeMs, ctimeMs: now.ctimeMs };
    }
    return { ingest, grown, seen };
  } finally {
    reread.close();
    closeSync(fd);
  }
}

/** Reads `fd`'s bytes [at, at + n) into `out` from its start; false when the file is shorter. */
export function readInto(fd: number, out: Buffer, at: number, n: number): boolean {
  let got = 0;
  while (got < n) {
    const r = readSync(fd, out, got, n - got, at + got);
    if (r <= 0) return false;
    got += r;
  }
  return true;
}

/** `fd`'s bytes [at, at + n) in pageBuffer memory, or null when the file is shorter. */
export function readAt(fd: number, at: number, n: number): Buffer | null {
  const out = pageBuffer(n);
  return readInto(fd, out, at, n) ? out : null;
}

/** Closes `fd`, ignoring an error (a descriptor already closed, or one a failed run lets go of). */
export function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already closed
  }
}

/** Writes all of `bytes` to `fd` (writeSync may write less than asked). */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Whether every character of `text` is Latin-1: one byte a character then keeps it exactly (else UTF-16 does, lone surrogates included). */
export function isLatin1(text: string): boolean {
  return !/[^\u0000-\u00ff]/.test(text);
}

/**
 * Appends to a file through one write buffer of pageBuffer memory (the parse
 * cache's new file, the spill store's): bytes are copied into it, or, when
 * more than it holds, written from their own memory after what it holds.
 * `writeAt` is where the next byte goes, `flushedAt` how far the bytes have
 * reached the file.
 */
export class FileAppender {
  private out: Buffer | null = null;
  private outUsed = 0;
  writeAt: number;
  flushedAt: number;

  constructor(
    readonly fd: number,
    /** The file's size when appending starts. */
    at: number,
    private readonly bufferBytes: number,
  ) {
    this.writeAt = at;
    this.flushedAt = at;
  }

  /** Appends `bytes`. */
  put(bytes: Uint8Array): void {
    const n = bytes.byteLength;
    const out = this.room(n);
    if (out === null) this.putOwn(bytes);
    else {
      out.set(bytes, this.outUsed);
      this.outUsed += n;
      this.writeAt += n;
    }
  }

  /** Appends `bytes` from their own memory, after what the buffer holds. */
  putOwn(bytes: Uint8Array): void {
    this.flush();
    writeAllSync(this.fd, bytes);
    this.writeAt += bytes.byteLength;
    this.flushedAt = this.writeAt;
  }

  /** Appends `text` as Latin-1 (`latin1`, see isLatin1) or UTF-16, encoded straight into the buffer (a buffer of its own when larger); its bytes. */
  putText(text: string, latin1: boolean): number {
    const encoding = latin1 ? 'latin1' : 'utf16le';
    const n = text.length * (latin1 ? 1 : 2);
    const out = this.room(n);
    if (out === null) {
      const own = pageBuffer(n);
      own.write(text, 0, n, encoding);
      this.putOwn(own);
    } else {
      out.write(text, this.outUsed, n, encoding);
      this.outUsed += n;
      this.writeAt += n;
    }
    return n;
  }

  /** Writes what the buffer holds. */
  flush(): void {
    if (this.outUsed === 0 || this.out === null) return;
    const n = this.outUsed;
    this.outUsed = 0;
    writeAllSync(this.fd, this.out.subarray(0, n));
    this.flushedAt = this.writeAt;
  }

  /** The buffer with room for `n` more bytes (written out first when they would not fit), or null when `n` is more than it holds. */
  private room(n: number): Buffer | null {
    const out = (this.out ??= pageBuffer(this.bufferBytes));
    if (this.outUsed + n <= out.length) return out;
    this.flush();
    return n > out.length ? null : out;
  }
}

/** A byte range of a file to parse on its own (src/ingest/split.ts). */
export interface FileRange {
  /** Size of the file when the split was planned (what the single-thread path would read). */
  fileSize: number;
  start: number;
  end: number;
}

/** A parsed range; `grown` (last range only): the file grew after the split was planned. */
export interface FilePartResult {
  part: FilePart;
  grown: boolean;
}

/**
 * Range boundaries [0, c1, …, size] for parsing a file in parts, or null when
 * it is not split: stdin, smaller than `minBytes`, not parsed as claude-code
 * (same format choice as FileIngest on the file's head), or no line start
 * near the nominal offsets (`at`, else even shares for `parts`). Read errors
 * give null too: the whole-file path then reports them as usual.
 */
export function planFileSplit(
  input: InputFile,
  opts: { forcedFormat?: FormatId | undefined; minBytes: number; nominal: (size: number) => number[] },
): number[] | null {
  if (input.path === '-' || input.size < opts.minBytes) return null;
  let fd: number;
  try {
    fd = openSync(input.path, 'r');
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size < opts.minBytes) return null;
    const size = st.size;
    const buffer = readBuffer();
    const headLength = readSync(fd, buffer, 0, Math.min(HEAD_BYTES, size), 0);
    if (chooseFormat(input.display, buffer.subarray(0, headLength), opts.forcedFormat)?.id !== 'claude-code') return null;
    const lineStart = (offset: number): number => {
      // Lines can be megabytes long (tool output): read on until a newline.
      let at = offset - 1;
      while (at < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - at), at);
        if (n <= 0) return -1;
        const c = lineStartAtOrAfter(buffer.subarray(0, n), at, Math.max(offset, at + 1));
        if (c >= 0) return c;
        at += n;
      }
      return -1;
    };
    const bounds = planCuts(size, opts.nominal(size), lineStart);
    return bounds.length > 2 ? bounds : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Reads and parses bytes [range.start, range.end) of a Claude Code file as one part (same reading as readFileInput). */
export async function readFilePart(input: InputFile, range: FileRange, opts: ReadOptions): Promise<FilePartResult> {
  const fd = openInput(input);
  const reread = new Reread(fd, range.start);
  const ingest = new ClaudePartIngest(
    { file: input.display, relativePath: input.relativePath, getTokenizer: opts.getTokenizer, allocate: pageBuffer, reread: reread.read },
    range.start === 0,
  );
  try {
    const onBytes = opts.onBytes;
    const read = readRange(fd, input, range.start, range.end, (bytes) => ingest.push(bytes), onBytes && ((pos) => onBytes(pos - range.start)));
    // Only the last range can end in a line still being written.
    const grown = range.end === range.fileSize ? await grewAfter(fd, range.fileSize, read) : false;
    return { part: ingest.finish(), grown };
  } finally {
    reread.close();
    closeSync(fd);
  }
}

/** How long a file whose last line lacks its newline is watched for growth (still being written vs cut). */
const GROWTH_WAIT_MS = 30;

let shared: Buffer | null = null;
let chunkBytes = CHUNK_BYTES;

/** Blocks from this size on come from pageBuffer's memory (glibc's mmap threshold starts at 128 KiB). */
export const PAGE_BUFFER_MIN_BYTES = 256 * 1024;

/** WebAssembly.Memory, as far as pageBuffer uses it (this project's TypeScript libs do not declare it). */
type WasmMemory = new (descriptor: { initial: number; maximum: number; shared?: boolean }) => { readonly buffer: ArrayBuffer | SharedArrayBuffer };

function wasmMemory(): WasmMemory | null {
  const memory = (globalThis as { WebAssembly?: { Memory?: unknown } }).WebAssembly?.Memory;
  return typeof memory === 'function' ? (memory as WasmMemory) : null;
}

/** The shared read buffer (FileIngest copies what it keeps). */
function readBuffer(): Buffer {
  return (shared ??= pageBuffer(chunkBytes));
}

/**
 * A buffer of `bytes` in memory V8 maps for WebAssembly, not from malloc.
 * glibc serves blocks from 128 KiB up with mmap, but when such a block is
 * freed it raises that threshold to the block's size (up to 32 MiB) and its
 * trim threshold to twice that: every later block below it comes from the
 * arenas, whose freed memory stays resident. One 8 MiB read buffer (a line
 * longer than 4 MiB) freed early in a 6 GB run did that; with glibc's
 * threshold pinned from outside, that run peaked ~35 MiB lower
 * (BENCHMARKS.md run R). Read buffers are the
 * largest blocks a run makes and frees, so they live outside malloc; where
 * WebAssembly is unavailable, a plain buffer. The caches' buffers and large
 * reads of their files take the same way.
 */
export function pageBuffer(bytes: number): Buffer {
  // Smaller blocks stay below the threshold anyway (and a WebAssembly memory is whole 64 KiB pages).
  const memory = bytes >= PAGE_BUFFER_MIN_BYTES ? pageMemory(bytes, false) : null;
  return memory === null ? Buffer.allocUnsafe(bytes) : Buffer.from(memory, 0, bytes);
}

/** A SharedArrayBuffer of at least `bytes`, mapped as pageBuffer's memory is; null when there is none. */
export function sharedPageMemory(bytes: number): SharedArrayBuffer | null {
  const memory = pageMemory(bytes, true);
  return memory instanceof SharedArrayBuffer ? memory : null;
}

/** The buffer of a new WebAssembly memory of at least `bytes` (one page at least); null when none can be had. */
function pageMemory(bytes: number, shared: boolean): ArrayBuffer | SharedArrayBuffer | null {
  const Memory = wasmMemory();
  if (Memory === null) return null;
  try {
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    return new Memory({ initial: pages, maximum: pages, shared }).buffer;
  } catch {
    // no WebAssembly memory (e.g. --jitless, address space exhausted)
    return null;
  }
}

/** Tests: the read buffer's size (lines cut by every read, lines longer than the buffer); null restores 4 MiB. */
export function setReadChunkBytesForTests(bytes: number | null): void {
  chunkBytes = bytes ?? CHUNK_BYTES;
  shared = null;
}

/** Frees the shared read buffer (4 MiB of RSS for the rest of the process otherwise); the next read makes a new one. */
export function releaseReadBuffer(): void {
  shared = null;
}
