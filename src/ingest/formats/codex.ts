/**
 * OpenAI Codex CLI rollouts: `~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<uuid>.jsonl`.
 *
 * Envelope per line `{timestamp, type, payload}`:
 * - `session_meta`: id, cwd, cli_version (a resumed/forked file may hold
 *   several; the first names the session);
 * - `turn_context`: the current `model` (can change mid-session);
 * - `event_msg` with payload.type `token_count`: `info` null (rate limits
 *   only, ignored) or cumulative `total_token_usage` + `last_token_usage`.
 *   `input_tokens` INCLUDES `cached_input_tokens`; reasoning is part of
 *   output; Codex reports no cache writes. A call is counted only when the
 *   total changes; its numbers are the delta of totals (cross-checked with
 *   last_token_usage, a disagreement is reported, the delta is trusted);
 * - `compacted` items / `context_compacted` events -> CompactionEvent.
 * Pre-Sept-2025 rollouts (`{id, timestamp, instructions}` then
 * `{record_type: "state"}` and bare items) carry no usage: the session is
 * reported with 0 turns and a `no-usage` warning.
 */
import type { CompactionEvent } from '../../model/usage.js';
import { MAIN_STREAM } from '../../model/usage.js';
import type { InputFormat, LineParser, ParseContext, RawEvent, RawTurn } from '../format.js';
import { tokens } from './claude-usage.js';
import {
  OutputBuilder,
  completeHeadLines,
  firstString,
  isRecord,
  makeRawTurn,
  parseJson,
  parseObjectLine,
  parseTimestampMs,
  taskFingerprint,
  type JsonObject,
  type Read,
} from './parse-helpers.js';

interface CodexTotals {
  input: number;
  cached: number;
  output: number;
  reasoning: number;
}

const ENVELOPE_TYPES = new Set(['session_meta', 'turn_context', 'response_item', 'event_msg', 'compacted']);
/** Keys whose values the parser reads (at any depth: kept whole in a line read shortened). */
const CODEX_KEEP_NAMES = ['type', 'timestamp', 'id', 'cwd', 'model', 'info', 'message', 'record_type'];

function readTotals(v: unknown, label: string): Read<CodexTotals> {
  if (!isRecord(v)) return { ok: false, reason: `${label} is ${v === undefined ? 'missing' : 'not an object'}` };
  const input = tokens(v['input_tokens'], `${label}.input_tokens`);
  if (!input.ok) return input;
  const cached = tokens(v['cached_input_tokens'], `${label}.cached_input_tokens`);
  if (!cached.ok) return cached;
  const output = tokens(v['output_tokens'], `${label}.output_tokens`);
  if (!output.ok) return output;
  const reasoning = tokens(v['reasoning_output_tokens'], `${label}.reasoning_output_tokens`);
  if (!reasoning.ok) return reasoning;
  if (!('input_tokens' in v) || !('output_tokens' in v)) return { ok: false, reason: `${label} lacks input_tokens/output_tokens` };
  if (cached.value > input.value) return { ok: false, reason: `${label}.cached_input_tokens (${cached.value}) exceeds input_tokens (${input.value})` };
  // `+ 0` turns a JSON -0 into 0.
  return { ok: true, value: { input: input.value + 0, cached: cached.value + 0, output: output.value + 0, reasoning: reasoning.value + 0 } };
}

function sameTotals(a: CodexTotals, b: CodexTotals): boolean {
  return a.input === b.input && a.cached === b.cached && a.output === b.output && a.reasoning === b.reasoning;
}

/** Session uuid from a rollout file name `rollout-2025-10-01T10-00-00-<uuid>.jsonl`. */
function sessionFromFileName(ctx: ParseContext): string {
  const base = (ctx.relativePath || ctx.file).replace(/\\/g, '/').split('/').pop() ?? ctx.file;
  const m = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i.exec(base);
  if (m) return m[1] as string;
  return base.replace(/\.(jsonl|json|ndjson)$/i, '') || '<stdin>';
}

interface PendingTurn {
  turn: RawTurn;
  totals: CodexTotals;
}

