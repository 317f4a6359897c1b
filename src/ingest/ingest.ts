/**
 * Pure ingest driver: bytes of one input -> format detection -> LineParser.
 * The shell (src/cli/io.ts) only reads bytes and pushes them here; tests and
 * `parseText` push a whole string. Both split lines with ./lines.ts.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { FormatId } from '../model/usage.js';
import type { ColumnMapping, InputFormat, LineParser, ParseContext, ParseOutput, Tokenizer } from './format.js';
import { detectFormat, getFormat } from './index.js';
import { ByteLineSplitter, LineSplitter, MAX_LINE_BYTES, MAX_TEXT_LINE_CHARS, asBuffer, decodeHead, type ByteLineSink, type SplitLine } from './lines.js';
import { claudeCodeFormat, isClaudeCodeHead, type ClaudeLineParser } from './formats/claude-code.js';
import { decodeUtf8 } from './formats/json-bytes.js';
import type { FilePart } from './split.js';

/** Bytes of a file looked at to detect its format. */
export const HEAD_BYTES = 64 * 1024;

/** One input file after parsing; what normalizeSessions consumes. */
export interface ParsedFile {
  /** Display name (`<stdin>` for standard input). */
  file: string;
  relativePath: string;
  bytes: number;
  /** Null when no format claimed the file (or it was empty). */
  output: ParseOutput | null;
  /** Non-blank lines seen; equals output.linesRead when a format parsed the file. */
  linesRead: number;
  /** Diagnostics about the file itself (unknown format, empty, truncated read…). */
  fileDiagnostics: Diagnostic[];
}

export interface FileIngestOptions {
  file: string;
  relativePath: string;
  /** `--format`: skip detection. */
  forcedFormat?: FormatId | undefined;
  getTokenizer: () => Tokenizer;
  columns?: ColumnMapping | undefined;
  /** Memory for lines longer than a read (the shell's pageBuffer); default Buffer.allocUnsafe. */
  allocate?: ((bytes: number) => Buffer) | undefined;
  /** Bytes [start, end) of what was pushed, read again (from the file; see ByteSplitterOptions.reread). */
  reread?: ((start: number, end: number) => Buffer | null) | undefined;
}

/**
 * The line accounting of a file (or a byte range of one) as its lines are
 * emitted: lines read, the last one unterminated, and those too long to read
 * whole (../lines.ts MAX_LINE_BYTES, MAX_TEXT_LINE_CHARS) and not read
 * shortened: skipped, and reported with file:line like a malformed line once
 * the parser's output exists. FileIngest and ClaudePartIngest keep one each.
 */
export class LineAccounting {
  linesRead = 0;
  lastUnterminatedLine = 0;
  private readonly tooLong: Array<{ lineNo: number; length: number; unit: 'bytes' | 'characters' }> = [];

  /** A line emitted (to the parser, or skipped). */
  line(lineNo: number, terminated: boolean): void {
    this.linesRead++;
    if (!terminated) this.lastUnterminatedLine = lineNo;
  }

  /** A line emitted that is too long to read: `length` bytes or characters, skipped. */
  tooLongLine(lineNo: number, terminated: boolean, length: number, unit: 'bytes' | 'characters'): void {
    this.line(lineNo, terminated);
    this.tooLong.push({ lineNo, length, unit });
  }

  /** A byte splitter's `tooLong` callback (ByteSplitterOptions). */
  readonly tooLongBytes = (lineNo: number, bytes: number, terminated: boolean): void => this.tooLongLine(lineNo, terminated, bytes, 'bytes');

  /** Counts the too-long lines as read and skipped in `output`, with one diagnostic each (in line order). */
  applyTo(output: Pick<ParseOutput, 'diagnostics' | 'linesRead' | 'linesSkipped'>, file: string): void {
    for (const { lineNo, length, unit } of this.tooLong) {
      const d: Diagnostic = {
        code: 'line-too-long',
        severity: 'error',
        message:
          unit === 'bytes'
            ? `line of ${(length / 1e6).toFixed(1)} MB is too long to read whole (the limit is ${MAX_LINE_BYTES / 1024 / 1024} MiB); skipped`
            : `line of ${(length / 1e6).toFixed(1)} million characters is too long to read (the limit is ${MAX_TEXT_LINE_CHARS / 1024 / 1024} Mi characters); skipped`,
        source: { file, line: lineNo },
        details: { [unit]: length },
      };
      const at = output.diagnostics.findIndex((x) => (x.source?.line ?? 0) > lineNo);
      if (at < 0) output.diagnostics.push(d);
      else output.diagnostics.splice(at, 0, d);
      output.linesRead++;
      output.linesSkipped++;
    }
  }

  /** The FilePart of a Claude Code file or range split by `splitter` (ended), its parser's `claude` part given its too-long lines. */
  part(splitter: ByteLineSplitter, claude: FilePart['claude'], file: string): FilePart {
    this.applyTo(claude, file);
    return { bytes: splitter.bytes, linesSeen: splitter.linesSeen, linesRead: this.linesRead, lastUnterminatedLine: this.lastUnterminatedLine, claude };
  }
}

