/**
 * Break-even analysis of `state` vs `transcript`, pure.
 *
 * - Per turn: the first workload turn at which the cumulative state cost drops
 *   below the cumulative transcript cost (closed form over the simulated rows).
 * - Idle gap: the observed workloads re-timed with one uniform gap between
 *   requests (turn i at i·gap), swept over a grid and refined by bisection; the smallest gap at
 *   which transcript costs more than state. Costs are step functions of the
 *   gap (they jump where a gap crosses a TTL), so bisection between the last
 *   grid point where transcript wins and the first where it loses finds the
 *   step to `resolutionMs`.
 * - State size: the largest state ratio at which state is still cheaper
 *   (state cost never falls as the state grows, so bisection applies).
 * - TTL: 5m vs 1h writes, decided by the gaps of 5–60 minutes.
 * - Patterns: short / long / resumed sessions, from the user's own data.
 *
 * Sweeps call `TotalCost`, which the pipeline backs with the simulator's
 * totals-only path; tests can back it with closed-form costs.
 */
import type { BreakEvenReport, CacheTtl, GapSweepPoint, PatternRow, SessionBreakEven, StateSizePoint } from '../model/report.js';
import type { SimulatedTurn, StrategyId, Workload } from '../model/simulation.js';

/** Parameter changes a sweep applies on top of the run's parameters. */
export interface ParamOverrides {
  /** TTL of every write, or `log`: each turn's own logged TTL class. */
  ttl?: CacheTtl | 'log';
  /** State ratio, with the state cap lifted. */
  stateRatio?: number;
  /** One uniform idle gap between consecutive requests (turn i at i·gap). */
  gapMs?: number;
}

/** Total cost (USD) of `strategy` over `workloads` with the run's parameters plus `overrides`. */
export type TotalCost = (workloads: readonly Workload[], strategy: StrategyId, overrides?: ParamOverrides) => number;

const MIN = 60_000;
const HOUR = 60 * MIN;

/** Cumulative cost after each workload turn (side requests count toward their turn). */
export function cumulativeByTurn(turns: readonly SimulatedTurn[], turnCount: number): number[] {
  const per = new Array<number>(turnCount).fill(0);
  for (const t of turns) {
    if (t.turnIndex >= 0 && t.turnIndex < turnCount) per[t.turnIndex] = (per[t.turnIndex] ?? 0) + t.cost.totalUsd;
  }
  let sum = 0;
  return per.map((v) => (sum += v));
}

/** Per-turn cost (side requests included), index = turn index. */
export function perTurnCost(turns: readonly SimulatedTurn[], turnCount: number): number[] {
  const per = new Array<number>(turnCount).fill(0);
  for (const t of turns) {
    if (t.turnIndex >= 0 && t.turnIndex < turnCount) per[t.turnIndex] = (per[t.turnIndex] ?? 0) + t.cost.totalUsd;
  }
  return per;
}

/**
 * The first turn (1-based) at which cumulative state < cumulative transcript,
 * and whether it stays below through the last turn.
 */
export function findBreakEvenTurn(cumTranscript: readonly number[], cumState: readonly number[]): SessionBreakEven {
  const n = Math.min(cumTranscript.length, cumState.length);
  let first: number | null = null;
  for (let i = 0; i < n; i++) {
    if ((cumState[i] as number) < (cumTranscript[i] as number)) {
      first = i;
      break;
    }
  }
  let staysBelow = false;
  if (first !== null) {
    staysBelow = true;
    for (let i = first; i < n; i++) {
      if (!((cumState[i] as number) < (cumTranscript[i] as number))) {
        staysBelow = false;
        break;
      }
    }
  }
  return {
    breakEvenTurn: first === null ? null : first + 1,
    staysBelow,
    turns: n,
    transcriptCostUsd: n > 0 ? (cumTranscript[n - 1] as number) : 0,
    stateCostUsd: n > 0 ? (cumState[n - 1] as number) : 0,
  };
}

