import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  cumulativeByTurn,
  findBreakEvenTurn,
  median,
  patternTable,
  sweepIdleGap,
  sweepStateRatio,
  ttlChoice,
  type TotalCost,
} from '../../src/analyze/break-even.js';
import type { SimulatedTurn, Workload } from '../../src/model/simulation.js';
import { ZERO_COST } from '../../src/price/cost.js';

const MIN = 60_000;

function sim(turnIndex: number, usd: number, kind: SimulatedTurn['kind'] = 'turn'): SimulatedTurn {
  return {
    turnIndex,
    kind,
    timestampMs: 0,
    model: 'm',
    promptTokens: 0,
    uncachedInputTokens: 0,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    cacheReadTokens: 0,
    outputTokens: 0,
    cost: { ...ZERO_COST, totalUsd: usd },
    cumulativeCostUsd: 0,
    missReason: null,
    missCostUsd: 0,
    idleGapMs: null,
  };
}

test('cumulativeByTurn adds side requests to their turn', () => {
  assert.deepEqual(cumulativeByTurn([sim(0, 1), sim(1, 2), sim(1, 0.5, 'state-update'), sim(2, 1)], 3), [1, 3.5, 4.5]);
});

test('closed form: transcript a·i per turn vs state c per turn crosses where the sums do', () => {
  // Transcript turn i (1-based) costs a·i (the context grows by a per turn and is re-read);
  // state costs a fixed c per turn. Cumulative: a·n(n+1)/2 vs c·n, so state is below when
  // a(n+1)/2 > c, i.e. n > 2c/a − 1. With a = 1, c = 4: n > 7, the first such turn is 8.
  const a = 1;
  const c = 4;
  const n = 12;
  const tr = Array.from({ length: n }, (_, i) => sim(i, a * (i + 1)));
  const st = Array.from({ length: n }, (_, i) => sim(i, c));
  const r = findBreakEvenTurn(cumulativeByTurn(tr, n), cumulativeByTurn(st, n));
  assert.equal(r.breakEvenTurn, 8);
  assert.equal(r.staysBelow, true);
  assert.equal(r.transcriptCostUsd, (a * n * (n + 1)) / 2);
  assert.equal(r.stateCostUsd, c * n);
});

test('a break-even that does not last is reported as not staying below', () => {
  const r = findBreakEvenTurn([1, 2, 3, 4], [2, 1.5, 3.5, 5]);
  assert.equal(r.breakEvenTurn, 2);
  assert.equal(r.staysBelow, false);
  const never = findBreakEvenTurn([1, 2], [1, 2]);
  assert.equal(never.breakEvenTurn, null);
  assert.equal(never.staysBelow, false);
});

