/**
 * readClaudeUsage has a fast path for the usual usage object (plain integer
 * counts, the 5m/1h split as an object of plain counts) that allocates no
 * result per field. It must give exactly what the field-by-field checks give
 * (`readClaudeUsageChecked`), for every value a usage field can hold: plain
 * counts, -0, null, missing, negative, fractional, huge, strings, arrays,
 * objects, and every shape of `cache_creation`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readClaudeUsage, readClaudeUsageChecked } from '../../src/ingest/formats/claude-usage.js';

const count = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 2_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-0, 0, 1e13, 1e13 + 1, -1, 1.5, Number.MAX_SAFE_INTEGER, null, '12', [], {}, true) },
);
const field = fc.option(count, { nil: undefined, freq: 6 });

const usageArb = fc
  .record({
    input_tokens: field,
    output_tokens: field,
    cache_creation_input_tokens: field,
    cache_read_input_tokens: field,
    cache_creation: fc.option(
      fc.oneof(
        { weight: 5, arbitrary: fc.record({ ephemeral_5m_input_tokens: field, ephemeral_1h_input_tokens: field }) },
        { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, 'x', [], {}) },
      ),
      { nil: undefined, freq: 3 },
    ),
    service_tier: fc.option(fc.constantFrom('standard', 'priority'), { nil: undefined }),
  })
  .map((u) => {
    // Missing fields are absent keys, as JSON.parse makes them.
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(u)) if (v !== undefined) out[k] = v;
    const cc = out['cache_creation'];
    if (cc && typeof cc === 'object' && !Array.isArray(cc)) {
      const c: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(cc)) if (v !== undefined) c[k] = v;
      out['cache_creation'] = c;
    }
    return out;
  });

test('property: readClaudeUsage equals the field-by-field checks on any usage object', () => {
  fc.assert(
    fc.property(usageArb, (u) => {
      const fast = readClaudeUsage(u);
      const checked = readClaudeUsageChecked(u);
      assert.deepEqual(fast, checked);
      // -0 is read as 0 on both paths (Object.is tells them apart, deepEqual does not).
      if (fast.ok) for (const v of Object.values(fast.value.usage)) if (typeof v === 'number') assert.ok(!Object.is(v, -0));
    }),
    { numRuns: 20_000 },
  );
});

test('the usual usage object reads the 5m/1h split; a split that disagrees with the total is used with a warning', () => {
  const r = readClaudeUsage({ input_tokens: 4, output_tokens: 7, cache_creation_input_tokens: 300, cache_read_input_tokens: 9000, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } });
  assert.deepEqual(r, {
    ok: true,
    value: { usage: { inputTokens: 4, cacheWrite5mTokens: 100, cacheWrite1hTokens: 200, cacheReadTokens: 9000, outputTokens: 7, reasoningOutputTokens: null, isCacheSplitKnown: true }, warning: null },
  });
  const off = readClaudeUsage({ input_tokens: 4, output_tokens: 7, cache_creation_input_tokens: 301, cache_creation: { ephemeral_5m_input_tokens: 100, ephemeral_1h_input_tokens: 200 } });
  assert.ok(off.ok && off.value.warning?.includes('(301) differs from the 5m + 1h split (100 + 200)'));
  const noSplit = readClaudeUsage({ input_tokens: 4, output_tokens: 7, cache_creation_input_tokens: 50 });
  assert.ok(noSplit.ok && noSplit.value.usage.cacheWrite5mTokens === 50 && !noSplit.value.usage.isCacheSplitKnown);
  const bad = readClaudeUsage({ input_tokens: 4, output_tokens: -7 });
  assert.deepEqual(bad, { ok: false, reason: 'output_tokens is negative (-7)' });
});
