import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPriceResolver, normalizeModelId, suggestModelIds } from '../../src/price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';

const resolver = createPriceResolver(EMBEDDED_PRICE_TABLE);

// [logged model string, expected row id, how]
const KNOWN: Array<[string, string, 'exact' | 'alias' | 'normalized' | 'prefix']> = [
  ['claude-sonnet-4-5', 'claude-sonnet-4-5', 'exact'],
  ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5', 'alias'],
  ['claude-3-5-haiku-20241022', 'claude-3-5-haiku', 'alias'],
  ['claude-3-5-sonnet-20241022', 'claude-3-5-sonnet', 'alias'],
  ['vertex_ai/claude-3-5-sonnet-v2@20241022', 'claude-3-5-sonnet', 'prefix'],
  ['us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet', 'normalized'],
  ['gpt-4o-2024-08-06', 'gpt-4o', 'alias'],
  ['gpt-5-mini-2025-08-07', 'gpt-5-mini', 'alias'],
  ['grok-4-0709', 'grok-4', 'alias'],
  // dates not listed as aliases: release-date suffix after a known id
  ['claude-sonnet-4-20250601', 'claude-sonnet-4', 'prefix'],
  ['claude-opus-4-5-20251101', 'claude-opus-4-5', 'alias'],
  ['claude-haiku-4-5-20991231', 'claude-haiku-4-5', 'prefix'],
  ['gpt-4.1-mini-2025-04-14', 'gpt-4.1-mini', 'alias'],
  ['gpt-5.2-2026-01-15', 'gpt-5.2', 'prefix'],
  ['o3-2025-04-16', 'o3', 'alias'],
  ['gpt-4-0613', 'gpt-4', 'alias'],
  ['gpt-4-0314', 'gpt-4', 'prefix'],
  // provider prefixes
  ['anthropic/claude-sonnet-4-5', 'claude-sonnet-4-5', 'normalized'],
  ['openai/gpt-5', 'gpt-5', 'normalized'],
  ['openrouter/anthropic/claude-sonnet-4.5', 'claude-sonnet-4-5', 'normalized'],
  ['bedrock/us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'claude-sonnet-4-5', 'normalized'],
  ['us.anthropic.claude-3-5-haiku-20241022-v1:0', 'claude-3-5-haiku', 'normalized'],
  ['anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4-1', 'normalized'],
  ['global.anthropic.claude-opus-4-6-v1', 'claude-opus-4-6', 'normalized'],
  ['vertex_ai/claude-opus-4-1@20250805', 'claude-opus-4-1', 'normalized'],
  ['claude-opus-4-5@20251101', 'claude-opus-4-5', 'normalized'],
  ['claude-sonnet-4@20250514', 'claude-sonnet-4', 'normalized'],
  ['gemini/gemini-2.5-flash', 'gemini-2.5-flash', 'normalized'],
  ['models/gemini-2.5-pro', 'gemini-2.5-pro', 'normalized'],
  ['vertex_ai/gemini-3-pro-preview', 'gemini-3-pro-preview', 'normalized'],
  ['xai/grok-code-fast-1', 'grok-code-fast-1', 'normalized'],
  ['deepseek/deepseek-chat', 'deepseek-chat', 'normalized'],
  ['moonshotai/kimi-k2-0905', 'kimi-k2-0905-preview', 'normalized'],
  ['z-ai/glm-4.6', 'glm-4.6', 'normalized'],
  // decorations
  ['claude-sonnet-4-5[1m]', 'claude-sonnet-4-5', 'normalized'],
  ['claude-opus-4-6[1m]', 'claude-opus-4-6', 'normalized'],
  ['claude-3-5-haiku-latest', 'claude-3-5-haiku', 'normalized'],
  ['claude-opus-4.1', 'claude-opus-4-1', 'normalized'],
  ['claude-sonnet-4.5-20250929', 'claude-sonnet-4-5', 'normalized'],
  ['gpt-5-1', 'gpt-5.1', 'normalized'],
  ['GPT-5.1-Codex', 'gpt-5.1-codex', 'normalized'],
  ['Claude-Sonnet-4-5', 'claude-sonnet-4-5', 'normalized'],
  ['  gpt-4o  ', 'gpt-4o', 'normalized'],
  ['grok-4-1-fast-reasoning', 'grok-4.1-fast', 'alias'],
  ['grok-4.1-fast-non-reasoning', 'grok-4.1-fast', 'normalized'],
  ['openrouter/deepseek/deepseek-chat:free', 'deepseek-chat', 'normalized'],
  // a dated snapshot with its own price is its own row, not gpt-4o
  ['gpt-4o-2024-05-13', 'gpt-4o-2024-05-13', 'exact'],
];

for (const [model, id, how] of KNOWN) {
  test(`resolves ${JSON.stringify(model)} -> ${id} (${how})`, () => {
    const r = resolver.resolve(model);
    assert.equal(r.kind, 'known', `${model} should be known`);
    if (r.kind !== 'known') return;
    assert.equal(r.price.id, id);
    assert.equal(r.matchedBy, how);
  });
}

// Similar-looking names that must NOT be priced as a neighbour.
const UNKNOWN = [
  'claude-opus-4-9', // not claude-opus-4
  'claude-sonnet-4-7', // not claude-sonnet-4
  'claude-opus-4-5-thinking', // not a date
  'claude-3-sonnet-20240229', // no Claude 3 Sonnet row: must not become 3.5 Sonnet or Sonnet 4
  'gpt-5-pro', // not gpt-5
  'gpt-5-foo',
  'gpt-5.1-codex-max', // not gpt-5.1-codex
  'gpt-5.1-codex-mini',
  'gpt-4-32k', // not gpt-4
  'gpt-4-1106-preview', // gpt-4-turbo preview, not gpt-4
  'o3-mini', // not o3
  'o3-pro',
  'o1-mini', // not o1
  'gpt-4o-audio-preview',
  'chatgpt-4o-latest', // a different product from gpt-4o
  'gemini-2.5-flash-preview-05-20', // preview priced differently from GA 2.5 Flash
  'gemini-2.5-flash-lite-preview-06-17',
  'gemini-2.0-flash',
  'grok-3',
  'grok-4-heavy',
  'deepseek-coder',
  'kimi-k2',
  'glm-4.5',
  'claude-opus-4-6-v1', // `-v1` is only stripped from Bedrock ids
  'sonnet', // Claude Code alias: ambiguous
  '',
  '<synthetic>',
];

for (const model of UNKNOWN) {
  test(`does not resolve ${JSON.stringify(model)}`, () => {
    const r = resolver.resolve(model);
    assert.equal(r.kind, 'unknown', r.kind === 'known' ? `${model} wrongly matched ${r.price.id} by ${r.matchedBy}` : '');
  });
}

test('gpt-5 never swallows gpt-5-mini/-nano/-codex and claude-opus-4 never swallows claude-opus-4-5', () => {
  const id = (m: string) => {
    const r = resolver.resolve(m);
    return r.kind === 'known' ? r.price.id : null;
  };
  assert.equal(id('gpt-5-mini-2025-08-07'), 'gpt-5-mini');
  assert.equal(id('gpt-5-nano'), 'gpt-5-nano');
  assert.equal(id('gpt-5-codex'), 'gpt-5-codex');
  assert.equal(id('gpt-5-2025-08-07'), 'gpt-5');
  assert.equal(id('claude-opus-4-5'), 'claude-opus-4-5');
  assert.equal(id('claude-opus-4-20250514'), 'claude-opus-4');
  assert.equal(id('claude-opus-4-1'), 'claude-opus-4-1');
});

test('resolution is memoized per model string (same object back)', () => {
  const a = resolver.resolve('anthropic/claude-haiku-4-5');
  assert.equal(resolver.resolve('anthropic/claude-haiku-4-5'), a);
  assert.equal(resolver.table, EMBEDDED_PRICE_TABLE);
});

test('normalizeModelId strips decorations only', () => {
  assert.equal(normalizeModelId('bedrock/us.anthropic.claude-opus-4-1-20250805-v1:0'), 'claude-opus-4-1-20250805');
  assert.equal(normalizeModelId('claude-opus-4-1@20250805'), 'claude-opus-4-1-20250805');
  assert.equal(normalizeModelId('gemini-2.5-pro'), 'gemini-2-5-pro');
  assert.equal(normalizeModelId('claude-sonnet-4-5[1m]'), 'claude-sonnet-4-5');
  assert.equal(normalizeModelId('gpt-5-mini'), 'gpt-5-mini');
});

test('suggestions name the closest ids', () => {
  assert.deepEqual(suggestModelIds(EMBEDDED_PRICE_TABLE, 'claude-sonet-4-5').slice(0, 1), ['claude-sonnet-4-5']);
  assert.equal(suggestModelIds(EMBEDDED_PRICE_TABLE, 'gemini-2.5-flash-preview-05-20')[0], 'gemini-2.5-flash');
  assert.deepEqual(suggestModelIds(EMBEDDED_PRICE_TABLE, 'completely-unrelated-model-name-xyz'), []);
});
