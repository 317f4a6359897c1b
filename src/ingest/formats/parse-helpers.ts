/**
 * Helpers shared by the api-jsonl, openhands, csv and transcript formats:
 * strict token-count reading, timestamp parsing, RawTurn construction and the
 * line accounting every parser reports.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, DiagnosticSeverity } from '../../model/diagnostic.js';
import { MAIN_STREAM, type FormatId } from '../../model/usage.js';
import type { ParseContext, ParseOutput, RawSessionInfo, RawTurn } from '../format.js';
import { providerOfModel } from '../../normalize/provider.js';

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Largest token count accepted for one request or one export row. The largest
 * context windows are ~2M tokens; an aggregated CSV row can be far larger, so
 * the bound only rejects values that are clearly corrupt (overflow, IDs pasted
 * into a count column). Above 2^53 integers are not exact anyway.
 */
export const MAX_TOKEN_COUNT = 1e13;

export type Read<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * A token count: absent or null reads as `fallback` (usually 0); anything else
 * must be a finite, non-negative integer not above MAX_TOKEN_COUNT.
 */
export function readTokens(obj: JsonObject, field: string, fallback = 0): Read<number> {
  return checkTokens(obj[field], field, fallback);
}

/**
 * Short description of a JSON value for a diagnostic: never the whole value
 * (a 10 MB string would flood the report) and never a recursive stringify
 * (a 10,000-deep array would overflow the stack).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return `an array (${value.length} items)`;
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** JSON.stringify that survives pathological nesting (returns '' instead of throwing). */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

export function checkTokens(value: unknown, field: string, fallback = 0): Read<number> {
  if (value === undefined || value === null) return { ok: true, value: fallback };
  if (typeof value !== 'number') return { ok: false, reason: `${field} is ${describeValue(value)}, not a number` };
  if (!Number.isFinite(value)) return { ok: false, reason: `${field} is not finite` };
  if (value < 0) return { ok: false, reason: `${field} is negative (${value})` };
  if (!Number.isInteger(value)) return { ok: false, reason: `${field} is not an integer (${value})` };
  if (value > MAX_TOKEN_COUNT) return { ok: false, reason: `${field} is implausibly large (${value})` };
  return { ok: true, value };
}

const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * Epoch ms from an ISO-8601 string (any fraction length; no zone = UTC, never
 * the local zone), or from a number / numeric string in epoch seconds,
 * milliseconds or microseconds (chosen by magnitude). Null when unreadable.
 */
export function parseTimestampMs(value: unknown): number | null {
  if (typeof value === 'number') return epochToMs(value);
  if (typeof value !== 'string') return null;
  return canonicalIsoMs(value) ?? parseTimestampText(value);
}

const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22];

/**
 * `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form agents write on every line, read by
 * character codes: the value `parseTimestampText` gives (tested), without a
 * regex and its match array. Null for any other form.
 */
function canonicalIsoMs(t: string): number | null {
  if (t.length !== 24) return null;
  if (t.charCodeAt(4) !== 45 || t.charCodeAt(7) !== 45 || t.charCodeAt(10) !== 84 || t.charCodeAt(13) !== 58) return null;
  if (t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46 || t.charCodeAt(23) !== 90) return null;
  for (let k = 0; k < DIGIT_AT.length; k++) {
    const c = t.charCodeAt(DIGIT_AT[k] as number);
    if (c < 48 || c > 57) return null;
  }
  return Date.UTC(digitsAt(t, 0, 4), digitsAt(t, 5, 2) - 1, digitsAt(t, 8, 2), digitsAt(t, 11, 2), digitsAt(t, 14, 2), digitsAt(t, 17, 2), digitsAt(t, 20, 3));
}

/** The decimal number written by the `len` ASCII digits of `t` from `i` (checked by the caller). */
function digitsAt(t: string, i: number, len: number): number {
  let v = 0;
  for (let k = i; k < i + len; k++) v = v * 10 + (t.charCodeAt(k) - 48);
  return v;
}

