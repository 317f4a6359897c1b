import type { CostBreakdown, ModelPrice, PriceRates } from '../model/pricing.js';

/**
 * Billed token counts of one request. The five categories are disjoint: the
 * prompt is exactly `inputTokens + cacheWrite5mTokens + cacheWrite1hTokens +
 * cacheReadTokens` (OpenAI's "cached ⊂ prompt" is undone by the parsers).
 */
export interface RequestTokens {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
}

const PER_MTOK = 1_000_000;

/** Total input that decides the long-context tier: uncached + cache writes + cache reads. */
export function totalInputTokens(tokens: RequestTokens): number {
  return tokens.inputTokens + tokens.cacheWrite5mTokens + tokens.cacheWrite1hTokens + tokens.cacheReadTokens;
}

/**
 * Rates that apply to a request: the tier chosen from TOTAL input (input +
 * writes + reads); above a tier threshold the WHOLE request (output included)
 * is billed at the tier rates (Anthropic's rule [A3], also Gemini [G3] and
 * GPT-5.4/5.5 [L1]). Exactly at the threshold the base rates apply; the tier
 * starts at threshold + 1. ccusage gets this wrong by pricing only the excess.
 */
export function ratesForRequest(price: ModelPrice, tokens: RequestTokens): PriceRates {
  const total = totalInputTokens(tokens);
  let rates: PriceRates = price;
  // Tiers are ascending; the highest one whose threshold is exceeded wins.
  for (const tier of price.tiers) {
    if (total > tier.aboveInputTokens) rates = tier;
  }
  return rates;
}

/** Cost of one request by component at the rates of its tier; `storageUsd` is 0 here. */
export function priceRequest(price: ModelPrice, tokens: RequestTokens): CostBreakdown {
  const r = ratesForRequest(price, tokens);
  const inputUsd = (tokens.inputTokens * r.inputUsdPerMTok) / PER_MTOK;
  const cacheWrite5mUsd = (tokens.cacheWrite5mTokens * r.cacheWrite5mUsdPerMTok) / PER_MTOK;
  const cacheWrite1hUsd = (tokens.cacheWrite1hTokens * r.cacheWrite1hUsdPerMTok) / PER_MTOK;
  const cacheReadUsd = (tokens.cacheReadTokens * r.cacheReadUsdPerMTok) / PER_MTOK;
  const outputUsd = (tokens.outputTokens * r.outputUsdPerMTok) / PER_MTOK;
  return {
    inputUsd,
    cacheWrite5mUsd,
    cacheWrite1hUsd,
    cacheReadUsd,
    outputUsd,
    storageUsd: 0,
    totalUsd: inputUsd + cacheWrite5mUsd + cacheWrite1hUsd + cacheReadUsd + outputUsd,
  };
}

/**
 * Explicit-cache storage (Gemini): `tokens` held for `durationMs`, billed per
 * MTok per hour, pro rata (Google bills storage by the TTL duration [G1][G4]).
 * 0 for models without a storage fee.
 */
export function storageCostUsd(price: ModelPrice, tokens: number, durationMs: number): number {
  if (price.storageUsdPerMTokHour === null || tokens <= 0 || durationMs <= 0) return 0;
  return (tokens * price.storageUsdPerMTokHour * (durationMs / 3_600_000)) / PER_MTOK;
}

export const ZERO_COST: CostBreakdown = Object.freeze({
  inputUsd: 0,
  cacheWrite5mUsd: 0,
  cacheWrite1hUsd: 0,
  cacheReadUsd: 0,
  outputUsd: 0,
  storageUsd: 0,
  totalUsd: 0,
});

/**
 * A running cost sum: the same additions, field by field and in the same
 * order, as `sum = addCost(sum, c)` from ZERO_COST, without an object per
 * addition (hot loops over every request).
 */
export class CostSum {
  inputUsd = 0;
  cacheWrite5mUsd = 0;
  cacheWrite1hUsd = 0;
  cacheReadUsd = 0;
  outputUsd = 0;
  storageUsd = 0;
  totalUsd = 0;

  add(c: CostBreakdown): void {
    this.inputUsd += c.inputUsd;
    this.cacheWrite5mUsd += c.cacheWrite5mUsd;
    this.cacheWrite1hUsd += c.cacheWrite1hUsd;
    this.cacheReadUsd += c.cacheReadUsd;
    this.outputUsd += c.outputUsd;
    this.storageUsd += c.storageUsd;
    this.totalUsd += c.totalUsd;
  }

  breakdown(): CostBreakdown {
    const { inputUsd, cacheWrite5mUsd, cacheWrite1hUsd, cacheReadUsd, outputUsd, storageUsd, totalUsd } = this;
    return { inputUsd, cacheWrite5mUsd, cacheWrite1hUsd, cacheReadUsd, outputUsd, storageUsd, totalUsd };
  }
}

export function addCost(a: CostBreakdown, b: CostBreakdown): CostBreakdown {
  return {
    inputUsd: a.inputUsd + b.inputUsd,
    cacheWrite5mUsd: a.cacheWrite5mUsd + b.cacheWrite5mUsd,
    cacheWrite1hUsd: a.cacheWrite1hUsd + b.cacheWrite1hUsd,
    cacheReadUsd: a.cacheReadUsd + b.cacheReadUsd,
    outputUsd: a.outputUsd + b.outputUsd,
    storageUsd: a.storageUsd + b.storageUsd,
    totalUsd: a.totalUsd + b.totalUsd,
  };
}
