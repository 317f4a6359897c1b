import type { Provider } from './usage.js';

/**
 * How a provider caches prompt prefixes; decides the cache rules the
 * simulator applies.
 * - `explicit-breakpoints`: Anthropic; writes cost extra (1.25x 5m, 2x 1h), reads 0.1x, TTL refreshed on hit.
 * - `automatic-prefix`: OpenAI, xAI, Moonshot, Z.ai; no write fee, hits in fixed increments above a minimum.
 * - `implicit+explicit-storage`: Gemini; implicit hits free to write, explicit caches pay storage per hour.
 * - `disk`: DeepSeek; no write fee, long best-effort retention.
 * - `none`: the model has no prompt caching.
 */
export type CacheKind =
  | 'explicit-breakpoints'
  | 'automatic-prefix'
  | 'implicit+explicit-storage'
  | 'disk'
  | 'none';

/** Per-token-category rates in USD per million tokens. */
export interface PriceRates {
  inputUsdPerMTok: number;
  outputUsdPerMTok: number;
  /** 5-minute cache write; equals input for providers without a write fee. */
  cacheWrite5mUsdPerMTok: number;
  /** 1-hour cache write (Anthropic 2x input); equals input where there is no such product. */
  cacheWrite1hUsdPerMTok: number;
  cacheReadUsdPerMTok: number;
}

/**
 * A long-context tier: when a request's total input (uncached + writes + reads)
 * exceeds `aboveInputTokens`, the WHOLE request (output included) is billed at
 * these rates.
 */
export interface PriceTier extends PriceRates {
  aboveInputTokens: number;
}

export interface ModelPrice extends PriceRates {
  /** Canonical model id, e.g. `claude-sonnet-4-5`. */
  id: string;
  provider: Provider;
  /** Other ids that resolve to this row (dated ids, marketing names). */
  aliases: string[];
  /** Long-context tiers, ascending by aboveInputTokens. */
  tiers: PriceTier[];
  /** Prompts shorter than this are never cached. */
  minCacheableTokens: number;
  /** Cache hits grow in this many tokens (OpenAI 128); 1 = token-exact. */
  cacheIncrementTokens: number;
  contextWindowTokens: number;
  maxOutputTokens: number | null;
  cacheKind: CacheKind;
  /** Default lifetime of a cache entry in seconds (300 for Anthropic 5m, 3600 for Gemini explicit). */
  defaultTtlSeconds: number;
  /** Explicit-cache storage in USD per million tokens per hour (Gemini); null when not applicable. */
  storageUsdPerMTokHour: number | null;
  /** Where the figures come from (source keys of pricing-facts, LiteLLM, manual). */
  source: string;
  /** Why a row was corrected by hand, or other caveats. */
  notes: string | null;
}

export interface PriceTable {
  /** ISO date (YYYY-MM-DD) the snapshot was taken. */
  asOf: string;
  /** Human description of the origin (embedded snapshot, user file path…). */
  source: string;
  models: ModelPrice[];
}

/** Cost of one request by component, in USD, full precision. */
export interface CostBreakdown {
  inputUsd: number;
  cacheWrite5mUsd: number;
  cacheWrite1hUsd: number;
  cacheReadUsd: number;
  outputUsd: number;
  /** Explicit-cache storage (Gemini) attributed to this request. */
  storageUsd: number;
  totalUsd: number;
}
