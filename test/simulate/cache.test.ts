/**
 * The cache rules of src/simulate/cache.ts, one by one, with hand-computed
 * figures. Prices are the test rows of test/helpers/sim.ts (per MTok):
 * - anthropicRow: in 3, out 15, 5m write 3.75 (1.25x), 1h write 6 (2x), read 0.30, min 1024, TTL 5m;
 * - openaiRow: in 1.25, out 10, read 0.125, no write fee, min 1024, 128-token increments;
 * - deepseekRow: in 0.28, out 0.42, read 0.028, no write fee, 64-token units;
 * - geminiRow: in 1.25 (= write), out 10, read 0.125, min 2048, TTL 1h, storage 4.5/MTok-hour.
 * Money is compared to 1e-12 USD; token counts exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimulatedTurn, StrategyId, Workload } from '../../src/model/simulation.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { DEFAULT_SIMULATION_PARAMS } from '../../src/simulate/params.js';
import { simulate, simulateTotals } from '../../src/simulate/simulate.js';
import type { SimulationEnv } from '../../src/simulate/strategy.js';
import { anthropicRow, deepseekRow, envOf, geminiRow, openaiRow, turn, workloadAt } from '../helpers/sim.js';

const M = 1_000_000;
const MIN = 60_000;

function near(actual: number, expected: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} expected ${expected}, got ${actual}`);
}

function rowsOf(w: Workload, env: SimulationEnv, id: StrategyId = 'transcript'): SimulatedTurn[] {
  return (simulate([w], [id], env).get(id) ?? [])[0]?.turns ?? [];
}

/** [read, 5m write, 1h write, uncached] of a row. */
function split(r: SimulatedTurn): [number, number, number, number] {
  return [r.cacheReadTokens, r.cacheWrite5mTokens, r.cacheWrite1hTokens, r.uncachedInputTokens];
}

// ---------------------------------------------------------------- Anthropic TTL

test('TTL refresh on hit: a chain of 4-minute gaps under a 5m TTL keeps hitting (16 min after the first write)', () => {
  const env = envOf([anthropicRow()]);
  const w = workloadAt([0, 4, 8, 12, 16].map((m) => m * MIN), { systemTokens: 2000, appended: 100, output: 50 });
  const rows = rowsOf(w, env);
  assert.equal(rows.length, 5);
  // Turn 0: prompt 2100, cold: the whole prompt is written (5m, 1.25x); the 2000-token system prefix is a cold-start miss.
  assert.deepEqual(split(rows[0]!), [0, 2100, 0, 0]);
  assert.equal(rows[0]!.missReason, 'cold-start');
  near(rows[0]!.missCostUsd, (2000 * (3.75 - 0.3)) / M);
  near(rows[0]!.cost.totalUsd, (2100 * 3.75 + 50 * 15) / M); // 0.008625
  // Turn k: prompt = previous prompt + 50 output + 100 appended; reads the previous prompt, writes the 150 new tokens.
  let prev = 2100;
  for (let k = 1; k < 5; k++) {
    const r = rows[k]!;
    assert.equal(r.promptTokens, prev + 150);
    assert.deepEqual(split(r), [prev, 150, 0, 0], `turn ${k}`);
    assert.equal(r.missReason, null);
    assert.equal(r.missCostUsd, 0);
    assert.equal(r.idleGapMs, 4 * MIN);
    near(r.cost.totalUsd, (prev * 0.3 + 150 * 3.75 + 50 * 15) / M, `turn ${k}`);
    prev += 150;
  }
});

test('TTL boundary: a gap of exactly the TTL hits, one millisecond more misses (ttl-expired)', () => {
  const env = envOf([anthropicRow()]);
  const at = (gap: number) => rowsOf(workloadAt([0, gap], { systemTokens: 2000, appended: 100, output: 50 }), env)[1]!;
  const hit = at(300_000);
  assert.deepEqual(split(hit), [2100, 150, 0, 0]);
  assert.equal(hit.missReason, null);
  const miss = at(300_001);
  assert.deepEqual(split(miss), [0, 2250, 0, 0]);
  assert.equal(miss.missReason, 'ttl-expired');
  // The missed prefix (2100 old tokens) is billed at the write rate instead of the read rate.
  near(miss.missCostUsd, (2100 * (3.75 - 0.3)) / M);
  near(miss.cost.totalUsd, (2250 * 3.75 + 50 * 15) / M);
  // Lifetime runs from the START of each request: three requests exactly 5 minutes apart all hit.
  const chain = rowsOf(workloadAt([0, 300_000, 600_000], { systemTokens: 2000, appended: 100 }), env);
  assert.deepEqual(chain.map((r) => r.cacheReadTokens), [0, 2100, 2200]);
});

