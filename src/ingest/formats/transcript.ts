/**
 * Plain message transcripts without usage: a JSON array of messages,
 * `{messages: [...]}` (optionally with `model` / `id`), or JSONL with one
 * message per line: `{role, content, timestamp?, model?}`. `content` is a
 * string or an array of parts (`text`, `thinking`, `tool_use`, `tool_result`,
 * Responses-style `input_text` / `output_text` / `function_call`…); OpenAI
 * `tool_calls` on a message count too (function name + JSON arguments).
 *
 * Token counts come from the injected tokenizer, so every turn is
 * `isEstimated: true` and one info diagnostic per file says so. Each assistant
 * message is one request: its prompt is every earlier message (system, user,
 * tool, earlier assistant replies) plus the chat-format overhead below, all as
 * uncached input (a transcript says nothing about caching); its output is its
 * own content.
 *
 * Accounting: JSONL counts lines; a JSON document counts one line per message
 * (assistant messages counted, others ignored, malformed ones skipped).
 */
import type { InputFormat, LineParser, ParseContext, Tokenizer } from '../format.js';
import { DocumentBuffer, OutputBuilder, completeHeadLines, eventOffsets, firstString, isRecord, looksLikeAgentLogLine, makeRawTurn, parseJson, parseTimestampMs, preview, sessionIdFromFile, taskFingerprint, type JsonObject, safeStringify } from './parse-helpers.js';

/**
 * Tokens each message adds around its content in the chat format
 * (`<|start|>{role}<|message|>…<|end|>`: 3 delimiters + 1 role token), as in
 * OpenAI's `num_tokens_from_messages` recipe.
 */
export const MESSAGE_OVERHEAD_TOKENS = 4;
/** Tokens priming the assistant reply (`<|start|>assistant<|message|>`), added once per request. */
export const REPLY_PRIMING_TOKENS = 3;

type Role = 'system' | 'user' | 'assistant' | 'tool';

const ROLE_ALIASES: Record<string, Role> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  human: 'user',
  assistant: 'assistant',
  model: 'assistant',
  ai: 'assistant',
  bot: 'assistant',
  tool: 'tool',
  function: 'tool',
  ipython: 'tool',
};

interface Message {
  role: Role;
  text: string;
  model: string | null;
  timestampMs: number | null;
  line: number;
  images: number;
}

/** The countable text of a content value; images cannot be counted from text and are tallied. */
/** Content nested deeper than this is counted as its JSON text, not walked (no stack overflow). */
const MAX_CONTENT_DEPTH = 32;

function contentText(content: unknown, tally: { images: number }, depth = 0): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (depth > MAX_CONTENT_DEPTH) return safeStringify(content);
  if (Array.isArray(content)) return content.map((p) => partText(p, tally, depth + 1)).filter((s) => s.length > 0).join('\n');
  if (isRecord(content)) return partText(content, tally, depth + 1);
  return String(content);
}

function partText(part: unknown, tally: { images: number }, depth = 0): string {
  if (typeof part === 'string') return part;
  if (depth > MAX_CONTENT_DEPTH) return safeStringify(part);
  if (Array.isArray(part)) return contentText(part, tally, depth + 1);
  if (!isRecord(part)) return part === null || part === undefined ? '' : String(part);
  const type = typeof part['type'] === 'string' ? part['type'] : '';
  switch (type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return typeof part['text'] === 'string' ? part['text'] : '';
    case 'thinking':
      return typeof part['thinking'] === 'string' ? part['thinking'] : '';
    case 'redacted_thinking':
      return '';
    case 'tool_use':
    case 'server_tool_use':
      return `${firstString(part['name']) ?? ''} ${safeStringify(part['input'] ?? {})}`;
    case 'tool_result':
      return contentText(part['content'], tally, depth + 1);
    case 'function_call':
      return `${firstString(part['name']) ?? ''} ${typeof part['arguments'] === 'string' ? part['arguments'] : safeStringify(part['arguments'] ?? {})}`;
    case 'function_call_output':
      return typeof part['output'] === 'string' ? part['output'] : safeStringify(part['output'] ?? '');
    case 'image':
    case 'image_url':
    case 'input_image':
    case 'document':
      tally.images++;
      return '';
    default:
      if (typeof part['text'] === 'string') return part['text'];
      return safeStringify(part);
  }
}

