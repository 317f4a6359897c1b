import type { SourceRef } from './diagnostic.js';

/** Provider family a model belongs to; decides which cache rules apply. */
export type Provider =
  | 'anthropic'
  | 'openai'
  | 'google'
  | 'deepseek'
  | 'xai'
  | 'moonshot'
  | 'zai'
  | 'mistral'
  | 'unknown';

/** Id of an input format module (the `--format` value). */
export type FormatId =
  | 'claude-code'
  | 'claude-stream-json'
  | 'codex'
  | 'api-jsonl'
  | 'openhands'
  | 'csv'
  | 'transcript';

/**
 * The main conversation thread. Subagents / sidechains get their own stream id
 * (e.g. `sidechain`, `agent-3f2a`), because each keeps its own prompt cache.
 */
export const MAIN_STREAM = 'main';

/**
 * One billed API request, normalized. All token fields are non-negative
 * integers and are disjoint: the prompt is exactly
 * `inputTokens + cacheWrite5mTokens + cacheWrite1hTokens + cacheReadTokens`.
 */
export interface Turn {
  /** Epoch milliseconds (UTC) of the request, or null when the log has no time. */
  timestampMs: number | null;
  /** Model id exactly as logged (resolution to a price row happens in price/). */
  model: string;
  provider: Provider;
  /** `main` or the id of a subagent/sidechain stream; each stream has its own cache. */
  streamId: string;
  /** Uncached input tokens (after the last cache breakpoint). */
  inputTokens: number;
  /** Tokens written to a 5-minute cache entry. */
  cacheWrite5mTokens: number;
  /** Tokens written to a 1-hour cache entry. */
  cacheWrite1hTokens: number;
  /** Tokens served from the cache. */
  cacheReadTokens: number;
  /** Output tokens, reasoning/thinking included. */
  outputTokens: number;
  /** The reasoning part of outputTokens when the log gives it apart, else null. */
  reasoningOutputTokens: number | null;
  /** inputTokens + cacheWrite5mTokens + cacheWrite1hTokens + cacheReadTokens. */
  promptTokens: number;
  /**
   * False when the log gave only a total cache-write count and it was
   * attributed to the 5-minute bucket by assumption.
   */
  isCacheSplitKnown: boolean;
  /** True when token counts were estimated with a tokenizer (transcripts without usage). */
  isEstimated: boolean;
  /** Cost the provider/log itself reported for this request, when present (CSV exports). */
  reportedCostUsd: number | null;
  source: SourceRef;
}

/** A context compaction seen in the log (Claude Code compact_boundary, Codex compaction). */
export interface CompactionEvent {
  kind: 'compaction';
  timestampMs: number | null;
  streamId: string;
  trigger: 'auto' | 'manual' | 'unknown';
  /** Context size before compaction, in tokens, when logged. */
  preTokens: number | null;
  /** Context size after compaction, in tokens, when logged. */
  postTokens: number | null;
  source: SourceRef;
}

export type SessionEvent = CompactionEvent;

/** Per-model cost the provider reported itself (Claude Code stream-json `modelUsage`). */
export interface ReportedModelCost {
  model: string;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  costUsd: number;
}

/** Totals the log itself states (e.g. the final `result` event of `claude -p` stream-json). */
export interface ReportedCost {
  totalCostUsd: number;
  byModel: ReportedModelCost[];
  numTurns: number | null;
  durationMs: number | null;
  source: SourceRef;
}

export interface Session {
  /** Session id from the log, or derived from the file name. */
  id: string;
  /** Project (Claude Code project dir, cwd, or CSV/API grouping), when known. */
  project: string | null;
  format: FormatId;
  /** Files that contributed to this session, sorted. */
  files: string[];
  /** Turns sorted by (timestampMs, source file, source line); deduplicated. */
  turns: Turn[];
  events: SessionEvent[];
  reportedCost: ReportedCost | null;
  /**
   * Fingerprint of the task (model + normalized first user prompt) when the
   * log carries content; used by the replay strategy to find repeated tasks.
   */
  taskFingerprint: string | null;
  /** True when all token counts were estimated with a tokenizer. */
  isEstimated: boolean;
}

/** Sum of the billed token categories over some turns. */
export interface TokenTotals {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  promptTokens: number;
  turns: number;
}