test('1h writes cost 2x input, 5m writes 1.25x; a 1h entry survives a 59-minute gap, not 60 min + 1 ms', () => {
  const w = workloadAt([0], { systemTokens: 2000, appended: 100 });
  const five = rowsOf(w, envOf([anthropicRow()]))[0]!;
  const hour = rowsOf(w, envOf([anthropicRow()], { anthropicWriteTtl: '1h' }))[0]!;
  assert.deepEqual(split(five), [0, 2100, 0, 0]);
  assert.deepEqual(split(hour), [0, 0, 2100, 0]);
  near(five.cost.cacheWrite5mUsd, (2100 * 3 * 1.25) / M);
  near(hour.cost.cacheWrite1hUsd, (2100 * 3 * 2) / M);
  near(hour.cost.totalUsd / five.cost.totalUsd, 2 / 1.25);

  const env1h = envOf([anthropicRow()], { anthropicWriteTtl: '1h' });
  const hit = rowsOf(workloadAt([0, 59 * MIN], { systemTokens: 2000, appended: 100 }), env1h)[1]!;
  assert.deepEqual(split(hit), [2100, 0, 100, 0]);
  const miss = rowsOf(workloadAt([0, 3_600_001], { systemTokens: 2000, appended: 100 }), env1h)[1]!;
  assert.deepEqual(split(miss), [0, 0, 2200, 0]);
  assert.equal(miss.missReason, 'ttl-expired');
  near(miss.missCostUsd, (2100 * (6 - 0.3)) / M);
});

test('TTL class: the log decides (writeTtlObserved) unless --ttl is given; a --ttl above 5m writes at the 1h price', () => {
  const w: Workload = {
    sessionId: 's',
    systemTokens: 2000,
    taskFingerprint: null,
    turns: [turn({ timestampMs: 0, appendedTokens: 100, writeTtlObserved: '1h' }), turn({ timestampMs: 30 * MIN, appendedTokens: 100, writeTtlObserved: '1h' })],
  };
  const log = rowsOf(w, envOf([anthropicRow()]));
  assert.deepEqual(log.map(split), [
    [0, 0, 2100, 0],
    [2100, 0, 100, 0],
  ]);
  // --ttl 5m overrides the log: 5m writes, and the 30-minute gap expires the entry.
  const forced = rowsOf(w, envOf([anthropicRow()], { ttlSeconds: 300 }));
  assert.deepEqual(forced.map(split), [
    [0, 2100, 0, 0],
    [0, 2200, 0, 0],
  ]);
  // --ttl 10m: 1h price (2x) but a 10-minute lifetime.
  const tenMin = rowsOf(workloadAt([0, 10 * MIN, 20 * MIN + 1], { systemTokens: 2000, appended: 100 }), envOf([anthropicRow()], { ttlSeconds: 600 }));
  assert.deepEqual(tenMin.map(split), [
    [0, 0, 2100, 0],
    [2100, 0, 100, 0],
    [0, 0, 2300, 0],
  ]);
});

// ---------------------------------------------------------------- minimum cacheable length

test('Anthropic: a prefix below the model minimum is neither read nor written (1024 / 2048 / 4096 by model)', () => {
  const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
  const env: SimulationEnv = { resolver, params: { ...DEFAULT_SIMULATION_PARAMS, compaction: false } };
  for (const [model, min] of [
    ['claude-sonnet-4-5', 1024],
    ['claude-3-5-haiku', 2048],
    ['claude-haiku-4-5', 4096],
    ['claude-opus-4-5', 4096],
  ] as const) {
    // min − 1 tokens: all uncached, twice (the second request cannot read what was never written).
    const below = rowsOf(workloadAt([0, 1000], { systemTokens: min - 1, model }), env);
    assert.deepEqual(below.map(split), [
      [0, 0, 0, min - 1],
      [0, 0, 0, min - 1],
    ], model);
    assert.deepEqual(below.map((r) => r.missReason), ['below-minimum', 'below-minimum'], model);
    // Exactly the minimum: written, then read.
    const at = rowsOf(workloadAt([0, 1000], { systemTokens: min, model }), env);
    assert.deepEqual(at.map(split), [
      [0, min, 0, 0],
      [min, 0, 0, 0],
    ], model);
  }
});

