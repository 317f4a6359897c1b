/**
 * OpenHands / LiteLLM trajectories: one JSON document, either an array of
 * events or an object with `history` / `trajectory` / `events`.
 *
 * Where usage lives, and which figure is the per-call truth:
 * 1. `tool_call_metadata.model_response` — the LiteLLM ModelResponse of the
 *    call that produced the action: `{id, created, model, usage:{prompt_tokens,
 *    completion_tokens, prompt_tokens_details:{cached_tokens},
 *    cache_creation_input_tokens, cache_read_input_tokens}}`. prompt_tokens
 *    INCLUDES cache reads and writes (Anthropic via LiteLLM), so input =
 *    prompt − reads − writes. The same response is attached to the action AND
 *    its observation (and to every action of a parallel tool call): deduped on
 *    `model_response.id`. `created` (epoch s, UTC) is used as the call time: the
 *    event `timestamp` is the agent host's LOCAL time without a zone (in the
 *    real samples it is 8 h behind `created`).
 * 2. `llm_metrics.token_usages[]` (older versions attach the whole Metrics):
 *    per-call `{model, prompt_tokens, completion_tokens, cache_read_tokens,
 *    cache_write_tokens, response_id}`, but the list on each event is the
 *    CUMULATIVE list so far: deduped on `response_id`, used only for calls
 *    without a model_response (plain message replies, condenser calls).
 * 3. `llm_metrics.accumulated_token_usage` / `accumulated_cost`: running totals
 *    (agent + condenser). Never summed. The last one is a cross-check (a
 *    warning reports usage the per-call records do not explain) and the
 *    accumulated cost is the session's reported cost. Only when a trajectory
 *    has no per-call record at all are calls reconstructed from the increments
 *    between successive snapshots (flagged with a warning).
 *
 * Accounting (whole-document format): one "line" per event of the document;
 * counted = events that contributed a new call, ignored = the rest, skipped =
 * malformed events. A document that is not valid JSON counts as one skipped line.
 */
import type { InputFormat, LineParser, ParseContext, RawReportedCost } from '../format.js';
import { detectUsageShape, extractUsage } from './api-usage.js';
import {
  DocumentBuffer,
  eventOffsets,
  OutputBuilder,
  checkTokens,
  firstString,
  isRecord,
  makeRawTurn,
  parseJson,
  parseTimestampMs,
  sessionIdFromFile,
  taskFingerprint,
  type JsonObject,
  type UsageCounts,
} from './parse-helpers.js';

const EVENT_KEYS = ['history', 'trajectory', 'events'] as const;
/** Agent actions that are not produced by an LLM call. */
const NON_LLM_ACTIONS = new Set(['system', 'change_agent_state', 'recall', 'condensation', 'condensation_request', 'null']);

/** LiteLLM/OpenHands TokenUsage record -> disjoint categories (prompt includes reads and writes). */
function tokenUsageCounts(tu: JsonObject, warnings: string[]): { ok: true; usage: UsageCounts } | { ok: false; reason: string } {
  const fields = ['prompt_tokens', 'completion_tokens', 'cache_read_tokens', 'cache_write_tokens'] as const;
  const v: Record<string, number> = {};
  for (const f of fields) {
    const r = checkTokens(tu[f], `token_usages[].${f}`);
    if (!r.ok) return r;
    v[f] = r.value;
  }
  const prompt = v['prompt_tokens'] as number;
  const read = v['cache_read_tokens'] as number;
  const write = v['cache_write_tokens'] as number;
  let input = prompt - read - write;
  if (input < 0) {
    // Guard: a record whose cache figures exceed its prompt (gateway quirks).
    warnings.push(`prompt_tokens (${prompt}) is smaller than cache reads + writes (${read + write}); uncached input taken as ${Math.max(0, prompt - read)}`);
    input = Math.max(0, prompt - read);
  }
  return {
    ok: true,
    usage: {
      inputTokens: input,
      cacheWrite5mTokens: write,
      cacheWrite1hTokens: 0,
      cacheReadTokens: read,
      outputTokens: v['completion_tokens'] as number,
      reasoningOutputTokens: null,
      isCacheSplitKnown: write === 0,
    },
  };
}

