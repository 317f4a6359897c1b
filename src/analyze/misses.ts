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

/**
 * Misses by cause and by (stream, model, cause), added up session by session
 * (`add` in session order), so a caller can let each session's turns go once
 * added: the same sums in the same order as over all sessions at once.
 */
export class MissTally {
  private readonly byReason = new Map<MissReason, MissReasonSummary>();
  private readonly byStream = new Map<string, MissStreamSummary>();
  private totalMisses = 0;
  private totalMissCostUsd = 0;

  add(s: SessionTurns): void {
    for (const t of s.turns) this.addTurn(t);
  }

  /** One turn (of the session being added; turns in session order). */
  addTurn(t: ActualTurn): void {
    const { byReason, byStream } = this;
    if (t.missReason === null) return;
    this.totalMisses++;
    this.totalMissCostUsd += t.missCostUsd;
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

  /** Most expensive first. */
  summary(options: MissAttributionOptions): MissSummary {
    return {
      byReason: [...this.byReason.values()].sort((a, b) => b.missCostUsd - a.missCostUsd || b.misses - a.misses || cmp(a.reason, b.reason)),
      byStreamModel: [...this.byStream.values()].sort(
        (a, b) => b.missCostUsd - a.missCostUsd || cmp(a.streamId, b.streamId) || cmp(a.model, b.model) || cmp(a.reason, b.reason),
      ),
      totalMisses: this.totalMisses,
      totalMissCostUsd: this.totalMissCostUsd,
      missMinTokens: options.missMinTokens,
      missMinRatio: options.missMinRatio,
      compactionDropRatio: options.compactionDropRatio,
    };
  }
}

/** Misses by cause (most expensive first) and by (stream, model, cause). */
export function summarizeMisses(sessions: readonly SessionTurns[], options: MissAttributionOptions): MissSummary {
  const tally = new MissTally();
  for (const s of sessions) tally.add(s);
  return tally.summary(options);
}

/**
 * The `limit` most expensive priced turns, costliest first (ties: session,
 * index), over sessions added one at a time: only the best turns are kept.
 */
export class TopTurnsTally {
  private readonly k: number;
  /** limit <= SELECT_MAX: the best turns so far, in order. */
  private readonly best: Array<{ sessionId: string; t: ActualTurn; costUsd: number }> = [];
  /** limit > SELECT_MAX: every priced turn, sorted at the end. */
  private readonly all: TopTurn[] = [];

  constructor(limit: number) {
    this.k = Math.max(0, limit);
  }

  add(s: SessionTurns): void {
    for (const t of s.turns) this.addTurn(s.sessionId, t);
  }

  /** One turn of session `sessionId` (a session's turn indexes are unique). */
  addTurn(sessionId: string, t: ActualTurn): void {
    const k = this.k;
    if (k === 0 || !t.cost) return;
    if (k > SELECT_MAX) {
      this.all.push(topTurnOf(sessionId, t));
      return;
    }
    // The order is total (a session's turn indexes are unique), so the first k
    // are the same whether all turns are sorted or only the best k are kept:
    // for the usual small k, keep them sorted in a short array instead of
    // making and sorting an object per priced turn.
    const best = this.best;
    const costUsd = t.cost.totalUsd;
    if (best.length === k && !precedes(sessionId, costUsd, t.index, best[k - 1] as (typeof best)[number])) return;
    let at = best.length;
    while (at > 0 && precedes(sessionId, costUsd, t.index, best[at - 1] as (typeof best)[number])) at--;
    best.splice(at, 0, { sessionId, t, costUsd });
    if (best.length > k) best.pop();
  }

  result(): TopTurn[] {
    if (this.k > SELECT_MAX) return sortTopTurns(this.all).slice(0, this.k);
    return this.best.map(({ sessionId, t }) => topTurnOf(sessionId, t));
  }
}

/** The `limit` most expensive priced turns over all sessions, costliest first (ties: session, index). */
export function topTurns(sessions: readonly SessionTurns[], limit: number): TopTurn[] {
  const tally = new TopTurnsTally(limit);
  for (const s of sessions) tally.add(s);
  return tally.result();
}

/** Whether a turn of session `id` costing `aCost` at `aIndex` comes before `b` (costliest first; ties: session, index). */
function precedes(id: string, aCost: number, aIndex: number, b: { sessionId: string; t: ActualTurn; costUsd: number }): boolean {
  return (b.costUsd - aCost || cmp(id, b.sessionId) || aIndex - b.t.index) < 0;
}

/** Above this many rows `topTurns` sorts every priced turn (insertion into a long list would cost more). */
const SELECT_MAX = 64;

function topTurnOf(sessionId: string, t: ActualTurn): TopTurn {
  return {
    sessionId,
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

function sortTopTurns(all: TopTurn[]): TopTurn[] {
  return all.sort((a, b) => b.costUsd - a.costUsd || cmp(a.sessionId, b.sessionId) || a.index - b.index);
}

/** `topTurns` by sorting every priced turn (large `limit`, and the reference the tests compare with). */
export function sortedTopTurns(sessions: readonly SessionTurns[], limit: number): TopTurn[] {
  const all: TopTurn[] = [];
  for (const s of sessions) for (const t of s.turns) if (t.cost) all.push(topTurnOf(s.sessionId, t));
  return sortTopTurns(all).slice(0, Math.max(0, limit));
}
