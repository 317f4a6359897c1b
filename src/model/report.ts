/**
 * The typed result of `token-econ analyze`: everything the renderers (terminal,
 * JSON, NDJSON, CSV, Markdown/HTML) show, computed once by `buildAnalysis`
 * (src/pipeline.ts). Money in full precision (USD), token counts as integers,
 * times as epoch ms; rounding and ISO formatting happen only in renderers.
 * The public, versioned JSON shape is `ReportJson` in src/render/report-json.ts.
 */
import type { Diagnostic, FileAccounting, SourceRef } from './diagnostic.js';
import type { CostBreakdown } from './pricing.js';
import type { MissReason, SimulatedTurn, StrategyId } from './simulation.js';
import type { FormatId, TokenTotals } from './usage.js';

/** TTL class of a cache entry. */
export type CacheTtl = '5m' | '1h';

/** One actual (logged) request with its computed cost and miss attribution. */
export interface ActualTurn {
  /** 0-based position in the session (all streams, time order). */
  index: number;
  timestampMs: number | null;
  streamId: string;
  /** Model as logged. */
  model: string;
  /** Price row used, or null when the model is unknown (then `cost` is null). */
  priceId: string | null;
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  promptTokens: number;
  /** Null for a model without a price: excluded from every total, never $0. */
  cost: CostBreakdown | null;
  /** Running total of the session's priced turns up to and including this one. */
  cumulativeCostUsd: number;
  /** Time since the previous request of the same stream, ms; null for the first or without timestamps. */
  idleGapMs: number | null;
  /** Why this request re-paid (part of) a prefix the same stream had cached; null when it did not. */
  missReason: MissReason | null;
  /** Prefix tokens that were written or sent uncached instead of read. */
  missedTokens: number;
  /** What those tokens cost beyond a cache read of the same tokens (USD; 0 when unpriced). */
  missCostUsd: number;
  /** TTL of the cache entry this request could have read (from the 5m/1h split of earlier writes). */
  cacheTtl: CacheTtl | null;
  /** Cost the log itself reported for this request (CSV cost columns), when present. */
  reportedCostUsd: number | null;
  isEstimated: boolean;
  source: SourceRef;
}

/** Token and cost totals of the actual turns (priced turns only in the cost). */
export interface ActualTotals {
  tokens: TokenTotals;
  cost: CostBreakdown;
  /** cacheRead / prompt tokens over priced and unpriced turns; 0 with no prompt tokens. */
  cacheHitRatio: number;
  pricedTurns: number;
  /** Turns of unknown models: in the token counts, excluded from every cost. */
  unpricedTurns: number;
  /** Sum of missCostUsd over the turns. */
  missCostUsd: number;
}

/**
 * A simulated scenario: a strategy from `--compare`, or a TTL variant of
 * `transcript` (`transcript@5m`, `transcript@1h`), or the calibration run
 * (`transcript@log`: the log's own TTL per session, to compare with actual).
 */
export type ScenarioKind = 'strategy' | 'ttl-5m' | 'ttl-1h' | 'log-ttl';

export interface ScenarioTotals {
  /** `transcript`, `state`, … or `transcript@5m`, `transcript@1h`, `transcript@log`. */
  id: string;
  strategy: StrategyId;
  kind: ScenarioKind;
  totalCostUsd: number;
  cost: CostBreakdown;
  promptTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  /** cacheRead / prompt over all simulated requests. */
  cacheHitRatio: number;
  /** Requests simulated, side requests (compaction, state update, replay) included. */
  requests: number;
  sideRequests: number;
  /** Sum of missCostUsd of the simulated requests. */
  missCostUsd: number;
  /** Sessions the scenario covered (sessions whose turns are all of unknown models are skipped). */
  sessions: number;
}

/**
 * Per-request rows of a simulated scenario, read by index: kept compactly
 * (src/analyze/turn-table.ts) and made into objects only while rendered.
 */
export interface SimulatedTurnList extends Iterable<SimulatedTurn> {
  readonly length: number;
  /** Row `index` (a fresh object each call). */
  at(index: number): SimulatedTurn;
}

/** One simulated strategy for one session. */
export interface SessionScenario {
  id: string;
  strategy: StrategyId;
  kind: ScenarioKind;
  totalCostUsd: number;
  totalPromptTokens: number;
  totalOutputTokens: number;
  cacheReadTokens: number;
  /** Per-request rows; present for `strategy` scenarios only (the TTL variants keep totals). */
  turns: SimulatedTurnList | null;
  params: Record<string, string | number | boolean | null>;
}