/** Gaps swept: around the 5m and 1h TTLs, and from seconds to a day. */
export const DEFAULT_GAP_GRID_MS: readonly number[] = [
  30_000, MIN, 2 * MIN, 3 * MIN, 4 * MIN, 5 * MIN, 6 * MIN, 10 * MIN, 15 * MIN, 20 * MIN, 30 * MIN, 45 * MIN,
  HOUR, 61 * MIN, 90 * MIN, 2 * HOUR, 4 * HOUR, 8 * HOUR, 24 * HOUR,
];

export function sweepIdleGap(
  workloads: readonly Workload[],
  total: TotalCost,
  gridMs: readonly number[] = DEFAULT_GAP_GRID_MS,
  resolutionMs = 1000,
): BreakEvenReport['gap'] {
  const at = (gapMs: number): GapSweepPoint => ({
    gapMs,
    transcriptCostUsd: total(workloads, 'transcript', { gapMs }),
    stateCostUsd: total(workloads, 'state', { gapMs }),
  });
  const points = gridMs.map(at);
  const loses = (p: GapSweepPoint): boolean => p.transcriptCostUsd > p.stateCostUsd;
  let transcriptMonotone = true;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as GapSweepPoint;
    const b = points[i] as GapSweepPoint;
    if (b.transcriptCostUsd < a.transcriptCostUsd - 1e-12) transcriptMonotone = false;
  }
  const firstLoss = points.findIndex(loses);
  if (points.length === 0 || firstLoss < 0) {
    return {
      points,
      crossoverGapMs: null,
      lastTranscriptWinGapMs: points.length > 0 ? (points[points.length - 1] as GapSweepPoint).gapMs : null,
      stateCheaperAtAllGaps: false,
      transcriptMonotone,
    };
  }
  if (firstLoss === 0) {
    return { points, crossoverGapMs: (points[0] as GapSweepPoint).gapMs, lastTranscriptWinGapMs: null, stateCheaperAtAllGaps: true, transcriptMonotone };
  }
  // Bisection between the last grid gap where transcript did not lose and the first where it did.
  let lo = (points[firstLoss - 1] as GapSweepPoint).gapMs;
  let hi = (points[firstLoss] as GapSweepPoint).gapMs;
  while (hi - lo > resolutionMs) {
    const mid = Math.floor((lo + hi) / 2);
    if (loses(at(mid))) hi = mid;
    else lo = mid;
  }
  return { points, crossoverGapMs: hi, lastTranscriptWinGapMs: (points[firstLoss - 1] as GapSweepPoint).gapMs, stateCheaperAtAllGaps: false, transcriptMonotone };
}

export const DEFAULT_STATE_RATIO_GRID: readonly number[] = [0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1];

/**
 * The largest state ratio at which state is cheaper than transcript on the
 * observed workloads (bisected to `resolution`), or null when even the
 * smallest is not.
 */
export function sweepStateRatio(
  workloads: readonly Workload[],
  total: TotalCost,
  observedStateRatio: number,
  averageContextTokens: number,
  grid: readonly number[] = DEFAULT_STATE_RATIO_GRID,
  resolution = 0.001,
): BreakEvenReport['stateSize'] {
  const transcriptCostUsd = total(workloads, 'transcript');
  const at = (stateRatio: number): StateSizePoint => ({ stateRatio, stateCostUsd: total(workloads, 'state', { stateRatio }) });
  const points = grid.map(at);
  const wins = (p: StateSizePoint): boolean => p.stateCostUsd < transcriptCostUsd;
  let lastWin = -1;
  for (let i = 0; i < points.length; i++) {
    if (wins(points[i] as StateSizePoint)) lastWin = i;
    else break;
  }
  let max: number | null = null;
  if (lastWin === points.length - 1 && lastWin >= 0) {
    max = (points[lastWin] as StateSizePoint).stateRatio;
  } else if (lastWin >= 0) {
    let lo = (points[lastWin] as StateSizePoint).stateRatio;
    let hi = (points[lastWin + 1] as StateSizePoint).stateRatio;
    while (hi - lo > resolution) {
      const mid = (lo + hi) / 2;
      if (wins(at(mid))) lo = mid;
      else hi = mid;
    }
    max = lo;
  }
  return {
    observedStateRatio,
    maxWinningStateRatio: max,
    maxWinningStateTokens: max === null ? null : Math.round(max * averageContextTokens),
    averageContextTokens,
    transcriptCostUsd,
    points,
  };
}