/** OpenAI `tool_calls` / legacy `function_call` on a message. */
function toolCallText(msg: JsonObject): string {
  const out: string[] = [];
  const calls = Array.isArray(msg['tool_calls']) ? (msg['tool_calls'] as unknown[]) : [];
  if (isRecord(msg['function_call'])) calls.push({ function: msg['function_call'] });
  for (const call of calls) {
    if (!isRecord(call)) continue;
    const fn = isRecord(call['function']) ? call['function'] : call;
    const args = fn['arguments'];
    out.push(`${firstString(fn['name']) ?? ''} ${typeof args === 'string' ? args : safeStringify(args ?? {})}`);
  }
  return out.join('\n');
}

type MessageRead = { ok: true; message: Message } | { ok: false; reason: string } | { ok: 'ignore' };

function readMessage(value: unknown, line: number): MessageRead {
  if (!isRecord(value)) return { ok: false, reason: 'a message must be a JSON object' };
  // Some exports nest the message: {"message": {"role", "content"}, "timestamp": …}.
  const msg = isRecord(value['message']) && 'role' in value['message'] ? value['message'] : value;
  const roleRaw = firstString(msg['role'], msg['author'], msg['from']);
  if (!roleRaw) {
    if ('content' in msg || 'text' in msg) return { ok: false, reason: 'message has no role' };
    return { ok: 'ignore' }; // metadata lines (titles, summaries)
  }
  const role = ROLE_ALIASES[roleRaw.toLowerCase()];
  if (!role) return { ok: false, reason: `unknown role "${preview(roleRaw, 30)}"` };
  const tally = { images: 0 };
  const content = 'content' in msg ? msg['content'] : (msg['text'] ?? msg['parts']);
  if (content !== null && content !== undefined && typeof content !== 'string' && !Array.isArray(content) && !isRecord(content)) {
    return { ok: false, reason: `content is a ${typeof content}` };
  }
  const text = [contentText(content, tally), toolCallText(msg)].filter((s) => s.length > 0).join('\n');
  return {
    ok: true,
    message: {
      role,
      text,
      model: firstString(msg['model'], value['model']),
      timestampMs: parseTimestampMs(value['timestamp'] ?? msg['timestamp'] ?? value['created_at'] ?? value['time'] ?? null),
      line,
      images: tally.images,
    },
  };
}

function createParser(ctx: ParseContext): LineParser {
  const doc = new DocumentBuffer();
  const lines: Array<{ text: string; lineNo: number }> = [];
  return {
    push(line, lineNo) {
      doc.push(line, lineNo);
      lines.push({ text: line, lineNo });
    },
    finish() {
      const out = new OutputBuilder('transcript', ctx);
      if (lines.length === 0) return out.finish();
      let sessionId = sessionIdFromFile(ctx);
      let docModel: string | null = null;
      const messages: Message[] = [];
      const first = lines[0]!.text.trimStart();
      const whole = first.startsWith('[') || (first.startsWith('{') && lines.length > 1) ? parseJson(doc.text()) : null;
      let items: unknown[] | null = null;
      let itemsKey: string | null = null;
      if (whole?.ok) {
        if (Array.isArray(whole.value)) items = whole.value;
        else if (isRecord(whole.value) && Array.isArray(whole.value['messages'])) {
          items = whole.value['messages'] as unknown[];
          itemsKey = 'messages';
          docModel = firstString(whole.value['model']);
          sessionId = firstString(whole.value['session_id'], whole.value['id']) ?? sessionId;
        }
      } else if (whole && first.startsWith('[') && lines.length === 1) {
        out.linesRead = 1;
        out.skip('invalid-json', `transcript is not valid JSON: ${whole.reason}`, lines[0]!.lineNo);
        return out.finish();
      }
      // A file of several lines that is not one valid document is read line by line (as JSONL): a damaged
      // first line must not take the other lines down with it, and every line is accounted for.
      const accept = (r: MessageRead, line: number, label: string): void => {
        if (r.ok === true) messages.push(r.message);
        else if (r.ok === 'ignore') out.linesIgnored++;
        else out.skip('invalid-message', `${label}${r.reason}`, line);
      };
      if (items) {
        // Document mode: one accounting line per message; lines point at the message's first line when known.
        out.linesRead = items.length;
        const offsets = eventOffsets(doc.text(), itemsKey);
        const lineOf = (i: number): number => (offsets.length === items!.length ? doc.lineAt(offsets[i] as number) : 0);
        items.forEach((item, i) => accept(readMessage(item, lineOf(i)), lineOf(i), `message #${i}: `));
      } else {
        for (const { text, lineNo } of lines) {
          out.linesRead++;
          const parsed = parseJson(text);
          if (!parsed.ok) {
            out.skip('invalid-json', `invalid JSON (${parsed.reason}): ${preview(text)}`, lineNo);
            continue;
          }
          accept(readMessage(parsed.value, lineNo), lineNo, '');
        }
      }

      const tokenizer: Tokenizer | null = messages.some((m) => m.role === 'assistant') ? ctx.getTokenizer() : null;
      let promptSoFar = 0;
      let lastModel: string | null = docModel;
      let firstUser: string | null = null;
      let fingerprintModel: string | null = null;
      let images = 0;
      let missingModel = 0;
      for (const m of messages) {
        images += m.images;
        if (m.role === 'user' && firstUser === null) firstUser = m.text;
        const contentTokens = tokenizer ? tokenizer.count(m.text) : 0;
        if (m.role === 'assistant' && tokenizer) {
          const model = m.model ?? lastModel;
          if (!model) missingModel++;
          lastModel = model;
          fingerprintModel ??= model;
          out.turns.push(
            makeRawTurn(ctx, {
              usage: {
                inputTokens: promptSoFar + REPLY_PRIMING_TOKENS,
                cacheWrite5mTokens: 0,
                cacheWrite1hTokens: 0,
                cacheReadTokens: 0,
                outputTokens: contentTokens,
                reasoningOutputTokens: null,
                isCacheSplitKnown: true,
              },
              model: model ?? 'unknown',
              timestampMs: m.timestampMs,
              sessionId,
              isEstimated: true,
              line: m.line,
            }),
          );
          out.linesCounted++;
        } else {
          if (m.model) lastModel = m.model;
          out.linesIgnored++;
        }
        promptSoFar += contentTokens + MESSAGE_OVERHEAD_TOKENS;
      }
      if (out.turns.length > 0 && tokenizer) {
        out.diag(
          'estimated-tokens',
          'info',
          `no usage in this transcript: token counts of ${out.turns.length} assistant turn(s) are estimated with ${tokenizer.name} (prompt = all earlier messages + ${MESSAGE_OVERHEAD_TOKENS} tokens per message, no cache)`,
          0,
          { tokenizer: tokenizer.name, turns: out.turns.length },
        );
      }
      if (images > 0) {
        out.diag('images-not-counted', 'warning', `${images} image/document part(s) cannot be counted from text; estimates are low`, 0, { parts: images });
      }
      if (missingModel > 0) {
        out.diag('missing-model', 'warning', `${missingModel} assistant turn(s) name no model; counted as model "unknown"`, 0);
      }
      out.sessionInfo.push({
        sessionId,
        project: null,
        taskFingerprint: firstUser !== null && fingerprintModel ? taskFingerprint(fingerprintModel, firstUser) : null,
      });
      return out.finish();
    },
  };
}

