/**
 * `claude -p --output-format stream-json` (headless Claude Code): JSONL events
 * without timestamps. `system`/`init` (session_id, model), `assistant` (the
 * same message.usage as Claude Code, repeated per content block, keyed by
 * message.id), `user`, optional `stream_event` partials (ignored), and a final
 * `result` with total_cost_usd and per-model `modelUsage` -> ReportedCost.
 * Assistant events with `parent_tool_use_id` belong to a Task subagent: their
 * own stream `task-<last 8 chars of the tool use id>`.
 */
import { MAIN_STREAM } from '../../model/usage.js';
import type { ReportedModelCost } from '../../model/usage.js';
import type { InputFormat, LineParser, ParseContext, RawReportedCost } from '../format.js';
import { describeValue, readClaudeUsage } from './claude-usage.js';
import { promptText } from './claude-code.js';
import { decodeUtf8 } from './json-bytes.js';
import {
  OutputBuilder,
  completeHeadLines,
  firstString,
  isRecord,
  makeRawTurn,
  parseJson,
  parseObjectLine,
  sessionIdFromFile,
  taskFingerprint,
  type JsonObject,
} from './parse-helpers.js';

/** Keys whose values the parser reads (at any depth: kept whole in a line read shortened); `message` only for a prompt. */
const STREAM_KEEP_NAMES = ['type', 'subtype', 'session_id', 'model', 'cwd', 'parent_tool_use_id', 'usage', 'id', 'total_cost_usd', 'modelUsage', 'num_turns', 'duration_ms'];

