import type { CacheKind } from '../model/pricing.js';
import type { Provider } from '../model/usage.js';

/**
 * Cache behaviour of a provider family, used where a price source (a LiteLLM
 * file, a `--price` spec) carries prices but not cache rules. The embedded
 * snapshot states every field per row; see its `notes` for the reasoning.
 */
export interface ProviderCacheDefaults {
  cacheKind: CacheKind;
  minCacheableTokens: number;
  cacheIncrementTokens: number;
  defaultTtlSeconds: number;
  /** Write-price multipliers over input when a source gives none (Anthropic 1.25x / 2x). */
  write5mMultiplier: number;
  write1hMultiplier: number;
}

export const PROVIDER_CACHE_DEFAULTS: Readonly<Record<Provider, ProviderCacheDefaults>> = {
  // 5-minute TTL, writes 1.25x / 2x, minimum 1024 for most models [A1].
  anthropic: { cacheKind: 'explicit-breakpoints', minCacheableTokens: 1024, cacheIncrementTokens: 1, defaultTtlSeconds: 300, write5mMultiplier: 1.25, write1hMultiplier: 2 },
  // >= 1024 tokens, 128-token increments, in-memory 5-10 min [O1].
  openai: { cacheKind: 'automatic-prefix', minCacheableTokens: 1024, cacheIncrementTokens: 128, defaultTtlSeconds: 300, write5mMultiplier: 1, write1hMultiplier: 1 },
  // Explicit-cache default TTL 1 h [G1]; minimums vary 1024-4096 by model.
  google: { cacheKind: 'implicit+explicit-storage', minCacheableTokens: 2048, cacheIncrementTokens: 1, defaultTtlSeconds: 3600, write5mMultiplier: 1, write1hMultiplier: 1 },
  // 64-token units; "a few hours to a few days" [D1].
  deepseek: { cacheKind: 'disk', minCacheableTokens: 64, cacheIncrementTokens: 64, defaultTtlSeconds: 14400, write5mMultiplier: 1, write1hMultiplier: 1 },
  xai: { cacheKind: 'automatic-prefix', minCacheableTokens: 1, cacheIncrementTokens: 1, defaultTtlSeconds: 300, write5mMultiplier: 1, write1hMultiplier: 1 },
  moonshot: { cacheKind: 'automatic-prefix', minCacheableTokens: 1, cacheIncrementTokens: 1, defaultTtlSeconds: 300, write5mMultiplier: 1, write1hMultiplier: 1 },
  zai: { cacheKind: 'automatic-prefix', minCacheableTokens: 1, cacheIncrementTokens: 1, defaultTtlSeconds: 300, write5mMultiplier: 1, write1hMultiplier: 1 },
  // Mistral bills cached tokens at 10% with a cache-key hint [M1]; no documented TTL.
  mistral: { cacheKind: 'automatic-prefix', minCacheableTokens: 1, cacheIncrementTokens: 1, defaultTtlSeconds: 300, write5mMultiplier: 1, write1hMultiplier: 1 },
  unknown: { cacheKind: 'automatic-prefix', minCacheableTokens: 1024, cacheIncrementTokens: 1, defaultTtlSeconds: 300, write5mMultiplier: 1, write1hMultiplier: 1 },
};

const PROVIDERS: readonly Provider[] = ['anthropic', 'openai', 'google', 'deepseek', 'xai', 'moonshot', 'zai', 'mistral', 'unknown'];

export function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

const CACHE_KINDS: readonly CacheKind[] = ['explicit-breakpoints', 'automatic-prefix', 'implicit+explicit-storage', 'disk', 'none'];

export function isCacheKind(value: unknown): value is CacheKind {
  return typeof value === 'string' && (CACHE_KINDS as readonly string[]).includes(value);
}
