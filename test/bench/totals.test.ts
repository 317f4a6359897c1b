import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ccusageTotals, compareWithLedger, naiveTotals, tokenEconTotals } from '../../scripts/bench/totals.js';

const LEDGER = { inputTokens: 10, cacheWrite5mTokens: 200, cacheWrite1hTokens: 300, cacheReadTokens: 4000, outputTokens: 50, requests: 3 };

test('ccusage session JSON: totals object, cache writes as one sum', () => {
  const json = JSON.stringify({
    session: [{ inputTokens: 10, cacheCreationTokens: 500, cacheReadTokens: 4000, outputTokens: 50, totalCost: 1 }],
    totals: { inputTokens: 10, cacheCreationTokens: 500, cacheReadTokens: 4000, outputTokens: 50, totalCost: 1 },
  });
  const t = ccusageTotals(json);
  assert.equal(t.cacheWriteTokens, 500);
  assert.equal(t.cacheWrite5mTokens, null);
  assert.deepEqual(compareWithLedger(t, LEDGER), []);
});

test('ccusage without totals: summed over sessions', () => {
  const json = JSON.stringify({ session: [{ inputTokens: 4, cacheCreationTokens: 200, cacheReadTokens: 1000, outputTokens: 20 }, { inputTokens: 6, cacheCreationTokens: 300, cacheReadTokens: 3000, outputTokens: 30 }] });
  assert.deepEqual(compareWithLedger(ccusageTotals(json), LEDGER), []);
});

test('a one-token difference is reported, with its sign', () => {
  const t = naiveTotals(JSON.stringify({ ...LEDGER, outputTokens: 51 }));
  assert.deepEqual(compareWithLedger(t, LEDGER), ['outputTokens: got 51, ledger 50 (+1)']);
  const split = naiveTotals(JSON.stringify({ ...LEDGER, cacheWrite5mTokens: 300, cacheWrite1hTokens: 200 }));
  // Same sum, wrong split: still a mismatch for a tool that reports the split.
  assert.equal(compareWithLedger(split, LEDGER).length, 2);
});

test('token-econ JSON: top-level totals, or a sum over sessions', () => {
  const totals = { inputTokens: 10, cacheWrite5mTokens: 200, cacheWrite1hTokens: 300, cacheReadTokens: 4000, outputTokens: 50, turns: 3 };
  assert.deepEqual(compareWithLedger(tokenEconTotals(JSON.stringify({ totals })), LEDGER), []);
  const sessions = [
    { totals: { ...totals, inputTokens: 4, cacheWrite5mTokens: 100, cacheReadTokens: 1000, outputTokens: 20, turns: 1, cacheWrite1hTokens: 0 } },
    { totals: { ...totals, inputTokens: 6, cacheWrite5mTokens: 100, cacheReadTokens: 3000, outputTokens: 30, turns: 2 } },
  ];
  assert.deepEqual(compareWithLedger(tokenEconTotals(JSON.stringify({ sessions })), LEDGER), []);
  assert.throws(() => tokenEconTotals('{"nothing":1}'), /neither/);
});
