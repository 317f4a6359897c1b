/**
 * The pure composition behind `token-econ simulate`: a scenario spec + a price
 * resolver + simulation parameters -> one SimulationReport (synthetic
 * workloads, every compared strategy, per-turn curves of the average run,
 * miss causes, fleet projection). No I/O, no clock.
 */
import { InputError } from '../errors.js';
import type { CostBreakdown } from '../model/pricing.js';
import type {
  FleetRowSummary,
  FleetSummary,
  MissCause,
  ScenarioPricing,
  ScenarioSummary,
  SimulatedRun,
  SimulationReport,
  StrategySimulation,
} from '../model/simulate-report.js';
import type { MissReason, StrategyId, StrategyResult, Workload } from '../model/simulation.js';
import { addCost, ZERO_COST } from '../price/cost.js';
import type { PriceResolver } from '../price/resolve.js';
import { projectFleet, type FleetSpec } from './fleet.js';
import { COMPACT_BUFFER_TOKENS, contextWindowOf, type SimulationParams } from './params.js';
import { describeGap, formatDurationSpec, scenarioNotes, syntheticWorkloads, type ScenarioSpec } from './scenario.js';
import { simulate } from './simulate.js';
import { STRATEGIES } from './strategies/index.js';
import { replaysAtRate } from './strategies/replay.js';

export interface SimulationRunOptions {
  strategies: readonly StrategyId[];
  fleet: FleetSpec;
  /** Fleet fields the user did not give (shown as defaults). */
  fleetDefaulted?: FleetSummary['defaulted'];
  /** Extra caveats from the shell (e.g. sessions capped). */
  notes?: string[];
}

const MISS_ORDER: readonly MissReason[] = ['cold-start', 'ttl-expired', 'compaction', 'model-switch', 'prefix-change', 'below-minimum'];