test('below-minimum miss: the old tokens a cache would have served are billed at the input rate', () => {
  const env = envOf([anthropicRow()]);
  const rows = rowsOf(workloadAt([0, 1000], { systemTokens: 1000, appended: 0, output: 5 }), env);
  // Turn 1: prompt 1005 < 1024; the 1000 old tokens are the missed prefix, billed at input (3) instead of read (0.3).
  assert.deepEqual(split(rows[1]!), [0, 0, 0, 1005]);
  assert.equal(rows[1]!.missReason, 'below-minimum');
  near(rows[1]!.missCostUsd, (1000 * (3 - 0.3)) / M);
  near(rows[1]!.cost.totalUsd, (1005 * 3 + 5 * 15) / M);
});

// ---------------------------------------------------------------- automatic prefix (OpenAI), disk (DeepSeek)

test('OpenAI: no write fee, 1024-token minimum, hits in 128-token increments', () => {
  const env = envOf([openaiRow()], { compaction: false });
  const rows = rowsOf(workloadAt([0, 1000, 2000], { systemTokens: 1500, appended: 500, output: 0, model: 'test-gpt' }), env);
  // Turn 0: 2000 tokens, all uncached input (no write premium); cached afterwards: 2000 rounded down to 128 = 1920.
  assert.deepEqual(split(rows[0]!), [0, 0, 0, 2000]);
  near(rows[0]!.cost.totalUsd, (2000 * 1.25) / M);
  assert.equal(rows[0]!.cost.cacheWrite5mUsd, 0);
  // Cold start: the ideal read is the 1500-token system prefix rounded to 1408.
  assert.equal(rows[0]!.missReason, 'cold-start');
  near(rows[0]!.missCostUsd, (1408 * (1.25 - 0.125)) / M);
  // Turn 1: prompt 2500 reads 1920 (15 x 128), 580 uncached; the ideal read is 1920 too: no miss.
  assert.deepEqual(split(rows[1]!), [1920, 0, 0, 580]);
  assert.equal(rows[1]!.missReason, null);
  near(rows[1]!.cost.totalUsd, (1920 * 0.125 + 580 * 1.25) / M);
  // Turn 2: prompt 3000 reads 2432 (19 x 128).
  assert.deepEqual(split(rows[2]!), [2432, 0, 0, 568]);
  // Below 1024 nothing is cached.
  const small = rowsOf(workloadAt([0, 1000], { systemTokens: 1023, model: 'test-gpt' }), env);
  assert.deepEqual(small.map(split), [
    [0, 0, 0, 1023],
    [0, 0, 0, 1023],
  ]);
  // Exactly 1024: cached, then a full hit.
  const edge = rowsOf(workloadAt([0, 1000], { systemTokens: 1024, model: 'test-gpt' }), env);
  assert.deepEqual(edge.map(split), [
    [0, 0, 0, 1024],
    [1024, 0, 0, 0],
  ]);
});

test('OpenAI: the TTL is the row default (or --ttl); expiry is a ttl-expired miss billed at input', () => {
  const env = envOf([openaiRow()], { compaction: false });
  const rows = rowsOf(workloadAt([0, 300_000, 600_001], { systemTokens: 2048, appended: 0, output: 0, model: 'test-gpt' }), env);
  assert.deepEqual(rows.map(split), [
    [0, 0, 0, 2048],
    [2048, 0, 0, 0],
    [0, 0, 0, 2048],
  ]);
  assert.equal(rows[2]!.missReason, 'ttl-expired');
  near(rows[2]!.missCostUsd, (2048 * (1.25 - 0.125)) / M);
  const long = rowsOf(workloadAt([0, 600_001], { systemTokens: 2048, model: 'test-gpt' }), envOf([openaiRow()], { ttlSeconds: 3600 }));
  assert.equal(long[1]!.cacheReadTokens, 2048);
});

