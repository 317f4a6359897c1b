/**
 * Workloads: what each turn adds to the context, independent of any strategy.
 * Derived from real sessions here (synthetic ones: scenario.ts).
 *
 * Per stream (each has its own context and cache), in time order:
 * - appended_i = prompt_i − prompt_{i−1} − output_{i−1}: the turn's new
 *   context (tool results, user message), the previous output excluded.
 *   Negative values (token counts that do not add up, e.g. thinking blocks
 *   dropped from the history) are clamped to 0 and counted in the notes.
 * - A compaction (the log's compact_boundary, or, without one, a prompt that
 *   drops below half the previous one by at least 4,096 tokens) marks the
 *   turn `compactedBefore`: the post-compaction context (prompt − system) is
 *   split into the summary (the logged `postTokens` when it fits, else all of
 *   it) and the appended rest.
 * - systemTokens = the smallest positive cache read of the stream, capped at
 *   its first prompt: every read covers at least the fixed prefix (tools and
 *   system come before any message), and the first request of a session or
 *   the first after a compaction typically reads exactly that prefix. Without
 *   any read (no caching in the log) the first prompt is taken as the fixed
 *   prefix. Streams other than `main` get their own value.
 * - writeTtlObserved: 1h when the turn wrote mostly 1-hour entries, 5m when it
 *   wrote 5-minute ones; a turn without writes inherits the stream's last one.
 */
import type { Workload, WorkloadTurn } from '../model/simulation.js';
import { WorkloadColumns, workloadOverColumns } from './workload-columns.js';
import { MAIN_STREAM, type CompactionEvent, type Session, type Turn } from '../model/usage.js';

const DROP_RATIO = 0.5;
const DROP_MIN_TOKENS = 4096;

interface StreamState {
  systemTokens: number;
  seen: boolean;
  prevPromptTokens: number;
  prevOutputTokens: number;
  ttl: '5m' | '1h' | null;
}

/** True when `turn` comes after the compaction `e` (by time when both have one and they differ, else by line in one file). */
export function isAfter(turn: Turn, e: CompactionEvent): boolean {
  if (turn.timestampMs !== null && e.timestampMs !== null && turn.timestampMs !== e.timestampMs) return turn.timestampMs > e.timestampMs;
  if (turn.source.file === e.source.file) return turn.source.line > e.source.line;
  // Same instant in different files, or no times: the order is unknown.
  return false;
}

/** A stream's turns: their indexes in session.turns, and whether their times never decrease (null = last). */
export interface StreamTurns {
  indexes: number[];
  timeSorted: boolean;
}

export function streamTurnsOf(turns: readonly Turn[]): Map<string, StreamTurns> {
  const out = new Map<string, StreamTurns>();
  const lastTime = new Map<string, number>();
  turns.forEach((t, i) => {
    let s = out.get(t.streamId);
    if (!s) out.set(t.streamId, (s = { indexes: [], timeSorted: true }));
    s.indexes.push(i);
    const key = t.timestampMs ?? Infinity;
    if (key < (lastTime.get(t.streamId) ?? -Infinity)) s.timeSorted = false;
    lastTime.set(t.streamId, key);
  });
  return out;
}

/**
 * Index in session.turns of the first turn of the stream after `ev` (as a
 * scan of the stream's turns in order with `isAfter`), or -1. When the
 * stream's times never decrease (normalizeSessions sorts turns by time, null
 * last), every turn timed before the event is not after it, so the scan
 * starts at the first turn not timed before it (binary search): a session
 * with many compactions costs O(events × log turns), not O(events × turns).
 */
export function firstTurnAfter(turns: readonly Turn[], stream: StreamTurns, ev: CompactionEvent): number {
  const idx = stream.indexes;
  let k = 0;
  const at = ev.timestampMs;
  if (at !== null && stream.timeSorted) {
    let hi = idx.length;
    while (k < hi) {
      const mid = (k + hi) >>> 1;
      if (((turns[idx[mid] as number] as Turn).timestampMs ?? Infinity) < at) k = mid + 1;
      else hi = mid;
    }
  }
  for (; k < idx.length; k++) {
    const i = idx[k] as number;
    if (isAfter(turns[i] as Turn, ev)) return i;
  }
  return -1;
}

/** For each compaction event, the index (in session.turns) of the first turn of its stream after it. */
function assignCompactions(session: Session, streams: ReadonlyMap<string, StreamTurns>): Map<number, CompactionEvent> {
  const out = new Map<number, CompactionEvent>();
  for (const ev of session.events) {
    if (ev.kind !== 'compaction') continue;
    const stream = streams.get(ev.streamId);
    const idx = stream ? firstTurnAfter(session.turns, stream, ev) : -1;
    if (idx >= 0 && !out.has(idx)) out.set(idx, ev);
  }
  return out;
}

