/**
 * The pure composition behind `token-econ analyze`: ingested sessions + a
 * price resolver + simulation parameters -> one AnalysisReport. No I/O, no
 * clock (the generation time is passed in).
 */
import type { Diagnostic } from './model/diagnostic.js';
import type { IngestResult } from './model/ingest.js';
import type {
  ActualTurn,
  AnalysisCurves,
  AnalysisFilters,
  AnalysisReport,
  BreakEvenReport,
  CurveSeries,
  FleetReport,
  PricedModelUse,
  ScenarioKind,
  ScenarioTotals,
  SessionAnalysis,
  SessionBreakEven,
  SessionScenario,
  UnknownModelRow,
} from './model/report.js';
import type { CostBreakdown } from './model/pricing.js';
import type { StrategyId, StrategyResult, Workload } from './model/simulation.js';
import type { Session } from './model/usage.js';
import { addCost, ZERO_COST } from './price/cost.js';
import type { PriceResolver } from './price/resolve.js';
import { simulate, simulateTotals } from './simulate/simulate.js';
import type { SimulationParams } from './simulate/params.js';
import { workloadFromSession } from './simulate/workload.js';
import { projectFleet } from './simulate/fleet.js';
import { actualTotalsOf, analyzeSessionTurns, DEFAULT_MISS_OPTIONS, logTtlOf, mergeActualTotals, type MissAttributionOptions } from './analyze/actual.js';
import { summarizeMisses, topTurns } from './analyze/misses.js';
import { compareReported } from './analyze/reported.js';
import {
  cumulativeByTurn,
  findBreakEvenTurn,
  median,
  patternTable,
  perTurnCost,
  sweepIdleGap,
  sweepStateRatio,
  ttlChoice,
  type ParamOverrides,
  type TotalCost,
} from './analyze/break-even.js';
import { applyOverrides, flattenParams, stateRatioOf } from './analyze/params.js';

export interface FleetOptions {
  agents: number;
  runsPerDay: number;
  retryRate: number;
  days: number;
}

export const DEFAULT_FLEET: FleetOptions = Object.freeze({ agents: 10, runsPerDay: 20, retryRate: 0.1, days: 30 });

export const DEFAULT_STRATEGIES: readonly StrategyId[] = ['transcript', 'state', 'replay', 'nocache'];

export interface AnalysisOptions {
  strategies: readonly StrategyId[];
  /** Most expensive turns listed. */
  top: number;
  /** Session for the curves and the per-turn break-even; default: the only session, else aggregate / the longest. */
  focusSessionId?: string | null;
  miss?: MissAttributionOptions;
  fleet?: FleetOptions;
  filters?: AnalysisFilters;
  /** Epoch ms for `generatedAt`, supplied by the shell (null: omitted). */
  generatedAtMs?: number | null;
  /** Run the idle-gap and state-size sweeps (the slow part on very large inputs). Default true. */
  sweeps?: boolean;
}

interface Sim {
  strategy: StrategyId;
  result: StrategyResult;
}

function scenarioId(strategy: StrategyId, kind: ScenarioKind): string {
  switch (kind) {
    case 'strategy':
      return strategy;
    case 'ttl-5m':
      return `${strategy}@5m`;
    case 'ttl-1h':
      return `${strategy}@1h`;
    case 'log-ttl':
      return `${strategy}@log`;
  }
}

function totalsOfScenario(id: string, strategy: StrategyId, kind: ScenarioKind, results: readonly StrategyResult[]): ScenarioTotals {
  let cost: CostBreakdown = ZERO_COST;
  let promptTokens = 0;
  let cacheReadTokens = 0;
  let outputTokens = 0;
  let requests = 0;
  let sideRequests = 0;
  let missCostUsd = 0;
  let total = 0;
  for (const r of results) {
    total += r.totalCostUsd;
    for (const t of r.turns) {
      cost = addCost(cost, t.cost);
      promptTokens += t.promptTokens;
      cacheReadTokens += t.cacheReadTokens;
      outputTokens += t.outputTokens;
      requests++;
      if (t.kind !== 'turn') sideRequests++;
      missCostUsd += t.missCostUsd;
    }
  }
  return {
    id,
    strategy,
    kind,
    totalCostUsd: total,
    cost: { ...cost },
    promptTokens,
    cacheReadTokens,
    outputTokens,
    cacheHitRatio: promptTokens > 0 ? cacheReadTokens / promptTokens : 0,
    requests,
    sideRequests,
    missCostUsd,
    sessions: results.length,
  };
}

