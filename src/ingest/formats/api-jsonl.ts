/**
 * Provider API responses logged as JSONL: one response body per line, bare or
 * inside a wrapper that adds a timestamp / session / request id, e.g.
 *   {"id":"chatcmpl-…","object":"chat.completion","created":1738046713,"model":"gpt-4o","usage":{…}}
 *   {"timestamp":"2026-01-05T10:00:00Z","session_id":"s1","response":{…}}
 *   {"ts":1767607200123,"body":{…}}
 *   {"custom_id":"r1","response":{"status_code":200,"request_id":"req_…","body":{…}}}   (OpenAI Batch output)
 *   {"type":"response.completed","response":{…}}                                        (Responses stream)
 *   {"custom_id":"r2","result":{"type":"succeeded","message":{…}}}                      (Anthropic Message Batches)
 * A pretty-printed JSON file holding one response or an array of responses is
 * accepted too (a first line that opens a value without closing it).
 * The usage shape (OpenAI chat / Responses, Anthropic, Gemini, DeepSeek,
 * LiteLLM) is decided per line by api-usage.ts.
 *
 * Session: `session` / `session_id` / `conversation_id` / `metadata.session_id`
 * (wrapper or body) when present, else one session per file named after it.
 * Dedupe key: the response id, so a response logged twice is billed once.
 */
import type { InputFormat, LineParser, ParseContext } from '../format.js';
import { detectUsageShape, extractUsage, type ApiShape } from './api-usage.js';
import { DocumentBuffer, OutputBuilder, eventOffsets, completeHeadLines, firstString, isRecord, looksLikeAgentLogLine, makeRawTurn, parseJson, parseTimestampMs, preview, sessionIdFromFile, type JsonObject, describeValue } from './parse-helpers.js';

/** Keys under which wrappers nest the response body (searched breadth-first, 3 levels). */
const BODY_KEYS = ['response', 'body', 'data', 'result', 'completion', 'message'] as const;
const TIME_KEYS = ['timestamp', 'ts', 'time', 'logged_at', 'request_time', 'created_at', 'createdAt', 'createTime', 'created', 'date'];
const SESSION_KEYS = ['session_id', 'sessionId', 'session', 'conversation_id', 'conversationId', 'thread_id', 'threadId'];
const REQUEST_ID_KEYS = ['request_id', 'requestId', 'x-request-id', 'x_request_id'];
/**
 * Keys whose values the parser reads (kept whole, at any depth, in a line
 * read shortened: ../long-line.ts); the wrappers of BODY_KEYS are only
 * walked into (an object keeps its keys when shortened).
 */
const KEEP_NAMES = ['type', 'usage', 'usageMetadata', 'model', 'modelVersion', 'id', 'responseId', 'response_id', 'conversation', 'metadata', ...TIME_KEYS, ...SESSION_KEYS, ...REQUEST_ID_KEYS];
/** Anthropic streaming events: partial usage, never a complete request. */
const STREAM_EVENT_TYPES = new Set([
  'message_start',
  'message_delta',
  'message_stop',
  'content_block_start',
  'content_block_delta',
  'content_block_stop',
  'ping',
]);

interface Located {
  /** The object carrying `usage` / `usageMetadata`. */
  body: JsonObject;
  /** Outer wrappers first, body last. */
  chain: JsonObject[];
}

/** Finds the response body: the shallowest object with a `usage` or `usageMetadata` key. */
export function locateBody(obj: JsonObject): Located | null {
  let frontier: JsonObject[][] = [[obj]];
  for (let depth = 0; depth < 4 && frontier.length > 0; depth++) {
    const next: JsonObject[][] = [];
    for (const chain of frontier) {
      const o = chain[chain.length - 1] as JsonObject;
      if ('usage' in o || 'usageMetadata' in o) return { body: o, chain };
      for (const key of BODY_KEYS) {
        const child = o[key];
        if (isRecord(child)) next.push([...chain, child]);
      }
    }
    frontier = next;
  }
  return null;
}

function sessionOf(o: JsonObject): string | null {
  for (const key of SESSION_KEYS) {
    const v = o[key];
    const s = firstString(v) ?? (isRecord(v) ? firstString(v['id']) : null);
    if (s) return s;
  }
  const conversation = o['conversation'];
  if (isRecord(conversation)) return firstString(conversation['id']);
  if (typeof conversation === 'string' && conversation.trim()) return conversation.trim();
  const metadata = o['metadata'];
  if (isRecord(metadata)) return firstString(metadata['session_id'], metadata['sessionId'], metadata['conversation_id']);
  return null;
}