/** parseTimestampMs of a string, every form (the canonical one has a fast path above). */
export function parseTimestampText(value: string): number | null {
  const text = value.trim();
  if (text.length === 0) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return epochToMs(Number(text));
  const m = ISO_RE.exec(text);
  if (m) {
    const [, y, mo, d, h, mi, s, frac, zone] = m;
    const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
    let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
    if (zone && /^[+-]/.test(zone)) {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const offsetMin = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
      t -= sign * offsetMin * 60_000;
    }
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

function epochToMs(n: number): number | null {
  if (!Number.isFinite(n) || n <= 0) return null;
  if (n >= 1e14) return Math.floor(n / 1000); // microseconds
  if (n >= 1e11) return Math.floor(n); // milliseconds (after 1973)
  return Math.round(n * 1000); // seconds
}

/** Session id derived from a file name: base name without extension(s). */
export function sessionIdFromFile(ctx: ParseContext): string {
  const path = ctx.relativePath || ctx.file;
  const base = path.split('/').pop() ?? path;
  const stem = base.replace(/\.(jsonl|json|ndjson|csv|tsv|txt|log)(\.gz)?$/i, '');
  return stem.length > 0 ? stem : base || '<stdin>';
}

/** Token categories of one request, disjoint as in Turn. */
export interface UsageCounts {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number | null;
  isCacheSplitKnown: boolean;
}

export interface TurnFields {
  usage: UsageCounts;
  model: string;
  timestampMs: number | null;
  sessionId: string;
  project?: string | null;
  streamId?: string;
  dedupeKey?: string | null;
  reportedCostUsd?: number | null;
  isEstimated?: boolean;
  line: number;
}

export function makeRawTurn(ctx: ParseContext, f: TurnFields): RawTurn {
  const u = f.usage;
  return {
    timestampMs: f.timestampMs,
    model: f.model,
    provider: providerOfModel(f.model),
    streamId: f.streamId ?? MAIN_STREAM,
    inputTokens: u.inputTokens,
    cacheWrite5mTokens: u.cacheWrite5mTokens,
    cacheWrite1hTokens: u.cacheWrite1hTokens,
    cacheReadTokens: u.cacheReadTokens,
    outputTokens: u.outputTokens,
    reasoningOutputTokens: u.reasoningOutputTokens,
    promptTokens: u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens + u.cacheReadTokens,
    isCacheSplitKnown: u.isCacheSplitKnown,
    isEstimated: f.isEstimated ?? false,
    reportedCostUsd: f.reportedCostUsd ?? null,
    source: { file: ctx.file, line: f.line },
    sessionId: f.sessionId,
    project: f.project ?? null,
    dedupeKey: f.dedupeKey ?? null,
    duplicatesFolded: 0,
    tieTimestampMs: f.timestampMs,
  };
}

/** First non-empty string among `values`. */
export function firstString(...values: unknown[]): string | null {
  for (const v of values) {
    if (typeof v === 'string' && v.trim().length > 0) return v.trim();
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  }
  return null;
}

/** Accumulates turns, diagnostics and line accounting for one file. */
/**
 * Parses one JSONL line that must hold a JSON object; on failure the line is
 * skipped on `out` with the reason and null is returned.
 */
export function parseObjectLine(out: OutputBuilder, line: string, lineNo: number): Record<string, unknown> | null {
  const parsed = parseJson(line);
  if (!parsed.ok) {
    out.skip('invalid-json', `invalid JSON (${parsed.reason}): ${preview(line)}`, lineNo);
    return null;
  }
  if (!isRecord(parsed.value)) {
    out.skip('not-an-object', 'expected a JSON object per line', lineNo);
    return null;
  }
  return parsed.value;
}

export class OutputBuilder {
  readonly turns: RawTurn[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly sessionInfo: RawSessionInfo[] = [];
  linesRead = 0;
  linesCounted = 0;
  linesIgnored = 0;
  linesSkipped = 0;

  constructor(
    private readonly format: FormatId,
    private readonly ctx: ParseContext,
  ) {}

  diag(
    code: string,
    severity: DiagnosticSeverity,
    message: string,
    line: number,
    details?: Record<string, string | number | boolean | null>,
  ): void {
    const d: Diagnostic = { code, severity, message, source: { file: this.ctx.file, line } };
    if (details) d.details = details;
    this.diagnostics.push(d);
  }

  /** A rejected line: counted as skipped and reported with file:line and reason. */
  skip(code: string, message: string, line: number, details?: Record<string, string | number | boolean | null>): void {
    this.linesSkipped++;
    this.diag(code, 'error', message, line, details);
  }

  finish(extra: Partial<Pick<ParseOutput, 'events' | 'reportedCosts'>> = {}): ParseOutput {
    return {
      format: this.format,
      turns: this.turns,
      events: extra.events ?? [],
      reportedCosts: extra.reportedCosts ?? [],
      sessionInfo: this.sessionInfo,
      diagnostics: this.diagnostics,
      linesRead: this.linesRead,
      linesCounted: this.linesCounted,
      linesIgnored: this.linesIgnored,
      linesSkipped: this.linesSkipped,
    };
  }
}

/** Parses `text` as JSON; on failure returns a one-line reason. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, reason: message.split('\n')[0] ?? 'invalid JSON' };
  }
}

/** Shortens text for a diagnostic message. */
export function preview(text: string, max = 60): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max)}…` : oneLine;
}

/**
 * Complete lines of a detection head (the head may be cut mid-line: the last
 * line is dropped unless the head ends with a newline).
 */
export function completeHeadLines(head: string, max = 20): string[] {
  const lines = head.split('\n');
  if (!head.endsWith('\n')) lines.pop();
  const out: string[] = [];
  for (const raw of lines) {
    const line = raw.replace(/^\uFEFF/, '').trim();
    if (line.length === 0) continue;
    out.push(line);
    if (out.length >= max) break;
  }
  return out;
}

/**
 * True for lines of the formats h1's modules own (Claude Code session lines,
 * Claude stream-json, Codex rollouts): other detectors must return 0 for them.
 */
export function looksLikeAgentLogLine(obj: JsonObject): boolean {
  const type = obj['type'];
  if (typeof type === 'string') {
    if ('sessionId' in obj || 'parentUuid' in obj || 'session_id' in obj) {
      if (['assistant', 'user', 'system', 'result', 'summary'].includes(type)) return true;
    }
    if (type === 'system' && obj['subtype'] === 'init') return true;
    if (type === 'result' && ('total_cost_usd' in obj || 'modelUsage' in obj || 'num_turns' in obj)) return true;
    if (['summary', 'file-history-snapshot', 'queue-operation'].includes(type)) return true;
    if ('payload' in obj && 'timestamp' in obj) return true; // Codex envelope
  }
  if ('record_type' in obj) return true; // pre-2025 Codex rollouts
  return false;
}

/**
 * Rebuilds the text of a whole-document file from pushed lines, putting each
 * line back at its line number (empty lines were not pushed), so positions in
 * the rebuilt text map to real file lines.
 */
export class DocumentBuffer {
  private readonly parts: string[] = [];
  private lastLine = 0;
  private starts: number[] | null = null;

  push(line: string, lineNo: number): void {
    while (this.lastLine < lineNo - 1) {
      this.parts.push('');
      this.lastLine++;
    }
    this.parts.push(line);
    this.lastLine = lineNo;
    this.starts = null;
  }

  get isEmpty(): boolean {
    return this.parts.every((p) => p.trim().length === 0);
  }

  text(): string {
    return this.parts.join('\n');
  }

  /** 1-based line of a character offset in text(); binary search over line starts (built once). */
  lineAt(offset: number): number {
    if (this.starts === null) {
      this.starts = new Array<number>(this.parts.length);
      let pos = 0;
      for (let i = 0; i < this.parts.length; i++) {
        this.starts[i] = pos;
        pos += (this.parts[i] as string).length + 1;
      }
    }
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return Math.max(1, lo + 1);
  }
}

/**
 * Task fingerprint (Session.taskFingerprint): sha256 of the model and the
 * whitespace-normalized first user message, so repeated runs of the same task
 * on the same model can be found.
 */
export function taskFingerprint(model: string, firstUserMessage: string): string {
  const normalized = firstUserMessage.replace(/\s+/g, ' ').trim();
  return createHash('sha256').update(`${model}\n${normalized}`, 'utf8').digest('hex');
}

/**
 * Offsets of the elements of the events/messages array in `text` (top-level array when
 * `key` is null, else the array under that key of the root object), found by a
 * small scanner that tracks strings and nesting; lets diagnostics point at lines.
 */
export function eventOffsets(text: string, key: string | null): number[] {
  const offsets: number[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = 0;
  let lastString: string | null = null;
  let currentKey: string | null = null;
  let arrayDepth = -1;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) {
        inString = false;
        if (depth === 1) lastString = text.slice(stringStart + 1, i);
      }
      continue;
    }
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (expectElement && depth === arrayDepth && c !== 0x5d) {
      offsets.push(i);
      expectElement = false;
    }
    if (c === 0x22) {
      inString = true;
      stringStart = i;
    } else if (c === 0x3a) {
      if (depth === 1) currentKey = lastString;
    } else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (c === 0x5b && arrayDepth < 0 && ((key === null && depth === 1) || (key !== null && depth === 2 && currentKey === key))) {
        arrayDepth = depth;
        expectElement = true;
      }
    } else if (c === 0x7d || c === 0x5d) {
      if (depth === arrayDepth) return offsets;
      depth--;
    } else if (c === 0x2c) {
      if (depth === arrayDepth) expectElement = true;
    }
  }
  return offsets;
}