function createParser(ctx: ParseContext): LineParser {
  const out = new OutputBuilder('codex', ctx);
  const pending: PendingTurn[] = [];
  const events: CompactionEvent[] = [];
  let sessionId: string | null = null;
  let cwd: string | null = null;
  let model: string | null = null;
  let prompt: string | null = null;
  let firstModel: string | null = null;
  let prev: CodexTotals | null = null;
  let legacy = false;
  let sawTokenInfo = false;
  let compactionOpen = false;
  let repeats = 0;
  let mismatches = 0;
  let firstMismatchLine = 0;
  let missingModel = 0;

  function compaction(lineNo: number, timestampMs: number | null): void {
    if (compactionOpen) {
      out.linesIgnored++;
      return;
    }
    compactionOpen = true;
    events.push({ kind: 'compaction', timestampMs, streamId: MAIN_STREAM, trigger: 'unknown', preTokens: null, postTokens: null, source: { file: ctx.file, line: lineNo } });
    out.linesCounted++;
  }

  function tokenCount(payload: JsonObject, lineNo: number, timestampMs: number | null): void {
    const info = payload['info'];
    if (info === null || info === undefined) {
      out.linesIgnored++;
      return;
    }
    if (!isRecord(info)) {
      out.skip('invalid-usage', 'token_count info is not an object', lineNo);
      return;
    }
    sawTokenInfo = true;
    const total = readTotals(info['total_token_usage'], 'total_token_usage');
    if (!total.ok) {
      out.skip('invalid-usage', `token_count rejected: ${total.reason}`, lineNo);
      return;
    }
    const lastRaw = info['last_token_usage'];
    const last = lastRaw === undefined || lastRaw === null ? null : readTotals(lastRaw, 'last_token_usage');
    if (prev && sameTotals(prev, total.value)) {
      repeats++;
      out.linesIgnored++;
      return;
    }
    let call: CodexTotals;
    if (prev === null) {
      if (last && last.ok && !sameTotals(last.value, total.value)) {
        // The totals include calls made before this file (resumed session): count only this call.
        call = last.value;
        out.diag('codex-prior-usage', 'info', 'first token_count total includes usage from before this file; only its last_token_usage was counted', lineNo, {
          priorInputTokens: total.value.input - last.value.input,
        });
      } else call = total.value;
    } else {
      const d: CodexTotals = {
        input: total.value.input - prev.input,
        cached: total.value.cached - prev.cached,
        output: total.value.output - prev.output,
        reasoning: total.value.reasoning - prev.reasoning,
      };
      if (d.input < 0 || d.cached < 0 || d.output < 0 || d.reasoning < 0 || d.cached > d.input) {
        if (last && last.ok) {
          call = last.value;
          out.diag('usage-reset', 'warning', 'cumulative token totals went down; this call was counted from last_token_usage', lineNo);
        } else {
          prev = total.value;
          out.skip('invalid-usage', 'cumulative token totals went down and no last_token_usage is given', lineNo);
          return;
        }
      } else {
        call = d;
        if (last && last.ok && !sameTotals(last.value, d)) {
          if (mismatches++ === 0) firstMismatchLine = lineNo;
        }
      }
    }
    prev = total.value;
    compactionOpen = false;
    if (!model) missingModel++;
    if (firstModel === null && model) firstModel = model;
    pending.push({
      totals: total.value,
      turn: makeRawTurn(ctx, {
        usage: {
          inputTokens: call.input - call.cached,
          cacheWrite5mTokens: 0,
          cacheWrite1hTokens: 0,
          cacheReadTokens: call.cached,
          outputTokens: call.output,
          reasoningOutputTokens: call.reasoning,
          isCacheSplitKnown: true,
        },
        model: model ?? 'unknown',
        timestampMs,
        sessionId: '',
        line: lineNo,
      }),
    });
    out.linesCounted++;
  }

  return {
    // A line too long to hold (a tool output of hundreds of MB) is read shortened (../long-line.ts);
    // what is read from a line is under these keys (`info` whole), the prompt's text included.
    longLines: { keepNames: CODEX_KEEP_NAMES, parsesWholeLine: true, mayNeedWhole: () => false, needsWhole: () => false },
    push(line, lineNo) {
      out.linesRead++;
      const obj = parseObjectLine(out, line, lineNo);
      if (!obj) return;
      const type = obj['type'];
      const payload = obj['payload'];
      if (typeof type !== 'string' || !isRecord(payload)) {
        // Legacy rollout: header `{id, timestamp, instructions}`, `{record_type}` lines, bare items.
        if (out.linesRead === 1 && typeof obj['id'] === 'string' && 'instructions' in obj) {
          legacy = true;
          sessionId ??= obj['id'];
        } else if ('record_type' in obj) legacy = true;
        out.linesIgnored++;
        return;
      }
      const timestampMs = parseTimestampMs(obj['timestamp']);
      switch (type) {
        case 'session_meta': {
          if (sessionId === null) {
            sessionId = firstString(payload['id']);
            cwd = firstString(payload['cwd']);
          }
          model ??= firstString(payload['model']);
          out.linesIgnored++;
          return;
        }
        case 'turn_context': {
          model = firstString(payload['model']) ?? model;
          out.linesIgnored++;
          return;
        }
        case 'compacted':
          compaction(lineNo, timestampMs);
          return;
        case 'event_msg': {
          const ptype = payload['type'];
          if (ptype === 'token_count') {
            tokenCount(payload, lineNo, timestampMs);
            return;
          }
          if (ptype === 'context_compacted') {
            compaction(lineNo, timestampMs);
            return;
          }
          if (ptype === 'user_message' && prompt === null && typeof payload['message'] === 'string' && payload['message'].trim()) {
            prompt = payload['message'];
          }
          out.linesIgnored++;
          return;
        }
        default:
          out.linesIgnored++;
      }
    },
    finish() {
      const id = sessionId ?? sessionFromFileName(ctx);
      for (const p of pending) {
        p.turn.sessionId = id;
        p.turn.project = cwd;
        // Codex bills through OpenAI unless the model names another family.
        if (p.turn.provider === 'unknown') p.turn.provider = 'openai';
        const t = p.totals;
        p.turn.dedupeKey = `codex:${id}:${t.input}:${t.cached}:${t.output}:${t.reasoning}`;
        out.turns.push(p.turn);
      }
      const rawEvents: RawEvent[] = events.map((event) => ({ sessionId: id, event }));
      if (legacy && pending.length === 0) {
        out.diag('no-usage', 'warning', 'Codex rollout from before Sept 2025: it records no token usage, so the session has no turns', 0);
      } else if (!sawTokenInfo && out.linesRead > 0) {
        out.diag('no-usage', 'warning', 'no token_count event with usage in this Codex rollout; the session has no turns', 0);
      }
      if (repeats > 0) {
        out.diag('repeated-totals', 'info', `${repeats} token_count event(s) repeated the previous cumulative totals and were not counted again`, 0, { events: repeats });
      }
      if (mismatches > 0) {
        out.diag(
          'inconsistent-usage',
          'warning',
          `${mismatches} token_count event(s): last_token_usage differs from the change of total_token_usage; the change of totals was counted`,
          firstMismatchLine,
          { events: mismatches },
        );
      }
      if (missingModel > 0) out.diag('missing-model', 'warning', `${missingModel} call(s) before any turn_context model; counted as model "unknown"`, 0);
      out.sessionInfo.push({ sessionId: id, project: cwd, taskFingerprint: prompt !== null && firstModel !== null ? taskFingerprint(firstModel, prompt) : null });
      return out.finish({ events: rawEvents });
    },
  };
}

