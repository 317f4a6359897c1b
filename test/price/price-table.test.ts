import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ModelPrice, PriceTable } from '../../src/model/pricing.js';
import { priceRequest } from '../../src/price/cost.js';
import { mergePriceTables, parsePriceOverride, parsePriceTable } from '../../src/price/price-table.js';
import { createPriceResolver } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';

const fixture = (name: string): unknown => JSON.parse(readFileSync(`test/fixtures/pricing/${name}`, 'utf8'));

function table(json: unknown, name = 'f.json'): PriceTable {
  const r = parsePriceTable(json, name);
  assert.ok('table' in r, 'errors' in r ? r.errors.join('\n') : '');
  return r.table;
}
function model(t: PriceTable, id: string): ModelPrice {
  const m = t.models.find((x) => x.id === id);
  assert.ok(m, `${id} not in table`);
  return m;
}

test('LiteLLM file: per-token USD becomes per-MTok, 1h write from cache_creation_input_token_cost_above_1hr', () => {
  const t = table(fixture('litellm-sample.json'), 'prices.json');
  const s = model(t, 'claude-sonnet-4-5');
  assert.equal(s.provider, 'anthropic');
  assert.deepEqual(
    [s.inputUsdPerMTok, s.outputUsdPerMTok, s.cacheWrite5mUsdPerMTok, s.cacheWrite1hUsdPerMTok, s.cacheReadUsdPerMTok],
    [3.6, 18, 4.5, 7.2, 0.36],
  );
  assert.equal(s.tiers.length, 1);
  const tier = s.tiers[0]!;
  assert.equal(tier.aboveInputTokens, 200_000);
  assert.deepEqual(
    [tier.inputUsdPerMTok, tier.outputUsdPerMTok, tier.cacheWrite5mUsdPerMTok, tier.cacheReadUsdPerMTok],
    [7.2, 27, 9, 0.72],
  );
  // Not in the file: the 1h write above 200K, scaled from the base 1h write by the tier's input ratio (7.2 x 2).
  assert.equal(tier.cacheWrite1hUsdPerMTok, 14.4);
  assert.equal(s.cacheKind, 'explicit-breakpoints');
  assert.equal(s.contextWindowTokens, 200_000);
  assert.equal(s.maxOutputTokens, 64_000);
  assert.match(s.source, /prices\.json/);
  // The openrouter/ copy normalizes to the same id: folded in as an alias of the bare key.
  assert.ok(s.aliases.includes('openrouter/anthropic/claude-sonnet-4.5'));
  assert.equal(t.models.filter((m) => m.id.includes('claude-sonnet-4')).length, 1);
});

test('LiteLLM file: OpenAI/DeepSeek rows get provider cache rules; non-chat rows and sample_spec are skipped', () => {
  const t = table(fixture('litellm-sample.json'));
  const acme = model(t, 'acme-coder-1');
  assert.equal(acme.cacheWrite5mUsdPerMTok, 1, 'no write fee: write = input');
  assert.equal(acme.cacheReadUsdPerMTok, 0.1);
  assert.equal(acme.minCacheableTokens, 2048, 'prompt_cache_min_tokens is read');
  assert.equal(acme.cacheIncrementTokens, 128);
  const ds = model(t, 'deepseek/deepseek-chat');
  assert.equal(ds.cacheReadUsdPerMTok, 0.028, 'input_cost_per_token_cache_hit is the read price');
  assert.equal(ds.cacheKind, 'disk');
  const legacy = model(t, 'legacy-no-cache');
  assert.equal(legacy.cacheKind, 'none');
  assert.equal(legacy.cacheReadUsdPerMTok, legacy.inputUsdPerMTok);
  assert.ok(!t.models.some((m) => m.id === 'text-embedding-3-small' || m.id === 'sample_spec'));
  assert.equal(t.asOf, 'unknown');
});

test('our schema: defaults for missing cache fields, validation errors are listed', () => {
  const t = table(fixture('our-schema.json'));
  assert.equal(t.asOf, '2026-11-20');
  assert.equal(t.source, 'team contract prices');
  const inhouse = model(t, 'inhouse-llm');
  assert.equal(inhouse.cacheReadUsdPerMTok, 0.5);
  assert.equal(inhouse.cacheWrite1hUsdPerMTok, 0.5);
  assert.equal(inhouse.source, 'f.json');
  const bad = parsePriceTable(fixture('bad-schema.json'), 'bad.json');
  assert.ok('errors' in bad);
  assert.match(bad.errors[0]!, /bad\.json: models\[0\] \(x\): "inputUsdPerMTok" must be a non-negative number/);
  assert.ok('errors' in parsePriceTable([], 'arr.json'));
  assert.ok('errors' in parsePriceTable({ models: {} }, 'm.json'));
  assert.ok('errors' in parsePriceTable({ foo: 1 }, 'nothing.json'), 'an object with no usable LiteLLM row is an error');
  const dup = parsePriceTable({ models: [{ id: 'a', inputUsdPerMTok: 1, outputUsdPerMTok: 1 }, { id: 'a', inputUsdPerMTok: 1, outputUsdPerMTok: 1 }] }, 'd.json');
  assert.ok('errors' in dup && /duplicate model id "a"/.test(dup.errors.join()));
  const tiers = parsePriceTable({ models: [{ id: 'a', inputUsdPerMTok: 1, outputUsdPerMTok: 1, tiers: [{ aboveInputTokens: 5 }] }] }, 't.json');
  assert.ok('errors' in tiers);
});

