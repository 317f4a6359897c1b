/** Summaries over analysed turns: misses by cause, by stream and model; the most expensive turns. */
import type { ActualTurn, MissReasonSummary, MissStreamSummary, MissSummary, TopTurn } from '../model/report.js';
import type { MissReason } from '../model/simulation.js';
import type { MissAttributionOptions } from './actual.js';

export interface SessionTurns {
  sessionId: string;
  turns: readonly ActualTurn[];
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Misses by cause (most expensive first) and by (stream, model, cause). */
export function summarizeMisses(sessions: readonly SessionTurns[], options: MissAttributionOptions): MissSummary {
  const byReason = new Map<MissReason, MissReasonSummary>();
  const byStream = new Map<string, MissStreamSummary>();
  let totalMisses = 0;
  let totalMissCostUsd = 0;
  for (const s of sessions) {
    for (const t of s.turns) {
      if (t.missReason === null) continue;
      totalMisses++;
      totalMissCostUsd += t.missCostUsd;
      let r = byReason.get(t.missReason);
      if (!r) {
        r = { reason: t.missReason, misses: 0, missedTokens: 0, missCostUsd: 0, minGapMs: null, maxGapMs: null };
        byReason.set(t.missReason, r);
      }
      r.misses++;
      r.missedTokens += t.missedTokens;
      r.missCostUsd += t.missCostUsd;
      if (t.idleGapMs !== null) {
        r.minGapMs = r.minGapMs === null ? t.idleGapMs : Math.min(r.minGapMs, t.idleGapMs);
        r.maxGapMs = r.maxGapMs === null ? t.idleGapMs : Math.max(r.maxGapMs, t.idleGapMs);
      }
      const key = `${t.streamId}\u0000${t.model}\u0000${t.missReason}`;
      let m = byStream.get(key);
      if (!m) {
        m = { streamId: t.streamId, model: t.model, reason: t.missReason, misses: 0, missedTokens: 0, missCostUsd: 0 };
        byStream.set(key, m);
      }
      m.misses++;
      m.missedTokens += t.missedTokens;
      m.missCostUsd += t.missCostUsd;
    }
  }
  return {
    byReason: [...byReason.values()].sort((a, b) => b.missCostUsd - a.missCostUsd || b.misses - a.misses || cmp(a.reason, b.reason)),
    byStreamModel: [...byStream.values()].sort(
      (a, b) => b.missCostUsd - a.missCostUsd || cmp(a.streamId, b.streamId) || cmp(a.model, b.model) || cmp(a.reason, b.reason),
    ),
    totalMisses,
    totalMissCostUsd,
    missMinTokens: options.missMinTokens,
    missMinRatio: options.missMinRatio,
    compactionDropRatio: options.compactionDropRatio,
  };
}

/** The `limit` most expensive priced turns over all sessions, costliest first (ties: session, index). */
export function topTurns(sessions: readonly SessionTurns[], limit: number): TopTurn[] {
  const k = Math.max(0, limit);
  if (k === 0) return [];
  // The order is total (a session's turn indexes are unique), so the first k
  // are the same whether all turns are sorted or only the best k are kept:
  // for the usual small k, keep them sorted in a short array instead of
  // making and sorting an object per priced turn.
  if (k > SELECT_MAX) return sortedTopTurns(sessions, k);
  const best: Array<{ s: SessionTurns; t: ActualTurn; costUsd: number }> = [];
  const first = (aS: SessionTurns, aT: ActualTurn, aCost: number, b: { s: SessionTurns; t: ActualTurn; costUsd: number }): boolean =>
    (b.costUsd - aCost || cmp(aS.sessionId, b.s.sessionId) || aT.index - b.t.index) < 0;
  for (const s of sessions) {
    for (const t of s.turns) {
      if (!t.cost) continue;
      const costUsd = t.cost.totalUsd;
      if (best.length === k && !first(s, t, costUsd, best[k - 1] as (typeof best)[number])) continue;
      let at = best.length;
      while (at > 0 && first(s, t, costUsd, best[at - 1] as (typeof best)[number])) at--;
      best.splice(at, 0, { s, t, costUsd });
      if (best.length > k) best.pop();
    }
  }
  return best.map(({ s, t }) => topTurnOf(s, t));
}

/** Above this many rows `topTurns` sorts every priced turn (insertion into a long list would cost more). */
const SELECT_MAX = 64;

function topTurnOf(s: SessionTurns, t: ActualTurn): TopTurn {
  return {
    sessionId: s.sessionId,
    index: t.index,
    timestampMs: t.timestampMs,
    streamId: t.streamId,
    model: t.model,
    promptTokens: t.promptTokens,
    outputTokens: t.outputTokens,
    costUsd: (t.cost as NonNullable<ActualTurn['cost']>).totalUsd,
    missReason: t.missReason,
    missCostUsd: t.missCostUsd,
  };
}

/** `topTurns` by sorting every priced turn (large `limit`, and the reference the tests compare with). */
export function sortedTopTurns(sessions: readonly SessionTurns[], limit: number): TopTurn[] {
  const all: TopTurn[] = [];
  for (const s of sessions) for (const t of s.turns) if (t.cost) all.push(topTurnOf(s, t));
  all.sort((a, b) => b.costUsd - a.costUsd || cmp(a.sessionId, b.sessionId) || a.index - b.index);
  return all.slice(0, Math.max(0, limit));
}