interface Snapshot {
  prompt: number;
  completion: number;
  read: number;
  write: number;
  model: string | null;
  eventIndex: number;
  timestampMs: number | null;
}

function readSnapshot(metrics: JsonObject, eventIndex: number, timestampMs: number | null): Snapshot | null {
  const acc = metrics['accumulated_token_usage'];
  if (!isRecord(acc)) return null;
  const n = (f: string): number | null => {
    const r = checkTokens(acc[f], f);
    return r.ok ? r.value : null;
  };
  const prompt = n('prompt_tokens');
  const completion = n('completion_tokens');
  const read = n('cache_read_tokens');
  const write = n('cache_write_tokens');
  if (prompt === null || completion === null || read === null || write === null) return null;
  return { prompt, completion, read, write, model: firstString(acc['model']), eventIndex, timestampMs };
}

function createParser(ctx: ParseContext): LineParser {
  const doc = new DocumentBuffer();
  return {
    push(line, lineNo) {
      doc.push(line, lineNo);
    },
    finish() {
      const out = new OutputBuilder('openhands', ctx);
      if (doc.isEmpty) return out.finish();
      const text = doc.text();
      const parsed = parseJson(text);
      if (!parsed.ok) {
        out.linesRead = 1;
        const pos = /position (\d+)/.exec(parsed.reason);
        out.skip('invalid-json', `trajectory is not valid JSON: ${parsed.reason}`, pos ? doc.lineAt(Number(pos[1])) : 0);
        return out.finish();
      }
      let events: unknown[] | null = null;
      let key: string | null = null;
      let sessionId = sessionIdFromFile(ctx);
      if (Array.isArray(parsed.value)) {
        events = parsed.value;
      } else if (isRecord(parsed.value)) {
        for (const k of EVENT_KEYS) {
          if (Array.isArray(parsed.value[k])) {
            events = parsed.value[k] as unknown[];
            key = k;
            break;
          }
        }
        sessionId = firstString(parsed.value['session_id'], parsed.value['sid'], parsed.value['conversation_id'], parsed.value['id']) ?? sessionId;
      }
      if (!events) {
        out.linesRead = 1;
        out.skip('not-a-trajectory', 'expected a JSON array of events or an object with history/trajectory/events', 1);
        return out.finish();
      }
      const offsets = eventOffsets(text, key);
      const lineOf = (i: number): number => (offsets.length === events.length ? doc.lineAt(offsets[i] as number) : 0);
      out.linesRead = events.length;

      const contributed = new Set<number>();
      const skipped = new Set<number>();
      const seenCalls = new Set<string>();
      let perCallPrompt = 0;
      let perCallCompletion = 0;
      let firstUserMessage: string | null = null;
      let firstModel: string | null = null;
      let lastCost: { costUsd: number; index: number } | null = null;
      const snapshots: Snapshot[] = [];
      let agentActionsWithoutUsage = 0;
      let firstActionWithoutUsage = 0;
      let localTimeFallbacks = 0;

      const skip = (i: number, reason: string): void => {
        if (skipped.has(i)) return;
        skipped.add(i);
        out.skip('invalid-usage', `event #${i}: ${reason}`, lineOf(i));
      };

      // Pass 1: model responses (the richest per-call record).
      events.forEach((ev, i) => {
        if (!isRecord(ev)) {
          skipped.add(i);
          out.skip('invalid-event', `event #${i} is not a JSON object`, lineOf(i));
          return;
        }
        const eventTime = parseTimestampMs(ev['timestamp']);
        if (firstUserMessage === null && ev['source'] === 'user' && ev['action'] === 'message') {
          const args = isRecord(ev['args']) ? ev['args'] : {};
          firstUserMessage = firstString(args['content'], ev['message']);
        }
        const metrics = ev['llm_metrics'];
        if (isRecord(metrics)) {
          const snap = readSnapshot(metrics, i, eventTime);
          if (snap) snapshots.push(snap);
          const cost = metrics['accumulated_cost'];
          if (typeof cost === 'number' && Number.isFinite(cost) && cost >= 0) lastCost = { costUsd: cost, index: i };
        }
        const tcm = ev['tool_call_metadata'];
        const mr = isRecord(tcm) ? tcm['model_response'] : undefined;
        if (!isRecord(mr)) {
          if (ev['source'] === 'agent' && typeof ev['action'] === 'string' && !NON_LLM_ACTIONS.has(ev['action']) && !isRecord(metrics)) {
            if (agentActionsWithoutUsage++ === 0) firstActionWithoutUsage = lineOf(i);
          }
          return;
        }
        const id = firstString(mr['id']);
        if (id !== null && seenCalls.has(id)) return; // same response attached to another event
        const usage = mr['usage'];
        if (usage === undefined || usage === null) return;
        if (!isRecord(usage)) return skip(i, 'model_response.usage is not an object');
        const shape = detectUsageShape(usage, mr);
        if (!shape) return skip(i, `unrecognised usage fields: ${Object.keys(usage).slice(0, 6).join(', ')}`);
        const extracted = extractUsage(usage, shape);
        if (!extracted.ok) return skip(i, extracted.reason);
        for (const w of extracted.warnings) out.diag('inconsistent-usage', 'warning', `event #${i}: ${w}`, lineOf(i));
        if (id !== null) seenCalls.add(id);
        const model = firstString(mr['model']) ?? 'unknown';
        firstModel ??= model;
        let timestampMs = parseTimestampMs(mr['created']);
        if (timestampMs === null) {
          timestampMs = eventTime;
          if (eventTime !== null) localTimeFallbacks++;
        }
        const u = extracted.usage;
        perCallPrompt += u.inputTokens + u.cacheWrite5mTokens + u.cacheWrite1hTokens + u.cacheReadTokens;
        perCallCompletion += u.outputTokens;
        out.turns.push(
          makeRawTurn(ctx, { usage: u, model, timestampMs, sessionId, dedupeKey: id, line: lineOf(i) }),
        );
        contributed.add(i);
      });

      // Pass 2: per-call token_usages not covered by a model response.
      events.forEach((ev, i) => {
        if (!isRecord(ev) || skipped.has(i)) return;
        const metrics = ev['llm_metrics'];
        if (!isRecord(metrics) || !Array.isArray(metrics['token_usages'])) return;
        for (const tu of metrics['token_usages'] as unknown[]) {
          if (!isRecord(tu)) return skip(i, 'llm_metrics.token_usages[] holds a non-object');
          const id = firstString(tu['response_id']);
          if (id === null || id === 'unknown' || seenCalls.has(id)) continue;
          const warnings: string[] = [];
          const r = tokenUsageCounts(tu, warnings);
          if (!r.ok) return skip(i, r.reason);
          for (const w of warnings) out.diag('inconsistent-usage', 'warning', `event #${i}: ${w}`, lineOf(i));
          seenCalls.add(id);
          const model = firstString(tu['model']) ?? 'unknown';
          firstModel ??= model;
          const u = r.usage;
          perCallPrompt += u.inputTokens + u.cacheWrite5mTokens + u.cacheReadTokens;
          perCallCompletion += u.outputTokens;
          const timestampMs = parseTimestampMs(ev['timestamp']);
          if (timestampMs !== null) localTimeFallbacks++;
          out.turns.push(makeRawTurn(ctx, { usage: u, model, timestampMs, sessionId, dedupeKey: id, line: lineOf(i) }));
          contributed.add(i);
        }
      });

      // Pass 3: accumulated snapshots — cross-check, or the only source.
      const last = snapshots.reduce<Snapshot | null>((m, s) => (m === null || s.prompt + s.completion >= m.prompt + m.completion ? s : m), null);
      if (out.turns.length === 0 && snapshots.length > 0) {
        let prev: Snapshot = { prompt: 0, completion: 0, read: 0, write: 0, model: null, eventIndex: -1, timestampMs: null };
        let reconstructed = 0;
        for (const s of snapshots) {
          const d = { prompt: s.prompt - prev.prompt, completion: s.completion - prev.completion, read: s.read - prev.read, write: s.write - prev.write };
          if (d.prompt < 0 || d.completion < 0 || d.read < 0 || d.write < 0) continue; // a reset or a delegate's metrics
          if (d.prompt === 0 && d.completion === 0) continue;
          const warnings: string[] = [];
          const r = tokenUsageCounts({ prompt_tokens: d.prompt, completion_tokens: d.completion, cache_read_tokens: d.read, cache_write_tokens: d.write }, warnings);
          if (!r.ok) continue;
          const model = s.model ?? 'unknown';
          firstModel ??= model;
          out.turns.push(makeRawTurn(ctx, { usage: r.usage, model, timestampMs: s.timestampMs, sessionId, line: lineOf(s.eventIndex) }));
          contributed.add(s.eventIndex);
          reconstructed++;
          prev = s;
        }
        if (reconstructed > 0) {
          out.diag(
            'reconstructed-usage',
            'warning',
            `no per-call usage in this trajectory: ${reconstructed} request(s) reconstructed from accumulated_token_usage increments (calls between two snapshots are merged)`,
            0,
            { requests: reconstructed },
          );
        }
      } else if (last && (last.prompt > perCallPrompt || last.completion > perCallCompletion)) {
        out.diag(
          'unattributed-usage',
          'warning',
          `accumulated_token_usage (${last.prompt} prompt, ${last.completion} completion tokens) exceeds the per-call records (${perCallPrompt}, ${perCallCompletion}): ${last.prompt - perCallPrompt} prompt and ${last.completion - perCallCompletion} completion tokens belong to calls the trajectory does not detail (condenser, delegates); they are not counted`,
          lineOf(last.eventIndex),
          { missingPromptTokens: last.prompt - perCallPrompt, missingCompletionTokens: last.completion - perCallCompletion },
        );
      }
      if (agentActionsWithoutUsage > 0 && snapshots.length === 0) {
        out.diag(
          'missing-usage',
          'warning',
          `${agentActionsWithoutUsage} agent action(s) carry no usage (plain replies have no model_response in this OpenHands version): their LLM calls are not in the log, so totals are a lower bound`,
          firstActionWithoutUsage,
          { actions: agentActionsWithoutUsage },
        );
      }
      if (localTimeFallbacks > 0) {
        out.diag(
          'local-timestamps',
          'info',
          `${localTimeFallbacks} call time(s) taken from event timestamps, which OpenHands writes in the host's local time without a zone; read as UTC`,
          0,
        );
      }

      out.linesSkipped = skipped.size;
      out.linesCounted = [...contributed].filter((i) => !skipped.has(i)).length;
      out.linesIgnored = out.linesRead - out.linesCounted - out.linesSkipped;

      const reportedCosts: RawReportedCost[] = [];
      const cost = lastCost as { costUsd: number; index: number } | null;
      if (cost && cost.costUsd > 0) {
        reportedCosts.push({
          sessionId,
          reportedCost: { totalCostUsd: cost.costUsd, byModel: [], numTurns: null, durationMs: null, source: { file: ctx.file, line: lineOf(cost.index) } },
        });
      }
      const fpModel = firstModel as string | null;
      const fpMessage = firstUserMessage as string | null;
      out.sessionInfo.push({
        sessionId,
        project: null,
        taskFingerprint: fpModel && fpMessage ? taskFingerprint(fpModel, fpMessage) : null,
      });
      return out.finish({ reportedCosts });
    },
  };
}

/**
 * Pretty-printed JSON arrays of events with OpenHands keys (`source` +
 * `action`/`observation`, `tool_call_metadata`, `llm_metrics`).
 */
function detect(fileName: string, head: string): number {
  const start = head.trimStart().replace(/^\uFEFF/, '');
  const opensDocument = start.startsWith('[') || /^\{\s*"(history|trajectory|events)"\s*:/.test(start) || /"(history|trajectory)"\s*:\s*\[/.test(start.slice(0, 2000));
  if (!opensDocument) return 0;
  let score = 0;
  if (/"source"\s*:\s*"(user|agent|environment)"/.test(head)) score += 0.4;
  if (/"(action|observation)"\s*:\s*"/.test(head)) score += 0.3;
  if (/"tool_call_metadata"|"llm_metrics"|"model_response"/.test(head)) score += 0.2;
  if (score > 0 && /\.json$/i.test(fileName)) score += 0.05;
  return score >= 0.7 ? Math.min(0.95, score) : 0;
}

export const openhandsFormat: InputFormat = {
  id: 'openhands',
  description: 'OpenHands / LiteLLM trajectory JSON (events with model_response usage and llm_metrics)',
  detect,
  createParser,
};