/** Push-based parse of one file: `push(chunk)…`, then `finish()`. */
export class FileIngest {
  private readonly splitter = new LineSplitter();
  /** Used instead of `splitter` when the parser has a byte path, or when no format claimed the file. */
  private byteSplitter: ByteLineSplitter | null = null;
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private parser: LineParser | null = null;
  private format: InputFormat | null = null;
  private decided = false;
  private readonly lines = new LineAccounting();
  private readonly emit = (line: SplitLine): void => {
    if (line.tooLong !== undefined) this.lines.tooLongLine(line.lineNo, line.terminated, line.tooLong, 'characters');
    else {
      this.lines.line(line.lineNo, line.terminated);
      if (this.parser) this.parser.push(line.text, line.lineNo);
    }
  };
  private readonly emitBytes: ByteLineSink = (b, s, e, lineNo, terminated) => {
    this.lines.line(lineNo, terminated);
    const parser = this.parser;
    if (!parser) return;
    // A text parser split on bytes (it reads long lines shortened): each line decoded alone, as LineSplitter's lines are.
    if (parser.pushBytes) parser.pushBytes(b, s, e, lineNo);
    else parser.push(decodeUtf8(b, s, e), lineNo);
  };

  constructor(private readonly opts: FileIngestOptions) {}

  /** `chunk` may be a reused read buffer: nothing is kept from it after the call. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (!this.decided) {
      if (this.headBytes + chunk.length < HEAD_BYTES) {
        // Copy: callers reuse read buffers (and Buffer#slice would not copy).
        this.head.push(new Uint8Array(chunk));
        this.headBytes += chunk.length;
        return;
      }
      // The format is decided on the first HEAD_BYTES alone (chooseFormat reads no more), so only the
      // head's missing bytes are copied, never this chunk: after a few short lines it can be one line of
      // megabytes, and a copy of that size is a malloc'd block whose free makes glibc keep every later
      // block of up to that size in its arenas (see readBuffer in src/cli/io.ts).
      const earlier = this.head;
      this.head = [];
      this.decideOn(earlier.length === 0 ? chunk : concatAll([...earlier, chunk.subarray(0, HEAD_BYTES - this.headBytes)], HEAD_BYTES));
      for (const c of earlier) this.feed(c);
      this.feed(chunk);
      return;
    }
    this.feed(chunk);
  }

  private feed(chunk: Uint8Array): void {
    if (this.byteSplitter) this.byteSplitter.push(chunk, this.emitBytes);
    else this.splitter.push(chunk, this.emit);
  }

  /** At the end of a file shorter than HEAD_BYTES: the format from all of it, then its lines. */
  private decide(): void {
    const all = this.head.length === 1 ? (this.head[0] as Uint8Array) : concatAll(this.head, this.headBytes);
    this.head = [];
    this.decideOn(all);
    this.feed(all);
  }

  /** Chooses the format (and parser) from the file's first bytes `start` (at least HEAD_BYTES of them, or all). */
  private decideOn(start: Uint8Array): void {
    this.decided = true;
    this.format = chooseFormat(this.opts.file, start, this.opts.forcedFormat);
    if (this.format) {
      const ctx: ParseContext = {
        file: this.opts.file,
        relativePath: this.opts.relativePath,
        getTokenizer: this.opts.getTokenizer,
      };
      if (this.opts.columns) ctx.columns = this.opts.columns;
      this.parser = this.format.createParser(ctx);
    }
    if (!this.parser || this.parser.pushBytes || this.parser.longLines) this.byteSplitter = new ByteLineSplitter(true, { allocate: this.opts.allocate, longLines: this.parser?.longLines, reread: this.opts.reread, tooLong: this.lines.tooLongBytes });
  }

  /**
   * Emits an unterminated last line now (no more bytes follow), while what
   * was pushed can still be read again (`reread`); `finish` does it otherwise.
   */
  endLines(): void {
    if (!this.decided) return;
    if (this.byteSplitter) this.byteSplitter.end(this.emitBytes);
    else this.splitter.end(this.emit);
  }

  /**
   * A Claude Code file as one part of ./split.ts (the whole file from byte 0),
   * instead of `finish`: `mergeFileParts(…, [part], isStillGrowing)` is the
   * ParsedFile `finish(isStillGrowing)` gives. The shell keeps parts in its
   * parse cache and appends a part for the bytes a growing file gains. Null,
   * with nothing consumed, when the file is not parsed as claude-code: call
   * `finish` then.
   */
  finishAsPart(): FilePart | null {
    if (!this.decided) this.decide();
    const parser = this.parser as Partial<ClaudeLineParser> | null;
    const splitter = this.byteSplitter;
    if (this.format?.id !== 'claude-code' || !parser?.finishPart || !splitter) return null;
    splitter.end(this.emitBytes);
    return this.lines.part(splitter, parser.finishPart(), this.opts.file);
  }

