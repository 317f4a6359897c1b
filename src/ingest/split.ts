/**
 * One large Claude Code file parsed in parts: byte ranges cut at line
 * boundaries, each pushed through its own parser (possibly on another
 * thread), then merged into exactly the ParsedFile that FileIngest gives on
 * the whole file.
 *
 * - A cut is the start of a line: the byte after a `\n` (./lines.ts splits on
 *   0x0A only; `\r` is only trimmed at a line's end and never ends a line, so
 *   every range but the last ends with its last line's `\n`).
 * - A range other than the first numbers its lines from 1 and keeps a BOM
 *   (only the file's first bytes can be one); `mergeFileParts` shifts each
 *   range's line numbers by the physical lines (blank ones included) of the
 *   ranges before it, so turns, events and diagnostics keep their exact
 *   `file:line`.
 * - The parser state that crosses a cut (first sessionId / cwd / prompt /
 *   main model, sidechain parents, a `compact_boundary` whose summary is in
 *   the next range, counts) is merged by `mergeClaudeParts`; dedupe of
 *   streamed duplicates happens later in normalize, over the merged turns in
 *   file order, as for an unsplit file.
 * - Only the last range can end without a newline: its unterminated last
 *   line gets the same growing-file / truncated-line treatment as in
 *   FileIngest.
 */
import type { ParsedFile } from './ingest.js';
import { LineAccounting, markTruncated } from './ingest.js';
import { ByteLineSplitter, type ByteLineSink } from './lines.js';
import type { ParseContext, Tokenizer } from './format.js';
import {
  createClaudeParser,
  mergeClaudeParts,
  mergePackedClaudePart,
  mergePackedClaudeParts,
  shiftClaudePart,
  shiftClaudePartState,
  type ClaudeLineParser,
  type ClaudePart,
} from './formats/claude-code.js';
import type { PackedFile, PackedPart } from './packed.js';

/** Files at least this large (and in the claude-code format) are split when several threads parse. */
export const SPLIT_MIN_BYTES = 64 * 1024 * 1024;

/** One parsed byte range of a file. */
export interface FilePart {
  /** Bytes pushed. */
  bytes: number;
  /** Physical lines in the range, blank ones included (the next range's line offset). */
  linesSeen: number;
  /** Non-blank lines. */
  linesRead: number;
  /** Range-relative number of an unterminated last line, 0 when none. */
  lastUnterminatedLine: number;
  claude: ClaudePart;
}

export interface PartIngestOptions {
  file: string;
  relativePath: string;
  getTokenizer: () => Tokenizer;
  /** As FileIngestOptions.allocate and .reread (offsets from the range's start). */
  allocate?: ((bytes: number) => Buffer) | undefined;
  reread?: ((start: number, end: number) => Buffer | null) | undefined;
}

/** Push-based parse of one byte range of a Claude Code file: `push(chunk)…`, then `finish()`. */
export class ClaudePartIngest {
  private readonly splitter: ByteLineSplitter;
  private readonly parser: ClaudeLineParser;
  private readonly lines = new LineAccounting();
  private readonly emit: ByteLineSink = (b, s, e, lineNo, terminated) => {
    this.lines.line(lineNo, terminated);
    this.parser.pushBytes(b, s, e, lineNo);
  };

  /** @param atFileStart true for the range starting at byte 0. */
  constructor(
    private readonly opts: PartIngestOptions,
    atFileStart: boolean,
  ) {
    const ctx: ParseContext = { file: opts.file, relativePath: opts.relativePath, getTokenizer: opts.getTokenizer };
    this.parser = createClaudeParser(ctx);
    this.splitter = new ByteLineSplitter(atFileStart, {
      allocate: opts.allocate,
      longLines: this.parser.longLines,
      reread: opts.reread,
      tooLong: this.lines.tooLongBytes,
    });
  }

  /** `chunk` may be a reused read buffer: nothing is kept from it after the call. */
  push(chunk: Uint8Array): void {
    this.splitter.push(chunk, this.emit);
  }

  finish(): FilePart {
    this.splitter.end(this.emit);
    return this.lines.part(this.splitter, this.parser.finishPart(), this.opts.file);
  }
}

/**
 * The ParsedFile of a whole file from its parts in file order (their line
 * numbers are shifted in place). `isStillGrowing` as in FileIngest.finish.
 * The merge on objects, the definition: the CLI merges packed parts
 * (`mergePackedFileParts`), which test/ingest/split.test.ts checks against
 * this one for every cut.
 */
export function mergeFileParts(opts: PartIngestOptions, parts: readonly FilePart[], isStillGrowing = false): ParsedFile {
  const layout = layoutOf(parts);
  parts.forEach((p, k) => shiftClaudePart(p.claude, layout.lineOffsets[k] as number));
  const output = mergeClaudeParts(
    contextOf(opts),
    parts.map((p) => p.claude),
  );
  return fileOf(opts, layout, output, isStillGrowing);
}