/** Gap buckets and the cheaper TTL, from the two transcript totals. */
export function ttlChoice(idleGapsMs: readonly number[], cost5mUsd: number, cost1hUsd: number): BreakEvenReport['ttl'] {
  let gapsUnder5m = 0;
  let gaps5mTo1h = 0;
  let gapsOver1h = 0;
  for (const g of idleGapsMs) {
    if (g <= 5 * MIN) gapsUnder5m++;
    else if (g <= HOUR) gaps5mTo1h++;
    else gapsOver1h++;
  }
  const diff = cost5mUsd - cost1hUsd;
  const eps = 1e-9 * Math.max(1, Math.abs(cost5mUsd), Math.abs(cost1hUsd));
  return {
    gapsUnder5m,
    gaps5mTo1h,
    gapsOver1h,
    cost5mUsd,
    cost1hUsd,
    cheaper: Math.abs(diff) <= eps ? 'equal' : diff < 0 ? '5m' : '1h',
    savingUsd: Math.abs(diff),
  };
}

export interface PatternInput {
  turns: number;
  /** Longest idle gap between requests of one stream, ms (null without timestamps). */
  maxIdleGapMs: number | null;
  actualCostUsd: number;
  transcriptCostUsd: number;
  stateCostUsd: number;
}

export const SHORT_SESSION_TURNS = 10;
export const LONG_SESSION_TURNS = 20;
export const RESUME_GAP_MS = HOUR;

/** The seed article's pattern table on the user's sessions: short (<10 turns), long (20+), resumed (a gap > 1h). */
export function patternTable(sessions: readonly PatternInput[]): PatternRow[] {
  const defs: Array<{ pattern: PatternRow['pattern']; criterion: string; test: (s: PatternInput) => boolean }> = [
    { pattern: 'short', criterion: `fewer than ${SHORT_SESSION_TURNS} turns`, test: (s) => s.turns < SHORT_SESSION_TURNS },
    { pattern: 'long', criterion: `${LONG_SESSION_TURNS} or more turns`, test: (s) => s.turns >= LONG_SESSION_TURNS },
    {
      pattern: 'resume',
      criterion: 'resumed after an idle gap of more than an hour',
      test: (s) => s.maxIdleGapMs !== null && s.maxIdleGapMs > RESUME_GAP_MS,
    },
  ];
  return defs.map((d) => {
    const mine = sessions.filter(d.test);
    const transcript = mine.reduce((a, s) => a + s.transcriptCostUsd, 0);
    const state = mine.reduce((a, s) => a + s.stateCostUsd, 0);
    const eps = 1e-9 * Math.max(1, transcript, state);
    return {
      pattern: d.pattern,
      criterion: d.criterion,
      sessions: mine.length,
      turns: mine.reduce((a, s) => a + s.turns, 0),
      actualCostUsd: mine.reduce((a, s) => a + s.actualCostUsd, 0),
      transcriptCostUsd: transcript,
      stateCostUsd: state,
      cheaper: mine.length === 0 ? null : Math.abs(transcript - state) <= eps ? 'equal' : state < transcript ? 'state' : 'transcript',
    };
  });
}

/** Median of a non-empty list (mean of the middle two for even lengths); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}