function timeOf(o: JsonObject): number | null {
  for (const key of TIME_KEYS) {
    if (o[key] === undefined || o[key] === null) continue;
    const t = parseTimestampMs(o[key]);
    if (t !== null) return t;
  }
  return null;
}

const SHAPE_LABEL: Record<ApiShape, string> = {
  'openai-chat': 'OpenAI Chat Completions',
  litellm: 'LiteLLM (chat + Anthropic cache fields)',
  'openai-responses': 'OpenAI Responses',
  'anthropic-messages': 'Anthropic Messages',
  gemini: 'Gemini',
  deepseek: 'DeepSeek',
};

function createParser(ctx: ParseContext): LineParser {
  const out = new OutputBuilder('api-jsonl', ctx);
  const fileSession = sessionIdFromFile(ctx);
  let noUsageLines = 0;
  let firstNoUsageLine = 0;
  let streamEvents = 0;
  let firstStreamEventLine = 0;
  let missingModels = 0;
  let firstMissingModelLine = 0;
  let mode: 'undecided' | 'lines' | 'document' = 'undecided';
  const doc = new DocumentBuffer();
  const pending: Array<{ line: string; lineNo: number }> = [];

  function handle(line: string, lineNo: number): void {
    const parsed = parseJson(line);
    if (!parsed.ok) {
      out.skip('invalid-json', `invalid JSON (${parsed.reason}): ${preview(line)}`, lineNo);
      return;
    }
    handleValue(parsed.value, lineNo);
  }

  function handleValue(value: unknown, lineNo: number): void {
    if (!isRecord(value)) {
      out.skip('not-an-object', `expected a JSON object per line, got ${Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value}`, lineNo);
      return;
    }
    const obj = value;
    if (typeof obj['type'] === 'string' && STREAM_EVENT_TYPES.has(obj['type'])) {
      out.linesIgnored++;
      if (streamEvents++ === 0) firstStreamEventLine = lineNo;
      return;
    }
    const located = locateBody(obj);
    const usageValue = located ? (located.body['usage'] ?? located.body['usageMetadata']) : undefined;
    if (!located || usageValue === null || usageValue === undefined) {
      // Errors, stream chunks with `usage: null`, request records: nothing billable.
      out.linesIgnored++;
      if (noUsageLines++ === 0) firstNoUsageLine = lineNo;
      return;
    }
    const { body, chain } = located;
    if (!isRecord(usageValue)) {
      out.skip('invalid-usage', `usage is ${describeValue(usageValue)}, not an object`, lineNo);
      return;
    }
    const shape = 'usageMetadata' in body && isRecord(body['usageMetadata']) ? 'gemini' : detectUsageShape(usageValue, body);
    if (!shape) {
      out.skip('invalid-usage', `unrecognised usage fields: ${Object.keys(usageValue).slice(0, 6).join(', ') || '(empty)'}`, lineNo);
      return;
    }
    const extracted = extractUsage(usageValue, shape);
    if (!extracted.ok) {
      out.skip('invalid-usage', `${SHAPE_LABEL[shape]} usage rejected: ${extracted.reason}`, lineNo);
      return;
    }
    const model = firstString(body['model'], body['modelVersion'], ...chain.map((c) => c['model']));
    let timestampMs: number | null = null;
    let sessionId: string | null = null;
    let requestId: string | null = null;
    for (const level of chain) {
      timestampMs ??= timeOf(level);
      sessionId ??= sessionOf(level);
      requestId ??= firstString(...REQUEST_ID_KEYS.map((k) => level[k]));
    }
    const responseId = firstString(body['id'], body['responseId'], body['response_id']);
    for (const w of extracted.warnings) out.diag('inconsistent-usage', 'warning', w, lineNo);
    if (!model && missingModels++ === 0) firstMissingModelLine = lineNo;
    out.turns.push(
      makeRawTurn(ctx, {
        usage: extracted.usage,
        model: model ?? 'unknown',
        timestampMs,
        sessionId: sessionId ?? fileSession,
        dedupeKey: responseId ?? requestId,
        line: lineNo,
      }),
    );
    out.linesCounted++;
  }

  return {
    // A line too long to hold (a logged request of hundreds of MB) is read shortened in line mode; while the
    // mode is undecided, and in a pretty-printed document (parsed whole at the end), it is read whole.
    longLines: { keepNames: KEEP_NAMES, parsesWholeLine: true, mayNeedWhole: () => mode !== 'lines', needsWhole: () => mode !== 'lines' },
    push(line, lineNo) {
      if (mode === 'undecided') {
        // A first line that is not JSON by itself but opens a value is a
        // pretty-printed document (one response, or an array of responses).
        const trimmed = line.trim();
        mode = (trimmed.startsWith('{') || trimmed.startsWith('[')) && !parseJson(line).ok ? 'document' : 'lines';
      }
      if (mode === 'document') {
        doc.push(line, lineNo);
        pending.push({ line, lineNo });
        return;
      }
      out.linesRead++;
      handle(line, lineNo);
    },
    finish() {
      if (mode === 'document') {
        const text = doc.text();
        const parsed = parseJson(text);
        if (parsed.ok) {
          // Document accounting: one line per response object of the document.
          const items = Array.isArray(parsed.value) ? parsed.value : [parsed.value];
          const offsets = eventOffsets(text, null);
          const lineOf = (i: number): number =>
            Array.isArray(parsed.value) ? (offsets.length === items.length ? doc.lineAt(offsets[i] as number) : 0) : 1;
          out.linesRead += items.length;
          items.forEach((item, i) => handleValue(item, lineOf(i)));
        } else {
          // Not a document after all (e.g. a corrupt first JSONL line): read line by line.
          for (const p of pending) {
            out.linesRead++;
            handle(p.line, p.lineNo);
          }
        }
      }
      if (noUsageLines > 0) {
        out.diag('no-usage', 'info', `${noUsageLines} line(s) carry no usage (errors, stream chunks, requests) and were ignored`, firstNoUsageLine, {
          lines: noUsageLines,
        });
      }
      if (missingModels > 0) {
        out.diag('missing-model', 'warning', `${missingModels} response(s) with usage name no model; counted as model "unknown"`, firstMissingModelLine, {
          responses: missingModels,
        });
      }
      if (streamEvents > 0) {
        out.diag(
          'stream-events-ignored',
          'warning',
          `${streamEvents} Anthropic streaming event line(s) ignored: their usage is partial; log the final message instead`,
          firstStreamEventLine,
          { lines: streamEvents },
        );
      }
      const sessions = new Set(out.turns.map((t) => t.sessionId));
      for (const id of [...sessions].sort()) out.sessionInfo.push({ sessionId: id, project: null, taskFingerprint: null });
      return out.finish();
    },
  };
}

