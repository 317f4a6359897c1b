import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { actualTotalsOf, analyzeSessionTurns, DEFAULT_MISS_OPTIONS, logTtlOf } from '../../src/analyze/actual.js';
import { sortedTopTurns, summarizeMisses, topTurns } from '../../src/analyze/misses.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import type { CompactionEvent, Session, Turn } from '../../src/model/usage.js';

const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const MIN = 60_000;
// claude-sonnet-4-5: input 3, 5m write 3.75, 1h write 6, read 0.3 USD/MTok (embedded snapshot).
const SONNET = 'claude-sonnet-4-5-20250929';

function turn(p: Partial<Turn> & { atMin: number; line: number }): Turn {
  const t: Turn = {
    timestampMs: T0 + p.atMin * MIN,
    model: p.model ?? SONNET,
    provider: 'anthropic',
    streamId: p.streamId ?? 'main',
    inputTokens: p.inputTokens ?? 10,
    cacheWrite5mTokens: p.cacheWrite5mTokens ?? 0,
    cacheWrite1hTokens: p.cacheWrite1hTokens ?? 0,
    cacheReadTokens: p.cacheReadTokens ?? 0,
    outputTokens: p.outputTokens ?? 100,
    reasoningOutputTokens: null,
    promptTokens: 0,
    isCacheSplitKnown: true,
    isEstimated: false,
    reportedCostUsd: p.reportedCostUsd ?? null,
    source: { file: 's.jsonl', line: p.line },
  };
  t.promptTokens = t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens;
  return t;
}

function session(turns: Turn[], events: CompactionEvent[] = []): Session {
  return {
    id: 's1',
    project: null,
    format: 'claude-code',
    files: ['s.jsonl'],
    turns,
    events,
    reportedCost: null,
    taskFingerprint: null,
    isEstimated: false,
  };
}

test('cold start: the first request writes its prefix; cost = writes × (write − read)', () => {
  const rows = analyzeSessionTurns(session([turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 })]), resolver);
  assert.equal(rows[0]?.missReason, 'cold-start');
  assert.equal(rows[0]?.missedTokens, 20_000);
  // 20,000 × (3.75 − 0.30) / 1e6 = 0.069
  assert.ok(Math.abs((rows[0]?.missCostUsd ?? 0) - 0.069) < 1e-12);
  assert.equal(rows[0]?.idleGapMs, null);
});

test('a warm follow-up that reads the whole prefix is not a miss', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 2, line: 2, cacheReadTokens: 20_000, cacheWrite5mTokens: 1_500 }),
    ]),
    resolver,
  );
  assert.equal(rows[1]?.missReason, null);
  assert.equal(rows[1]?.missCostUsd, 0);
  assert.equal(rows[1]?.idleGapMs, 2 * MIN);
  assert.equal(rows[1]?.cacheTtl, '5m');
});

test('a 6-minute gap under a 5m TTL is a TTL expiry; the same gap under a 1h TTL is not', () => {
  const expired = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 6, line: 2, cacheWrite5mTokens: 21_000 }),
    ]),
    resolver,
  );
  assert.equal(expired[1]?.missReason, 'ttl-expired');
  assert.equal(expired[1]?.missedTokens, 20_000);
  // Expected read was min(20,000 cached, 21,010 prompt) = 20,000; all paid as 5m writes: 20,000 × 3.45 / 1e6.
  assert.ok(Math.abs((expired[1]?.missCostUsd ?? 0) - 0.069) < 1e-12);
  assert.equal(expired[1]?.cacheTtl, '5m');

  const hourly = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite1hTokens: 20_000 }),
      turn({ atMin: 6, line: 2, cacheReadTokens: 20_000, cacheWrite1hTokens: 1_000 }),
    ]),
    resolver,
  );
  assert.equal(hourly[1]?.missReason, null);
  assert.equal(hourly[1]?.cacheTtl, '1h');
});

test('a 61-minute gap under a 1h TTL is a TTL expiry priced at the 1h write rate', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite1hTokens: 50_000 }),
      turn({ atMin: 30, line: 2, cacheReadTokens: 50_000, cacheWrite1hTokens: 2_000 }),
      turn({ atMin: 91, line: 3, cacheWrite1hTokens: 53_000 }),
    ]),
    resolver,
  );
  assert.equal(rows[1]?.missReason, null);
  assert.equal(rows[2]?.missReason, 'ttl-expired');
  assert.equal(rows[2]?.idleGapMs, 61 * MIN);
  assert.equal(rows[2]?.missedTokens, 52_000);
  // 52,000 × (6 − 0.3) / 1e6 = 0.2964
  assert.ok(Math.abs((rows[2]?.missCostUsd ?? 0) - 0.2964) < 1e-12);
});

test('a rewrite within the TTL with no other cause is a prefix change', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 1, line: 2, cacheReadTokens: 3_000, cacheWrite5mTokens: 18_000 }),
    ]),
    resolver,
  );
  assert.equal(rows[1]?.missReason, 'prefix-change');
  assert.equal(rows[1]?.missedTokens, 17_000);
});

