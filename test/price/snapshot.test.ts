import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ModelPrice } from '../../src/model/pricing.js';
import { parsePriceTable } from '../../src/price/price-table.js';
import { createPriceResolver, normalizeModelId } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';

const T = EMBEDDED_PRICE_TABLE;
const byId = new Map(T.models.map((m) => [m.id, m]));
const get = (id: string): ModelPrice => {
  const m = byId.get(id);
  assert.ok(m, `${id} missing from the snapshot`);
  return m;
};
const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('the snapshot is dated and attributed', () => {
  assert.match(T.asOf, /^2026-\d{2}-\d{2}$/);
  assert.match(T.source, /LiteLLM \(MIT/);
});

test('the committed JSON passes our own schema parser unchanged', () => {
  const json: unknown = JSON.parse(readFileSync('src/price/snapshot-data.json', 'utf8'));
  const parsed = parsePriceTable(json, 'snapshot-data.json');
  assert.ok('table' in parsed, 'errors' in parsed ? parsed.errors.join('\n') : '');
  assert.deepEqual(parsed.table, T);
});

test('covers the models the simulator is expected to price', () => {
  const resolver = createPriceResolver(T);
  const required = [
    'claude-opus-4', 'claude-opus-4-1', 'claude-opus-4-5', 'claude-opus-4-6', 'claude-opus-4-7', 'claude-opus-4-8',
    'claude-sonnet-3-7', 'claude-sonnet-4', 'claude-sonnet-4-5', 'claude-sonnet-4-6', 'claude-sonnet-5',
    'claude-3-haiku', 'claude-3-5-haiku', 'claude-haiku-4-5', 'claude-3-opus',
    'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o1', 'o3', 'o4-mini',
    'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'gpt-5-codex', 'gpt-5.1', 'gpt-5.1-codex', 'gpt-5.2', 'gpt-5.4', 'gpt-5.5',
    'gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-3-pro-preview', 'gemini-3-flash-preview',
    'deepseek-chat', 'deepseek-reasoner', 'grok-4', 'grok-code-fast-1', 'grok-4-fast',
    'kimi-k2-0905-preview', 'kimi-k2-thinking', 'kimi-k2-turbo-preview', 'glm-4.6', 'glm-5',
  ];
  const missing = required.filter((m) => resolver.resolve(m).kind !== 'known');
  assert.deepEqual(missing, []);
});

test('every row is well-formed: source, cacheRead <= input, ascending tiers, sane limits', () => {
  const problems: string[] = [];
  for (const m of T.models) {
    if (!m.source) problems.push(`${m.id}: no source`);
    if (m.cacheReadUsdPerMTok > m.inputUsdPerMTok) problems.push(`${m.id}: cache read above input`);
    if (m.cacheWrite5mUsdPerMTok < m.inputUsdPerMTok || m.cacheWrite1hUsdPerMTok < m.cacheWrite5mUsdPerMTok) problems.push(`${m.id}: writes below input / 1h below 5m`);
    if (m.contextWindowTokens <= 0) problems.push(`${m.id}: no context window`);
    if (m.cacheIncrementTokens < 1) problems.push(`${m.id}: increment < 1`);
    if (m.cacheKind === 'none' && m.cacheReadUsdPerMTok !== m.inputUsdPerMTok) problems.push(`${m.id}: no caching but a read discount`);
    if (m.cacheKind !== 'none' && m.defaultTtlSeconds <= 0) problems.push(`${m.id}: caching without TTL`);
    if ((m.cacheKind === 'implicit+explicit-storage') !== (m.storageUsdPerMTokHour !== null)) problems.push(`${m.id}: storage price iff Gemini`);
    if (m.provider !== 'anthropic' && (m.cacheWrite5mUsdPerMTok !== m.inputUsdPerMTok || m.cacheWrite1hUsdPerMTok !== m.inputUsdPerMTok)) {
      problems.push(`${m.id}: providers without a write fee must have writes = input`);
    }
    let prev = 0;
    for (const t of m.tiers) {
      if (t.aboveInputTokens <= prev) problems.push(`${m.id}: tiers not ascending`);
      if (t.inputUsdPerMTok < m.inputUsdPerMTok || t.cacheReadUsdPerMTok > t.inputUsdPerMTok) problems.push(`${m.id}: odd tier rates`);
      prev = t.aboveInputTokens;
    }
  }
  assert.deepEqual(problems, []);
});

test('no two rows share an id, alias or normalized name', () => {
  const seen = new Map<string, string>();
  const clashes: string[] = [];
  for (const m of T.models) {
    for (const key of new Set([m.id, ...m.aliases].map(normalizeModelId))) {
      const other = seen.get(key);
      if (other !== undefined) clashes.push(`${key}: ${other} and ${m.id}`);
      seen.set(key, m.id);
    }
  }
  assert.deepEqual(clashes, []);
});

test('Anthropic rows follow 1.25x / 2x / 0.1x (also inside tiers), except the documented exceptions', () => {
  const EXCEPTIONS = new Set(['claude-3-haiku']); // $0.30 / $0.50 / $0.03 on $0.25 [A1][A3]
  const off: string[] = [];
  for (const m of T.models.filter((r) => r.provider === 'anthropic')) {
    if (m.cacheKind !== 'explicit-breakpoints' || m.defaultTtlSeconds !== 300 || m.cacheIncrementTokens !== 1) off.push(`${m.id}: cache rules`);
    for (const r of [m, ...m.tiers]) {
      const ok =
        close(r.cacheWrite5mUsdPerMTok, r.inputUsdPerMTok * 1.25) &&
        close(r.cacheWrite1hUsdPerMTok, r.inputUsdPerMTok * 2) &&
        close(r.cacheReadUsdPerMTok, r.inputUsdPerMTok * 0.1);
      if (!ok && !EXCEPTIONS.has(m.id)) off.push(m.id);
      if (ok && EXCEPTIONS.has(m.id)) off.push(`${m.id} is listed as an exception but follows the multipliers`);
    }
    if (EXCEPTIONS.has(m.id) && !m.notes) off.push(`${m.id}: exception without a note`);
  }
  assert.deepEqual(off, []);
});

test('hand corrections of known-bad upstream rows hold', () => {
  // LiteLLM: claude-3-haiku 1h write $6 -> $0.50; claude-3-opus 1h $6 -> $30.
  assert.equal(get('claude-3-haiku').cacheWrite1hUsdPerMTok, 0.5);
  assert.equal(get('claude-3-opus').cacheWrite1hUsdPerMTok, 30);
  // LiteLLM xai/grok-4 has no cache price -> $0.75 (0.25x of $3).
  assert.equal(get('grok-4').cacheReadUsdPerMTok, 0.75);
  // claude-sonnet-4-5: LiteLLM says max_input 200000 but carries >200K tiers: keep the tier and the
  // default 200K window (the 1M beta is selected by a `[1m]` model id).
  const s45 = get('claude-sonnet-4-5');
  assert.equal(s45.contextWindowTokens, 200_000);
  assert.deepEqual(s45.tiers.map((t) => [t.aboveInputTokens, t.inputUsdPerMTok, t.outputUsdPerMTok]), [[200_000, 6, 22.5]]);
  for (const id of ['claude-3-haiku', 'claude-3-opus', 'grok-4', 'claude-sonnet-4-5']) assert.match(get(id).notes ?? '', /[Hh]and correction/);
});

test('facts-sheet figures: long-context tiers, flat 1M models, minimums, TTLs', () => {
  assert.deepEqual(get('claude-opus-4-6').tiers, []);
  assert.deepEqual(get('claude-sonnet-4-6').tiers, []);
  assert.equal(get('gemini-2.5-pro').tiers[0]?.aboveInputTokens, 200_000);
  assert.equal(get('gemini-2.5-pro').tiers[0]?.cacheReadUsdPerMTok, 0.25);
  assert.equal(get('gemini-3-pro-preview').tiers[0]?.outputUsdPerMTok, 18);
  assert.equal(get('gpt-5.5').tiers[0]?.aboveInputTokens, 272_000);
  assert.equal(get('gpt-5.5').tiers[0]?.outputUsdPerMTok, 45);
  assert.equal(get('claude-opus-4-7').minCacheableTokens, 4096); // official doc over LiteLLM's 2048
  assert.equal(get('claude-haiku-4-5').minCacheableTokens, 4096);
  assert.equal(get('claude-opus-4-8').minCacheableTokens, 1024);
  assert.equal(get('gpt-5').cacheIncrementTokens, 128);
  assert.equal(get('deepseek-chat').cacheIncrementTokens, 64);
  assert.equal(get('gpt-4o').defaultTtlSeconds, 300);
  assert.equal(get('gpt-5.5').defaultTtlSeconds, 86_400);
  assert.equal(get('gemini-2.5-flash').defaultTtlSeconds, 3600);
  assert.equal(get('gemini-2.5-flash').storageUsdPerMTokHour, 1);
  assert.equal(get('gpt-4').cacheKind, 'none');
});
