/**
 * Claude Code session logs: `~/.claude/projects/<encoded-cwd>/<sessionId>.jsonl`,
 * subagents in `<sessionId>/subagents/agent-<id>.jsonl`.
 *
 * - One API call is written as several `assistant` lines (one per content
 *   block) repeating `requestId` / `message.id` and a usage object; early
 *   lines may carry placeholder counts. Each line is a record with
 *   dedupeKey = requestId ?? message.id; the records of one key are folded
 *   into one RawTurn per file (the one normalize would keep, see
 *   ../../normalize/duplicates.ts), and normalize keeps one per key across
 *   files.
 * - `model: "<synthetic>"` lines (locally generated errors) are ignored.
 * - `user` lines are never billed; a nested `toolUseResult.usage` (a Task
 *   run's own usage) is never looked at. Huge user lines are only scanned at
 *   the top level (./json-scan.ts), never JSON.parsed, unless they are the
 *   first prompt of the session.
 * - Inline sidechains (`isSidechain: true`, Claude Code <= 1.0.x): each run
 *   is its own stream `sidechain-<first 8 chars of the chain's root uuid>`,
 *   the root found by following `parentUuid` among sidechain lines.
 * - `system` / `compact_boundary` -> CompactionEvent; an `isCompactSummary`
 *   user line without a preceding boundary (older versions) -> one too.
 * - Every other line type is ignored. Lines are checked structurally (the
 *   top level of the line and of `message`, brackets and strings inside);
 *   every value used is JSON.parsed. Content blocks are never built.
 */
import type { Diagnostic } from '../../model/diagnostic.js';
import type { CompactionEvent } from '../../model/usage.js';
import { MAIN_STREAM } from '../../model/usage.js';
import type { InputFormat, LineParser, ParseContext, ParseOutput, RawEvent, RawTurn } from '../format.js';
import { appendFolded, foldSameFile } from '../../normalize/duplicates.js';
import { mergePackedTurns, withFileStrings, type PackedTurns } from '../packed.js';
import { readClaudeUsage } from './claude-usage.js';
import { scanObject } from './json-scan.js';
import { KeySet, NestedKey, bytesAre, decodeUtf8, scanObjectBytes } from './json-bytes.js';
import {
  OutputBuilder,
  completeHeadLines,
  isRecord,
  makeRawTurn,
  parseJson,
  parseTimestampMs,
  preview,
  sessionIdFromFile,
  taskFingerprint,
  type JsonObject,
} from './parse-helpers.js';

export interface ClaudePathInfo {
  /** Parent session of a subagent file. */
  sessionId: string | null;
  /** `agent-<id>` for subagent files. */
  streamId: string | null;
  /** The `<encoded-cwd>` project directory, when the path shows it. */
  projectDir: string | null;
}

const SUBAGENT_RE = /(?:^|\/)([^/]+)\/subagents\/([^/]+?)\.jsonl$/i;

function isProjectDirName(name: string | undefined): name is string {
  return name !== undefined && (/^-./.test(name) || /^[A-Za-z]--/.test(name));
}

/** Session, stream and project facts from a file's path. */
export function claudePathInfo(ctx: Pick<ParseContext, 'file' | 'relativePath'>): ClaudePathInfo {
  const candidates = [ctx.relativePath, ctx.file].map((p) => (p ?? '').replace(/\\/g, '/'));
  for (const path of candidates) {
    const m = SUBAGENT_RE.exec(path);
    if (m) {
      const parts = path.split('/');
      const projectDir = parts[parts.length - 4];
      return { sessionId: m[1] as string, streamId: m[2] as string, projectDir: isProjectDirName(projectDir) ? projectDir : null };
    }
  }
  for (const path of candidates) {
    const parts = path.split('/');
    const dir = parts[parts.length - 2];
    if (isProjectDirName(dir)) return { sessionId: null, streamId: null, projectDir: dir };
  }
  return { sessionId: null, streamId: null, projectDir: null };
}

/** Text of a first user prompt, or null when the line is not a real prompt (tool results, commands, meta). */
export function promptText(message: unknown): string | null {
  if (!isRecord(message)) return null;
  const content = message['content'];
  let text: string;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content)) {
    const parts: string[] = [];
    for (const block of content) {
      if (!isRecord(block)) continue;
      if (block['type'] === 'tool_result') return null;
      if (block['type'] === 'text' && typeof block['text'] === 'string') parts.push(block['text']);
    }
    text = parts.join('\n');
  } else return null;
  const trimmed = text.trim();
  if (trimmed.length === 0) return null;
  if (/^<(command-|local-command-)/.test(trimmed)) return null;
  if (trimmed.startsWith('Caveat: The messages below were generated')) return null;
  if (trimmed.startsWith('[Request interrupted')) return null;
  return trimmed;
}

