import type { LongLinePolicy } from './long-line.js';
import type { Diagnostic } from '../model/diagnostic.js';
import type { CompactionEvent, FormatId, ReportedCost, Turn } from '../model/usage.js';

/** Counts text in tokens; injected so tests can use a fake and the BPE stays lazy. */
export interface Tokenizer {
  /** e.g. `o200k_base` */
  readonly name: string;
  count(text: string): number;
}

export interface ParseContext {
  /** Display name of the file (`<stdin>` for standard input). */
  file: string;
  /**
   * Path relative to the input root the user gave, with `/` separators; lets
   * Claude Code parsers see `<session>/subagents/agent-x.jsonl` and the project dir.
   */
  relativePath: string;
  /** Lazily created tokenizer, for formats without usage. */
  getTokenizer: () => Tokenizer;
  /** Hand-made CSV column mapping (`--columns`); CSV headers are auto-mapped when absent. */
  columns?: ColumnMapping;
}

/**
 * CSV roles mapped to header names as written in the file (`--columns
 * timestamp=Date,model=Model,input=Input Tokens,...`). Unmapped roles are
 * still auto-detected from the headers.
 */
export interface ColumnMapping {
  timestamp?: string;
  model?: string;
  /** Input tokens; whether they include cached tokens is `inputIncludesCached`. */
  input?: string;
  output?: string;
  cacheRead?: string;
  /** Total cache writes (attributed to the 5-minute bucket unless split columns exist). */
  cacheWrite?: string;
  cacheWrite5m?: string;
  cacheWrite1h?: string;
  reasoning?: string;
  session?: string;
  project?: string;
  cost?: string;
  provider?: string;
  requestId?: string;
  /** True: `input` includes cache reads (OpenAI-style). False: uncached only (Anthropic-style). Auto when absent. */
  inputIncludesCached?: boolean;
}

/** A Turn before sessions are assembled: carries its session and its dedupe key. */
export interface RawTurn extends Turn {
  sessionId: string;
  project: string | null;
  /**
   * Identity of the billed request (Claude Code `requestId` else `message.id`,
   * OpenHands response id…). Records sharing a key are one request; null = unique.
   */
  dedupeKey: string | null;
  /**
   * Other records of the same request in the same file folded into this one
   * by the parser (src/normalize/duplicates.ts); 0 when none.
   */
  duplicatesFolded: number;
  /**
   * The earliest timestamp among this record and the folded records as
   * complete as it (what a tie with another file's record is decided on);
   * `timestampMs` when nothing was folded.
   */
  tieTimestampMs: number | null;
}

export interface RawEvent {
  sessionId: string;
  event: CompactionEvent;
}

export interface RawReportedCost {
  sessionId: string;
  reportedCost: ReportedCost;
}

/** Per-session facts other than turns (project, task fingerprint). */
export interface RawSessionInfo {
  sessionId: string;
  project: string | null;
  taskFingerprint: string | null;
}

export interface ParseOutput {
  format: FormatId;
  turns: RawTurn[];
  events: RawEvent[];
  reportedCosts: RawReportedCost[];
  sessionInfo: RawSessionInfo[];
  diagnostics: Diagnostic[];
  /** Accounting of pushed lines: read = counted + ignored + skipped. */
  linesRead: number;
  linesCounted: number;
  linesIgnored: number;
  linesSkipped: number;
}

/**
 * Push parser for one file. Pure: the shell reads bytes, splits lines
 * (BOM and CR removed, last line possibly unterminated) and pushes them.
 */
export interface LineParser {
  /** `line` never contains `\n`; `lineNo` is 1-based. Empty lines are not pushed. */
  push(line: string, lineNo: number): void;
  /**
   * Optional byte path, used by the file reader when present: the line is
   * `bytes[start, end)` (UTF-8, same lines as `push` would get, not decoded).
   * The buffer is reused after the call returns: copy what is kept.
   */
  pushBytes?(bytes: Buffer, start: number, end: number, lineNo: number): void;
  /**
   * The parser reads a line too long to hold as well in its shortened form
   * (../long-line.ts), when and as this policy says. A text parser with one
   * is fed through the byte splitter, each line decoded alone (the same text).
   */
  readonly longLines?: LongLinePolicy;
  finish(): ParseOutput;
}

export interface InputFormat {
  id: FormatId;
  description: string;
  /**
   * Confidence in [0, 1] that a file is in this format, from its name and its
   * first bytes (`head`, up to 64 KiB of text, possibly cut mid-line).
   */
  detect(fileName: string, head: string): number;
  createParser(ctx: ParseContext): LineParser;
}