test('property: the break-even turn is the first turn where cumulative state < cumulative transcript', () => {
  const costs = fc.array(fc.tuple(fc.double({ min: 0, max: 10, noNaN: true }), fc.double({ min: 0, max: 10, noNaN: true })), { minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(costs, (pairs) => {
      const n = pairs.length;
      const ct = cumulativeByTurn(pairs.map(([t], i) => sim(i, t)), n);
      const cs = cumulativeByTurn(pairs.map(([, s], i) => sim(i, s)), n);
      const r = findBreakEvenTurn(ct, cs);
      if (r.breakEvenTurn === null) {
        for (let i = 0; i < n; i++) assert.ok(!((cs[i] as number) < (ct[i] as number)));
      } else {
        const k = r.breakEvenTurn - 1;
        assert.ok((cs[k] as number) < (ct[k] as number));
        for (let i = 0; i < k; i++) assert.ok(!((cs[i] as number) < (ct[i] as number)));
        assert.equal(r.staysBelow, cs.slice(k).every((v, j) => v < (ct[k + j] as number)));
      }
    }),
  );
});

const W: Workload[] = [{ sessionId: 'w', systemTokens: 0, turns: [], taskFingerprint: null }];

test('gap sweep: a step at the 5m TTL is found by bisection to the second', () => {
  // Transcript re-writes every turn once gaps exceed 300 s: $10 instead of $2; state costs $5 at any gap.
  const total: TotalCost = (_w, strategy, o) => (strategy === 'state' ? 5 : (o?.gapMs ?? 0) > 300_000 ? 10 : 2);
  const g = sweepIdleGap(W, total);
  assert.ok(g.crossoverGapMs !== null && g.crossoverGapMs > 300_000 && g.crossoverGapMs <= 301_000, String(g.crossoverGapMs));
  assert.equal(g.lastTranscriptWinGapMs, 5 * MIN);
  assert.equal(g.stateCheaperAtAllGaps, false);
  assert.equal(g.transcriptMonotone, true);
});

test('gap sweep: transcript that never loses, and state that always wins', () => {
  const never = sweepIdleGap(W, (_w, s) => (s === 'state' ? 5 : 1));
  assert.equal(never.crossoverGapMs, null);
  assert.equal(never.lastTranscriptWinGapMs, 24 * 60 * MIN);
  const always = sweepIdleGap(W, (_w, s) => (s === 'state' ? 1 : 5));
  assert.equal(always.stateCheaperAtAllGaps, true);
  assert.equal(always.crossoverGapMs, 30_000);
});

test('state-size sweep: linear state cost against a fixed transcript, bisected', () => {
  // state(r) = 1 + 10·r is below transcript = 4 while r < 0.3.
  const total: TotalCost = (_w, s, o) => (s === 'state' ? 1 + 10 * (o?.stateRatio ?? 0.2) : 4);
  const r = sweepStateRatio(W, total, 0.2, 10_000);
  assert.ok(r.maxWinningStateRatio !== null && r.maxWinningStateRatio < 0.3 && r.maxWinningStateRatio >= 0.299, String(r.maxWinningStateRatio));
  assert.equal(r.maxWinningStateTokens, Math.round((r.maxWinningStateRatio as number) * 10_000));
  assert.equal(r.transcriptCostUsd, 4);
  const never = sweepStateRatio(W, (_w, s) => (s === 'state' ? 9 : 4), 0.2, 10_000);
  assert.equal(never.maxWinningStateRatio, null);
  const always = sweepStateRatio(W, (_w, s) => (s === 'state' ? 1 : 4), 0.2, 10_000);
  assert.equal(always.maxWinningStateRatio, 1);
});

test('TTL choice: gaps bucketed at 5m and 1h (inclusive), cheaper TTL from the two totals', () => {
  const t = ttlChoice([MIN, 5 * MIN, 5 * MIN + 1, 60 * MIN, 60 * MIN + 1, 9 * 24 * 60 * MIN], 3, 2);
  assert.deepEqual([t.gapsUnder5m, t.gaps5mTo1h, t.gapsOver1h], [2, 2, 2]);
  assert.equal(t.cheaper, '1h');
  assert.equal(t.savingUsd, 1);
  assert.equal(ttlChoice([], 2, 2).cheaper, 'equal');
  assert.equal(ttlChoice([], 1, 2).cheaper, '5m');
});

test('pattern table: counts per pattern, "no sessions" as cheaper null', () => {
  const rows = patternTable([
    { turns: 5, maxIdleGapMs: MIN, actualCostUsd: 1, transcriptCostUsd: 1, stateCostUsd: 2 },
    { turns: 30, maxIdleGapMs: 2 * 60 * MIN, actualCostUsd: 10, transcriptCostUsd: 12, stateCostUsd: 6 },
  ]);
  const by = Object.fromEntries(rows.map((r) => [r.pattern, r]));
  assert.equal(by['short']?.sessions, 1);
  assert.equal(by['short']?.cheaper, 'transcript');
  assert.equal(by['long']?.sessions, 1);
  assert.equal(by['long']?.cheaper, 'state');
  assert.equal(by['resume']?.sessions, 1);
  const empty = patternTable([{ turns: 12, maxIdleGapMs: null, actualCostUsd: 1, transcriptCostUsd: 1, stateCostUsd: 1 }]);
  assert.ok(empty.every((r) => r.sessions === 0 && r.cheaper === null));
});

test('median', () => {
  assert.equal(median([]), null);
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
});