/**
 * High confidence only when complete head lines are JSON objects whose body
 * carries a recognised usage shape; 0 as soon as a line belongs to an agent
 * log format (Claude Code, stream-json, Codex).
 */
function detect(fileName: string, head: string): number {
  let usageLines = 0;
  let jsonLines = 0;
  const lines = completeHeadLines(head);
  // A single very long line cut by the head limit, or a pretty-printed document: decide from the text.
  const fromText = (): number => {
    const start = head.replace(/^\uFEFF/, '').trimStart();
    if (!/^[[{]/.test(start) || !/"(usage|usageMetadata)"\s*:\s*\{/.test(start)) return 0;
    if (/"(sessionId|parentUuid|session_meta|tool_call_metadata|llm_metrics|observation)"/.test(start)) return 0;
    if (/"type"\s*:\s*"(assistant|user|system|result)"/.test(start)) return 0;
    return /"(prompt_tokens|input_tokens|promptTokenCount|prompt_cache_hit_tokens)"\s*:/.test(start) ? 0.6 : 0;
  };
  if (lines.length === 0) return fromText();
  for (const line of lines) {
    const parsed = parseJson(line);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    jsonLines++;
    const obj = parsed.value;
    if (looksLikeAgentLogLine(obj)) return 0;
    const located = locateBody(obj);
    const u = located ? (located.body['usage'] ?? located.body['usageMetadata']) : undefined;
    if (located && isRecord(u) && ('usageMetadata' in located.body || detectUsageShape(u, located.body))) usageLines++;
  }
  if (jsonLines === 0) return fromText();
  if (usageLines === 0) return 0;
  const jsonlName = /\.(jsonl|ndjson|json|log)$/i.test(fileName) ? 0.05 : 0;
  return Math.min(0.95, 0.6 + (0.3 * usageLines) / Math.max(1, jsonLines) + jsonlName);
}

export const apiJsonlFormat: InputFormat = {
  id: 'api-jsonl',
  description: 'API responses as JSONL (OpenAI Chat/Responses, Anthropic Messages, Gemini, DeepSeek, xAI/Moonshot/Z.ai), bare or wrapped',
  detect,
  createParser,
};