export interface SessionBreakEven {
  /** 1-based workload turn at which cumulative state cost first drops below transcript; null if never. */
  breakEvenTurn: number | null;
  /** True when state stays below transcript from the break-even turn to the end. */
  staysBelow: boolean;
  turns: number;
  transcriptCostUsd: number;
  stateCostUsd: number;
}

export interface SessionReported {
  /** `total_cost_usd` of the log's result event (stream-json), or the sum of per-request cost columns. */
  reportedCostUsd: number;
  /** Computed cost of the same requests (priced turns). */
  computedCostUsd: number;
  /** computed − reported. */
  differenceUsd: number;
  source: 'session-result' | 'per-request';
  /** Turns that carried a reported cost (per-request source), or the session's turns. */
  turns: number;
  byModel: ReportedModelComparison[];
  /** Models in the provider's per-model cost with no request in the log (hidden side calls). */
  hiddenModels: string[];
  /** Reported cost of those hidden calls, USD. */
  hiddenCostUsd: number;
  /** One sentence explaining the difference. */
  explanation: string;
}

export interface ReportedModelComparison {
  model: string;
  reportedCostUsd: number;
  /** Null when the log has no request of this model (hidden side call) or its price is unknown. */
  computedCostUsd: number | null;
  reportedPromptTokens: number;
  loggedPromptTokens: number;
  reportedOutputTokens: number;
  loggedOutputTokens: number;
  /** Requests of this model in the log. */
  loggedTurns: number;
}

export interface SessionAnalysis {
  id: string;
  project: string | null;
  format: FormatId;
  files: string[];
  firstTimestampMs: number | null;
  lastTimestampMs: number | null;
  /** Stream ids, `main` first. */
  streams: string[];
  compactions: number;
  isEstimated: boolean;
  /** TTL the log's writes used (1h when most written tokens were 1h writes), null without writes. */
  logTtl: CacheTtl | null;
  actual: ActualTotals;
  /** Every request (empty when the analysis ran without `keepRows`: outputs that do not list requests). */
  turns: ActualTurn[];
  /** Requests with a miss reason. */
  missedTurns: number;
  scenarios: SessionScenario[];
  /** Null when `state` or `transcript` is not simulated for this session. */
  breakEven: SessionBreakEven | null;
  reported: SessionReported | null;
  /** Notes from deriving the workload (estimates, assumptions). */
  workloadNotes: string[];
}

export interface MissReasonSummary {
  reason: MissReason;
  misses: number;
  missedTokens: number;
  missCostUsd: number;
  /** Smallest and largest idle gap among these misses (ms), null when none had one. */
  minGapMs: number | null;
  maxGapMs: number | null;
}

export interface MissStreamSummary {
  streamId: string;
  model: string;
  reason: MissReason;
  misses: number;
  missedTokens: number;
  missCostUsd: number;
}

export interface MissSummary {
  byReason: MissReasonSummary[];
  byStreamModel: MissStreamSummary[];
  totalMisses: number;
  totalMissCostUsd: number;
  /** Parameters of the attribution (see docs/json-output.md). */
  missMinTokens: number;
  missMinRatio: number;
  compactionDropRatio: number;
}

export interface TopTurn {
  sessionId: string;
  index: number;
  timestampMs: number | null;
  streamId: string;
  model: string;
  promptTokens: number;
  outputTokens: number;
  costUsd: number;
  missReason: MissReason | null;
  missCostUsd: number;
}

export interface GapSweepPoint {
  gapMs: number;
  transcriptCostUsd: number;
  stateCostUsd: number;
}

export interface StateSizePoint {
  stateRatio: number;
  stateCostUsd: number;
}

export type SessionPattern = 'short' | 'long' | 'resume';

export interface PatternRow {
  pattern: SessionPattern;
  /** Human criterion, e.g. `fewer than 10 turns`. */
  criterion: string;
  sessions: number;
  turns: number;
  actualCostUsd: number;
  transcriptCostUsd: number;
  stateCostUsd: number;
  /** Null when there are no sessions of the pattern. */
  cheaper: 'transcript' | 'state' | 'equal' | null;
}