function sessionScenario(id: string, kind: ScenarioKind, r: StrategyResult, withTurns: boolean): SessionScenario {
  let cacheRead = 0;
  for (const t of r.turns) cacheRead += t.cacheReadTokens;
  return {
    id,
    strategy: r.strategy,
    kind,
    totalCostUsd: r.totalCostUsd,
    totalPromptTokens: r.totalPromptTokens,
    totalOutputTokens: r.totalOutputTokens,
    cacheReadTokens: cacheRead,
    turns: withTurns ? r.turns : null,
    params: { ...r.params },
  };
}

function timeRange(s: Session): { first: number | null; last: number | null } {
  let first: number | null = null;
  let last: number | null = null;
  for (const t of s.turns) {
    if (t.timestampMs === null) continue;
    if (first === null || t.timestampMs < first) first = t.timestampMs;
    if (last === null || t.timestampMs > last) last = t.timestampMs;
  }
  return { first, last };
}

function streamsOf(s: Session): string[] {
  const ids = [...new Set(s.turns.map((t) => t.streamId))];
  return ids.sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/** A session can be simulated when it has turns and at least one of them has a price. */
function isSimulable(turns: readonly ActualTurn[]): boolean {
  return turns.some((t) => t.cost !== null);
}

export function buildAnalysis(
  ingest: IngestResult,
  resolver: PriceResolver,
  params: SimulationParams,
  options: AnalysisOptions,
): AnalysisReport {
  const miss = options.miss ?? DEFAULT_MISS_OPTIONS;
  const fleetOptions = options.fleet ?? DEFAULT_FLEET;
  const strategies = [...new Set(options.strategies)];
  const sessions = ingest.sessions;

  // 1. Actual cost and misses per session.
  const actualTurns = sessions.map((s) => analyzeSessionTurns(s, resolver, miss));

  // 2. Workloads of the sessions that can be priced. Requests of unknown models
  //    are left out of the simulation (they have no price under any strategy);
  //    `turnMaps` maps a workload turn back to the actual turn it came from.
  const simIndex: number[] = [];
  const workloads: Workload[] = [];
  const turnMaps: number[][] = [];
  const notes: string[][] = sessions.map(() => []);
  sessions.forEach((s, i) => {
    const rows = actualTurns[i] as ActualTurn[];
    const keep: number[] = [];
    rows.forEach((t, k) => {
      if (t.cost !== null) keep.push(k);
    });
    if (keep.length === 0) {
      if (s.turns.length > 0) notes[i]?.push('not simulated: no request of this session has a known price');
      return;
    }
    const dropped = s.turns.length - keep.length;
    const sub: Session = dropped === 0 ? s : { ...s, turns: keep.map((k) => s.turns[k] as Session['turns'][number]) };
    if (dropped > 0) notes[i]?.push(`${dropped} request${dropped === 1 ? '' : 's'} of unknown models left out of the simulation`);
    const { workload, notes: n } = workloadFromSession(sub);
    notes[i]?.push(...n);
    simIndex.push(i);
    workloads.push(workload);
    // Workload turns follow the session's turns one to one; anything else maps by position.
    turnMaps.push(workload.turns.map((_, k) => keep[k] ?? k));
  });
  const bySession = new Map<number, number>(simIndex.map((sessionIdx, w) => [sessionIdx, w]));

  const envFor = (overrides?: ParamOverrides) => ({ resolver, params: applyOverrides(params, overrides) });
  /** Results with `turnIndex` in actual-turn numbering. */
  const remap = (results: StrategyResult[]): StrategyResult[] =>
    results.map((r, w) => {
      const map = turnMaps[w] as number[];
      if (map.every((v, k) => v === k)) return r;
      return { ...r, turns: r.turns.map((t) => ({ ...t, turnIndex: map[t.turnIndex] ?? t.turnIndex })) };
    });
  const run = (ids: readonly StrategyId[], overrides?: ParamOverrides): Map<StrategyId, StrategyResult[]> => {
    const out = new Map<StrategyId, StrategyResult[]>();
    if (workloads.length === 0 || ids.length === 0) return out;
    for (const [id, results] of simulate(workloads, [...ids], envFor(overrides))) out.set(id, remap(results));
    return out;
  };

  // 3. Strategies of --compare, the TTL variants of transcript, and the calibration run.
  const compared = run(strategies);
  const ttl5m = run(['transcript'], { ttl: '5m' }).get('transcript') ?? [];
  const ttl1h = run(['transcript'], { ttl: '1h' }).get('transcript') ?? [];
  // Calibration: transcript with each turn's own logged TTL class (the simulator's `ttlSeconds: null`).
  const calibration: StrategyResult[] =
    params.ttlSeconds === null && compared.has('transcript')
      ? (compared.get('transcript') ?? [])
      : (run(['transcript'], { ttl: 'log' }).get('transcript') ?? []);

  const scenarios: ScenarioTotals[] = [];
  for (const id of strategies) scenarios.push(totalsOfScenario(id, id, 'strategy', compared.get(id) ?? []));
  if (workloads.length > 0) {
    scenarios.push(totalsOfScenario(scenarioId('transcript', 'ttl-5m'), 'transcript', 'ttl-5m', ttl5m));
    scenarios.push(totalsOfScenario(scenarioId('transcript', 'ttl-1h'), 'transcript', 'ttl-1h', ttl1h));
    scenarios.push(totalsOfScenario(scenarioId('transcript', 'log-ttl'), 'transcript', 'log-ttl', calibration));
  }

  // 4. Per-session assembly.
  const sessionBreakEvens: Array<SessionBreakEven | null> = [];
  const analyses: SessionAnalysis[] = sessions.map((s, i) => {
    const turns = actualTurns[i] as ActualTurn[];
    const w = bySession.get(i);
    const sc: SessionScenario[] = [];
    let breakEven: SessionBreakEven | null = null;
    if (w !== undefined) {
      for (const id of strategies) {
        const r = compared.get(id)?.[w];
        if (r) sc.push(sessionScenario(id, 'strategy', r, true));
      }
      const r5 = ttl5m[w];
      const r1 = ttl1h[w];
      const rl = calibration[w];
      if (r5) sc.push(sessionScenario(scenarioId('transcript', 'ttl-5m'), 'ttl-5m', r5, false));
      if (r1) sc.push(sessionScenario(scenarioId('transcript', 'ttl-1h'), 'ttl-1h', r1, false));
      if (rl) sc.push(sessionScenario(scenarioId('transcript', 'log-ttl'), 'log-ttl', rl, false));
      const tr = compared.get('transcript')?.[w];
      const st = compared.get('state')?.[w];
      if (tr && st) {
        const n = turns.length;
        breakEven = findBreakEvenTurn(cumulativeByTurn(tr.turns, n), cumulativeByTurn(st.turns, n));
      }
    }
    sessionBreakEvens.push(breakEven);
    const range = timeRange(s);
    const reasoning = s.turns.reduce((a, t) => a + (t.reasoningOutputTokens ?? 0), 0);
    return {
      id: s.id,
      project: s.project,
      format: s.format,
      files: [...s.files],
      firstTimestampMs: range.first,
      lastTimestampMs: range.last,
      streams: streamsOf(s),
      compactions: s.events.filter((e) => e.kind === 'compaction').length,
      isEstimated: s.isEstimated,
      logTtl: logTtlOf(s.turns),
      actual: actualTotalsOf(turns, reasoning),
      turns,
      scenarios: sc,
      breakEven,
      reported: compareReported(s, turns, resolver),
      workloadNotes: notes[i] ?? [],
    };
  });

  const actual = mergeActualTotals(analyses.map((a) => a.actual));
  const sessionTurns = analyses.map((a) => ({ sessionId: a.id, turns: a.turns }));

  // 5. Focus session: --session when it names one session, else the only one.
  let focusIndex: number | null = null;
  if (options.focusSessionId) {
    const f = options.focusSessionId;
    const exact = analyses.findIndex((a) => a.id === f);
    const prefixed = analyses.map((a, i) => (a.id.startsWith(f) ? i : -1)).filter((i) => i >= 0);
    focusIndex = exact >= 0 ? exact : prefixed.length === 1 ? (prefixed[0] as number) : null;
  } else if (analyses.length === 1) {
    focusIndex = 0;
  }

  // 6. Break-even.
  const breakEven = buildBreakEven(analyses, sessionBreakEvens, workloads, simIndex, actualTurns, focusIndex, params, strategies, ttl5m, ttl1h, options.sweeps ?? true, (ws, strategy, overrides) => {
    const env = envFor(overrides);
    let sum = 0;
    for (const w of ws) sum += simulateTotals(w, strategy, env).totalCostUsd;
    return sum;
  });

  // 7. Fleet: per-run averages over the simulated sessions (actual over all priced sessions).
  const fleet = buildFleet(analyses, simIndex, strategies, compared, fleetOptions);

  // 8. Curves.
  const curves = buildCurves(analyses, bySession, strategies, compared, workloads, focusIndex);

  // 9. Prices used and unknown models.
  const modelUse = new Map<string, PricedModelUse>();
  const unknown = new Map<string, UnknownModelRow>();
  for (const s of sessions) {
    for (const t of s.turns) {
      let m = modelUse.get(t.model);
      if (!m) {
        const r = resolver.resolve(t.model);
        m = r.kind === 'known' ? { model: t.model, priceId: r.price.id, matchedBy: r.matchedBy, turns: 0 } : { model: t.model, priceId: null, matchedBy: null, turns: 0 };
        modelUse.set(t.model, m);
      }
      m.turns++;
      if (m.priceId === null) {
        let u = unknown.get(t.model);
        if (!u) unknown.set(t.model, (u = { model: t.model, turns: 0, promptTokens: 0, outputTokens: 0 }));
        u.turns++;
        u.promptTokens += t.promptTokens;
        u.outputTokens += t.outputTokens;
      }
    }
  }
  const byModel = (a: { model: string }, b: { model: string }) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
  const unknownModels = [...unknown.values()].sort(byModel);
  const diagnostics: Diagnostic[] = [
    ...ingest.diagnostics,
    ...unknownModels.map(
      (u): Diagnostic => ({
        code: 'unknown-model',
        severity: 'warning',
        message: `model ${u.model} has no price: ${u.turns} request${u.turns === 1 ? '' : 's'} (${u.promptTokens} prompt + ${u.outputTokens} output tokens) excluded from every cost`,
        details: { model: u.model, turns: u.turns, promptTokens: u.promptTokens, outputTokens: u.outputTokens },
      }),
    ),
  ];

  const withReported = analyses.filter((a) => a.reported !== null);
  const reported =
    withReported.length === 0
      ? null
      : {
          sessions: withReported.length,
          reportedCostUsd: withReported.reduce((a, s) => a + (s.reported?.reportedCostUsd ?? 0), 0),
          computedCostUsd: withReported.reduce((a, s) => a + (s.reported?.computedCostUsd ?? 0), 0),
          differenceUsd: withReported.reduce((a, s) => a + (s.reported?.differenceUsd ?? 0), 0),
          hiddenCostUsd: withReported.reduce((a, s) => a + (s.reported?.hiddenCostUsd ?? 0), 0),
        };

  return {
    generatedAtMs: options.generatedAtMs ?? null,
    inputs: {
      files: ingest.files,
      formats: [...new Set(ingest.files.map((f) => f.format))].sort(),
      sessions: sessions.length,
      turns: sessions.reduce((a, s) => a + s.turns.length, 0),
      duplicateTurnsDropped: ingest.duplicateTurnsDropped,
      filters: options.filters ?? { since: null, until: null, sessions: [], projects: [] },
    },
    pricing: { asOf: resolver.table.asOf, source: resolver.table.source, models: [...modelUse.values()].sort(byModel) },
    unknownModels,
    assumptions: { strategies, simulation: flattenParams(params) },
    actual,
    scenarios,
    misses: summarizeMisses(sessionTurns, miss),
    topTurns: topTurns(sessionTurns, options.top),
    sessions: analyses,
    curves,
    breakEven,
    fleet,
    reported,
    diagnostics,
  };
}

function buildBreakEven(
  analyses: readonly SessionAnalysis[],
  sessionBreakEvens: ReadonlyArray<SessionBreakEven | null>,
  workloads: readonly Workload[],
  simIndex: readonly number[],
  actualTurns: readonly ActualTurn[][],
  focusIndex: number | null,
  params: SimulationParams,
  strategies: readonly StrategyId[],
  ttl5m: readonly StrategyResult[],
  ttl1h: readonly StrategyResult[],
  sweeps: boolean,
  total: TotalCost,
): BreakEvenReport {
  const available = strategies.includes('state') && strategies.includes('transcript') && workloads.length > 0;
  const evaluated = sessionBreakEvens.filter((b): b is SessionBreakEven => b !== null);
  // Focus: the chosen session, else the simulated session with the most turns.
  let focus = focusIndex;
  if (focus === null || sessionBreakEvens[focus] === null) {
    let best = -1;
    sessionBreakEvens.forEach((b, i) => {
      if (b && (best < 0 || b.turns > (sessionBreakEvens[best]?.turns ?? 0))) best = i;
    });
    focus = best >= 0 ? best : null;
  }
  const idleGaps: number[] = [];
  for (const i of simIndex) for (const t of actualTurns[i] ?? []) if (t.idleGapMs !== null) idleGaps.push(t.idleGapMs);
  const contextTokens = simIndex.flatMap((i) => (actualTurns[i] ?? []).map((t) => t.promptTokens));
  const averageContextTokens = contextTokens.length > 0 ? contextTokens.reduce((a, b) => a + b, 0) / contextTokens.length : 0;
  const sum = (rs: readonly StrategyResult[]) => rs.reduce((a, r) => a + r.totalCostUsd, 0);
  const emptyGap: BreakEvenReport['gap'] = { points: [], crossoverGapMs: null, lastTranscriptWinGapMs: null, stateCheaperAtAllGaps: false, transcriptMonotone: true };
  const observedStateRatio = stateRatioOf(params);
  const emptyState: BreakEvenReport['stateSize'] = {
    observedStateRatio,
    maxWinningStateRatio: null,
    maxWinningStateTokens: null,
    averageContextTokens,
    transcriptCostUsd: 0,
    points: [],
  };
  const patterns = patternTable(
    analyses.map((a) => {
      const stateScenario = a.scenarios.find((s) => s.id === 'state');
      const transcriptScenario = a.scenarios.find((s) => s.id === 'transcript');
      let maxGap: number | null = null;
      for (const t of a.turns) if (t.idleGapMs !== null) maxGap = maxGap === null ? t.idleGapMs : Math.max(maxGap, t.idleGapMs);
      return {
        turns: a.turns.length,
        maxIdleGapMs: maxGap,
        actualCostUsd: a.actual.cost.totalUsd,
        transcriptCostUsd: transcriptScenario?.totalCostUsd ?? 0,
        stateCostUsd: stateScenario?.totalCostUsd ?? 0,
      };
    }),
  );
  const turnsWithBreakEven = evaluated.filter((b) => b.breakEvenTurn !== null).map((b) => b.breakEvenTurn as number);
  return {
    available,
    focusSessionId: focus !== null ? (analyses[focus]?.id ?? null) : null,
    focus: focus !== null ? (sessionBreakEvens[focus] ?? null) : null,
    sessionsEvaluated: evaluated.length,
    sessionsWithBreakEven: turnsWithBreakEven.length,
    sessionsStateCheaper: evaluated.filter((b) => b.stateCostUsd < b.transcriptCostUsd).length,
    medianBreakEvenTurn: median(turnsWithBreakEven),
    gap: available && sweeps ? sweepIdleGap(workloads, total) : emptyGap,
    stateSize: available && sweeps ? sweepStateRatio(workloads, total, observedStateRatio, averageContextTokens) : emptyState,
    ttl: ttlChoice(idleGaps, sum(ttl5m), sum(ttl1h)),
    patterns: available ? patterns : patterns.map((p) => ({ ...p, transcriptCostUsd: 0, stateCostUsd: 0, cheaper: null })),
  };
}

function buildFleet(
  analyses: readonly SessionAnalysis[],
  simIndex: readonly number[],
  strategies: readonly StrategyId[],
  compared: ReadonlyMap<StrategyId, StrategyResult[]>,
  f: FleetOptions,
): FleetReport {
  const runs = simIndex.length;
  const rows: FleetReport['rows'] = [];
  if (runs > 0) {
    const simulated = simIndex.map((i) => analyses[i] as SessionAnalysis);
    const actualCost = simulated.reduce((a, s) => a + s.actual.cost.totalUsd, 0);
    const actualTokens = simulated.reduce((a, s) => a + s.actual.tokens.promptTokens + s.actual.tokens.outputTokens, 0);
    const row = (scenario: string, cost: number, tokens: number) => {
      const p = projectFleet(cost / runs, tokens / runs, { agents: f.agents, runsPerDay: f.runsPerDay, retryRate: f.retryRate, days: f.days });
      return {
        scenario,
        perRunCostUsd: cost / runs,
        tokensPerRun: tokens / runs,
        runsPerDay: p.billedRunsPerDay,
        costPerDayUsd: p.costPerDayUsd,
        costPerMonthUsd: p.costPerMonthUsd,
        costOverDaysUsd: p.costOverDaysUsd,
      };
    };
    rows.push(row('actual', actualCost, actualTokens));
    for (const id of strategies) {
      const rs = compared.get(id) ?? [];
      rows.push(
        row(
          id,
          rs.reduce((a, r) => a + r.totalCostUsd, 0),
          rs.reduce((a, r) => a + r.totalPromptTokens + r.totalOutputTokens, 0),
        ),
      );
    }
  }
  return { agents: f.agents, runsPerDay: f.runsPerDay, retryRate: f.retryRate, days: f.days, observedRuns: runs, rows };
}

function buildCurves(
  analyses: readonly SessionAnalysis[],
  bySession: ReadonlyMap<number, number>,
  strategies: readonly StrategyId[],
  compared: ReadonlyMap<StrategyId, StrategyResult[]>,
  workloads: readonly Workload[],
  focusIndex: number | null,
): AnalysisCurves {
  const indices = focusIndex !== null ? [focusIndex] : analyses.map((_, i) => i);
  const length = Math.max(0, ...indices.map((i) => analyses[i]?.turns.length ?? 0));
  const add = (into: number[], values: readonly number[]) => values.forEach((v, k) => (into[k] = (into[k] ?? 0) + v));
  const actual = new Array<number>(length).fill(0);
  for (const i of indices) add(actual, (analyses[i]?.turns ?? []).map((t) => t.cost?.totalUsd ?? 0));
  const series: CurveSeries[] = [{ id: 'actual', perTurnUsd: actual, cumulativeUsd: cumulate(actual) }];
  for (const id of strategies) {
    const per = new Array<number>(length).fill(0);
    for (const i of indices) {
      const w = bySession.get(i);
      if (w === undefined) continue;
      const r = compared.get(id)?.[w];
      if (r) add(per, perTurnCost(r.turns, analyses[i]?.turns.length ?? 0));
    }
    series.push({ id, perTurnUsd: per, cumulativeUsd: cumulate(per) });
  }
  return {
    basis: focusIndex !== null ? 'session' : 'aggregate',
    sessionId: focusIndex !== null ? (analyses[focusIndex]?.id ?? null) : null,
    series,
  };
}

function cumulate(values: readonly number[]): number[] {
  let sum = 0;
  return values.map((v) => (sum += v));
}