function median(sorted: readonly number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function pricingOf(spec: ScenarioSpec, resolver: PriceResolver, params: SimulationParams): ScenarioPricing {
  const r = resolver.resolve(spec.model);
  if (r.kind === 'unknown') {
    throw new InputError(
      `unknown model '${spec.model}': no price, cannot simulate it`,
      'pick one of `token-econ pricing`, or give a price: --price "model=ID,input=3,output=15"',
    );
  }
  const p = r.price;
  let ttlSeconds: number | null;
  if (p.cacheKind === 'none') ttlSeconds = null;
  else if (params.ttlSeconds !== null) ttlSeconds = params.ttlSeconds;
  else if (p.cacheKind === 'explicit-breakpoints') ttlSeconds = params.anthropicWriteTtl === '1h' ? 3600 : 300;
  else ttlSeconds = p.defaultTtlSeconds;
  let compactAtTokens: number | null = null;
  if (params.compaction) {
    if (params.compactAtTokens !== null) compactAtTokens = params.compactAtTokens;
    else {
      const window = contextWindowOf(spec.model, p.contextWindowTokens);
      if (window > COMPACT_BUFFER_TOKENS) compactAtTokens = window - COMPACT_BUFFER_TOKENS;
    }
  }
  return {
    asOf: resolver.table.asOf,
    source: resolver.table.source,
    model: spec.model,
    priceId: p.id,
    rowSource: p.source,
    matchedBy: r.matchedBy,
    provider: p.provider,
    cacheKind: p.cacheKind,
    inputUsdPerMTok: p.inputUsdPerMTok,
    outputUsdPerMTok: p.outputUsdPerMTok,
    cacheWrite5mUsdPerMTok: p.cacheWrite5mUsdPerMTok,
    cacheWrite1hUsdPerMTok: p.cacheWrite1hUsdPerMTok,
    cacheReadUsdPerMTok: p.cacheReadUsdPerMTok,
    minCacheableTokens: p.minCacheableTokens,
    contextWindowTokens: contextWindowOf(spec.model, p.contextWindowTokens),
    ttlSeconds,
    ttlSource: params.ttlSeconds !== null && p.cacheKind !== 'none' ? 'flag' : 'default',
    compactAtTokens,
  };
}

function scenarioSummary(spec: ScenarioSpec, workloads: readonly Workload[], ttlSeconds: number | null): ScenarioSummary {
  const gaps: number[] = [];
  for (const w of workloads) {
    const turns = w.turns; // read once: a workload over columns makes its turn objects on each read
    for (let i = 1; i < turns.length; i++) gaps.push((turns[i]?.timestampMs ?? 0) - (turns[i - 1]?.timestampMs ?? 0));
  }
  gaps.sort((a, b) => a - b);
  const ttlMs = ttlSeconds === null ? null : ttlSeconds * 1000;
  const first = workloads[0];
  let prompt = spec.systemTokens;
  let firstPrompt = 0;
  let prevOutput = 0;
  first?.turns.forEach((t, i) => {
    prompt += prevOutput + t.appendedTokens;
    if (i === 0) firstPrompt = prompt;
    prevOutput = t.outputTokens;
  });
  const transcript = spec.transcriptTokens ?? null;
  return {
    turns: spec.turns,
    sessions: spec.sessions,
    systemTokens: spec.systemTokens,
    turnTokens: transcript === null ? spec.turnTokens : null,
    outputTokens: spec.outputTokens,
    reasoningTokens: spec.reasoningTokens ?? 0,
    transcriptTokens: transcript,
    gap: spec.gap,
    gapDescription: describeGap(spec.gap, formatDurationSpec),
    pauses: [...(spec.pauses ?? [])].sort((a, b) => a.turn - b.turn),
    seed: spec.seed,
    sessionIntervalMs: spec.sessionIntervalMs,
    model: spec.model,
    firstPromptTokens: firstPrompt,
    lastPromptTokens: first === undefined ? 0 : prompt,
    idleGaps: {
      count: gaps.length,
      minMs: gaps[0] ?? null,
      medianMs: median(gaps),
      maxMs: gaps[gaps.length - 1] ?? null,
      overTtl: ttlMs === null ? 0 : gaps.filter((g) => g > ttlMs).length,
    },
    notes: scenarioNotes(spec),
  };
}

/** Conversation a next turn would carry after this run (see StrategySimulation.carriedContextTokens); null without turns. */
function carriedContextOf(result: StrategyResult, spec: ScenarioSpec, params: SimulationParams): number | null {
  const rows = result.turns;
  const last = rows[rows.length - 1];
  if (last === undefined || last.kind === 'replay') return null;
  if (last.kind === 'state-update') return last.outputTokens;
  let lastTurn = last;
  for (let i = rows.length - 1; i >= 0; i--) {
    const r = rows[i];
    if (r?.kind === 'turn') {
      lastTurn = r;
      break;
    }
  }
  const prefix = result.strategy === 'state' ? (params.stateSchemaTokens ?? spec.systemTokens) : spec.systemTokens;
  const reasoning = spec.reasoningTokens ?? 0;
  return Math.max(0, lastTurn.promptTokens + lastTurn.outputTokens - reasoning - prefix);
}

function strategySimulation(
  id: StrategyId,
  results: readonly StrategyResult[],
  spec: ScenarioSpec,
  params: SimulationParams,
): Omit<StrategySimulation, 'changeVsBaselineRatio'> {
  let cost: CostBreakdown = ZERO_COST;
  let total = 0;
  let prompt = 0;
  let uncached = 0;
  let w5 = 0;
  let w1 = 0;
  let read = 0;
  let output = 0;
  let requests = 0;
  let side = 0;
  let replayed = 0;
  const perTurn = Array<number>(spec.turns).fill(0);
  const misses = new Map<MissReason, MissCause>();
  const carried: number[] = [];
  const sessions: SimulatedRun[] = [];
  for (const r of results) {
    total += r.totalCostUsd;
    for (const t of r.turns) {
      cost = addCost(cost, t.cost);
      prompt += t.promptTokens;
      uncached += t.uncachedInputTokens;
      w5 += t.cacheWrite5mTokens;
      w1 += t.cacheWrite1hTokens;
      read += t.cacheReadTokens;
      output += t.outputTokens;
      requests++;
      if (t.kind !== 'turn') side++;
      if (t.kind === 'replay') replayed++;
      if (t.turnIndex < perTurn.length) perTurn[t.turnIndex] = (perTurn[t.turnIndex] as number) + t.cost.totalUsd;
      if (t.missReason !== null) {
        let m = misses.get(t.missReason);
        if (!m) misses.set(t.missReason, (m = { reason: t.missReason, misses: 0, missCostUsd: 0, minGapMs: null, maxGapMs: null }));
        m.misses++;
        m.missCostUsd += t.missCostUsd;
        if (t.idleGapMs !== null) {
          m.minGapMs = m.minGapMs === null ? t.idleGapMs : Math.min(m.minGapMs, t.idleGapMs);
          m.maxGapMs = m.maxGapMs === null ? t.idleGapMs : Math.max(m.maxGapMs, t.idleGapMs);
        }
      }
    }
    const c = carriedContextOf(r, spec, params);
    if (c !== null) carried.push(c);
    sessions.push({
      sessionId: r.sessionId,
      totalCostUsd: r.totalCostUsd,
      promptTokens: r.totalPromptTokens,
      outputTokens: r.totalOutputTokens,
      params: { ...r.params },
      turns: r.turns,
    });
  }
  const runs = results.length;
  const perTurnUsd = perTurn.map((v) => (runs > 0 ? v / runs : 0));
  const cumulativeUsd: number[] = [];
  let acc = 0;
  for (const v of perTurnUsd) cumulativeUsd.push((acc += v));
  const missList = [...misses.values()].sort((a, b) => b.missCostUsd - a.missCostUsd || MISS_ORDER.indexOf(a.reason) - MISS_ORDER.indexOf(b.reason));
  return {
    id,
    description: STRATEGIES[id].description,
    runs,
    totalCostUsd: total,
    cost: { ...cost },
    promptTokens: prompt,
    uncachedInputTokens: uncached,
    cacheWrite5mTokens: w5,
    cacheWrite1hTokens: w1,
    cacheReadTokens: read,
    outputTokens: output,
    requests,
    sideRequests: side,
    cacheHitRatio: prompt > 0 ? read / prompt : 0,
    costPerRunUsd: runs > 0 ? total / runs : 0,
    tokensPerRun: runs > 0 ? (prompt + output) / runs : 0,
    carriedContextTokens: carried.length > 0 ? carried.reduce((a, b) => a + b, 0) / carried.length : null,
    misses: missList,
    totalMisses: missList.reduce((a, m) => a + m.misses, 0),
    missCostUsd: missList.reduce((a, m) => a + m.missCostUsd, 0),
    replayedRuns: replayed,
    perTurnUsd,
    cumulativeUsd,
    params: { ...(results[0]?.params ?? {}) },
    sessions,
  };
}

/** The strategy "vs" columns compare with: nocache when compared, else the first. */
export function baselineOf(strategies: readonly StrategyId[]): StrategyId {
  return strategies.includes('nocache') ? 'nocache' : (strategies[0] ?? 'transcript');
}

/** Builds the synthetic workloads of `spec` and runs them under every strategy. */
export function buildSimulationReport(
  spec: ScenarioSpec,
  resolver: PriceResolver,
  params: SimulationParams,
  options: SimulationRunOptions,
): SimulationReport {
  const strategies = [...new Set(options.strategies)];
  if (strategies.length === 0) throw new InputError('--compare needs at least one strategy');
  const pricing = pricingOf(spec, resolver, params);
  const workloads = syntheticWorkloads(spec);
  const results = simulate(workloads, strategies, { resolver, params });
  const baseline = baselineOf(strategies);
  const sims = strategies.map((id) => strategySimulation(id, results.get(id) ?? [], spec, params));
  const baseCost = sims.find((s) => s.id === baseline)?.totalCostUsd ?? 0;
  const full: StrategySimulation[] = sims.map((s) => ({
    ...s,
    changeVsBaselineRatio: baseCost > 0 ? s.totalCostUsd / baseCost - 1 : null,
  }));

  const fleetRows: FleetRowSummary[] = full.map((s) => {
    const f = projectFleet(s.costPerRunUsd, s.tokensPerRun, options.fleet);
    return {
      strategy: s.id,
      costPerRunUsd: f.costPerRunUsd,
      tokensPerRun: f.tokensPerRun,
      billedRunsPerDay: f.billedRunsPerDay,
      tokensPerDay: f.tokensPerDay,
      costPerDayUsd: f.costPerDayUsd,
      costPerMonthUsd: f.costPerMonthUsd,
      costOverDaysUsd: f.costOverDaysUsd,
    };
  });

  const notes = [...(options.notes ?? [])];
  const replay = full.find((s) => s.id === 'replay');
  if (replay) {
    const rate = params.replayHitRate;
    if (rate === null) {
      notes.push('replay: synthetic runs carry no task fingerprint and no --replay-hit-rate was given, so no run replays (replay = transcript)');
    } else {
      let expected = 0;
      for (let j = 0; j < spec.sessions; j++) if (replaysAtRate(j, rate)) expected++;
      const wanted = rate * spec.sessions;
      if (Math.abs(expected - wanted) >= 1e-9) {
        notes.push(
          `replay: ${replay.replayedRuns} of ${spec.sessions} runs replayed, not ${Number((rate * 100).toFixed(4))}%: exactly floor(runs × rate) replay and never the first; simulate more runs (--sessions) to reach the rate`,
        );
      }
    }
  }

  return {
    scenario: scenarioSummary(spec, workloads, pricing.ttlSeconds),
    pricing,
    params: { ...params },
    baseline,
    strategies: full,
    fleet: {
      agents: options.fleet.agents,
      runsPerDay: options.fleet.runsPerDay,
      retryRate: options.fleet.retryRate,
      days: options.fleet.days,
      defaulted: [...(options.fleetDefaulted ?? [])],
      rows: fleetRows,
    },
    notes,
  };
}
