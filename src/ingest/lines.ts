/**
 * Byte stream -> lines, shared by the file reader (src/cli/io.ts), stdin and
 * the pure `parseText` helper, so every input is split exactly the same way.
 *
 * - Lines are what splitting on the byte 0x0A and decoding each line as
 *   UTF-8 gives; a multi-byte character cut by a chunk boundary is never
 *   damaged. Invalid bytes decode to U+FFFD.
 * - Removes a UTF-8 BOM at the start of the stream and one trailing `\r` per
 *   line (CRLF files).
 * - Lines that are empty or whitespace-only are not emitted, but still count
 *   for line numbers (1-based, as an editor shows them).
 * - The last line may lack its `\n`: it is emitted by `end()` and flagged
 *   `terminated: false` (a cut or still-growing file).
 * - A line longer than one chunk is assembled from its pieces; memory is
 *   bounded by the longest line, never by the file (by the shortened line
 *   when the parser reads long lines shortened: ./long-line.ts).
 */
import { LineCompactor, type LongLinePolicy, type ShortenLimits } from './long-line.js';

export interface SplitLine {
  text: string;
  /** 1-based line number in the file. */
  lineNo: number;
  /** False only for a last line without a final newline. */
  terminated: boolean;
  /** Set (to the line's length, in characters) for a line too long to read: `text` is then empty. */
  tooLong?: number;
}

/**
 * Longest line the byte path holds whole (one its parser does not read
 * shortened: e.g. a Claude Code prompt): a longer one is reported and
 * skipped, as parsing it would take several times its size in memory.
 */
export const MAX_LINE_BYTES = 64 * 1024 * 1024;
/**
 * Longest line (characters) the text path holds: past it a line is reported
 * and skipped. Only a guard: a string cannot hold 512 Mi characters, and a
 * document format (OpenHands, a JSON response) joins its lines into one.
 */
export const MAX_TEXT_LINE_CHARS = 256 * 1024 * 1024;

function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0b && c !== 0x0c) return false;
  }
  return true;
}

/**
 * Each chunk is decoded once with a streaming decoder (a character cut by the
 * chunk boundary is held back until the next chunk) and split on `\n`. This
 * gives exactly the lines of "split on byte 0x0A, decode each line": 0x0A is
 * never part of a multi-byte sequence, and the decoder turns an incomplete
 * sequence before it into U+FFFD just as decoding the line alone would.
 */
export class LineSplitter {
  private readonly decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  /** Text of the current (unterminated) line. */
  private pending = '';
  /** Characters of the current line left out once it passed `maxChars` (its text is then dropped). */
  private skipped = 0;
  private lineNo = 0;
  constructor(private readonly maxChars = MAX_TEXT_LINE_CHARS) {}
  /** Bytes pushed so far. */
  bytes = 0;
  /** Physical lines seen so far (including empty ones). */
  get linesSeen(): number {
    return this.lineNo;
  }