function finiteNonNegative(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

function createParser(ctx: ParseContext): LineParser {
  const out = new OutputBuilder('claude-stream-json', ctx);
  const fileSession = sessionIdFromFile(ctx);
  const reportedCosts: RawReportedCost[] = [];
  const sessions = new Map<string, { model: string | null; prompt: string | null; firstModel: string | null; cwd: string | null }>();
  let currentSession: string | null = null;

  /** The session an event belongs to: its own, else the one before it, else the file's. */
  function sessionIdOf(obj: JsonObject): string {
    return firstString(obj['session_id']) ?? currentSession ?? fileSession;
  }

  function sessionOf(obj: JsonObject): string {
    const id = sessionIdOf(obj);
    currentSession = id;
    if (!sessions.has(id)) sessions.set(id, { model: null, prompt: null, firstModel: null, cwd: null });
    return id;
  }

  /**
   * Whether `push` would read the prompt text of the line `b[s, e)`, read
   * shortened (../long-line.ts): a user event, not a subagent's, of a session
   * without a prompt yet, whose message holds no tool result (its content
   * blocks' `type`s are kept).
   */
  function mayBePrompt(b: Buffer, s: number, e: number): boolean {
    const parsed = parseJson(decodeUtf8(b, s, e));
    if (!parsed.ok || !isRecord(parsed.value)) return false;
    const obj = parsed.value;
    if (obj['type'] !== 'user' || firstString(obj['parent_tool_use_id'])) return false;
    if ((sessions.get(sessionIdOf(obj))?.prompt ?? null) !== null) return false;
    const message = obj['message'];
    const content = isRecord(message) ? message['content'] : undefined;
    return !(Array.isArray(content) && content.some((block) => isRecord(block) && block['type'] === 'tool_result'));
  }

  return {
    // A line too long to hold (a tool result of hundreds of MB) is read shortened; a session's prompt is read again whole.
    longLines: { keepNames: STREAM_KEEP_NAMES, parsesWholeLine: true, mayNeedWhole: () => true, needsWhole: mayBePrompt },
    push(line, lineNo) {
      out.linesRead++;
      const obj = parseObjectLine(out, line, lineNo);
      if (!obj) return;
      const type = obj['type'];
      if (type === 'system') {
        const s = sessions.get(sessionOf(obj));
        if (s && obj['subtype'] === 'init') {
          s.model = firstString(obj['model']) ?? s.model;
          s.cwd = firstString(obj['cwd']) ?? s.cwd;
        }
        out.linesIgnored++;
        return;
      }
      if (type === 'assistant') {
        const sessionId = sessionOf(obj);
        const message = obj['message'];
        if (!isRecord(message)) {
          out.skip('invalid-message', 'assistant event has no message object', lineNo);
          return;
        }
        const model = firstString(message['model']) ?? sessions.get(sessionId)?.model ?? null;
        if (model === '<synthetic>') {
          out.linesIgnored++;
          return;
        }
        const usage = readClaudeUsage(message['usage']);
        if (!usage.ok) {
          out.skip('invalid-usage', `assistant usage rejected: ${usage.reason}`, lineNo);
          return;
        }
        if (usage.value.warning) out.diag('inconsistent-usage', 'warning', usage.value.warning, lineNo);
        const parentTool = firstString(obj['parent_tool_use_id']);
        const streamId = parentTool ? `task-${parentTool.slice(-8)}` : MAIN_STREAM;
        const s = sessions.get(sessionId);
        if (s && streamId === MAIN_STREAM && s.firstModel === null && model) s.firstModel = model;
        const messageId = firstString(message['id']);
        out.turns.push(
          makeRawTurn(ctx, {
            usage: usage.value.usage,
            model: model ?? 'unknown',
            timestampMs: null,
            sessionId,
            project: s?.cwd ?? null,
            streamId,
            dedupeKey: messageId ? `claude:${messageId}` : null,
            line: lineNo,
          }),
        );
        out.linesCounted++;
        return;
      }
      if (type === 'user') {
        const s = sessions.get(sessionOf(obj));
        if (s && s.prompt === null && !firstString(obj['parent_tool_use_id'])) s.prompt = promptText(obj['message']);
        out.linesIgnored++;
        return;
      }
      if (type === 'result') {
        const sessionId = sessionOf(obj);
        const total = finiteNonNegative(obj['total_cost_usd']);
        if (total === null) {
          out.skip('invalid-result', `result event without a valid total_cost_usd (${describeValue(obj['total_cost_usd'])})`, lineNo);
          return;
        }
        const byModel: ReportedModelCost[] = [];
        const mu = obj['modelUsage'];
        if (isRecord(mu)) {
          for (const model of Object.keys(mu).sort()) {
            const m = mu[model];
            if (!isRecord(m)) continue;
            byModel.push({
              model,
              inputTokens: finiteNonNegative(m['inputTokens']) ?? 0,
              outputTokens: finiteNonNegative(m['outputTokens']) ?? 0,
              cacheReadTokens: finiteNonNegative(m['cacheReadInputTokens']) ?? 0,
              cacheWriteTokens: finiteNonNegative(m['cacheCreationInputTokens']) ?? 0,
              costUsd: finiteNonNegative(m['costUSD']) ?? 0,
            });
          }
        }
        reportedCosts.push({
          sessionId,
          reportedCost: {
            totalCostUsd: total,
            byModel,
            numTurns: finiteNonNegative(obj['num_turns']),
            durationMs: finiteNonNegative(obj['duration_ms']),
            source: { file: ctx.file, line: lineNo },
          },
        });
        out.linesCounted++;
        return;
      }
      out.linesIgnored++;
    },
    finish() {
      for (const [sessionId, s] of [...sessions].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        out.sessionInfo.push({
          sessionId,
          project: s.cwd,
          taskFingerprint: s.prompt !== null && s.firstModel !== null ? taskFingerprint(s.firstModel, s.prompt) : null,
        });
      }
      for (const t of out.turns) t.project = sessions.get(t.sessionId)?.cwd ?? t.project;
      return out.finish({ reportedCosts });
    },
  };
}

function isStreamJsonEvent(obj: JsonObject): boolean {
  if ('sessionId' in obj || 'parentUuid' in obj) return false;
  const type = obj['type'];
  if (type === 'system' && obj['subtype'] === 'init' && 'session_id' in obj) return true;
  if ((type === 'assistant' || type === 'user') && 'session_id' in obj && isRecord(obj['message'])) return true;
  if (type === 'result' && ('total_cost_usd' in obj || 'modelUsage' in obj)) return true;
  if (type === 'stream_event' && 'session_id' in obj) return true;
  return false;
}

function detect(fileName: string, head: string): number {
  let hits = 0;
  let objects = 0;
  for (const line of completeHeadLines(head, 30)) {
    const parsed = parseJson(line);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    objects++;
    if (isStreamJsonEvent(parsed.value)) hits++;
  }
  if (hits > 0) return Math.min(0.98, 0.7 + (0.25 * hits) / objects);
  if (objects === 0) {
    const start = head.trimStart();
    if (/^\{"type"\s*:\s*"(system|assistant|user|result)"/.test(start) && /"session_id"\s*:\s*"/.test(start) && !/"sessionId"\s*:/.test(start)) return 0.75;
  }
  return 0;
}

export const claudeStreamJsonFormat: InputFormat = {
  id: 'claude-stream-json',
  description: 'Claude Code headless output (claude -p --output-format stream-json), with the final result cost',
  detect,
  createParser,
};
