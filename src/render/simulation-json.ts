/**
 * The public, versioned JSON document of `token-econ simulate --json`. A
 * contract like the analyze report: mapped field by field from the internal
 * SimulationReport, described in schema/simulate.schema.json and
 * docs/json-output.md, changed only additively within a schemaVersion.
 * Money in USD at full precision (`…Usd`), tokens as integers (`…Tokens`,
 * averages may be fractional), durations and synthetic times in ms (`…Ms`).
 * No wall-clock time: the same flags give byte-identical output.
 */
import type { CostBreakdown } from '../model/pricing.js';
import type { FleetSummary, GapSpec, MissCause, ScenarioPause, ScenarioPricing, SimulationReport, StrategySimulation } from '../model/simulate-report.js';
import type { MissReason, SimulatedTurn, StrategyId } from '../model/simulation.js';
import { TOOL_VERSION } from '../version.js';
import { costJson } from './report-json.js';

/** Bumped only on a breaking change; fields are only ever added within a version. */
export const SIMULATION_SCHEMA_VERSION = 1;

type ParamValue = string | number | boolean | null;

export interface SimulatedTurnJson {
  turnIndex: number;
  kind: SimulatedTurn['kind'];
  /** Start of the request, ms since the start of the first run. */
  timeMs: number;
  model: string;
  promptTokens: number;
  uncachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  cost: CostBreakdown;
  cumulativeCostUsd: number;
  missReason: MissReason | null;
  missCostUsd: number;
  idleGapMs: number | null;
}

export interface SimulationJson {
  schemaVersion: number;
  kind: 'simulation';
  tool: { name: 'token-econ'; version: string };
  scenario: {
    turns: number;
    sessions: number;
    systemTokens: number;
    turnTokens: number | null;
    outputTokens: number;
    reasoningTokens: number;
    transcriptTokens: number | null;
    gap: GapSpec & { description: string };
    pauses: ScenarioPause[];
    seed: number;
    sessionIntervalMs: number;
    model: string;
    firstPromptTokens: number;
    lastPromptTokens: number;
    idleGaps: SimulationReport['scenario']['idleGaps'];
    notes: string[];
  };
  pricing: ScenarioPricing;
  params: Record<string, ParamValue>;
  baseline: StrategyId;
  strategies: Array<{
    id: StrategyId;
    description: string;
    runs: number;
    totalCostUsd: number;
    cost: CostBreakdown;
    tokens: {
      promptTokens: number;
      uncachedInputTokens: number;
      cacheWrite5mTokens: number;
      cacheWrite1hTokens: number;
      cacheReadTokens: number;
      outputTokens: number;
    };
    requests: number;
    sideRequests: number;
    cacheHitRatio: number;
    changeVsBaselineRatio: number | null;
    costPerRunUsd: number;
    tokensPerRun: number;
    carriedContextTokens: number | null;
    replayedRuns: number;
    misses: MissCause[];
    totalMisses: number;
    missCostUsd: number;
    curve: { perTurnUsd: number[]; cumulativeUsd: number[] };
    params: Record<string, ParamValue>;
    sessions: Array<{
      sessionId: string;
      totalCostUsd: number;
      promptTokens: number;
      outputTokens: number;
      params: Record<string, ParamValue>;
      turns: SimulatedTurnJson[];
    }>;
  }>;
  fleet: FleetSummary;
  notes: string[];
}

function turnJson(t: SimulatedTurn): SimulatedTurnJson {
  return {
    turnIndex: t.turnIndex,
    kind: t.kind,
    timeMs: t.timestampMs,
    model: t.model,
    promptTokens: t.promptTokens,
    uncachedInputTokens: t.uncachedInputTokens,
    cacheWrite5mTokens: t.cacheWrite5mTokens,
    cacheWrite1hTokens: t.cacheWrite1hTokens,
    cacheReadTokens: t.cacheReadTokens,
    outputTokens: t.outputTokens,
    cost: costJson(t.cost),
    cumulativeCostUsd: t.cumulativeCostUsd,
    missReason: t.missReason,
    missCostUsd: t.missCostUsd,
    idleGapMs: t.idleGapMs,
  };
}

function strategyJson(s: StrategySimulation): SimulationJson['strategies'][number] {
  return {
    id: s.id,
    description: s.description,
    runs: s.runs,
    totalCostUsd: s.totalCostUsd,
    cost: costJson(s.cost),
    tokens: {
      promptTokens: s.promptTokens,
      uncachedInputTokens: s.uncachedInputTokens,
      cacheWrite5mTokens: s.cacheWrite5mTokens,
      cacheWrite1hTokens: s.cacheWrite1hTokens,
      cacheReadTokens: s.cacheReadTokens,
      outputTokens: s.outputTokens,
    },
    requests: s.requests,
    sideRequests: s.sideRequests,
    cacheHitRatio: s.cacheHitRatio,
    changeVsBaselineRatio: s.changeVsBaselineRatio,
    costPerRunUsd: s.costPerRunUsd,
    tokensPerRun: s.tokensPerRun,
    carriedContextTokens: s.carriedContextTokens,
    replayedRuns: s.replayedRuns,
    misses: s.misses.map((m) => ({ reason: m.reason, misses: m.misses, missCostUsd: m.missCostUsd, minGapMs: m.minGapMs, maxGapMs: m.maxGapMs })),
    totalMisses: s.totalMisses,
    missCostUsd: s.missCostUsd,
    curve: { perTurnUsd: [...s.perTurnUsd], cumulativeUsd: [...s.cumulativeUsd] },
    params: { ...s.params },
    sessions: s.sessions.map((r) => ({
      sessionId: r.sessionId,
      totalCostUsd: r.totalCostUsd,
      promptTokens: r.promptTokens,
      outputTokens: r.outputTokens,
      params: { ...r.params },
      turns: r.turns.map(turnJson),
    })),
  };
}

export function toSimulationJson(report: SimulationReport): SimulationJson {
  const s = report.scenario;
  return {
    schemaVersion: SIMULATION_SCHEMA_VERSION,
    kind: 'simulation',
    tool: { name: 'token-econ', version: TOOL_VERSION },
    scenario: {
      turns: s.turns,
      sessions: s.sessions,
      systemTokens: s.systemTokens,
      turnTokens: s.turnTokens,
      outputTokens: s.outputTokens,
      reasoningTokens: s.reasoningTokens,
      transcriptTokens: s.transcriptTokens,
      gap: { ...s.gap, description: s.gapDescription },
      pauses: s.pauses.map((p) => ({ turn: p.turn, gapMs: p.gapMs })),
      seed: s.seed,
      sessionIntervalMs: s.sessionIntervalMs,
      model: s.model,
      firstPromptTokens: s.firstPromptTokens,
      lastPromptTokens: s.lastPromptTokens,
      idleGaps: { ...s.idleGaps },
      notes: [...s.notes],
    },
    pricing: { ...report.pricing },
    params: { ...report.params },
    baseline: report.baseline,
    strategies: report.strategies.map(strategyJson),
    fleet: {
      agents: report.fleet.agents,
      runsPerDay: report.fleet.runsPerDay,
      retryRate: report.fleet.retryRate,
      days: report.fleet.days,
      defaulted: [...report.fleet.defaulted],
      rows: report.fleet.rows.map((r) => ({ ...r })),
    },
    notes: [...report.notes],
  };
}