/** A compaction event; `sidechainUuid` (inline sidechains) is resolved to its stream at the end. */
export interface PendingEvent {
  event: CompactionEvent;
  sidechainUuid: string | null;
}

/**
 * The parser's state after the lines of one part of a file (the whole file,
 * or one byte range of it cut at a line boundary: ../split.ts). Everything
 * that depends on lines outside the part is left unresolved here and settled
 * by `mergeClaudeParts` over the parts in file order, which gives exactly
 * what one parser gives on all the lines: the first `sessionId` / `cwd` /
 * prompt / main model are the first non-null over the parts; sidechain
 * streams are resolved on the union of the parents; a summary line that
 * opens a part after a `compact_boundary` left pending by the previous part
 * is the boundary's summary, not a compaction of its own.
 */
export interface ClaudePart {
  /**
   * Turns in line order, one per request (dedupe key): the part's records of a
   * request folded into one (../../normalize/duplicates.ts) at the place of
   * the first. `sessionId` '' and `project` null until merged.
   */
  turns: RawTurn[];
  /** Indexes into `turns` of inline-sidechain turns, with the uuid of their line. */
  sideTurns: number[];
  sideUuids: string[];
  events: PendingEvent[];
  /** uuid -> parentUuid of sidechain lines (the last line wins, as in one Map). */
  sideParent: Map<string, string | null>;
  diagnostics: Diagnostic[];
  linesRead: number;
  linesCounted: number;
  linesIgnored: number;
  linesSkipped: number;
  lineSessionId: string | null;
  cwd: string | null;
  firstPrompt: string | null;
  firstMainModel: string | null;
  /** `compact_boundary` awaiting its summary after the last line; null when the part had no boundary or summary line. */
  boundaryPendingAtEnd: boolean | null;
  /** The part's first boundary-or-summary line was a summary: `events[0]` is its compaction, counted in `linesCounted`. */
  leadingSummary: boolean;
  synthetic: number;
  noKey: number;
  firstNoKeyLine: number;
}

/** The Claude Code parser, which can also hand out its state for one part of a split file. */
export interface ClaudeLineParser extends LineParser {
  pushBytes(bytes: Buffer, start: number, end: number, lineNo: number): void;
  /** The state after the pushed lines (instead of `finish`). */
  finishPart(): ClaudePart;
}

/** Top-level keys of a Claude Code line the parser looks at, and their span slots. */
const TOP = new KeySet(['type', 'sessionId', 'cwd', 'isSidechain', 'uuid', 'parentUuid', 'message', 'requestId', 'timestamp', 'subtype', 'compactMetadata', 'isCompactSummary', 'isMeta']);
const T_TYPE = 0;
const T_SESSION = 1;
const T_CWD = 2;
const T_SIDECHAIN = 3;
const T_UUID = 4;
const T_PARENT = 5;
const T_MESSAGE = 6;
const T_REQUEST = 7;
const T_TIMESTAMP = 8;
const T_SUBTYPE = 9;
const T_COMPACT_META = 10;
const T_COMPACT_SUMMARY = 11;
const T_META = 12;
/** Keys of `message` on assistant lines. */
const MSG = new KeySet(['model', 'usage', 'id']);
const M_MODEL = 0;
const M_USAGE = 1;
const M_ID = 2;
/** Keys whose values the parser decodes, kept whole in lines read shortened (../long-line.ts); `message` is walked, not decoded. */
const KEEP_NAMES = [...TOP.names.filter((n) => n !== 'message'), ...MSG.names];

const enc = new TextEncoder();
const V_ASSISTANT = enc.encode('"assistant"');
const V_USER = enc.encode('"user"');
const V_SYSTEM = enc.encode('"system"');
const V_COMPACT_BOUNDARY = enc.encode('"compact_boundary"');
const TOOL_RESULT = Buffer.from('"tool_result"');

/** The string value in slot `k` of `spans` (json-scan's scanString on bytes): null when absent, not a string or invalid. */
function str(b: Buffer, spans: Int32Array, k: number): string | null {
  const s = spans[2 * k] as number;
  if (s < 0 || b[s] !== 0x22) return null;
  const e = spans[2 * k + 1] as number;
  // Plain printable ASCII without escapes reads as itself; anything else goes through JSON.parse.
  let plain = true;
  for (let i = s + 1; i < e - 1; i++) {
    const c = b[i] as number;
    if (c < 0x20 || c >= 0x7f || c === 0x5c) {
      plain = false;
      break;
    }
  }
  if (plain) return b.toString('latin1', s + 1, e - 1);
  try {
    return JSON.parse(decodeUtf8(b, s, e)) as string;
  } catch {
    return null;
  }
}

