/**
 * Claude Code session logs: `~/.claude/projects/<encoded-cwd>/<sessionId>.jsonl`,
 * subagents in `<sessionId>/subagents/agent-<id>.jsonl`.
 *
 * - One API call is written as several `assistant` lines (one per content
 *   block) repeating `requestId` / `message.id` and a usage object; early
 *   lines may carry placeholder counts. Every line becomes a RawTurn with
 *   dedupeKey = requestId ?? message.id; normalize keeps one per key (the most
 *   complete), also across files and when the lines are not adjacent.
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
import type { CompactionEvent } from '../../model/usage.js';
import { MAIN_STREAM } from '../../model/usage.js';
import type { InputFormat, LineParser, ParseContext, RawEvent, RawTurn } from '../format.js';
import { readClaudeUsage } from './claude-usage.js';
import { scanBool, scanIs, scanJson, scanObject, scanString, type ScanResult } from './json-scan.js';
import {
  OutputBuilder,
  completeHeadLines,
  firstString,
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

interface Pending {
  turn: RawTurn;
  /** uuid of the line, for sidechain stream resolution; null on the main thread. */
  sidechainUuid: string | null;
}

function createParser(ctx: ParseContext): LineParser {
  const out = new OutputBuilder('claude-code', ctx);
  const path = claudePathInfo(ctx);
  const pending: Pending[] = [];
  const events: Array<{ event: CompactionEvent; sidechainUuid: string | null }> = [];
  /** uuid -> parentUuid of sidechain lines. */
  const sideParent = new Map<string, string | null>();
  let lineSessionId: string | null = null;
  let cwd: string | null = null;
  let firstPrompt: string | null = null;
  let firstMainModel: string | null = null;
  let boundaryPending = false;
  let synthetic = 0;
  let noKey = 0;
  let firstNoKeyLine = 0;

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

  function assistant(line: string, lineNo: number, scan: ScanResult, isSidechain: boolean, uuid: string | null): void {
    // Only the top level of `message` is walked; content blocks (tool inputs,
    // quoted JSON) are skipped whole, so a nested "usage" is never read.
    const span = scan.get('message');
    if (!span || line.charCodeAt(span.start) !== 0x7b) {
      out.skip('invalid-message', `assistant line has ${span ? 'a message that is not an object' : 'no message'}`, lineNo);
      return;
    }
    const mscan = scanObject(line, span.start, span.end);
    if (!mscan) {
      out.skip('invalid-json', `invalid JSON in message: ${preview(line)}`, lineNo);
      return;
    }
    const model = scanString(line, mscan, 'model');
    if (model === '<synthetic>') {
      synthetic++;
      out.linesIgnored++;
      return;
    }
    let usageValue: unknown;
    try {
      usageValue = scanJson(line, mscan, 'usage');
    } catch (err) {
      out.skip('invalid-json', `invalid JSON in message.usage (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`, lineNo);
      return;
    }
    const message = { id: scanString(line, mscan, 'id'), usage: usageValue };
    const usage = readClaudeUsage(message.usage);
    if (!usage.ok) {
      out.skip('invalid-usage', `assistant usage rejected: ${usage.reason}`, lineNo);
      return;
    }
    if (usage.value.warning) out.diag('inconsistent-usage', 'warning', usage.value.warning, lineNo);
    const requestId = scanString(line, scan, 'requestId');
    const messageId = message.id && message.id.trim() ? message.id : null;
    const dedupeKey = requestId ?? messageId;
    if (dedupeKey === null && noKey++ === 0) firstNoKeyLine = lineNo;
    const streamId = streamFor(isSidechain);
    if (streamId === MAIN_STREAM && firstMainModel === null && model) firstMainModel = model;
    const turn = makeRawTurn(ctx, {
      usage: usage.value.usage,
      model: model ?? 'unknown',
      timestampMs: parseTimestampMs(scanString(line, scan, 'timestamp')),
      sessionId: '',
      streamId,
      requestId,
      messageId,
      dedupeKey: dedupeKey === null ? null : `claude:${dedupeKey}`,
      line: lineNo,
    });
    pending.push({ turn, sidechainUuid: isSidechain && !path.streamId ? uuid : null });
    out.linesCounted++;
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

  return {
    push(line, lineNo) {
      out.linesRead++;
      const scan = scanObject(line);
      if (!scan) {
        reject(line, lineNo);
        return;
      }
      if (lineSessionId === null) lineSessionId = scanString(line, scan, 'sessionId');
      if (cwd === null) cwd = scanString(line, scan, 'cwd');
      const isSidechain = scanBool(line, scan, 'isSidechain') === true;
      const uuid = isSidechain ? scanString(line, scan, 'uuid') : null;
      if (isSidechain && uuid) sideParent.set(uuid, scanString(line, scan, 'parentUuid'));
      const type = scanIs(line, scan, 'type', 'assistant') ? 'assistant' : scanIs(line, scan, 'type', 'user') ? 'user' : scanIs(line, scan, 'type', 'system') ? 'system' : null;
      if (type === 'assistant') {
        assistant(line, lineNo, scan, isSidechain, uuid);
        return;
      }
      if (type === 'system' && scanIs(line, scan, 'subtype', 'compact_boundary')) {
        let meta: unknown;
        try {
          meta = scanJson(line, scan, 'compactMetadata');
        } catch {
          meta = undefined;
        }
        compaction(lineNo, scanString(line, scan, 'timestamp'), isSidechain, uuid, meta);
        boundaryPending = true;
        out.linesCounted++;
        return;
      }
      if (type === 'user') {
        if (scanBool(line, scan, 'isCompactSummary') === true) {
          if (boundaryPending) {
            boundaryPending = false;
            out.linesIgnored++;
          } else {
            // Older versions mark a compaction only with the summary line.
            compaction(lineNo, scanString(line, scan, 'timestamp'), isSidechain, uuid, undefined);
            out.linesCounted++;
          }
          return;
        }
        const msg = scan.get('message');
        // Tool results (the bulk of the bytes) are never prompts: a cheap search avoids parsing them.
        const isToolResult = msg !== undefined && (() => {
          const at = line.indexOf('"tool_result"', msg.start);
          return at >= 0 && at < msg.end;
        })();
        if (firstPrompt === null && !isToolResult && !isSidechain && !path.streamId && scanBool(line, scan, 'isMeta') !== true) {
          try {
            firstPrompt = promptText(scanJson(line, scan, 'message'));
          } catch {
            // A damaged prompt only costs the fingerprint.
          }
        }
      }
      out.linesIgnored++;
    },
    finish() {
      const sessionId = path.sessionId ?? lineSessionId ?? sessionIdFromFile(ctx);
      const project = path.projectDir ?? cwd;
      const rootCache = new Map<string, string>();
      const rootOf = (uuid: string): string => {
        const cached = rootCache.get(uuid);
        if (cached) return cached;
        let cur = uuid;
        const seen = new Set<string>([cur]);
        for (;;) {
          const parent = sideParent.get(cur);
          if (!parent || !sideParent.has(parent) || seen.has(parent)) break;
          cur = parent;
          seen.add(cur);
        }
        rootCache.set(uuid, cur);
        return cur;
      };
      for (const p of pending) {
        p.turn.sessionId = sessionId;
        p.turn.project = project;
        if (p.sidechainUuid) p.turn.streamId = `sidechain-${rootOf(p.sidechainUuid).slice(0, 8)}`;
        out.turns.push(p.turn);
      }
      const rawEvents: RawEvent[] = events.map((e) => {
        if (e.sidechainUuid) e.event.streamId = `sidechain-${rootOf(e.sidechainUuid).slice(0, 8)}`;
        return { sessionId, event: e.event };
      });
      if (synthetic > 0) {
        out.diag('synthetic-ignored', 'info', `${synthetic} <synthetic> assistant line(s) (locally generated, no API call) ignored`, 0, { lines: synthetic });
      }
      if (noKey > 0) {
        out.diag(
          'no-request-id',
          'warning',
          `${noKey} assistant line(s) carry neither requestId nor message.id; each is counted as its own request (content blocks of one call may be counted twice)`,
          firstNoKeyLine,
          { lines: noKey },
        );
      }
      out.sessionInfo.push({
        sessionId,
        project,
        taskFingerprint: firstPrompt !== null && firstMainModel !== null ? taskFingerprint(firstMainModel, firstPrompt) : null,
      });
      return out.finish({ events: rawEvents });
    },
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

export const claudeCodeFormat: InputFormat = {
  id: 'claude-code',
  description: 'Claude Code session logs (~/.claude/projects/**/*.jsonl, subagents included)',
  detect,
  createParser,
};