test('a compaction event between two requests explains the rewrite (without it: prefix change)', () => {
  const compaction: CompactionEvent = {
    kind: 'compaction',
    timestampMs: T0 + 3 * MIN,
    streamId: 'main',
    trigger: 'manual',
    preTokens: 20_000,
    postTokens: 12_000,
    source: { file: 's.jsonl', line: 3 },
  };
  const turns = [
    turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
    // The summary prefix is new: a system prompt of 3,000 is read, 12,000 written (no big drop in size).
    turn({ atMin: 4, line: 4, cacheReadTokens: 3_000, cacheWrite5mTokens: 12_000 }),
  ];
  const rows = analyzeSessionTurns(session(turns, [compaction]), resolver);
  assert.equal(rows[1]?.missReason, 'compaction');
  // Expected read min(20,000, 15,010) = 15,010; read 3,000 → 12,010 missed, capped by the paid 12,010.
  assert.equal(rows[1]?.missedTokens, 12_010);
  assert.equal(analyzeSessionTurns(session(turns), resolver)[1]?.missReason, 'prefix-change');
  // An event of another stream does not explain it.
  const other = analyzeSessionTurns(session(turns, [{ ...compaction, streamId: 'agent-1' }]), resolver);
  assert.equal(other[1]?.missReason, 'prefix-change');
});

test('a large prompt drop without an event also counts as a compaction', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 100_000 }),
      turn({ atMin: 1, line: 2, cacheWrite5mTokens: 20_000 }),
    ]),
    resolver,
  );
  assert.equal(rows[1]?.missReason, 'compaction');
});

test('a model switch starts a new cache; switching back within the TTL hits the old one', () => {
  const HAIKU = 'claude-haiku-4-5-20251001';
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 1, line: 2, model: HAIKU, cacheWrite5mTokens: 21_000 }),
      turn({ atMin: 2, line: 3, cacheReadTokens: 20_000, cacheWrite5mTokens: 2_000 }),
    ]),
    resolver,
  );
  assert.equal(rows[1]?.missReason, 'model-switch');
  assert.equal(rows[1]?.missedTokens, 21_000);
  // haiku: 21,000 × (1.25 − 0.10) / 1e6
  assert.ok(Math.abs((rows[1]?.missCostUsd ?? 0) - 0.02415) < 1e-12);
  assert.equal(rows[2]?.missReason, null);
});

test('each stream keeps its own cache: a subagent cold start does not disturb main', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 1, line: 2, streamId: 'agent-1', cacheWrite5mTokens: 8_000 }),
      turn({ atMin: 2, line: 3, cacheReadTokens: 20_000, cacheWrite5mTokens: 500 }),
    ]),
    resolver,
  );
  assert.deepEqual(
    rows.map((r) => r.missReason),
    ['cold-start', 'cold-start', null],
  );
  assert.equal(rows[2]?.idleGapMs, 2 * MIN);
});

test('small rewrites below the thresholds are not misses', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      // 800 tokens not read: below missMinTokens (1,024).
      turn({ atMin: 1, line: 2, cacheReadTokens: 19_200, cacheWrite5mTokens: 1_800 }),
      // 5,000 of 21,000 not read: below half of the expected prefix.
      turn({ atMin: 2, line: 3, cacheReadTokens: 16_000, cacheWrite5mTokens: 6_000 }),
    ]),
    resolver,
  );
  assert.deepEqual(
    rows.map((r) => r.missReason),
    ['cold-start', null, null],
  );
});

test('unknown models are never priced: cost null, miss cost 0, excluded from totals', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 1, line: 2, model: 'mystery-model-9', cacheWrite5mTokens: 5_000 }),
    ]),
    resolver,
  );
  assert.equal(rows[1]?.cost, null);
  assert.equal(rows[1]?.priceId, null);
  assert.equal(rows[1]?.missCostUsd, 0);
  const totals = actualTotalsOf(rows);
  assert.equal(totals.unpricedTurns, 1);
  assert.equal(totals.pricedTurns, 1);
  assert.equal(totals.tokens.turns, 2);
  assert.ok(Math.abs(totals.cost.totalUsd - (rows[0]?.cost?.totalUsd ?? NaN)) < 1e-15);
});

test('automatic prefix caching (gpt-5): uncached input after a warm prefix is the miss', () => {
  const mk = (atMin: number, line: number, input: number, read: number): Turn => ({
    ...turn({ atMin, line, model: 'gpt-5', inputTokens: input, cacheReadTokens: read }),
    provider: 'openai',
  });
  const rows = analyzeSessionTurns(session([mk(0, 1, 30_000, 0), mk(1, 2, 2_000, 29_952), mk(2, 3, 33_000, 0)]), resolver);
  assert.deepEqual(
    rows.map((r) => r.missReason),
    ['cold-start', null, 'prefix-change'],
  );
  // Expected read = min(31,952 cached, 33,000 prompt); all of it paid as input: (1.25 − 0.125) per MTok.
  assert.equal(rows[2]?.missedTokens, 31_952);
  assert.ok(Math.abs((rows[2]?.missCostUsd ?? 0) - (31_952 * 1.125) / 1e6) < 1e-12);
});