  /**
   * @param isStillGrowing the file grew after the size read at open: its
   * unterminated last line is an agent mid-write, not damage, so it is left
   * out (reported as info) instead of counted as malformed.
   */
  finish(isStillGrowing = false): ParsedFile {
    if (!this.decided) this.decide();
    if (this.byteSplitter) this.byteSplitter.end(this.emitBytes);
    else this.splitter.end(this.emit);
    const bytes = this.byteSplitter ? this.byteSplitter.bytes : this.splitter.bytes;
    const fileDiagnostics: Diagnostic[] = [];
    const source = { file: this.opts.file, line: 0 };
    const linesRead = this.lines.linesRead;
    if (!this.parser) {
      if (linesRead === 0) {
        fileDiagnostics.push({
          code: 'empty-file',
          severity: 'warning',
          message: bytes === 0 ? 'file is empty' : 'file has no non-blank line',
          source,
          details: { bytes },
        });
      } else {
        fileDiagnostics.push({
          code: 'unknown-format',
          severity: 'warning',
          message: `no known log format recognised in this file (${linesRead} line(s) not read); use --format to force one`,
          source,
          details: { lines: linesRead, bytes },
        });
      }
      return { file: this.opts.file, relativePath: this.opts.relativePath, bytes, output: null, linesRead, fileDiagnostics };
    }
    const output = this.parser.finish();
    this.lines.applyTo(output, this.opts.file);
    const last = this.lines.lastUnterminatedLine;
    if (last > 0) markTruncated(output, last, isStillGrowing);
    return { file: this.opts.file, relativePath: this.opts.relativePath, bytes, output, linesRead, fileDiagnostics };
  }
}

/**
 * The format a file is parsed with: `forcedFormat`, else the one detected
 * from the head (the first HEAD_BYTES of `start`, the file's first bytes);
 * null when none claims it.
 */
export function chooseFormat(file: string, start: Uint8Array, forcedFormat?: FormatId): InputFormat | null {
  if (forcedFormat) return getFormat(forcedFormat);
  if (start.length === 0) return null;
  const headBytes = start.subarray(0, Math.min(start.length, HEAD_BYTES));
  const name = baseName(file);
  if (isClaudeCodeHead(name, asBuffer(headBytes))) return claudeCodeFormat;
  const headText = decodeHead(headBytes);
  return headText.trim().length > 0 ? detectFormat(name, headText) : null;
}

/**
 * A last line without newline that a parser rejected as invalid JSON was cut
 * (crash, disk full, file still being written): say so instead of "invalid JSON".
 */
export function markTruncated(output: Pick<ParseOutput, 'diagnostics' | 'linesSkipped' | 'linesIgnored'>, lineNo: number, isStillGrowing: boolean): void {
  for (const d of output.diagnostics) {
    if (d.source?.line === lineNo && d.code === 'invalid-json' && isStillGrowing) {
      d.code = 'still-being-written';
      d.severity = 'info';
      d.message = 'last line was still being written when the file was read; left for the next run';
      output.linesSkipped--;
      output.linesIgnored++;
    } else if (d.source?.line === lineNo && d.code === 'invalid-json') {
      d.code = 'truncated-line';
      d.message = `last line is incomplete (no final newline; file cut or still being written): ${d.message}`;
    }
  }
}

function concatAll(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i >= 0 ? path.slice(i + 1) : path;
}

/** Pushes already split lines into a format's parser (tests). */
export function parseLines(format: InputFormat, ctx: ParseContext, lines: Iterable<string | { text: string; lineNo: number }>): ParseOutput {
  const parser = format.createParser(ctx);
  let n = 0;
  for (const l of lines) {
    n++;
    if (typeof l === 'string') {
      if (l.trim().length > 0) parser.push(l, n);
    } else parser.push(l.text, l.lineNo);
  }
  return parser.finish();
}

export interface ParseTextOptions {
  relativePath?: string;
  getTokenizer?: () => Tokenizer;
  columns?: ColumnMapping;
}

const encoder = new TextEncoder();

function noTokenizer(): Tokenizer {
  throw new Error('no tokenizer configured for parseText');
}

/** Parses a whole text exactly as a file with that content would be (same splitter, same detection). */
export function parseText(fileName: string, text: string, forcedFormat?: FormatId, options: ParseTextOptions = {}): ParsedFile {
  const ingest = new FileIngest({
    file: fileName,
    relativePath: options.relativePath ?? fileName,
    forcedFormat,
    getTokenizer: options.getTokenizer ?? noTokenizer,
    columns: options.columns,
  });
  ingest.push(encoder.encode(text));
  return ingest.finish();
}

/** Same as parseText for raw bytes, pushed in the given chunks (tests of chunk boundaries). */
export function parseChunks(fileName: string, chunks: Iterable<Uint8Array>, forcedFormat?: FormatId, options: ParseTextOptions = {}): ParsedFile {
  const ingest = new FileIngest({
    file: fileName,
    relativePath: options.relativePath ?? fileName,
    forcedFormat,
    getTokenizer: options.getTokenizer ?? noTokenizer,
    columns: options.columns,
  });
  for (const c of chunks) ingest.push(c);
  return ingest.finish();
}