test('DeepSeek: 64-token units, no write fee', () => {
  const env = envOf([deepseekRow()], { compaction: false });
  const rows = rowsOf(workloadAt([0, 1000], { systemTokens: 100, appended: 100, output: 0, model: 'test-deepseek' }), env);
  // Turn 0: 200 uncached, 192 (3 x 64) cached. Turn 1: prompt 300 reads 192, 108 uncached.
  assert.deepEqual(rows.map(split), [
    [0, 0, 0, 200],
    [192, 0, 0, 108],
  ]);
  near(rows[1]!.cost.totalUsd, (192 * 0.028 + 108 * 0.28) / M);
  // A prompt of 63 tokens is below the first unit.
  const tiny = rowsOf(workloadAt([0, 1000], { systemTokens: 63, model: 'test-deepseek' }), env);
  assert.deepEqual(tiny.map((r) => r.cacheReadTokens), [0, 0]);
});

// ---------------------------------------------------------------- Gemini

test('Gemini explicit: written at the input price up to the breakpoint, storage per MTok-hour while the entry lives', () => {
  const env = envOf([geminiRow()], { geminiCache: 'explicit', compaction: false });
  const w = workloadAt([0, 30 * MIN], { systemTokens: 3000, appended: 1000, output: 0, model: 'test-gemini' });
  w.turns[1]!.appendedTokens = 500;
  const rows = rowsOf(w, env);
  // Turn 0: 4000 written at 1.25 (= input). No storage yet.
  assert.deepEqual(split(rows[0]!), [0, 4000, 0, 0]);
  near(rows[0]!.cost.cacheWrite5mUsd, (4000 * 1.25) / M);
  assert.equal(rows[0]!.cost.storageUsd, 0);
  // Turn 1 (30 min later): reads 4000 at 0.125, writes 500; pays 4000 tokens x 0.5 h of storage;
  // and, as the last use of the entry, its 4500 tokens held until expiry (1 h after 30 min).
  assert.deepEqual(split(rows[1]!), [4000, 500, 0, 0]);
  const held = (4000 * 4.5 * 0.5) / M;
  const tail = (4500 * 4.5 * 1) / M;
  near(rows[1]!.cost.storageUsd, held + tail);
  near(rows[1]!.cost.totalUsd, (4000 * 0.125 + 500 * 1.25) / M + held + tail);
  near(rows[1]!.cumulativeCostUsd, rows[0]!.cost.totalUsd + rows[1]!.cost.totalUsd);
  const totals = simulateTotals(w, 'transcript', env);
  near(totals.cost.storageUsd, held + tail);
  near(totals.totalCostUsd, rows[0]!.cost.totalUsd + rows[1]!.cost.totalUsd);
});

test('Gemini implicit (default): no write fee, no storage, discounted hits above the 2048 minimum', () => {
  const env = envOf([geminiRow()], { compaction: false });
  const rows = rowsOf(workloadAt([0, 30 * MIN], { systemTokens: 3000, appended: 1000, model: 'test-gemini' }), env);
  assert.deepEqual(rows.map(split), [
    [0, 0, 0, 4000],
    [4000, 0, 0, 1000],
  ]);
  assert.equal(rows[0]!.cost.storageUsd + rows[1]!.cost.storageUsd, 0);
  near(rows[1]!.cost.totalUsd, (4000 * 0.125 + 1000 * 1.25) / M);
});

// ---------------------------------------------------------------- model switch

