import type { CostBreakdown } from './pricing.js';

export type StrategyId = 'transcript' | 'state' | 'replay' | 'nocache';

/**
 * Why a request did not read (all of) its prefix from the cache.
 * - `cold-start`: first request of the stream, nothing cached yet.
 * - `ttl-expired`: the idle gap since the entry was last used exceeded its TTL.
 * - `compaction`: the history was rewritten by a compaction; the new prefix is uncached.
 * - `model-switch`: a different model has its own cache.
 * - `prefix-change`: the prompt prefix changed or the entry was evicted before its TTL.
 * - `below-minimum`: the prompt is shorter than the model's minimum cacheable length.
 */
export type MissReason =
  | 'cold-start'
  | 'ttl-expired'
  | 'compaction'
  | 'model-switch'
  | 'prefix-change'
  | 'below-minimum';

/** What one turn of a workload looks like, independent of any strategy. */
export interface WorkloadTurn {
  /** Epoch ms; synthetic workloads start at 0. */
  timestampMs: number;
  model: string;
  streamId: string;
  /** New context this turn added (user message, tool results, previous output excluded). */
  appendedTokens: number;
  outputTokens: number;
  /** Set when the real log shows the context was compacted before this turn. */
  compactedBefore: { preTokens: number | null; postTokens: number | null } | null;
  /**
   * TTL class of the cache writes the log used around this turn (Anthropic
   * `cache_creation.ephemeral_1h/5m`); decides the "log default" TTL of the
   * simulation. Absent/null for synthetic workloads and logs without writes.
   */
  writeTtlObserved?: '5m' | '1h' | null;
}

export interface Workload {
  sessionId: string;
  /** Fixed prefix (system prompt + tool schemas) present in every request. */
  systemTokens: number;
  /**
   * Fixed prefix of streams other than `main` (subagents have their own system
   * prompt); a stream not listed uses `systemTokens`.
   */
  streamSystemTokens?: Record<string, number>;
  turns: WorkloadTurn[];
  /** Task fingerprint (see Session.taskFingerprint); null with usage-only logs. */
  taskFingerprint: string | null;
}

/** Prompt tokens of simulated requests by how they were billed, and their output. */
export interface SimulatedTokens {
  promptTokens: number;
  uncachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
}

/** One simulated (or actual) request. */
export interface SimulatedTurn extends SimulatedTokens {
  /** 0-based index of the workload turn this request belongs to. */
  turnIndex: number;
  /** Extra requests a strategy makes (compaction summary, state update) are `side`. */
  kind: 'turn' | 'compaction' | 'state-update' | 'replay';
  timestampMs: number;
  model: string;
  cost: CostBreakdown;
  cumulativeCostUsd: number;
  /** Null when the whole cacheable prefix was a hit (or nothing was cacheable by design). */
  missReason: MissReason | null;
  /** What the miss cost beyond reading the same tokens from cache, USD. */
  missCostUsd: number;
  /** Idle time since the previous request of the same stream, ms (null for the first). */
  idleGapMs: number | null;
}

export interface StrategyResult {
  strategy: StrategyId;
  sessionId: string;
  turns: SimulatedTurn[];
  totalCostUsd: number;
  totalPromptTokens: number;
  totalOutputTokens: number;
  /** The meter's totals of this workload (cost by component, tokens, requests, misses). */
  totals: SimulationTotals;
  /** Parameters the strategy ran with, for the report's assumptions section. */
  params: Record<string, string | number | boolean | null>;
}

/** Totals of a simulated workload (what the fast path returns). */
export interface SimulationTotals extends SimulatedTokens {
  totalCostUsd: number;
  cost: CostBreakdown;
  /** All simulated requests, side requests (compaction, state update, replay) included. */
  requests: number;
  sideRequests: number;
  misses: number;
  missedTokens: number;
  missCostUsd: number;
}