  /** Splits `chunk`; calls `emit` for every complete non-blank line. */
  push(chunk: Uint8Array, emit: (line: SplitLine) => void): void {
    if (chunk.length === 0) return;
    this.bytes += chunk.length;
    const text = this.decoder.decode(chunk, { stream: true });
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.skipped > 0) {
        this.emitTooLong(this.skipped + nl - start, true, emit);
        start = nl + 1;
        continue;
      }
      let line = text.slice(start, nl);
      if (this.pending.length > 0) {
        line = this.pending + line;
        this.pending = '';
      }
      this.emitLine(line, true, emit);
      start = nl + 1;
    }
    if (start < text.length) this.hold(text, start);
  }

  /** Flushes the last line when the stream had no final newline. */
  end(emit: (line: SplitLine) => void): void {
    const tail = this.decoder.decode();
    if (this.skipped > 0) {
      this.emitTooLong(this.skipped + tail.length, false, emit);
      return;
    }
    const rest = this.pending + tail;
    this.pending = '';
    if (rest.length > 0) this.emitLine(rest, false, emit);
  }

  /** True when text of an unterminated line is waiting. */
  get hasPending(): boolean {
    return this.pending.length > 0 || this.skipped > 0;
  }

  /** Keeps text[start..] as the start of the next line, or only counts it once the line is too long. */
  private hold(text: string, start: number): void {
    const n = text.length - start;
    if (this.skipped > 0) this.skipped += n;
    else if (this.pending.length + n > this.maxChars) {
      this.skipped = this.pending.length + n;
      this.pending = '';
    } else this.pending += text.slice(start);
  }

  private emitTooLong(chars: number, terminated: boolean, emit: (line: SplitLine) => void): void {
    this.lineNo++;
    this.skipped = 0;
    emit({ text: '', lineNo: this.lineNo, terminated, tooLong: chars });
  }

  private emitLine(raw: string, terminated: boolean, emit: (line: SplitLine) => void): void {
    if (raw.length > this.maxChars) {
      this.emitTooLong(raw.length, terminated, emit);
      return;
    }
    this.lineNo++;
    let text = raw.charCodeAt(raw.length - 1) === 0x0d ? raw.slice(0, -1) : raw;
    if (this.lineNo === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.length === 0 || isBlank(text)) return;
    emit({ text, lineNo: this.lineNo, terminated });
  }
}

/** Splits a whole byte buffer (tests, small inputs). */
export function splitBytes(bytes: Uint8Array): SplitLine[] {
  const out: SplitLine[] = [];
  const splitter = new LineSplitter();
  splitter.push(bytes, (l) => out.push(l));
  splitter.end((l) => out.push(l));
  return out;
}

/** Decodes the first bytes of a stream for format detection (BOM removed, cut characters dropped). */
export function decodeHead(bytes: Uint8Array): string {
  let begin = 0;
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) begin = 3;
  // Drop a multi-byte character cut at the end instead of decoding it as U+FFFD.
  let end = bytes.length;
  let back = 0;
  while (back < 3 && end - back - 1 >= begin && ((bytes[end - back - 1] as number) & 0xc0) === 0x80) back++;
  const lead = end - back - 1 >= begin ? (bytes[end - back - 1] as number) : 0;
  const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  if (need > back + 1) end = end - back - 1;
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes.subarray(begin, end)).replace(/\r\n/g, '\n');
}

/** A line found by ByteLineSplitter: `bytes[start, end)`, valid only during the callback. */
export type ByteLineSink = (bytes: Buffer, start: number, end: number, lineNo: number, terminated: boolean) => void;

function isBlankByte(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0b || c === 0x0c;
}

/** A view of `chunk` as a Buffer (no copy). */
export function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** What a ByteLineSplitter may be given beyond its bytes. */
export interface ByteSplitterOptions {
  /** Memory for lines cut by a chunk boundary (the shell's pageBuffer); default Buffer.allocUnsafe. */
  allocate?: ((bytes: number) => Buffer) | undefined;
  /** The parser can read long lines shortened (./long-line.ts). */
  longLines?: LongLinePolicy | undefined;
  /** Bytes [start, end) of the stream again (stream offsets: 0 = the first byte pushed); null when they cannot be read. */
  reread?: ((start: number, end: number) => Buffer | null) | undefined;
  /**
   * Called instead of the sink for a line longer than `maxLineBytes` that is
   * not read shortened (its length in bytes); without it, lines of any length
   * are held.
   */
  tooLong?: ((lineNo: number, bytes: number, terminated: boolean) => void) | undefined;
  /** Tests: MAX_LINE_BYTES, SHORTEN_AT_BYTES and the compactor's limits. */
  maxLineBytes?: number;
  shortenAtBytes?: number;
  limits?: ShortenLimits;
}

/** A cut line is read shortened (see ByteLineSplitter) once more than this many of its bytes wait. */
export const SHORTEN_AT_BYTES = 1024 * 1024;