test('a model switch is a separate cache (miss reason model-switch), and switching back finds the old entry', () => {
  const b = anthropicRow({ id: 'test-claude-b' });
  const env = envOf([anthropicRow(), b]);
  const w: Workload = {
    sessionId: 's',
    systemTokens: 2000,
    taskFingerprint: null,
    turns: [
      turn({ timestampMs: 0, appendedTokens: 100 }),
      turn({ timestampMs: 1000, appendedTokens: 100, model: 'test-claude-b' }),
      turn({ timestampMs: 2000, appendedTokens: 100 }),
    ],
  };
  const rows = rowsOf(w, env);
  // Turn 1 on B: nothing cached for B; its 2100 old tokens are a model-switch miss (written, 5m).
  assert.deepEqual(split(rows[1]!), [0, 2200, 0, 0]);
  assert.equal(rows[1]!.missReason, 'model-switch');
  near(rows[1]!.missCostUsd, (2100 * (3.75 - 0.3)) / M);
  // Turn 2 back on A: A's entry (2100) is still warm and is read; the 100 tokens B added are a model-switch miss.
  assert.deepEqual(split(rows[2]!), [2100, 200, 0, 0]);
  assert.equal(rows[2]!.missReason, 'model-switch');
  near(rows[2]!.missCostUsd, (100 * (3.75 - 0.3)) / M);
});

test('streams have their own caches: a subagent stream does not read the main stream entry', () => {
  const env = envOf([anthropicRow()]);
  const w: Workload = {
    sessionId: 's',
    systemTokens: 2000,
    streamSystemTokens: { agent: 1500 },
    taskFingerprint: null,
    turns: [turn({ timestampMs: 0, appendedTokens: 100 }), turn({ timestampMs: 1000, appendedTokens: 100, streamId: 'agent' }), turn({ timestampMs: 2000, appendedTokens: 100 })],
  };
  const rows = rowsOf(w, env);
  assert.deepEqual(rows.map(split), [
    [0, 2100, 0, 0],
    [0, 1600, 0, 0],
    [2100, 100, 0, 0],
  ]);
  assert.deepEqual(rows.map((r) => r.missReason), ['cold-start', 'cold-start', null]);
  assert.deepEqual(rows.map((r) => r.idleGapMs), [null, null, 2000]);
});

// ---------------------------------------------------------------- long-context tier

test('long-context tier: above the threshold the WHOLE request (output included) is billed at the tier rates', () => {
  const tiered = anthropicRow({
    tiers: [{ aboveInputTokens: 200_000, inputUsdPerMTok: 6, outputUsdPerMTok: 22.5, cacheWrite5mUsdPerMTok: 7.5, cacheWrite1hUsdPerMTok: 12, cacheReadUsdPerMTok: 0.6 }],
  });
  const env = envOf([tiered], { compaction: false });
  const w = workloadAt([0, 1000], { systemTokens: 150_000, appended: 50_000, output: 1000 });
  w.turns[1]!.appendedTokens = 1;
  const rows = rowsOf(w, env);
  // Turn 0: exactly 200,000 input tokens: base rates.
  assert.equal(rows[0]!.promptTokens, 200_000);
  near(rows[0]!.cost.totalUsd, (200_000 * 3.75 + 1000 * 15) / M);
  // Turn 1: 201,001 tokens: read, write and output all at the tier rates.
  assert.equal(rows[1]!.promptTokens, 201_001);
  assert.deepEqual(split(rows[1]!), [200_000, 1001, 0, 0]);
  near(rows[1]!.cost.cacheReadUsd, (200_000 * 0.6) / M);
  near(rows[1]!.cost.cacheWrite5mUsd, (1001 * 7.5) / M);
  near(rows[1]!.cost.outputUsd, (1000 * 22.5) / M);
  // nocache: the same tier rule on uncached input.
  const base = rowsOf(w, env, 'nocache');
  near(base[0]!.cost.totalUsd, (200_000 * 3 + 1000 * 15) / M);
  near(base[1]!.cost.totalUsd, (201_001 * 6 + 1000 * 22.5) / M);
});

// ---------------------------------------------------------------- miss reasons and totals

test('missCostUsd totals: the fast path counts the same misses as the rows', () => {
  const env = envOf([anthropicRow()]);
  const w = workloadAt([0, 1000, 400_000, 401_000], { systemTokens: 2000, appended: 100, output: 50 });
  const rows = rowsOf(w, env);
  assert.deepEqual(rows.map((r) => r.missReason), ['cold-start', null, 'ttl-expired', null]);
  const t = simulateTotals(w, 'transcript', env);
  assert.equal(t.misses, 2);
  // Missed: 2000 (cold) + 2250 (the prompt of turn 1 expired before turn 2).
  assert.equal(t.missedTokens, 2000 + 2250);
  near(t.missCostUsd, ((2000 + 2250) * (3.75 - 0.3)) / M);
  near(t.missCostUsd, rows.reduce((a, r) => a + r.missCostUsd, 0));
});