function detect(fileName: string, head: string): number {
  const lines = completeHeadLines(head, 20);
  let envelopes = 0;
  let objects = 0;
  let legacy = false;
  for (const [i, line] of lines.entries()) {
    const parsed = parseJson(line);
    if (!parsed.ok || !isRecord(parsed.value)) continue;
    objects++;
    const o = parsed.value;
    if (typeof o['type'] === 'string' && ENVELOPE_TYPES.has(o['type']) && isRecord(o['payload']) && 'timestamp' in o) envelopes++;
    if (i === 0 && typeof o['id'] === 'string' && 'instructions' in o && 'timestamp' in o) legacy = true;
    if ('record_type' in o) legacy = true;
  }
  const rollout = /^rollout-.*\.jsonl$/i.test(fileName) ? 0.04 : 0;
  if (envelopes > 0) return Math.min(0.98, 0.7 + (0.25 * envelopes) / objects + rollout);
  if (legacy) return 0.85 + rollout;
  if (objects === 0 && /^\{"timestamp"\s*:\s*"[^"]*"\s*,\s*"type"\s*:\s*"(session_meta|turn_context|response_item|event_msg)"/.test(head.trimStart())) return 0.8;
  return 0;
}

export const codexFormat: InputFormat = {
  id: 'codex',
  description: 'OpenAI Codex CLI rollouts (~/.codex/sessions/**/rollout-*.jsonl)',
  detect,
  createParser,
};