test('summaries: the TTL line answers "how much did expiry cost", gaps min–max', () => {
  const rows = analyzeSessionTurns(
    session([
      turn({ atMin: 0, line: 1, cacheWrite5mTokens: 20_000 }),
      turn({ atMin: 7, line: 2, cacheWrite5mTokens: 20_500 }),
      turn({ atMin: 8, line: 3, cacheReadTokens: 20_500, cacheWrite5mTokens: 500 }),
      turn({ atMin: 20, line: 4, cacheWrite5mTokens: 21_500 }),
    ]),
    resolver,
  );
  const summary = summarizeMisses([{ sessionId: 's1', turns: rows }], DEFAULT_MISS_OPTIONS);
  const ttl = summary.byReason.find((r) => r.reason === 'ttl-expired');
  assert.equal(ttl?.misses, 2);
  assert.equal(ttl?.minGapMs, 7 * MIN);
  assert.equal(ttl?.maxGapMs, 12 * MIN);
  assert.equal(ttl?.missedTokens, 20_000 + 21_000);
  assert.equal(summary.totalMisses, 3);
  const top = topTurns([{ sessionId: 's1', turns: rows }], 2);
  assert.equal(top.length, 2);
  assert.ok((top[0]?.costUsd ?? 0) >= (top[1]?.costUsd ?? 0));
});

test('logTtlOf: 1h when most written tokens were 1h writes', () => {
  assert.equal(logTtlOf([turn({ atMin: 0, line: 1, cacheWrite1hTokens: 10, cacheWrite5mTokens: 5 })]), '1h');
  assert.equal(logTtlOf([turn({ atMin: 0, line: 1, cacheWrite5mTokens: 10 })]), '5m');
  assert.equal(logTtlOf([turn({ atMin: 0, line: 1 })]), null);
});

test('property: miss costs are never negative and never exceed what the turn paid beyond reads', () => {
  const arbTurn = fc.record({
    gapMin: fc.integer({ min: 0, max: 200 }),
    input: fc.integer({ min: 0, max: 5_000 }),
    w5: fc.integer({ min: 0, max: 60_000 }),
    w1h: fc.integer({ min: 0, max: 60_000 }),
    read: fc.integer({ min: 0, max: 120_000 }),
    stream: fc.constantFrom('main', 'agent-1'),
  });
  fc.assert(
    fc.property(fc.array(arbTurn, { minLength: 1, maxLength: 25 }), (specs) => {
      let at = 0;
      const turns = specs.map((s, i) => {
        at += s.gapMin;
        return turn({ atMin: at, line: i + 1, inputTokens: s.input, cacheWrite5mTokens: s.w5, cacheWrite1hTokens: s.w1h, cacheReadTokens: s.read, streamId: s.stream });
      });
      const rows = analyzeSessionTurns(session(turns), resolver);
      for (const r of rows) {
        assert.ok(r.missCostUsd >= 0);
        assert.ok(r.missedTokens <= r.inputTokens + r.cacheWrite5mTokens + r.cacheWrite1hTokens);
        if (r.missReason === null) assert.equal(r.missCostUsd, 0);
        if (r.cost) assert.ok(r.missCostUsd <= r.cost.totalUsd - r.cost.outputUsd + 1e-12);
      }
      // The first request of each stream can only be a cold start.
      const firstOf = new Map<string, number>();
      rows.forEach((r, i) => firstOf.has(r.streamId) || firstOf.set(r.streamId, i));
      for (const i of firstOf.values()) assert.ok(rows[i]?.missReason === null || rows[i]?.missReason === 'cold-start');
    }),
    { numRuns: 300 },
  );
});

// topTurns keeps only the best `limit` rows (small limits) instead of sorting an
// object per priced turn: the same rows in the same order as sorting them all,
// with many ties on cost (then session id, then index decide), unpriced turns,
// and limits from 0 to beyond the number of turns (large ones sort).
test('property: topTurns equals sorting every priced turn, ties and unpriced turns included', () => {
  const rowArb = fc.record({ cost: fc.option(fc.constantFrom(0, 0.5, 1, 1, 2, 3.25), { nil: null, freq: 5 }), miss: fc.constantFrom(0, 0.1) });
  const sessionArb = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), rows: fc.array(rowArb, { maxLength: 30 }) });
  const template = analyzeSessionTurns(session([turn({ atMin: 0, line: 1, inputTokens: 100 })]), resolver)[0]!;
  fc.assert(
    fc.property(fc.array(sessionArb, { maxLength: 6 }), fc.integer({ min: 0, max: 120 }), (specs, limit) => {
      const sessions = specs.map((sp, si) => ({
        sessionId: `${sp.id}${si % 2}`,
        turns: sp.rows.map((r, index) => ({ ...template, index, cost: r.cost === null ? null : { ...template.cost!, totalUsd: r.cost }, missCostUsd: r.miss })),
      }));
      assert.deepEqual(topTurns(sessions, limit), sortedTopTurns(sessions, limit));
    }),
    { numRuns: 1500 },
  );
});
