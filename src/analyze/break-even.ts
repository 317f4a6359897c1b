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
 * Sweeps are coroutines (`SweepSteps`) that yield batches of totals to an
 * evaluator: the pipeline backs it with the simulator's totals-only path (in
 * this thread, or spread over worker threads by the shell); tests can back
 * it with closed-form costs (`TotalCost` via `sweepIdleGap`/`sweepStateRatio`).
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

/** One total a sweep needs: `strategy` over all workloads with the run's parameters plus `overrides`. */
export interface TotalsQuery {
  strategy: StrategyId;
  overrides?: ParamOverrides;
}

/**
 * A sweep as a coroutine: it yields each batch of totals it needs (the grid
 * at once, then one bisection step at a time) and is resumed with the totals
 * in query order. The same code then runs on a synchronous evaluator (tests,
 * small inputs) or on an asynchronous one spread over threads (the shell), so
 * both give the same result by construction.
 */
export type SweepSteps<R> = Generator<readonly TotalsQuery[], R, readonly number[]>;

/** Runs a sweep coroutine with a synchronous batch evaluator. */
export function runSweepSync<R>(steps: SweepSteps<R>, evaluate: (queries: readonly TotalsQuery[]) => readonly number[]): R {
  let r = steps.next();
  while (!r.done) r = steps.next(evaluate(r.value));
  return r.value;
}

/** Runs a sweep coroutine with an asynchronous batch evaluator. */
export async function runSweepAsync<R>(steps: SweepSteps<R>, evaluate: (queries: readonly TotalsQuery[]) => Promise<readonly number[]>): Promise<R> {
  let r = steps.next();
  while (!r.done) r = steps.next(await evaluate(r.value));
  return r.value;
}

/**
 * Runs several sweep coroutines in lockstep: each round yields the pending
 * batches of all of them as one batch (so a parallel evaluator gets them
 * together) and hands every coroutine its own totals back.
 */
export function* sweepsTogether<R extends unknown[]>(...all: { [K in keyof R]: SweepSteps<R[K]> }): SweepSteps<R> {
  const gens = all as ReadonlyArray<SweepSteps<unknown>>;
  const results: unknown[] = new Array<unknown>(gens.length);
  const pending: Array<readonly TotalsQuery[] | null> = gens.map((g, i) => {
    const r = g.next();
    if (r.done) {
      results[i] = r.value;
      return null;
    }
    return r.value;
  });
  while (pending.some((p) => p !== null)) {
    const batch: TotalsQuery[] = [];
    for (const p of pending) if (p !== null) batch.push(...p);
    const totals = yield batch;
    let at = 0;
    pending.forEach((p, i) => {
      if (p === null) return;
      const mine = totals.slice(at, at + p.length);
      at += p.length;
      const r = (gens[i] as SweepSteps<unknown>).next(mine);
      if (r.done) {
        results[i] = r.value;
        pending[i] = null;
      } else pending[i] = r.value;
    });
  }
  return results as R;
}

/** Adapts a per-total `TotalCost` to a batch evaluator over `workloads`. */
export function batchOf(workloads: readonly Workload[], total: TotalCost): (queries: readonly TotalsQuery[]) => number[] {
  return (queries) => queries.map((q) => total(workloads, q.strategy, q.overrides));
}

/**
 * Which gaps are known to cost the same: gaps with the same (non-null) class
 * give identical totals under every strategy, so each class is simulated once
 * (see `gapClassOf` in the pipeline: with uniform gaps and integer TTLs a cost
 * depends on the gap only through ⌊ttl / gap⌋ of each TTL in play).
 */
export type GapClass = (gapMs: number) => string | null;

export function sweepIdleGap(
  workloads: readonly Workload[],
  total: TotalCost,
  gridMs: readonly number[] = DEFAULT_GAP_GRID_MS,
  resolutionMs = 1000,
  gapClass?: GapClass,
): BreakEvenReport['gap'] {
  return runSweepSync(idleGapSteps(gridMs, resolutionMs, gapClass), batchOf(workloads, total));
}

/** The idle-gap sweep as a coroutine (see `sweepIdleGap`). */
export function* idleGapSteps(gridMs: readonly number[] = DEFAULT_GAP_GRID_MS, resolutionMs = 1000, gapClass?: GapClass): SweepSteps<BreakEvenReport['gap']> {
  const known = new Map<string, { transcriptCostUsd: number; stateCostUsd: number }>();
  /** Costs at `gaps`: each class simulated once, reusing classes already known. */
  function* at(gaps: readonly number[]): Generator<readonly TotalsQuery[], GapSweepPoint[], readonly number[]> {
    const queries: TotalsQuery[] = [];
    const classes = gaps.map((g) => (gapClass ? gapClass(g) : null));
    /** Per gap: index of its transcript query (state follows), or −1 when its class is known. */
    const slot: number[] = [];
    const firstOfClass = new Map<string, number>();
    gaps.forEach((gapMs, i) => {
      const cls = classes[i] ?? null;
      const seen = cls === null ? undefined : known.has(cls) ? -1 : firstOfClass.get(cls);
      if (seen !== undefined) {
        slot.push(seen);
        return;
      }
      if (cls !== null) firstOfClass.set(cls, queries.length);
      slot.push(queries.length);
      queries.push({ strategy: 'transcript', overrides: { gapMs } }, { strategy: 'state', overrides: { gapMs } });
    });
    const totals: readonly number[] = queries.length > 0 ? yield queries : [];
    return gaps.map((gapMs, i) => {
      const q = slot[i] as number;
      const cls = classes[i] ?? null;
      const costs = q >= 0 ? { transcriptCostUsd: totals[q] as number, stateCostUsd: totals[q + 1] as number } : known.get(cls as string);
      if (costs === undefined) throw new Error('idle-gap sweep: missing totals');
      if (cls !== null && !known.has(cls)) known.set(cls, costs);
      return { gapMs, transcriptCostUsd: costs.transcriptCostUsd, stateCostUsd: costs.stateCostUsd };
    });
  }
  const points = yield* at(gridMs);
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
    const [p] = yield* at([mid]);
    if (loses(p as GapSweepPoint)) hi = mid;
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
  return runSweepSync(stateRatioSteps(observedStateRatio, averageContextTokens, grid, resolution), batchOf(workloads, total));
}

/**
 * The state-size sweep as a coroutine (see `sweepStateRatio`). The grid goes
 * first; `knownTranscriptCostUsd`, asked after the grid, saves the run when
 * the caller already has transcript's total with the run's parameters.
 */
export function* stateRatioSteps(
  observedStateRatio: number,
  averageContextTokens: number,
  grid: readonly number[] = DEFAULT_STATE_RATIO_GRID,
  resolution = 0.001,
  knownTranscriptCostUsd: () => number | null = () => null,
): SweepSteps<BreakEvenReport['stateSize']> {
  const gridTotals = grid.length > 0 ? yield grid.map((stateRatio): TotalsQuery => ({ strategy: 'state', overrides: { stateRatio } })) : [];
  const points: StateSizePoint[] = grid.map((stateRatio, i) => ({ stateRatio, stateCostUsd: gridTotals[i] as number }));
  const transcriptCostUsd = knownTranscriptCostUsd() ?? ((yield [{ strategy: 'transcript' }])[0] as number);
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
      const [cost] = yield [{ strategy: 'state', overrides: { stateRatio: mid } }];
      if (wins({ stateRatio: mid, stateCostUsd: cost as number })) lo = mid;
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