function looksLikeMessage(obj: JsonObject): boolean {
  const msg = isRecord(obj['message']) && 'role' in obj['message'] ? obj['message'] : obj;
  const role = msg['role'];
  return typeof role === 'string' && ROLE_ALIASES[role.toLowerCase()] !== undefined && ('content' in msg || 'tool_calls' in msg);
}

/**
 * JSONL lines / JSON arrays of `{role, content}` messages without usage.
 * Returns 0 for agent logs (Claude Code lines also carry `message.role`).
 */
function detect(fileName: string, head: string): number {
  const start = head.replace(/^\uFEFF/, '').trimStart();
  if (start.startsWith('[') || /^\{\s*"(messages|model|id|session_id)"/.test(start)) {
    // JSON document: look for role/content pairs and no OpenHands/usage keys.
    if (/"(source|observation|tool_call_metadata)"\s*:/.test(head) || /"(usage|usageMetadata)"\s*:\s*\{/.test(head)) return 0;
    if (/"role"\s*:\s*"(user|assistant|system|tool|model|human)"/.test(head) && /"content"\s*:/.test(head)) {
      return start.startsWith('[') || /"messages"\s*:\s*\[/.test(head) ? 0.7 : 0;
    }
    if (!start.startsWith('{')) return 0;
  }
  const lines = completeHeadLines(head);
  let messages = 0;
  let objects = 0;
  for (const line of lines) {
    const parsed = parseJson(line);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    objects++;
    const obj = parsed.value;
    if (looksLikeAgentLogLine(obj) || 'usage' in obj || 'usageMetadata' in obj) return 0;
    if (isRecord(obj['message']) && 'usage' in obj['message']) return 0;
    if (looksLikeMessage(obj)) messages++;
  }
  if (messages === 0) return 0;
  return Math.min(0.85, 0.5 + (0.3 * messages) / Math.max(1, objects) + (/\.(jsonl|ndjson)$/i.test(fileName) ? 0.05 : 0));
}

export const transcriptFormat: InputFormat = {
  id: 'transcript',
  description: 'plain chat transcripts without usage (JSON / JSONL messages); tokens estimated with a tokenizer',
  detect,
  createParser,
};