/** True / false for a boolean value in slot `k`, null otherwise. */
function bool(b: Buffer, spans: Int32Array, k: number): boolean | null {
  const s = spans[2 * k] as number;
  if (s < 0) return null;
  const len = (spans[2 * k + 1] as number) - s;
  if (len === 4 && b[s] === 0x74) return true;
  if (len === 5 && b[s] === 0x66) return false;
  return null;
}

function is(b: Buffer, spans: Int32Array, k: number, quoted: Uint8Array): boolean {
  return bytesAre(b, spans[2 * k] as number, spans[2 * k + 1] as number, quoted);
}

/** JSON.parse of the value in slot `k`; `undefined` when absent, throws when invalid. */
function json(b: Buffer, spans: Int32Array, k: number): unknown {
  const s = spans[2 * k] as number;
  if (s < 0) return undefined;
  return JSON.parse(decodeUtf8(b, s, spans[2 * k + 1] as number)) as unknown;
}

/**
 * The parser works on the bytes of each line (`pushBytes`): the top level of
 * the line and of an assistant `message` are walked with ./json-bytes.ts and
 * only the few values used are decoded, so tool output is never decoded.
 * `push(text)` encodes the line and takes the same path.
 */
export function createClaudeParser(ctx: ParseContext): ClaudeLineParser {
  const out = new OutputBuilder('claude-code', ctx);
  const path = claudePathInfo(ctx);
  /** Index in `out.turns` -> uuid of the line, for inline-sidechain turns. */
  const sideAt = new Map<number, string>();
  /** Index in `out.turns` of each request's record (one per dedupe key), and the last key seen. */
  const keyAt = new Map<string, number>();
  let lastKey: string | null = null;
  let lastKeyAt = -1;
  const events: PendingEvent[] = [];
  /** uuid -> parentUuid of sidechain lines. */
  const sideParent = new Map<string, string | null>();
  const top = TOP.spans();
  // `message` is walked with its keys while the line is (one pass over its content, not two).
  const nested = new NestedKey(T_MESSAGE, MSG);
  const msg = nested.spans;
  /** Interned model names (one string per model, not one per line). */
  const models = new Map<string, string>();
  let lineSessionId: string | null = null;
  let cwd: string | null = null;
  let firstPrompt: string | null = null;
  let firstMainModel: string | null = null;
  let boundaryPending = false;
  /** Null until the first boundary or summary line; then whether that line was a summary. */
  let leadingSummary: boolean | null = null;
  let synthetic = 0;
  let noKey = 0;
  let firstNoKeyLine = 0;

  /**
   * The last usage read, by its bytes: a read is a pure function of them, so a
   * line repeating them byte for byte (every content-block line of a streamed
   * call does, about half the assistant lines) reuses it instead of decoding
   * and parsing them again. Only readings that succeeded are kept.
   */
  let lastUsageBytes = Buffer.alloc(512);
  let lastUsageLength = -1;
  let lastUsage: ReturnType<typeof readClaudeUsage> | null = null;
  function rememberUsage(b: Buffer, s: number, e: number, usage: ReturnType<typeof readClaudeUsage>): void {
    if (s < 0 || !usage.ok || e - s > 64 * 1024) {
      lastUsage = null;
      return;
    }
    if (e - s > lastUsageBytes.length) lastUsageBytes = Buffer.alloc(Math.max(e - s, 2 * lastUsageBytes.length));
    b.copy(lastUsageBytes, 0, s, e);
    lastUsageLength = e - s;
    lastUsage = usage;
  }

  function streamFor(isSidechain: boolean): string {
    return path.streamId ?? (isSidechain ? 'sidechain' : MAIN_STREAM);
  }

  function reject(line: string, lineNo: number): void {
    const parsed = parseJson(line);
    if (!parsed.ok) out.skip('invalid-json', `invalid JSON (${parsed.reason}): ${preview(line)}`, lineNo);
    else if (isRecord(parsed.value)) out.skip('invalid-json', 'object nested too deeply to read', lineNo);
    else {
      const v = parsed.value;
      out.skip('not-an-object', `expected a JSON object per line, got ${Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v}`, lineNo);
    }
  }

  function assistant(b: Buffer, s: number, e: number, text: string | undefined, lineNo: number, isSidechain: boolean, uuid: string | null): void {
    // Only the top level of `message` was walked (with the line: `nested`);
    // content blocks (tool inputs, quoted JSON) were skipped whole, so a nested
    // "usage" is never read.
    const m0 = top[2 * T_MESSAGE] as number;
    if (m0 < 0 || b[m0] !== 0x7b) {
      out.skip('invalid-message', `assistant line has ${m0 >= 0 ? 'a message that is not an object' : 'no message'}`, lineNo);
      return;
    }
    if (!nested.ok) {
      out.skip('invalid-json', `invalid JSON in message: ${preview(text ?? decodeUtf8(b, s, e))}`, lineNo);
      return;
    }
    let model = str(b, msg, M_MODEL);
    if (model === '<synthetic>') {
      synthetic++;
      out.linesIgnored++;
      return;
    }
    if (model !== null) {
      const interned = models.get(model);
      if (interned === undefined) models.set(model, model);
      else model = interned;
    }
    const u0 = msg[2 * M_USAGE] as number;
    const u1 = msg[2 * M_USAGE + 1] as number;
    let usage: ReturnType<typeof readClaudeUsage>;
    if (lastUsage !== null && u0 >= 0 && u1 - u0 === lastUsageLength && b.compare(lastUsageBytes, 0, lastUsageLength, u0, u1) === 0) {
      // The same bytes as the previous line's usage (content blocks of one streamed call repeat it): the same reading.
      usage = lastUsage;
    } else {
      let usageValue: unknown;
      try {
        usageValue = json(b, msg, M_USAGE);
      } catch (err) {
        out.skip('invalid-json', `invalid JSON in message.usage (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, lineNo);
        return;
      }
      usage = readClaudeUsage(usageValue);
      rememberUsage(b, u0, u1, usage);
    }
    if (!usage.ok) {
      out.skip('invalid-usage', `assistant usage rejected: ${usage.reason}`, lineNo);
      return;
    }
    if (usage.value.warning) out.diag('inconsistent-usage', 'warning', usage.value.warning, lineNo);
    const id = str(b, msg, M_ID);
    const requestId = str(b, top, T_REQUEST);
    const messageId = id && id.trim() ? id : null;
    const dedupeKey = requestId ?? messageId;
    if (dedupeKey === null && noKey++ === 0) firstNoKeyLine = lineNo;
    const streamId = streamFor(isSidechain);
    if (streamId === MAIN_STREAM && firstMainModel === null && model) firstMainModel = model;
    const turn = makeRawTurn(ctx, {
      usage: usage.value.usage,
      model: model ?? 'unknown',
      timestampMs: parseTimestampMs(str(b, top, T_TIMESTAMP)),
      sessionId: '',
      streamId,
      dedupeKey: dedupeKey === null ? null : `claude:${dedupeKey}`,
      line: lineNo,
    });
    const side = isSidechain && !path.streamId && uuid ? uuid : null;
    out.linesCounted++;
    const key = turn.dedupeKey;
    if (key !== null) {
      // Another record of a request this part already holds (usually the line before: the
      // content blocks of one streamed call): fold it into that one (../../normalize/duplicates.ts).
      const at = key === lastKey ? lastKeyAt : (keyAt.get(key) ?? -1);
      if (at >= 0) {
        const kept = out.turns[at] as RawTurn;
        if (foldSameFile(kept, turn) === turn) {
          out.turns[at] = turn;
          if (side !== null) sideAt.set(at, side);
          else sideAt.delete(at);
        }
        lastKey = key;
        lastKeyAt = at;
        return;
      }
      keyAt.set(key, out.turns.length);
      lastKey = key;
      lastKeyAt = out.turns.length;
    }
    if (side !== null) sideAt.set(out.turns.length, side);
    out.turns.push(turn);
  }

  function compaction(lineNo: number, timestamp: string | null, isSidechain: boolean, uuid: string | null, meta: unknown): void {
    const m = isRecord(meta) ? meta : {};
    const trigger = m['trigger'] === 'auto' || m['trigger'] === 'manual' ? m['trigger'] : 'unknown';
    const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
    events.push({
      event: {
        kind: 'compaction',
        timestampMs: parseTimestampMs(timestamp),
        streamId: streamFor(isSidechain),
        trigger,
        preTokens: num(m['preTokens']),
        postTokens: num(m['postTokens']),
        source: { file: ctx.file, line: lineNo },
      },
      sidechainUuid: isSidechain && !path.streamId ? uuid : null,
    });
  }

  /** Whether a line may still be read as the first prompt (its text, not only its bytes' structure). */
  function mayNeedWhole(): boolean {
    return firstPrompt === null && !path.streamId;
  }

  /**
   * Whether the line just walked (its spans in `top`) is read as the first
   * prompt: a user line, not a summary, sidechain or meta line, of a file
   * still without a prompt, with a message that holds no `"tool_result"`
   * (tool results, the bulk of the bytes, are never prompts: a cheap search
   * avoids parsing them).
   */
  function isPromptCandidate(b: Buffer): boolean {
    if (!mayNeedWhole() || !is(b, top, T_TYPE, V_USER)) return false;
    if (bool(b, top, T_COMPACT_SUMMARY) === true || bool(b, top, T_SIDECHAIN) === true || bool(b, top, T_META) === true) return false;
    const m0 = top[2 * T_MESSAGE] as number;
    if (m0 < 0) return false; // no message: no prompt text
    const at = b.indexOf(TOOL_RESULT, m0);
    return !(at >= 0 && at < (top[2 * T_MESSAGE + 1] as number));
  }

  /**
   * Whether pushBytes would read `b[s, e)`, a line read shortened, as a
   * prompt (a shortened line keeps a `"tool_result"` token wherever the whole
   * line has it, but may have lost one from inside a long string: then the
   * whole line is read too). Walks the line as pushBytes does, and changes
   * nothing else.
   */
  function mayBePrompt(b: Buffer, s: number, e: number): boolean {
    return mayNeedWhole() && scanObjectBytes(b, s, e, TOP, top, nested) && isPromptCandidate(b);
  }

  /** One line: b[s, e), already without `\n`, trailing `\r` and BOM; `text` is its decoded form when the caller has it. */
  function pushBytes(b: Buffer, s: number, e: number, lineNo: number, text?: string): void {
    out.linesRead++;
    if (!scanObjectBytes(b, s, e, TOP, top, nested)) {
      reject(text ?? decodeUtf8(b, s, e), lineNo);
      return;
    }
    if (lineSessionId === null) lineSessionId = str(b, top, T_SESSION);
    if (cwd === null) cwd = str(b, top, T_CWD);
    const isSidechain = bool(b, top, T_SIDECHAIN) === true;
    const uuid = isSidechain ? str(b, top, T_UUID) : null;
    if (isSidechain && uuid) sideParent.set(uuid, str(b, top, T_PARENT));
    if (is(b, top, T_TYPE, V_ASSISTANT)) {
      assistant(b, s, e, text, lineNo, isSidechain, uuid);
      return;
    }
    if (is(b, top, T_TYPE, V_SYSTEM) && is(b, top, T_SUBTYPE, V_COMPACT_BOUNDARY)) {
      let meta: unknown;
      try {
        meta = json(b, top, T_COMPACT_META);
      } catch {
        meta = undefined;
      }
      compaction(lineNo, str(b, top, T_TIMESTAMP), isSidechain, uuid, meta);
      boundaryPending = true;
      leadingSummary ??= false;
      out.linesCounted++;
      return;
    }
    if (is(b, top, T_TYPE, V_USER)) {
      if (bool(b, top, T_COMPACT_SUMMARY) === true) {
        leadingSummary ??= !boundaryPending;
        if (boundaryPending) {
          boundaryPending = false;
          out.linesIgnored++;
        } else {
          // Older versions mark a compaction only with the summary line.
          compaction(lineNo, str(b, top, T_TIMESTAMP), isSidechain, uuid, undefined);
          out.linesCounted++;
        }
        return;
      }
      if (isPromptCandidate(b)) {
        try {
          firstPrompt = promptText(json(b, top, T_MESSAGE));
        } catch {
          // A damaged prompt only costs the fingerprint.
        }
      }
    }
    out.linesIgnored++;
  }

  return {
    push(line, lineNo) {
      const b = Buffer.from(line, 'utf8');
      pushBytes(b, 0, b.length, lineNo, line);
    },
    pushBytes,
    // Long lines may be read shortened; until the first prompt (whose text is read) is known, one that may be it is read whole.
    longLines: { keepNames: KEEP_NAMES, mayNeedWhole, needsWhole: mayBePrompt },
    finishPart,
    finish() {
      return mergeClaudeParts(ctx, [finishPart()]);
    },
  };

  function finishPart(): ClaudePart {
    keyAt.clear(); // the part is complete: its index of requests is no longer needed
    const sideTurns = [...sideAt.keys()].sort((a, b) => a - b);
    // Pushed, not mapped: `map` makes a holey array or a packed one depending on whether it ran optimised,
    // and v8.serialize (the parse cache) writes a holey one as a sparse array: other bytes, the same part.
    const sideUuids: string[] = [];
    for (const k of sideTurns) sideUuids.push(sideAt.get(k) as string);
    return {
      turns: out.turns,
      sideTurns,
      sideUuids,
      events,
      sideParent,
      diagnostics: out.diagnostics,
      linesRead: out.linesRead,
      linesCounted: out.linesCounted,
      linesIgnored: out.linesIgnored,
      linesSkipped: out.linesSkipped,
      lineSessionId,
      cwd,
      firstPrompt,
      firstMainModel,
      boundaryPendingAtEnd: leadingSummary === null ? null : boundaryPending,
      leadingSummary: leadingSummary === true,
      synthetic,
      noKey,
      firstNoKeyLine,
    };
  }
}

function createParser(ctx: ParseContext): LineParser {
  return createClaudeParser(ctx);
}

/** Adds `offset` to every line number of a part parsed with line numbers relative to its first byte. */
export function shiftClaudePart(part: ClaudePart, offset: number): void {
  if (offset === 0) return;
  for (const t of part.turns) t.source.line += offset;
  shiftClaudePartState(part, offset);
}

/** `shiftClaudePart` of everything but the turns (a packed part's turns are shifted as they are merged: `mergePackedTurns`). */
export function shiftClaudePartState(part: Omit<ClaudePart, 'turns'>, offset: number): void {
  if (offset === 0) return;
  for (const e of part.events) if (e.event.source) e.event.source.line += offset;
  for (const d of part.diagnostics) if (d.source && d.source.line > 0) d.source.line += offset;
  if (part.noKey > 0) part.firstNoKeyLine += offset;
}

/** A ClaudePart whose turns are packed (../packed.ts): the parse cache's and the workers' form. */
export type PackedClaudePart = Omit<ClaudePart, 'turns'> & { turns: PackedTurns };

/** What merging parts learns of the file, besides their turns. */
interface MergedParts {
  sessionId: string;
  project: string | null;
  /** Inline-sidechain turns (part, index in it) and their stream. */
  sideStreams: Array<{ part: number; k: number; streamId: string }>;
  output: Omit<ParseOutput, 'turns'>;
}

/**
 * The ParseOutput of a file from its parts in file order (line numbers
 * already absolute): for one part, exactly the parser's `finish()`.
 */
export function mergeClaudeParts(ctx: ParseContext, parts: readonly ClaudePart[]): ParseOutput {
  const m = mergeParts(ctx, parts);
  const turns = parts.length === 1 ? (parts[0] as ClaudePart).turns : foldParts(parts);
  for (const t of turns) {
    t.sessionId = m.sessionId;
    t.project = m.project;
  }
  // A record folded into another part's keeps its entry: it names its own turn, which is dropped.
  for (const x of m.sideStreams) ((parts[x.part] as ClaudePart).turns[x.k] as RawTurn).streamId = x.streamId;
  return { ...m.output, turns };
}

/**
 * `mergeClaudeParts` of a file parsed as one part whose turns are packed, with
 * the turns left packed (the same records: session, project and sidechain
 * streams set in a copy of its string slots, or in them when `owned`).
 */
export function mergePackedClaudePart(ctx: ParseContext, part: PackedClaudePart, owned = false): Omit<ParseOutput, 'turns'> & { turns: PackedTurns } {
  const m = mergeParts(ctx, [part]);
  return { ...m.output, turns: withFileStrings(part.turns, m.sessionId, m.project, m.sideStreams, owned) };
}

/**
 * `mergeClaudeParts` of several parts whose turns are packed, their states'
 * line numbers already absolute and their turns' relative (`lineOffsets`:
 * each part's shift): the same records, folded and set the same way
 * (`mergePackedTurns`), never unpacked.
 */
export function mergePackedClaudeParts(
  ctx: ParseContext,
  parts: readonly PackedClaudePart[],
  lineOffsets: readonly number[],
): Omit<ParseOutput, 'turns'> & { turns: PackedTurns } {
  const m = mergeParts(ctx, parts);
  const turns = mergePackedTurns(
    parts.map((p) => p.turns),
    lineOffsets,
    m.sessionId,
    m.project,
    m.sideStreams,
  );
  return { ...m.output, turns };
}

/**
 * The turns of several parts in file order as one list: a request whose
 * lines span two parts is one record, as one parser would have folded it
 * (`mergePackedTurns` does the same on packed parts).
 */
function foldParts(parts: readonly ClaudePart[]): RawTurn[] {
  const turns: RawTurn[] = [];
  /** Index in `turns` of each request's record. */
  const keyAt = new Map<string, number>();
  for (const p of parts) for (const t of p.turns) appendFolded(turns, keyAt, t.dedupeKey, t);
  return turns;
}

/** Everything of the merge but the turns (folding several parts', setting their session, project and sidechain streams). */
function mergeParts(ctx: ParseContext, parts: ReadonlyArray<Omit<ClaudePart, 'turns'>>): MergedParts {
  const path = claudePathInfo(ctx);
  const single = parts.length === 1 ? parts[0] : null;
  const diagnostics: Diagnostic[] = single ? single.diagnostics : [];
  const sideParent = single ? single.sideParent : new Map<string, string | null>();
  /** Sidechain turns: part, index in it, uuid of the line. */
  const side: Array<{ part: number; k: number; uuid: string }> = [];
  const events: PendingEvent[] = [];
  let lineSessionId: string | null = null;
  let cwd: string | null = null;
  let firstPrompt: string | null = null;
  let firstMainModel: string | null = null;
  let boundaryPending = false;
  let synthetic = 0;
  let noKey = 0;
  let firstNoKeyLine = 0;
  let linesRead = 0;
  let linesCounted = 0;
  let linesIgnored = 0;
  let linesSkipped = 0;
  parts.forEach((p, partIndex) => {
    lineSessionId ??= p.lineSessionId;
    cwd ??= p.cwd;
    firstPrompt ??= p.firstPrompt;
    firstMainModel ??= p.firstMainModel;
    let firstEvent = 0;
    if (boundaryPending && p.leadingSummary) {
      // The summary that opens this part belongs to the previous part's boundary.
      firstEvent = 1;
      linesCounted--;
      linesIgnored++;
    }
    if (p.boundaryPendingAtEnd !== null) boundaryPending = p.boundaryPendingAtEnd;
    for (let k = firstEvent; k < p.events.length; k++) events.push(p.events[k] as PendingEvent);
    for (let k = 0; k < p.sideTurns.length; k++) side.push({ part: partIndex, k: p.sideTurns[k] as number, uuid: p.sideUuids[k] as string });
    if (!single) {
      for (const d of p.diagnostics) diagnostics.push(d);
      for (const [k, v] of p.sideParent) sideParent.set(k, v);
    }
    if (noKey === 0 && p.noKey > 0) firstNoKeyLine = p.firstNoKeyLine;
    noKey += p.noKey;
    synthetic += p.synthetic;
    linesRead += p.linesRead;
    linesCounted += p.linesCounted;
    linesIgnored += p.linesIgnored;
    linesSkipped += p.linesSkipped;
  });
  const sessionId = path.sessionId ?? lineSessionId ?? sessionIdFromFile(ctx);
  const project = path.projectDir ?? cwd;
  const rootOf = sidechainRootFinder(sideParent);
  const sideStreams = side.map((x) => ({ part: x.part, k: x.k, streamId: `sidechain-${rootOf(x.uuid).slice(0, 8)}` }));
  const rawEvents: RawEvent[] = events.map((e) => {
    if (e.sidechainUuid) e.event.streamId = `sidechain-${rootOf(e.sidechainUuid).slice(0, 8)}`;
    return { sessionId, event: e.event };
  });
  const diag = (code: string, severity: Diagnostic['severity'], message: string, line: number, details: Record<string, number>): void => {
    diagnostics.push({ code, severity, message, source: { file: ctx.file, line }, details });
  };
  if (synthetic > 0) {
    diag('synthetic-ignored', 'info', `${synthetic} <synthetic> assistant line(s) (locally generated, no API call) ignored`, 0, { lines: synthetic });
  }
  if (noKey > 0) {
    diag(
      'no-request-id',
      'warning',
      `${noKey} assistant line(s) carry neither requestId nor message.id; each is counted as its own request (content blocks of one call may be counted twice)`,
      firstNoKeyLine,
      { lines: noKey },
    );
  }
  return {
    sessionId,
    project,
    sideStreams,
    output: {
      format: 'claude-code',
      events: rawEvents,
      reportedCosts: [],
      sessionInfo: [
        {
          sessionId,
          project,
          taskFingerprint: firstPrompt !== null && firstMainModel !== null ? taskFingerprint(firstMainModel, firstPrompt) : null,
        },
      ],
      diagnostics,
      linesRead,
      linesCounted,
      linesIgnored,
      linesSkipped,
    },
  };
}

/**
 * The root of a sidechain line: its parent, its parent's parent and so on,
 * up to the last one that is itself a sidechain line (in `sideParent`),
 * stopping before a line already on the way (a cycle). Each root found at
 * the top of a chain is remembered for every line on the way, so a chain of
 * n lines costs O(n) however many of its lines are looked up (walking each
 * from scratch was O(n²): ~10 ms of a warm 1 GB run). A walk that stops at a
 * cycle depends on where it started, so only its start is remembered.
 */
export function sidechainRootFinder(sideParent: ReadonlyMap<string, string | null>): (uuid: string) => string {
  const byStart = new Map<string, string>();
  /** Roots of lines whose walk reached a top (a line without a sidechain parent): the same from any line on the way. */
  const topOf = new Map<string, string>();
  return (uuid) => {
    const cached = byStart.get(uuid);
    if (cached !== undefined) return cached;
    let cur = uuid;
    const path = [cur];
    const seen = new Set<string>(path);
    let top = true;
    for (;;) {
      const known = topOf.get(cur);
      if (known !== undefined) {
        cur = known;
        break;
      }
      const parent = sideParent.get(cur);
      if (!parent || !sideParent.has(parent)) break;
      if (seen.has(parent)) {
        top = false;
        break;
      }
      cur = parent;
      seen.add(cur);
      path.push(cur);
    }
    if (top) for (const p of path) topOf.set(p, cur);
    byStart.set(uuid, cur);
    return cur;
  };
}

const LINE_TYPES = new Set(['user', 'assistant', 'system', 'summary', 'file-history-snapshot', 'queue-operation', 'attachment', 'progress']);

function looksLikeClaudeCodeLine(obj: JsonObject): boolean {
  const type = obj['type'];
  if (typeof type !== 'string' || !LINE_TYPES.has(type)) return false;
  if ('sessionId' in obj || 'parentUuid' in obj) return true;
  if (type === 'summary' && 'leafUuid' in obj) return true;
  if (type === 'file-history-snapshot' && 'snapshot' in obj) return true;
  return false;
}

/** Claude Code session lines carry `sessionId` / `parentUuid` (stream-json uses `session_id`). */
function detect(fileName: string, head: string): number {
  const lines = completeHeadLines(head, 30);
  let objects = 0;
  let hits = 0;
  for (const line of lines) {
    const scan = scanObject(line);
    if (!scan) continue;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isRecord(obj)) continue;
    objects++;
    if (looksLikeClaudeCodeLine(obj)) hits++;
  }
  const jsonl = /\.jsonl$/i.test(fileName) ? 0.04 : 0;
  if (hits > 0) return Math.min(0.99, 0.7 + (0.25 * hits) / objects + jsonl);
  if (objects === 0) {
    // First line longer than the head: judge from its start.
    const start = head.trimStart();
    if (/^\{"(parentUuid|isSidechain|type|leafUuid)"/.test(start) && /"sessionId"\s*:\s*"/.test(start) && !/"session_id"\s*:/.test(start)) {
      return 0.8;
    }
  }
  return 0;
}

const DETECT = new KeySet(['type', 'sessionId', 'parentUuid', 'leafUuid', 'snapshot']);
const D_TYPE = 0;
const D_SESSION = 1;
const D_PARENT = 2;
const D_LEAF = 3;
const D_SNAPSHOT = 4;

function isTrimmable(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Fast, byte-level answer to "would format detection pick claude-code for
 * this file?", for the common case only: a `.jsonl` file whose complete head
 * lines (the first 30 in `head`, as `detect` sees them) are all well-formed
 * Claude Code lines, at least one of them valid JSON. `detect` then scores
 * 0.99, above every other format's maximum (0.98), so the answer is exact.
 * False means "not sure": the caller runs the full detection.
 */
export function isClaudeCodeHead(fileName: string, head: Buffer): boolean {
  if (!/\.jsonl$/i.test(fileName)) return false;
  const spans = DETECT.spans();
  let pos = head.length >= 3 && head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  let lines = 0;
  let shortest = -1;
  let shortestEnd = -1;
  while (lines < 30) {
    const nl = head.indexOf(0x0a, pos);
    if (nl < 0) break;
    let s = pos;
    let e = nl;
    pos = nl + 1;
    while (s < e && isTrimmable(head[s] as number)) s++;
    while (e > s && isTrimmable(head[e - 1] as number)) e--;
    if (s === e) continue;
    // Edges that String.prototype.trim treats differently (BOM, NBSP, VT, FF…): let detect() decide.
    const first = head[s] as number;
    const last = head[e - 1] as number;
    if (first >= 0x80 || last >= 0x80 || first === 0x0b || first === 0x0c || last === 0x0b || last === 0x0c) return false;
    lines++;
    if (!scanObjectBytes(head, s, e, DETECT, spans)) return false;
    const type = str(head, spans, D_TYPE);
    if (type === null || !LINE_TYPES.has(type)) return false;
    const has = (k: number): boolean => (spans[2 * k] as number) >= 0;
    const claude = has(D_SESSION) || has(D_PARENT) || (type === 'summary' && has(D_LEAF)) || (type === 'file-history-snapshot' && has(D_SNAPSHOT));
    if (!claude) return false;
    if (shortest < 0 || e - s < shortestEnd - shortest) {
      shortest = s;
      shortestEnd = e;
    }
  }
  if (lines === 0) return false;
  try {
    JSON.parse(decodeUtf8(head, shortest, shortestEnd));
    return true;
  } catch {
    return false;
  }
}

export const claudeCodeFormat: InputFormat = {
  id: 'claude-code',
  description: 'Claude Code session logs (~/.claude/projects/**/*.jsonl, subagents included)',
  detect,
  createParser,
};
