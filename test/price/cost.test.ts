import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { ModelPrice } from '../../src/model/pricing.js';
import { addCost, priceRequest, ratesForRequest, storageCostUsd, ZERO_COST, type RequestTokens } from '../../src/price/cost.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';

const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);
function row(model: string): ModelPrice {
  const r = resolver.resolve(model);
  assert.equal(r.kind, 'known', `${model} must be in the snapshot`);
  return (r as { price: ModelPrice }).price;
}

const NONE: RequestTokens = { inputTokens: 0, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0 };
const tok = (t: Partial<RequestTokens>): RequestTokens => ({ ...NONE, ...t });

/** Compares money to 1e-12 USD (float sums of a handful of products). */
function near(actual: number, expected: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what} expected ${expected}, got ${actual}`);
}

test('each component is priced at its own rate (Sonnet 4.5, 100K of each, below the 200K tier)', () => {
  const p = row('claude-sonnet-4-5');
  const K100 = 100_000;
  near(priceRequest(p, tok({ inputTokens: K100 })).inputUsd, 0.3); // 100K x $3/M
  near(priceRequest(p, tok({ cacheWrite5mTokens: K100 })).cacheWrite5mUsd, 0.375); // 1.25 x 3 = 3.75/M
  near(priceRequest(p, tok({ cacheWrite1hTokens: K100 })).cacheWrite1hUsd, 0.6); // 2 x 3 = 6/M
  near(priceRequest(p, tok({ cacheReadTokens: K100 })).cacheReadUsd, 0.03); // 0.1 x 3 = 0.30/M
  near(priceRequest(p, tok({ outputTokens: 1_000_000 })).outputUsd, 15); // output does not count toward the tier
  assert.equal(priceRequest(p, tok({ inputTokens: K100 })).storageUsd, 0);
});

test('a typical Claude Code turn, arithmetic written out (Sonnet 4.5)', () => {
  // input 8 x $3/M            = 0.000024
  // 5m write 1,200 x $3.75/M  = 0.0045
  // 1h write 900 x $6/M       = 0.0054
  // read 45,000 x $0.30/M     = 0.0135
  // output 640 x $15/M        = 0.0096
  // total                     = 0.033024
  const c = priceRequest(row('claude-sonnet-4-5-20250929'), {
    inputTokens: 8,
    cacheWrite5mTokens: 1200,
    cacheWrite1hTokens: 900,
    cacheReadTokens: 45000,
    outputTokens: 640,
  });
  near(c.inputUsd, 0.000024, 'input');
  near(c.cacheWrite5mUsd, 0.0045, '5m');
  near(c.cacheWrite1hUsd, 0.0054, '1h');
  near(c.cacheReadUsd, 0.0135, 'read');
  near(c.outputUsd, 0.0096, 'output');
  near(c.totalUsd, 0.033024, 'total');
});

test('1h writes cost 2x input and 5m writes 1.25x: the same tokens differ by 0.75x input', () => {
  const p = row('claude-opus-4-5'); // $5 input
  const w5 = priceRequest(p, tok({ cacheWrite5mTokens: 10_000 })).totalUsd; // 10,000 x 6.25/M = 0.0625
  const w1 = priceRequest(p, tok({ cacheWrite1hTokens: 10_000 })).totalUsd; // 10,000 x 10/M   = 0.1
  near(w5, 0.0625);
  near(w1, 0.1);
});

test('Claude Haiku 3 keeps its documented off-multiplier prices ($0.30 / $0.50 / $0.03)', () => {
  const c = priceRequest(row('claude-3-haiku-20240307'), tok({ cacheWrite5mTokens: 1_000_000, cacheWrite1hTokens: 1_000_000, cacheReadTokens: 1_000_000 }));
  near(c.cacheWrite5mUsd, 0.3);
  near(c.cacheWrite1hUsd, 0.5);
  near(c.cacheReadUsd, 0.03);
});

test('tier: at the threshold base rates, one token above it tier rates for the WHOLE request', () => {
  const p = row('claude-sonnet-4-5');
  // Total input = 150,000 read + 40,000 5m write + 9,000 1h write + 1,000 input = 200,000 (not above 200K).
  const at = tok({ cacheReadTokens: 150_000, cacheWrite5mTokens: 40_000, cacheWrite1hTokens: 9_000, inputTokens: 1_000, outputTokens: 2_000 });
  assert.equal(ratesForRequest(p, at).inputUsdPerMTok, 3);
  // 1,000x3 + 40,000x3.75 + 9,000x6 + 150,000x0.3 + 2,000x15 = 3,000 + 150,000 + 54,000 + 45,000 + 30,000 = 282,000 / 1M
  near(priceRequest(p, at).totalUsd, 0.282);
  const above = { ...at, inputTokens: 1_001 };
  const r = ratesForRequest(p, above);
  assert.deepEqual(
    [r.inputUsdPerMTok, r.outputUsdPerMTok, r.cacheWrite5mUsdPerMTok, r.cacheWrite1hUsdPerMTok, r.cacheReadUsdPerMTok],
    [6, 22.5, 7.5, 12, 0.6],
  );
  // 1,001x6 + 40,000x7.5 + 9,000x12 + 150,000x0.6 + 2,000x22.5 = 6,006 + 300,000 + 108,000 + 90,000 + 45,000 = 549,006 / 1M
  const c = priceRequest(p, above);
  near(c.totalUsd, 0.549006);
  near(c.outputUsd, 0.045, 'output is billed at the tier rate too');
  near(c.cacheReadUsd, 0.09, 'cache reads are billed at the tier rate too');
});

test('tier is chosen from total input, not from uncached input alone (reads alone can cross it)', () => {
  const p = row('gemini-2.5-pro');
  const c = priceRequest(p, tok({ inputTokens: 10, cacheReadTokens: 200_000, outputTokens: 1000 }));
  // 200,010 > 200,000: 10x2.5 + 200,000x0.25 + 1,000x15 = 25 + 50,000 + 15,000 = 65,025 / 1M
  near(c.totalUsd, 0.065025);
});

test('GPT-5.4 switches at 272K, Opus 4.6 / Sonnet 4.6 are flat at 1M', () => {
  const g = row('gpt-5.4');
  assert.equal(ratesForRequest(g, tok({ inputTokens: 272_000 })).inputUsdPerMTok, 2.5);
  assert.equal(ratesForRequest(g, tok({ inputTokens: 272_001 })).inputUsdPerMTok, 5);
  assert.equal(ratesForRequest(g, tok({ inputTokens: 272_001 })).cacheReadUsdPerMTok, 0.5);
  for (const m of ['claude-opus-4-6', 'claude-sonnet-4-6']) {
    // "a 900k-token request is billed at the same per-token rate as a 9k-token request" [A4]
    near(priceRequest(row(m), tok({ inputTokens: 900_000 })).totalUsd, 100 * priceRequest(row(m), tok({ inputTokens: 9_000 })).totalUsd);
  }
});

test('the highest exceeded tier wins when a row has several', () => {
  const p: ModelPrice = {
    ...row('gpt-4o'),
    tiers: [
      { aboveInputTokens: 100, inputUsdPerMTok: 10, outputUsdPerMTok: 10, cacheWrite5mUsdPerMTok: 10, cacheWrite1hUsdPerMTok: 10, cacheReadUsdPerMTok: 10 },
      { aboveInputTokens: 200, inputUsdPerMTok: 20, outputUsdPerMTok: 20, cacheWrite5mUsdPerMTok: 20, cacheWrite1hUsdPerMTok: 20, cacheReadUsdPerMTok: 20 },
    ],
  };
  assert.equal(ratesForRequest(p, tok({ inputTokens: 100 })).inputUsdPerMTok, 2.5);
  assert.equal(ratesForRequest(p, tok({ inputTokens: 150 })).inputUsdPerMTok, 10);
  assert.equal(ratesForRequest(p, tok({ inputTokens: 201 })).inputUsdPerMTok, 20);
});

test('OpenAI-style rows: writes cost plain input, reads the cached price (tokens are disjoint here)', () => {
  // A parsed OpenAI turn: prompt 2006 with 1920 cached -> input 86, read 1920 (the parser subtracts).
  // 86 x 2.50/M + 1,920 x 1.25/M + 300 x 10/M = 0.000215 + 0.0024 + 0.003 = 0.005615
  near(priceRequest(row('gpt-4o-2024-08-06'), tok({ inputTokens: 86, cacheReadTokens: 1920, outputTokens: 300 })).totalUsd, 0.005615);
  const d = row('deepseek-chat');
  near(priceRequest(d, tok({ cacheWrite5mTokens: 1_000_000 })).totalUsd, 0.28, 'DeepSeek has no write fee');
});

test('Gemini explicit cache storage: tokens x $/MTok/h x hours, pro rata', () => {
  // 100,000 tokens x $4.50/MTok/h x 1 h = 0.45
  near(storageCostUsd(row('gemini-2.5-pro'), 100_000, 3_600_000), 0.45);
  // 100,000 tokens x $1.00/MTok/h x 5/60 h = 0.008333…
  near(storageCostUsd(row('gemini-2.5-flash'), 100_000, 5 * 60_000), 0.1 / 12);
  assert.equal(storageCostUsd(row('claude-sonnet-4-5'), 100_000, 3_600_000), 0, 'no storage fee outside Gemini');
  assert.equal(storageCostUsd(row('gemini-2.5-pro'), 100_000, 0), 0);
});

test('addCost sums every component and ZERO_COST is neutral', () => {
  const a = priceRequest(row('claude-haiku-4-5'), tok({ inputTokens: 100, cacheReadTokens: 5000, outputTokens: 70 }));
  const b = { ...priceRequest(row('gpt-5'), tok({ inputTokens: 900, outputTokens: 10 })), storageUsd: 0.5, totalUsd: 0 };
  b.totalUsd = b.inputUsd + b.outputUsd + b.storageUsd;
  const s = addCost(a, b);
  near(s.inputUsd, a.inputUsd + b.inputUsd);
  near(s.storageUsd, 0.5);
  near(s.totalUsd, a.totalUsd + b.totalUsd);
  assert.deepEqual(addCost(ZERO_COST, a), a);
  assert.ok(Object.isFrozen(ZERO_COST));
});

// ---------------------------------------------------------------------------
// Properties

const tokens = fc.record({
  inputTokens: fc.nat({ max: 400_000 }),
  cacheWrite5mTokens: fc.nat({ max: 400_000 }),
  cacheWrite1hTokens: fc.nat({ max: 400_000 }),
  cacheReadTokens: fc.nat({ max: 400_000 }),
  outputTokens: fc.nat({ max: 200_000 }),
});
const models = fc.constantFrom(...EMBEDDED_PRICE_TABLE.models);
const FIELDS = ['inputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens', 'outputTokens'] as const;

test('property: cost is monotone in every token count (also across a tier threshold)', () => {
  fc.assert(
    fc.property(models, tokens, fc.constantFrom(...FIELDS), fc.nat({ max: 300_000 }), (p, t, field, extra) => {
      const more = { ...t, [field]: t[field] + extra };
      return priceRequest(p, more).totalUsd >= priceRequest(p, t).totalUsd - 1e-12;
    }),
    { numRuns: 2000 },
  );
});

test('property: within one tier cost is linear (cost(a+b) = cost(a) + cost(b))', () => {
  fc.assert(
    fc.property(models, tokens, tokens, (p, a, b) => {
      const sum = Object.fromEntries(FIELDS.map((f) => [f, a[f] + b[f]])) as unknown as RequestTokens;
      const ra = ratesForRequest(p, a);
      fc.pre(ra === ratesForRequest(p, b) && ra === ratesForRequest(p, sum));
      const lhs = priceRequest(p, sum).totalUsd;
      const rhs = priceRequest(p, a).totalUsd + priceRequest(p, b).totalUsd;
      return Math.abs(lhs - rhs) <= 1e-9 * Math.max(1, lhs);
    }),
    { numRuns: 2000 },
  );
});

test('property: total is the sum of the components, none negative', () => {
  fc.assert(
    fc.property(models, tokens, (p, t) => {
      const c = priceRequest(p, t);
      const parts = [c.inputUsd, c.cacheWrite5mUsd, c.cacheWrite1hUsd, c.cacheReadUsd, c.outputUsd, c.storageUsd];
      return parts.every((x) => x >= 0) && Math.abs(parts.reduce((x, y) => x + y, 0) - c.totalUsd) <= 1e-12;
    }),
    { numRuns: 2000 },
  );
});