/** Where each part's lines start in the file (the lines of the parts before it), and the file's totals. */
interface PartsLayout {
  lineOffsets: number[];
  bytes: number;
  linesRead: number;
  /** File line of an unterminated last line, 0 when none. */
  lastUnterminatedLine: number;
}

function layoutOf(parts: ReadonlyArray<Omit<FilePart, 'claude'>>): PartsLayout {
  const layout: PartsLayout = { lineOffsets: [], bytes: 0, linesRead: 0, lastUnterminatedLine: 0 };
  let offset = 0;
  for (const p of parts) {
    layout.lineOffsets.push(offset);
    if (p.lastUnterminatedLine > 0) layout.lastUnterminatedLine = p.lastUnterminatedLine + offset;
    offset += p.linesSeen;
    layout.bytes += p.bytes;
    layout.linesRead += p.linesRead;
  }
  return layout;
}

function contextOf(opts: PartIngestOptions): ParseContext {
  return { file: opts.file, relativePath: opts.relativePath, getTokenizer: opts.getTokenizer };
}

/** The file of merged `output` (a truncated last line marked as FileIngest.finish marks it). */
function fileOf<O extends Parameters<typeof markTruncated>[0]>(opts: PartIngestOptions, layout: Omit<PartsLayout, 'lineOffsets'>, output: O, isStillGrowing: boolean) {
  if (layout.lastUnterminatedLine > 0) markTruncated(output, layout.lastUnterminatedLine, isStillGrowing);
  return { file: opts.file, relativePath: opts.relativePath, bytes: layout.bytes, output, linesRead: layout.linesRead, fileDiagnostics: [] };
}

/**
 * `mergeFileParts` of a file parsed as one part (from byte 0), packed, into
 * the packed form of the same ParsedFile: the turns are never unpacked.
 */
export function mergePackedFilePart(
  opts: PartIngestOptions,
  part: PackedPart,
  isStillGrowing = false,
  /** `part` is the caller's to give (it is not read again): its turns' string slots become the file's. */
  owned = false,
): PackedFile {
  return fileOf(opts, part, mergePackedClaudePart(contextOf(opts), part.claude, owned), isStillGrowing);
}

/**
 * `mergeFileParts` of packed parts (the parse cache's and the workers' form)
 * into the packed form of the same ParsedFile: the turns are never unpacked
 * (`mergePackedTurns`). Rewrites the parts' events and diagnostics in place
 * (their line numbers), as `mergeFileParts` does.
 */
export function mergePackedFileParts(opts: PartIngestOptions, parts: readonly PackedPart[], isStillGrowing = false): PackedFile {
  if (parts.length === 1) return mergePackedFilePart(opts, parts[0] as PackedPart, isStillGrowing);
  const layout = layoutOf(parts);
  // The turns' lines are shifted as they are merged.
  parts.forEach((p, k) => shiftClaudePartState(p.claude, layout.lineOffsets[k] as number));
  const output = mergePackedClaudeParts(
    contextOf(opts),
    parts.map((p) => p.claude),
    layout.lineOffsets,
  );
  return fileOf(opts, layout, output, isStillGrowing);
}

/**
 * Where a range starting near `offset` really starts: the first line start
 * at or after `offset` in `window`, a view of the file from byte
 * `windowStart` (which must be <= offset - 1). -1 when the window holds no
 * `\n` at or after offset - 1 (read more). Offsets < 1 have no cut.
 */
export function lineStartAtOrAfter(window: Uint8Array, windowStart: number, offset: number): number {
  if (offset < 1) return -1;
  const from = offset - 1 - windowStart;
  if (from < 0) throw new RangeError('window starts after offset - 1');
  const nl = window.indexOf(0x0a, from);
  return nl < 0 ? -1 : windowStart + nl + 1;
}

/**
 * Cuts for `parts` ranges of a `size`-byte file, from nominal offsets (even
 * shares unless `at` is given): each moved forward to a line start with
 * `lineStart(offset)` (-1 = none before the end), dropped when it is not
 * strictly inside the file and after the previous cut. Returns the range
 * boundaries [0, c1, …, size].
 */
export function planCuts(size: number, nominal: readonly number[], lineStart: (offset: number) => number): number[] {
  const bounds = [0];
  for (const o of nominal) {
    const prev = bounds[bounds.length - 1] as number;
    if (o <= prev || o >= size) continue;
    const c = lineStart(o);
    if (c <= prev || c >= size) continue;
    bounds.push(c);
  }
  bounds.push(size);
  return bounds;
}

/** Even nominal cut offsets for `parts` ranges. */
export function evenOffsets(size: number, parts: number): number[] {
  const out: number[] = [];
  for (let k = 1; k < parts; k++) out.push(Math.floor((size * k) / parts));
  return out;
}