test('merge: override rows win by id and by normalized name; the rest of the base is kept', () => {
  const over = table(fixture('our-schema.json'), 'contract.json');
  const merged = mergePriceTables(EMBEDDED_PRICE_TABLE, over);
  assert.equal(merged.models.length, EMBEDDED_PRICE_TABLE.models.length + 1);
  assert.equal(merged.asOf, EMBEDDED_PRICE_TABLE.asOf);
  assert.match(merged.source, /overridden by team contract prices \(as of 2026-11-20\)/);
  const r = createPriceResolver(merged);
  for (const name of ['claude-sonnet-4-5', 'claude-sonnet-4-5-20250929', 'anthropic/claude-sonnet-4.5', 'sonnet-contract']) {
    const x = r.resolve(name);
    assert.ok(x.kind === 'known' && x.price.inputUsdPerMTok === 2.4, `${name} should use the override`);
  }
  // The override row has no tier: a 300K request is billed flat at contract rates.
  const x = r.resolve('claude-sonnet-4-5');
  assert.ok(x.kind === 'known');
  assert.equal(priceRequest(x.price, { inputTokens: 300_000, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: 0 }).totalUsd, 0.72);
  // Untouched rows still resolve to the snapshot.
  const o = r.resolve('claude-opus-4-5');
  assert.ok(o.kind === 'known' && o.price.inputUsdPerMTok === 5);
  // A dotted override id shadows the dashed snapshot id too (no two rows for one model).
  const dotted = mergePriceTables(EMBEDDED_PRICE_TABLE, { asOf: 'unknown', source: 'x', models: [{ ...model(over, 'claude-sonnet-4-5'), id: 'claude-sonnet-4.5', aliases: [] }] });
  const d = createPriceResolver(dotted).resolve('claude-sonnet-4-5');
  assert.ok(d.kind === 'known' && d.price.id === 'claude-sonnet-4.5');
});

test('--price spec: all fields, defaults, and errors', () => {
  const full = parsePriceOverride('model=my-model,input=3,output=15,cache-read=0.3,cache-write=3.75,cache-write-1h=6,provider=anthropic,context=200000,min-cache=1024');
  assert.ok(!('error' in full));
  assert.deepEqual(
    [full.id, full.provider, full.inputUsdPerMTok, full.outputUsdPerMTok, full.cacheReadUsdPerMTok, full.cacheWrite5mUsdPerMTok, full.cacheWrite1hUsdPerMTok, full.contextWindowTokens, full.minCacheableTokens, full.cacheKind, full.defaultTtlSeconds],
    ['my-model', 'anthropic', 3, 15, 0.3, 3.75, 6, 200000, 1024, 'explicit-breakpoints', 300],
  );
  const claude = parsePriceOverride('model=claude-foo-9,input=4,output=20,cache-read=0.4,cache-write=5');
  assert.ok(!('error' in claude));
  assert.equal(claude.provider, 'anthropic', 'provider guessed from the name');
  assert.equal(claude.cacheWrite1hUsdPerMTok, 8, 'Anthropic 1h write defaults to 2x input');
  const plain = parsePriceOverride('model=local,input=1,output=2');
  assert.ok(!('error' in plain));
  assert.equal(plain.cacheKind, 'none');
  assert.equal(plain.cacheReadUsdPerMTok, 1);
  const bad: Array<[string, RegExp]> = [
    ['input=3,output=15', /model=<id>/],
    ['model=x,input=3', /"input" and "output"/],
    ['model=x,input=abc,output=1', /"input" must be a non-negative number/],
    ['model=x,input=-1,output=1', /non-negative/],
    ['model=x,input=1,output=1,colour=red', /unknown key "colour"/],
    ['model=x,input=1,output=1,provider=acme', /unknown provider/],
    ['model=x,input=1,input=2,output=1', /given twice/],
    ['model=x,input=1,output=1,context=1.5', /whole number/],
    ['model=x,input', /key=value/],
  ];
  for (const [spec, re] of bad) {
    const r = parsePriceOverride(spec);
    assert.ok('error' in r, spec);
    assert.match(r.error, re, spec);
  }
});
