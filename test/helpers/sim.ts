/** Builders for simulation tests: hand-made price rows and workloads. */
import type { ModelPrice, PriceTable } from '../../src/model/pricing.js';
import type { Workload, WorkloadTurn } from '../../src/model/simulation.js';
import { createPriceResolver, type PriceResolver } from '../../src/price/resolve.js';
import { DEFAULT_SIMULATION_PARAMS, type SimulationParams } from '../../src/simulate/params.js';
import type { SimulationEnv } from '../../src/simulate/strategy.js';

/** Anthropic-like: $3 in, $15 out, 1.25x/2x writes, 0.1x reads, min 1024, 5m TTL. */
export function anthropicRow(over: Partial<ModelPrice> = {}): ModelPrice {
  return {
    id: 'test-claude',
    provider: 'anthropic',
    aliases: [],
    inputUsdPerMTok: 3,
    outputUsdPerMTok: 15,
    cacheWrite5mUsdPerMTok: 3.75,
    cacheWrite1hUsdPerMTok: 6,
    cacheReadUsdPerMTok: 0.3,
    tiers: [],
    minCacheableTokens: 1024,
    cacheIncrementTokens: 1,
    contextWindowTokens: 200_000,
    maxOutputTokens: 64_000,
    cacheKind: 'explicit-breakpoints',
    defaultTtlSeconds: 300,
    storageUsdPerMTokHour: null,
    source: 'test',
    notes: null,
    ...over,
  };
}

export function openaiRow(over: Partial<ModelPrice> = {}): ModelPrice {
  return anthropicRow({
    id: 'test-gpt',
    provider: 'openai',
    inputUsdPerMTok: 1.25,
    outputUsdPerMTok: 10,
    cacheWrite5mUsdPerMTok: 1.25,
    cacheWrite1hUsdPerMTok: 1.25,
    cacheReadUsdPerMTok: 0.125,
    minCacheableTokens: 1024,
    cacheIncrementTokens: 128,
    contextWindowTokens: 272_000,
    cacheKind: 'automatic-prefix',
    defaultTtlSeconds: 300,
    ...over,
  });
}

export function geminiRow(over: Partial<ModelPrice> = {}): ModelPrice {
  return anthropicRow({
    id: 'test-gemini',
    provider: 'google',
    inputUsdPerMTok: 1.25,
    outputUsdPerMTok: 10,
    cacheWrite5mUsdPerMTok: 1.25,
    cacheWrite1hUsdPerMTok: 1.25,
    cacheReadUsdPerMTok: 0.125,
    minCacheableTokens: 2048,
    cacheIncrementTokens: 1,
    contextWindowTokens: 1_048_576,
    cacheKind: 'implicit+explicit-storage',
    defaultTtlSeconds: 3600,
    storageUsdPerMTokHour: 4.5,
    ...over,
  });
}

export function deepseekRow(over: Partial<ModelPrice> = {}): ModelPrice {
  return anthropicRow({
    id: 'test-deepseek',
    provider: 'deepseek',
    inputUsdPerMTok: 0.28,
    outputUsdPerMTok: 0.42,
    cacheWrite5mUsdPerMTok: 0.28,
    cacheWrite1hUsdPerMTok: 0.28,
    cacheReadUsdPerMTok: 0.028,
    minCacheableTokens: 64,
    cacheIncrementTokens: 64,
    contextWindowTokens: 128_000,
    cacheKind: 'disk',
    defaultTtlSeconds: 14_400,
    ...over,
  });
}

/** $30/MTok for everything, no caching: the articles' flat price. */
export function flatRow(usd = 30): ModelPrice {
  return anthropicRow({
    id: 'flat',
    provider: 'unknown',
    inputUsdPerMTok: usd,
    outputUsdPerMTok: usd,
    cacheWrite5mUsdPerMTok: usd,
    cacheWrite1hUsdPerMTok: usd,
    cacheReadUsdPerMTok: usd,
    minCacheableTokens: 0,
    cacheIncrementTokens: 1,
    contextWindowTokens: 0,
    cacheKind: 'none',
    defaultTtlSeconds: 0,
  });
}

export function resolverOf(...rows: ModelPrice[]): PriceResolver {
  const table: PriceTable = { asOf: '2026-01-01', source: 'test', models: rows };
  return createPriceResolver(table);
}

export function envOf(rows: ModelPrice[], params: Partial<SimulationParams> = {}): SimulationEnv {
  return { resolver: resolverOf(...rows), params: { ...DEFAULT_SIMULATION_PARAMS, ...params } };
}

export function turn(over: Partial<WorkloadTurn> = {}): WorkloadTurn {
  return { timestampMs: 0, model: 'test-claude', streamId: 'main', appendedTokens: 0, outputTokens: 0, compactedBefore: null, ...over };
}

/** A workload of turns at the given start times (ms), each appending `appended` and producing `output`. */
export function workloadAt(
  times: readonly number[],
  opts: { systemTokens?: number; appended?: number; output?: number; model?: string; sessionId?: string; fingerprint?: string | null } = {},
): Workload {
  return {
    sessionId: opts.sessionId ?? 's1',
    systemTokens: opts.systemTokens ?? 0,
    taskFingerprint: opts.fingerprint ?? null,
    turns: times.map((t) =>
      turn({ timestampMs: t, appendedTokens: opts.appended ?? 0, outputTokens: opts.output ?? 0, model: opts.model ?? 'test-claude' }),
    ),
  };
}
