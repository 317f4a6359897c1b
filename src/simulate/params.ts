/**
 * Parameters of a simulation run. Every default is a documented figure (see
 * /docs and the facts sheet keys in brackets); the CLI flags map 1:1 onto
 * these fields.
 */

export interface SimulationParams {
  /**
   * Cache entry lifetime in seconds (`--ttl 5m`, `1h`, `300s`). Null = the
   * provider/model default: Anthropic uses the TTL class the log used for the
   * turn (`WorkloadTurn.writeTtlObserved`), else `anthropicWriteTtl`; other
   * providers use the price row's `defaultTtlSeconds` (OpenAI in-memory 300 s
   * or 24 h retention, Gemini 3600 s, DeepSeek 4 h). For Anthropic an explicit
   * TTL above 300 s writes at the 1-hour price (2x), else at the 5-minute price (1.25x).
   */
  ttlSeconds: number | null;
  /** Write class of new Anthropic entries when neither `ttlSeconds` nor the log decides. */
  anthropicWriteTtl: '5m' | '1h';
  /** Auto-compaction of the transcript strategy when the context passes `compactAtTokens`. */
  compaction: boolean;
  /**
   * Context size (tokens) at which the transcript is compacted. Null = the
   * model's context window − 33,000 (Claude Code 2.1.x: window − min(maxOutput,
   * 20K) − 13K buffer = ~167K on 200K, ~967K on 1M [CC1][CC2][CC3]); no
   * auto-compaction for a model whose window is unknown (0).
   */
  compactAtTokens: number | null;
  /**
   * Size of a compaction summary, tokens: the output of the compaction request
   * and the context that replaces the history. Default 12,000: Claude Code's
   * `postTokens` is typically 8–13K (p99.99 of the summary ~17.4K, 20K
   * reserved) [CC3][CC4]; we take the upper part of the typical range because
   * the post-compaction context also re-injects files and memory [CC1].
   */
  summaryTokens: number;
  /**
   * State size as a share of the transcript it replaces. Default 740/3777 ≈
   * 0.196: the source article's 44-turn debugging session (3,777-token
   * transcript, 740-token extracted state, −80.4%).
   */
  stateRatio: number;
  /**
   * Upper bound of the state, tokens. Default 20,000: the state is the output
   * of an update call, and 20K is the output budget Claude Code reserves for
   * its compaction summary (MAX_OUTPUT_TOKENS_FOR_SUMMARY) [CC3].
   */
  stateCapTokens: number;
  /** Fixed schema/instructions prefix of the state strategy; null = the workload's system prefix. */
  stateSchemaTokens: number | null;
  /** Model of the state-update request; null = the turn's model. */
  stateUpdateModel: string | null;
  /** A state-update request after every N-th turn of a stream (1 = after every turn). */
  stateUpdateEvery: number;
  /** Tokens a replayed run still costs (uncached input of the run's model); ≈0. */
  replayCostTokens: number;
  /** A remembered execution path is forgotten this long after it was recorded; null = never. */
  replayTtlMs: number | null;
  /**
   * Share of runs replayed when workloads carry no task fingerprint
   * (usage-only logs, synthetic scenarios); null = no replay without fingerprints.
   * Run j (0-based, in order) is a replay iff floor((j+1)·r) > floor(j·r):
   * exactly floor(n·r) of n runs replay, spread evenly, the first run never.
   */
  replayHitRate: number | null;
  /**
   * Gemini: `implicit` (default; no write fee, no storage, discounted hits) or
   * `explicit` (CachedContent: written at the input price, storage billed per
   * MTok-hour while the entry lives) [G1][G4].
   */
  geminiCache: 'implicit' | 'explicit';
  /**
   * When set, every workload is re-timed with this idle gap between consecutive
   * turns (turn i at i·gap) without copying it: the allocation-free path for
   * idle-gap sweeps. Null = the workload's own timestamps.
   */
  gapOverrideMs: number | null;
}

export const DEFAULT_STATE_RATIO = 740 / 3777;

export const DEFAULT_SIMULATION_PARAMS: SimulationParams = Object.freeze({
  ttlSeconds: null,
  anthropicWriteTtl: '5m',
  compaction: true,
  compactAtTokens: null,
  summaryTokens: 12_000,
  stateRatio: DEFAULT_STATE_RATIO,
  stateCapTokens: 20_000,
  stateSchemaTokens: null,
  stateUpdateModel: null,
  stateUpdateEvery: 1,
  replayCostTokens: 0,
  replayTtlMs: null,
  replayHitRate: null,
  geminiCache: 'implicit',
  gapOverrideMs: null,
}) as SimulationParams;

/** Claude Code's auto-compact buffer below the window: min(maxOutput, 20K) + 13K [CC2][CC3]. */
export const COMPACT_BUFFER_TOKENS = 33_000;

/**
 * Context window a model id runs with: 1M for Claude Code's `[1m]` selector
 * (`claude-sonnet-4-5[1m]`: the 1M beta of a model whose default window is
 * 200K), else the price row's window (0 = unknown).
 */
export function contextWindowOf(model: string, contextWindowTokens: number): number {
  return /\[1m\]\s*$/i.test(model) ? Math.max(1_000_000, contextWindowTokens) : contextWindowTokens;
}

/** Checks a params object; returns the first problem as a sentence, or null. */
export function validateSimulationParams(p: SimulationParams): string | null {
  const nonNeg = (name: string, v: number): string | null =>
    Number.isFinite(v) && v >= 0 ? null : `${name} must be a non-negative number, got ${v}`;
  const checks: Array<string | null> = [
    p.ttlSeconds === null ? null : Number.isFinite(p.ttlSeconds) && p.ttlSeconds > 0 ? null : `ttl must be positive, got ${p.ttlSeconds}`,
    p.compactAtTokens === null ? null : Number.isInteger(p.compactAtTokens) && p.compactAtTokens > 0 ? null : `compact-at must be a positive whole number of tokens, got ${p.compactAtTokens}`,
    Number.isInteger(p.summaryTokens) && p.summaryTokens >= 0 ? null : `summary-tokens must be a whole number >= 0, got ${p.summaryTokens}`,
    Number.isFinite(p.stateRatio) && p.stateRatio >= 0 && p.stateRatio <= 1 ? null : `state-ratio must be between 0 and 1, got ${p.stateRatio}`,
    Number.isInteger(p.stateCapTokens) && p.stateCapTokens >= 0 ? null : `state-cap must be a whole number >= 0, got ${p.stateCapTokens}`,
    p.stateSchemaTokens === null || (Number.isInteger(p.stateSchemaTokens) && p.stateSchemaTokens >= 0) ? null : `state schema tokens must be a whole number >= 0, got ${p.stateSchemaTokens}`,
    Number.isInteger(p.stateUpdateEvery) && p.stateUpdateEvery >= 1 ? null : `state-update-every must be a whole number >= 1, got ${p.stateUpdateEvery}`,
    nonNeg('replay-cost', p.replayCostTokens),
    p.replayTtlMs === null ? null : Number.isFinite(p.replayTtlMs) && p.replayTtlMs > 0 ? null : `replay-ttl must be positive, got ${p.replayTtlMs}`,
    p.replayHitRate === null || (Number.isFinite(p.replayHitRate) && p.replayHitRate >= 0 && p.replayHitRate <= 1) ? null : `replay-hit-rate must be between 0 and 1, got ${p.replayHitRate}`,
    p.gapOverrideMs === null ? null : nonNeg('gap override', p.gapOverrideMs),
  ];
  return checks.find((c) => c !== null) ?? null;
}