export interface BreakEvenReport {
  /** False when `state` or `transcript` was not simulated (not in --compare) or no session could be priced. */
  available: boolean;
  /** Session the per-turn break-even refers to: `--session`, else the one with the most turns. */
  focusSessionId: string | null;
  focus: SessionBreakEven | null;
  /**
   * Cumulative cost by actual turn of the focus session under transcript and
   * state (what `focus.breakEvenTurn` is read from; index i = turn i + 1).
   */
  focusCurve: { transcriptCumulativeUsd: number[]; stateCumulativeUsd: number[] } | null;
  sessionsEvaluated: number;
  sessionsWithBreakEven: number;
  /** Sessions where state is cheaper than transcript at the end. */
  sessionsStateCheaper: number;
  medianBreakEvenTurn: number | null;
  gap: {
    /** Sweep of a uniform idle gap between all turns of every observed workload. */
    points: GapSweepPoint[];
    /** Smallest gap at which transcript costs more than state, refined by bisection (ms); null if none in the range. */
    crossoverGapMs: number | null;
    /** Largest swept gap at which transcript was still not more expensive (ms). */
    lastTranscriptWinGapMs: number | null;
    /** True when state is cheaper even at the smallest gap. */
    stateCheaperAtAllGaps: boolean;
    /** Transcript cost never decreased as the gap grew (the sweep's sanity check). */
    transcriptMonotone: boolean;
  };
  stateSize: {
    /** The `stateRatio` the run used. */
    observedStateRatio: number;
    /** Largest state ratio at which state is still cheaper than transcript; null when it never is. */
    maxWinningStateRatio: number | null;
    /** State tokens that ratio means on the average observed context (tokens). */
    maxWinningStateTokens: number | null;
    averageContextTokens: number;
    transcriptCostUsd: number;
    points: StateSizePoint[];
  };
  ttl: {
    gapsUnder5m: number;
    gaps5mTo1h: number;
    gapsOver1h: number;
    /** Transcript on the observed workloads with 5m writes / 1h writes. */
    cost5mUsd: number;
    cost1hUsd: number;
    cheaper: CacheTtl | 'equal';
    /** |cost5m − cost1h|. */
    savingUsd: number;
  };
  patterns: PatternRow[];
}

export interface FleetRow {
  /** `actual` or a strategy id. */
  scenario: string;
  perRunCostUsd: number;
  tokensPerRun: number;
  runsPerDay: number;
  costPerDayUsd: number;
  costPerMonthUsd: number;
  costOverDaysUsd: number;
}

export interface FleetReport {
  agents: number;
  runsPerDay: number;
  retryRate: number;
  days: number;
  /** Sessions the per-run averages come from. */
  observedRuns: number;
  rows: FleetRow[];
}

export interface PricedModelUse {
  /** Model as logged. */
  model: string;
  priceId: string | null;
  matchedBy: 'exact' | 'alias' | 'normalized' | 'prefix' | null;
  turns: number;
}

export interface UnknownModelRow {
  model: string;
  turns: number;
  promptTokens: number;
  outputTokens: number;
}

export interface CurveSeries {
  /** `actual` or a scenario id. */
  id: string;
  /** Cost of the n-th turn (side requests included), USD. */
  perTurnUsd: number[];
  cumulativeUsd: number[];
}

export interface AnalysisCurves {
  /** `session`: the `--session` chosen (or the only session); `aggregate`: turn n summed over all sessions. */
  basis: 'session' | 'aggregate';
  sessionId: string | null;
  series: CurveSeries[];
}

export interface AnalysisFilters {
  since: string | null;
  until: string | null;
  sessions: string[];
  projects: string[];
}

export interface AnalysisReport {
  generatedAtMs: number | null;
  inputs: {
    files: FileAccounting[];
    formats: string[];
    sessions: number;
    turns: number;
    duplicateTurnsDropped: number;
    filters: AnalysisFilters;
  };
  pricing: { asOf: string; source: string; models: PricedModelUse[] };
  unknownModels: UnknownModelRow[];
  assumptions: {
    strategies: StrategyId[];
    simulation: Record<string, string | number | boolean | null>;
  };
  actual: ActualTotals;
  /**
   * The actual cost of the sessions the strategies were simulated on: what
   * every scenario is compared with. Equals `actual` unless some sessions
   * could not be simulated (usage-export rows that aggregate many requests,
   * sessions of unpriced models); those are counted in `notSimulated`.
   */
  compared: { sessions: number; notSimulated: number; actual: ActualTotals };
  scenarios: ScenarioTotals[];
  misses: MissSummary;
  topTurns: TopTurn[];
  sessions: SessionAnalysis[];
  curves: AnalysisCurves;
  breakEven: BreakEvenReport;
  fleet: FleetReport;
  reported: {
    sessions: number;
    reportedCostUsd: number;
    computedCostUsd: number;
    differenceUsd: number;
    hiddenCostUsd: number;
  } | null;
  diagnostics: Diagnostic[];
}