test('a prefix shorter than the minimum that a warm cache could never serve is a below-minimum miss, not a cold start', () => {
  // OpenAI, 1000-token system prompt: below the 1024 minimum, never readable on its own.
  const env = envOf([openaiRow()], { compaction: false });
  const rows = rowsOf(workloadAt([0], { systemTokens: 1000, appended: 2000, model: 'test-gpt' }), env);
  assert.deepEqual(split(rows[0]!), [0, 0, 0, 3000]);
  assert.equal(rows[0]!.missReason, 'below-minimum');
  near(rows[0]!.missCostUsd, (896 * (1.25 - 0.125)) / M); // 1000 rounded down to 7 x 128
  // state on OpenAI with a 1000-token schema: after each update only the schema is old content; the
  // entry is warm, but a 1000-token prefix is below the minimum (it was labelled prefix-change).
  const state = rowsOf(workloadAt([0, 1000, 2000], { systemTokens: 1000, appended: 2000, output: 100, model: 'test-gpt' }), env, 'state');
  const turns = state.filter((r) => r.kind === 'turn');
  assert.deepEqual(turns.map((r) => r.cacheReadTokens), [0, 0, 0]);
  assert.deepEqual(turns.map((r) => r.missReason), ['below-minimum', 'below-minimum', 'below-minimum']);
});

test('the nocache baseline bills every prompt token as uncached input and never misses', () => {
  const env = envOf([anthropicRow()]);
  const w = workloadAt([0, 1000, 400_000], { systemTokens: 2000, appended: 100, output: 50 });
  const rows = rowsOf(w, env, 'nocache');
  assert.deepEqual(rows.map(split), [
    [0, 0, 0, 2100],
    [0, 0, 0, 2250],
    [0, 0, 0, 2400],
  ]);
  assert.deepEqual(rows.map((r) => r.missReason), [null, null, null]);
  near(rows[2]!.cost.totalUsd, (2400 * 3 + 50 * 15) / M);
});

// ---------------------------------------------------------------- shorter requests

test('a shorter request reading a longer cached prefix leaves the longer one cached, with its own expiry', async () => {
  const { CacheMeter, CacheRequest } = await import('../../src/simulate/cache.js');
  const price = anthropicRow();
  const params = { ...DEFAULT_SIMULATION_PARAMS, ttlSeconds: null };
  /** Requests at `m` minutes: prompt, prefix shared with what was cached, new tokens; returns [read, 5m write] per request. */
  const drive = (reqs: Array<[number, number, number, number]>): Array<[number, number]> => {
    const rows: SimulatedTurn[] = [];
    const meter = new CacheMeter(params, rows);
    const stream = meter.stream('main');
    const req = new CacheRequest();
    req.price = price;
    req.model = price.id;
    reqs.forEach(([m, prompt, reusable, fresh], i) => {
      req.turnIndex = i;
      req.timestampMs = m * MIN;
      req.promptTokens = prompt;
      req.reusableTokens = reusable;
      req.newTokens = fresh;
      req.cacheUpToTokens = prompt;
      req.outputTokens = 0;
      meter.request(stream, req);
    });
    return rows.map((r) => [r.cacheReadTokens, r.cacheWrite5mTokens]);
  };
  // 3,000 written at 0; 2,000 of it read at 1 min (the 3,000 prefix is not refreshed, but still cached);
  // at 2 min the whole 3,000 is read again, nothing re-written.
  assert.deepEqual(
    drive([
      [0, 3000, 0, 3000],
      [1, 2000, 2000, 0],
      [2, 3000, 3000, 0],
    ]),
    [
      [0, 3000],
      [2000, 0],
      [3000, 0],
    ],
  );
  // The longer prefix expires 5 min after its own last use (0), the shorter 5 min after 4 min:
  // at 6 min only the 2,000 can be read, the other 1,000 are written again.
  assert.deepEqual(
    drive([
      [0, 3000, 0, 3000],
      [4, 2000, 2000, 0],
      [6, 3000, 3000, 0],
    ]),
    [
      [0, 3000],
      [2000, 0],
      [2000, 1000],
    ],
  );
});
