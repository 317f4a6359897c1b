/**
 * The result of `token-econ simulate`: a synthetic scenario run under each
 * compared strategy, with per-turn rows, curves, miss causes and a fleet
 * projection. Types only; built by src/simulate/scenario-report.ts, rendered
 * by src/render/simulation.ts (terminal) and src/render/simulation-json.ts.
 */
import type { CacheKind, CostBreakdown } from './pricing.js';
import type { MissReason, SimulatedTokens, SimulatedTurn, StrategyId } from './simulation.js';

/**
 * Idle gap between the starts of consecutive turns.
 * - `fixed`: always `ms`.
 * - `exp`: exponential with mean `meanMs` (memoryless think time).
 * - `lognormal`: ln(gap in seconds) ~ Normal(mu, sigma): long-tailed pauses.
 * - `uniform`: uniform in [minMs, maxMs].
 */
export type GapSpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'exp'; meanMs: number }
  | { kind: 'lognormal'; mu: number; sigma: number }
  | { kind: 'uniform'; minMs: number; maxMs: number };

/** A one-off idle gap before a given turn, replacing the drawn one (`--pause 6=10m`). */
export interface ScenarioPause {
  /** 1-based turn the pause comes before (>= 2). */
  turn: number;
  gapMs: number;
}

/** What the synthetic workload is, as the flags described it, plus what it came to. */
export interface ScenarioSummary {
  turns: number;
  sessions: number;
  systemTokens: number;
  /** Context each turn appends (user message, tool results); null when `transcriptTokens` spreads a total. */
  turnTokens: number | null;
  /** Visible output per turn; it joins the next prompt. */
  outputTokens: number;
  /** Reasoning per turn: billed as output, not carried into the next prompt. */
  reasoningTokens: number;
  /** The conversation (everything after the system prefix) reaches this size after the last turn; null unless given. */
  transcriptTokens: number | null;
  gap: GapSpec;
  gapDescription: string;
  pauses: ScenarioPause[];
  /** Seed of the gap draws (only matters for a random gap). */
  seed: number;
  /** Start of session k = k × sessionIntervalMs. */
  sessionIntervalMs: number;
  /** Model as requested (`--model`). */
  model: string;
  /** Prompt of the first and last turn of session 1 under `transcript` without compaction. */
  firstPromptTokens: number;
  lastPromptTokens: number;
  /** Idle gaps between turns over all sessions (pauses included); nulls when there is one turn. */
  idleGaps: { count: number; minMs: number | null; medianMs: number | null; maxMs: number | null; overTtl: number };
  /** Caveats of the scenario (e.g. reasoning larger than the appended context). */
  notes: string[];
}

export interface ScenarioPricing {
  asOf: string;
  source: string;
  /** Model as requested and the price row it resolved to. */
  model: string;
  priceId: string;
  /** Where the row's figures come from: source keys of the snapshot, `--price`, or a price file. */
  rowSource: string;
  matchedBy: 'exact' | 'alias' | 'normalized' | 'prefix';
  provider: string;
  cacheKind: CacheKind;
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  cacheWrite5mUsdPerMTok: number;
  cacheWrite1hUsdPerMTok: number;
  cacheReadUsdPerMTok: number;
  minCacheableTokens: number;
  contextWindowTokens: number;
  /** Cache lifetime in effect, seconds (null: the model has no prompt caching). */
  ttlSeconds: number | null;
  /** `flag` when --ttl set it, else `default` (provider / model default). */
  ttlSource: 'flag' | 'default';
  /** Transcript auto-compaction threshold in effect, tokens; null = never compacts. */
  compactAtTokens: number | null;
}

export interface MissCause {
  reason: MissReason;
  misses: number;
  /** What the missed prefixes cost beyond reading them from the cache, USD. */
  missCostUsd: number;
  /** Idle gaps before the missing requests (null when none had a gap). */
  minGapMs: number | null;
  maxGapMs: number | null;
}

export interface SimulatedRun {
  sessionId: string;
  totalCostUsd: number;
  promptTokens: number;
  outputTokens: number;
  params: Record<string, string | number | boolean | null>;
  turns: SimulatedTurn[];
}

export interface StrategySimulation extends SimulatedTokens {
  id: StrategyId;
  description: string;
  runs: number;
  totalCostUsd: number;
  cost: CostBreakdown;
  /** Requests billed, side requests (compaction, state update, replay) included. */
  requests: number;
  sideRequests: number;
  /** cacheReadTokens / promptTokens. */
  cacheHitRatio: number;
  /** totalCostUsd / baseline − 1; null for a zero baseline. */
  changeVsBaselineRatio: number | null;
  /** Average run (session). */
  costPerRunUsd: number;
  /** Prompt + output tokens of the average run. */
  tokensPerRun: number;
  /**
   * Conversation carried into a next turn after the last one, system prefix
   * excluded, averaged over the runs that ran turns: the transcript's history
   * (reasoning excluded) or the state. Null when no run had a turn (all replayed).
   */
  carriedContextTokens: number | null;
  misses: MissCause[];
  totalMisses: number;
  missCostUsd: number;
  /** Replay: runs replayed (0 for other strategies). */
  replayedRuns: number;
  /** Cost of turn n of the average run (side requests included), index = turn − 1. */
  perTurnUsd: number[];
  cumulativeUsd: number[];
  /** Parameters of the strategy (of the first run). */
  params: Record<string, string | number | boolean | null>;
  sessions: SimulatedRun[];
}

export interface FleetRowSummary {
  strategy: StrategyId;
  costPerRunUsd: number;
  tokensPerRun: number;
  /** Runs billed per day over the fleet: agents × runsPerDay × (1 + retryRate). */
  billedRunsPerDay: number;
  tokensPerDay: number;
  costPerDayUsd: number;
  /** 30-day month. */
  costPerMonthUsd: number;
  costOverDaysUsd: number;
}

export interface FleetSummary {
  agents: number;
  runsPerDay: number;
  retryRate: number;
  days: number;
  /** Which of agents / runsPerDay / retryRate / days were not given and took the default. */
  defaulted: Array<'agents' | 'runsPerDay' | 'retryRate' | 'days'>;
  rows: FleetRowSummary[];
}

export interface SimulationReport {
  scenario: ScenarioSummary;
  pricing: ScenarioPricing;
  /** Every simulation parameter (SimulationParams). */
  params: Record<string, string | number | boolean | null>;
  /** The strategy the "vs" column compares with: nocache when compared, else the first. */
  baseline: StrategyId;
  strategies: StrategySimulation[];
  fleet: FleetSummary;
  /** Caveats of the run (replay hit rate not reached, default sessions capped…). */
  notes: string[];
}