/** The fixed prefix of a stream, from its turns (`indexes` into `turns`, in order). */
function estimateSystemTokens(turns: readonly Turn[], indexes: readonly number[]): { tokens: number; fromReads: boolean } {
  const first = indexes.length > 0 ? (turns[indexes[0] as number] as Turn) : undefined;
  if (!first) return { tokens: 0, fromReads: false };
  let min = Infinity;
  for (const i of indexes) {
    const read = (turns[i] as Turn).cacheReadTokens;
    if (read > 0 && read < min) min = read;
  }
  if (min === Infinity) return { tokens: first.promptTokens, fromReads: false };
  return { tokens: Math.min(min, first.promptTokens), fromReads: true };
}

export function workloadFromSession(session: Session): { workload: Workload; notes: string[] } {
  const notes: string[] = [];
  // One grouping by stream serves the fixed prefixes and the compaction lookup.
  const byStream = streamTurnsOf(session.turns);
  const states = new Map<string, StreamState>();
  const noReads: string[] = [];
  for (const [id, stream] of byStream) {
    const est = estimateSystemTokens(session.turns, stream.indexes);
    if (!est.fromReads) noReads.push(id);
    states.set(id, { systemTokens: est.tokens, seen: false, prevPromptTokens: 0, prevOutputTokens: 0, ttl: null });
  }
  const mainId = byStream.has(MAIN_STREAM) ? MAIN_STREAM : (session.turns[0]?.streamId ?? MAIN_STREAM);
  const systemTokens = states.get(mainId)?.systemTokens ?? 0;
  const streamSystemTokens: Record<string, number> = {};
  for (const [id, st] of states) if (id !== mainId && st.systemTokens !== systemTokens) streamSystemTokens[id] = st.systemTokens;
  if (noReads.length > 0) {
    notes.push(`no cache reads in stream ${noReads.join(', ')}: its first prompt is taken as the fixed prefix`);
  }

  const compactionAt = assignCompactions(session, byStream);
  const turns: WorkloadTurn[] = [];
  let clamped = 0;
  let clampedTokens = 0;
  let detected = 0;
  let logged = 0;
  let missingTime = 0;
  let assumedTtl = false;
  let lastTime = 0;
  session.turns.forEach((t, index) => {
    const st = states.get(t.streamId) as StreamState;
    let timestampMs = t.timestampMs;
    if (timestampMs === null) {
      missingTime++;
      timestampMs = lastTime;
    }
    lastTime = timestampMs;
    const writes = t.cacheWrite5mTokens + t.cacheWrite1hTokens;
    if (writes > 0) {
      st.ttl = t.cacheWrite1hTokens > t.cacheWrite5mTokens ? '1h' : '5m';
      if (!t.isCacheSplitKnown) assumedTtl = true;
    }
    const prompt = t.promptTokens;
    let appended: number;
    let compactedBefore: WorkloadTurn['compactedBefore'] = null;
    if (!st.seen) {
      appended = prompt - st.systemTokens;
    } else {
      const event = compactionAt.get(index);
      const dropped = prompt < DROP_RATIO * st.prevPromptTokens && st.prevPromptTokens - prompt >= DROP_MIN_TOKENS;
      if (event || dropped) {
        if (event) logged++;
        else detected++;
        const post = Math.max(0, prompt - st.systemTokens);
        const loggedPost = event?.postTokens ?? null;
        const summary = loggedPost !== null && loggedPost <= post ? loggedPost : post;
        appended = post - summary;
        compactedBefore = { preTokens: event?.preTokens ?? st.prevPromptTokens + st.prevOutputTokens, postTokens: summary };
      } else {
        appended = prompt - st.prevPromptTokens - st.prevOutputTokens;
      }
    }
    if (appended < 0) {
      clamped++;
      clampedTokens -= appended;
      appended = 0;
    }
    st.seen = true;
    st.prevPromptTokens = prompt;
    st.prevOutputTokens = t.outputTokens;
    turns.push({
      timestampMs,
      model: t.model,
      streamId: t.streamId,
      appendedTokens: appended,
      outputTokens: t.outputTokens,
      compactedBefore,
      writeTtlObserved: st.ttl,
    });
  });
  if (clamped > 0) notes.push(`${clamped} turn(s) appended fewer tokens than the previous prompt + output (−${clampedTokens} tokens); counted as 0`);
  if (logged > 0) notes.push(`${logged} compaction(s) from the log replayed`);
  if (detected > 0) notes.push(`${detected} context drop(s) without a compaction record treated as compactions`);
  if (missingTime > 0) notes.push(`${missingTime} turn(s) without a timestamp take the previous turn's time`);
  if (assumedTtl) notes.push('cache writes without a 5m/1h split are assumed to be 5-minute writes');
  if (session.isEstimated) notes.push('token counts are tokenizer estimates');
  // Kept in columns (./workload-columns.ts): the analysis holds every workload through all its simulation passes.
  const meta: Omit<Workload, 'turns'> = { sessionId: session.id, systemTokens, taskFingerprint: session.taskFingerprint };
  if (Object.keys(streamSystemTokens).length > 0) meta.streamSystemTokens = streamSystemTokens;
  return { workload: workloadOverColumns(meta, new WorkloadColumns(turns)), notes };
}
