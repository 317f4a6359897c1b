import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Turn } from '../../src/model/usage.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { priceTurns } from '../../src/price/session-cost.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';

function turn(model: string, t: Partial<Turn>): Turn {
  const base = { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0, ...t };
  return {
    timestampMs: 0,
    model,
    provider: 'unknown',
    streamId: 'main',
    reasoningOutputTokens: null,
    promptTokens: base.inputTokens + base.cacheWrite5mTokens + base.cacheWrite1hTokens + base.cacheReadTokens,
    isCacheSplitKnown: true,
    isEstimated: false,
    reportedCostUsd: null,
    source: { file: 'x.jsonl', line: 1 },
    ...base,
  };
}

test('known models are priced, unknown models get null cost and are listed with their tokens (never $0)', () => {
  const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
  const turns = [
    // 3 x 3/M + 2,000 x 3.75/M + 2 x 15/M = 0.000009 + 0.0075 + 0.00003 = 0.007539
    turn('claude-sonnet-4-5-20250929', { inputTokens: 3, cacheWrite5mTokens: 2000, outputTokens: 2 }),
    turn('mystery-model-7', { inputTokens: 1000, cacheReadTokens: 500, outputTokens: 50 }),
    // 10 x 1/M + 5 x 5/M = 0.00001 + 0.000025 = 0.000035
    turn('claude-haiku-4-5-20251001', { inputTokens: 10, outputTokens: 5 }),
    turn('mystery-model-7', { inputTokens: 1, outputTokens: 1 }),
    turn('another-unknown', { cacheWrite1hTokens: 7 }),
  ];
  const r = priceTurns(turns, resolver);
  assert.equal(r.priced.length, 5);
  assert.equal(r.priced[0]!.priceId, 'claude-sonnet-4-5');
  assert.ok(Math.abs(r.priced[0]!.cost!.totalUsd - 0.007539) < 1e-12);
  assert.equal(r.priced[1]!.cost, null);
  assert.equal(r.priced[1]!.priceId, null);
  assert.equal(r.priced[1]!.turn, turns[1]);
  assert.ok(Math.abs(r.totalCostUsd - (0.007539 + 0.000035)) < 1e-12);
  assert.deepEqual(r.unknownModels, [
    { model: 'another-unknown', turns: 1, promptTokens: 7, outputTokens: 0 },
    { model: 'mystery-model-7', turns: 2, promptTokens: 1501, outputTokens: 51 },
  ]);
});

test('no turns, no cost', () => {
  const r = priceTurns([], createPriceResolver(EMBEDDED_PRICE_TABLE));
  assert.deepEqual(r, { priced: [], unknownModels: [], totalCostUsd: 0 });
});