/**
 * LineSplitter on bytes: the same lines (same numbers, same BOM / `\r` /
 * blank-line rules), handed out undecoded as `(buffer, start, end)`. Splitting
 * on 0x0A and decoding each line gives exactly LineSplitter's text, so
 * parsers with a byte path see the same input. Complete lines are handed out
 * from the caller's chunk without copying; only a line cut by the chunk
 * boundary is copied (memory bounded by the longest line), and a cut line
 * past SHORTEN_AT_BYTES is streamed through a LineCompactor when the parser
 * has a LongLinePolicy (memory bounded by the shortened line). A shortened
 * line the parser needs whole (`needsWhole`) is read again with `reread`;
 * without `reread`, a line the parser may need whole is held up to
 * `maxLineBytes` before it is shortened, and skipped as too long (`tooLong`)
 * if it is needed. A line held past `maxLineBytes` is skipped the same way.
 */
export class ByteLineSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private pendingLength = 0;
  private lineNo = 0;
  private readonly allocate: (bytes: number) => Buffer;
  private readonly longLines: LongLinePolicy | undefined;
  private readonly reread: ((start: number, end: number) => Buffer | null) | undefined;
  private readonly shortenAt: number;
  private readonly limits: ShortenLimits | undefined;
  private readonly tooLong: ((lineNo: number, bytes: number, terminated: boolean) => void) | undefined;
  private readonly maxLine: number;
  /** The cut line passed maxLine: only its bytes are counted (with `tooLong` set). */
  private skipping = false;
  /** Stream offsets: of the chunk being pushed, and of the cut line's first byte. */
  private chunkStart = 0;
  private pendingStart = 0;
  private compactor: LineCompactor | null = null;
  /** The cut line is going through `compactor` (not `pending`). */
  private shortening = false;
  bytes = 0;
  /** Lines read shortened, and the bytes their shortening left out; lines shortened, then read again whole. */
  linesShortened = 0;
  bytesElided = 0;
  linesReread = 0;
  /** The largest buffer a cut line took (its bytes, or its shortened form's). */
  maxHeldBytes = 0;

  /**
   * @param atFileStart false for a byte range that starts inside a file
   * (../split.ts): line numbers are then relative to the range, and a BOM is
   * not removed (one is only a BOM at the start of the file).
   */
  constructor(
    private readonly atFileStart = true,
    options: ByteSplitterOptions = {},
  ) {
    this.allocate = options.allocate ?? ((n) => Buffer.allocUnsafe(n));
    this.longLines = options.longLines;
    this.reread = options.reread;
    this.shortenAt = options.shortenAtBytes ?? SHORTEN_AT_BYTES;
    this.limits = options.limits;
    this.tooLong = options.tooLong;
    this.maxLine = options.maxLineBytes ?? MAX_LINE_BYTES;
  }

  get linesSeen(): number {
    return this.lineNo;
  }

  push(input: Uint8Array, emit: ByteLineSink): void {
    if (input.length === 0) return;
    const chunk = asBuffer(input);
    this.chunkStart = this.bytes;
    this.bytes += chunk.length;
    let start = 0;
    const n = chunk.length;
    if (this.hasPending) {
      const nl = chunk.indexOf(0x0a, 0);
      if (nl < 0) {
        this.append(chunk, 0, n);
        return;
      }
      this.append(chunk, 0, nl);
      this.emitPending(true, this.chunkStart + nl, emit);
      start = nl + 1;
    }
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      this.emitLine(chunk, start, nl, true, emit);
      start = nl + 1;
    }
    if (start < n) this.append(chunk, start, n);
  }

  /** Flushes the last line when the stream had no final newline. */
  end(emit: ByteLineSink): void {
    if (this.hasPending) this.emitPending(false, this.bytes, emit);
  }

  get hasPending(): boolean {
    return this.pendingLength > 0 || this.shortening || this.skipping;
  }

  private append(src: Buffer, s: number, e: number): void {
    if (this.skipping) return;
    if (this.shortening) {
      const compactor = this.compactor as LineCompactor;
      compactor.write(src, s, e);
      this.maxHeldBytes = Math.max(this.maxHeldBytes, compactor.capacity);
      // Shortened, still too long (no long strings to cut): skipped.
      if (compactor.overflowed) this.skip();
      return;
    }
    if (!this.hasPending) this.pendingStart = this.chunkStart + s;
    const need = this.pendingLength + (e - s);
    // Shortened past shortenAt; where the parser may need the line whole and it cannot be read again (stdin),
    // only once it is too long to hold anyway (and skipped after all if the parser needs it).
    const shorten = this.reread || !this.longLines?.mayNeedWhole() ? need > this.shortenAt : this.tooLong !== undefined && need > this.maxLine;
    if (shorten && this.longLines) {
      const compactor = (this.compactor ??= new LineCompactor(
        this.longLines.keepNames,
        this.allocate,
        this.limits,
        this.longLines.parsesWholeLine === true,
        this.tooLong ? this.maxLine : Infinity,
      ));
      compactor.begin();
      compactor.write(this.pending, 0, this.pendingLength);
      this.pendingLength = 0;
      this.shortening = true;
      this.append(src, s, e);
      return;
    }
    if (this.tooLong && need > this.maxLine) {
      this.skip();
      return;
    }
    if (need > this.pending.length) {
      const grown = this.allocate(Math.max(need, this.pending.length * 2, 64 * 1024));
      this.pending.copy(grown, 0, 0, this.pendingLength);
      this.pending = grown;
      this.maxHeldBytes = Math.max(this.maxHeldBytes, grown.length);
    }
    src.copy(this.pending, this.pendingLength, s, e);
    this.pendingLength = need;
  }

  /** Drops the cut line held so far: it is too long to read; only its length is reported. */
  private skip(): void {
    this.skipping = true;
    this.shortening = false;
    this.pendingLength = 0;
    this.dropHugePending();
    this.compactor?.shrink();
  }

  /** Emits the cut line now complete (or the unterminated last one), which ends at stream offset `end`. */
  private emitPending(terminated: boolean, end: number, emit: ByteLineSink): void {
    if (this.skipping) {
      this.skipping = false;
      this.lineNo++;
      (this.tooLong as NonNullable<typeof this.tooLong>)(this.lineNo, end - this.pendingStart, terminated);
      return;
    }
    if (this.shortening) {
      const compactor = this.compactor as LineCompactor;
      const policy = this.longLines as LongLinePolicy;
      this.shortening = false;
      const line = compactor.end();
      // The parser may need what was left out: the line again, whole (when it can still be read, and is not too long).
      const needed = policy.mayNeedWhole() && policy.needsWhole(line.bytes, 0, line.length);
      if (needed && this.tooLong && (this.reread === undefined || end - this.pendingStart > this.maxLine)) {
        compactor.shrink();
        this.skipping = true;
        this.emitPending(terminated, end, emit);
        return;
      }
      const whole = needed && this.reread ? this.reread(this.pendingStart, end) : null;
      if (whole) {
        this.linesReread++;
        this.maxHeldBytes = Math.max(this.maxHeldBytes, whole.length);
        this.emitLine(whole, 0, whole.length, terminated, emit);
      } else {
        this.linesShortened++;
        this.bytesElided += compactor.elidedBytes;
        this.emitLine(line.bytes, 0, line.length, terminated, emit);
      }
      compactor.shrink();
      return;
    }
    const len = this.pendingLength;
    this.pendingLength = 0;
    this.emitLine(this.pending, 0, len, terminated, emit);
    this.dropHugePending();
  }

  /** Lets a huge line's buffer go instead of keeping it for the lines after it. */
  private dropHugePending(): void {
    if (this.pending.length > 8 * 1024 * 1024) this.pending = Buffer.alloc(0);
  }

  private emitLine(b: Buffer, s: number, e: number, terminated: boolean, emit: ByteLineSink): void {
    this.lineNo++;
    if (e > s && b[e - 1] === 0x0d) e--;
    if (this.lineNo === 1 && this.atFileStart && e - s >= 3 && b[s] === 0xef && b[s + 1] === 0xbb && b[s + 2] === 0xbf) s += 3;
    let i = s;
    while (i < e && isBlankByte(b[i] as number)) i++;
    if (i === e) return;
    emit(b, s, e, this.lineNo, terminated);
  }
}
