import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { ModelPrice, PriceTable } from '../../src/model/pricing.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { HAND_CORRECTIONS, updateSnapshot } from '../../src/price/update-snapshot.js';

const litellm: unknown = JSON.parse(readFileSync('test/fixtures/pricing/litellm-known-bad.json', 'utf8'));

function run(addNew: boolean): { table: PriceTable; report: string[] } {
  const r = updateSnapshot(EMBEDDED_PRICE_TABLE, litellm, { asOf: '2026-12-01', addNew });
  assert.ok(!('errors' in r), 'errors' in r ? r.errors.join() : '');
  return r;
}
const row = (t: PriceTable, id: string): ModelPrice => {
  const m = t.models.find((x) => x.id === id);
  assert.ok(m, id);
  return m;
};

test('known-bad upstream rows are corrected by hand after the update', () => {
  const { table, report } = run(false);
  assert.equal(row(table, 'claude-3-haiku').cacheWrite1hUsdPerMTok, 0.5, 'LiteLLM $6 -> $0.50');
  assert.equal(row(table, 'claude-3-opus').cacheWrite1hUsdPerMTok, 30, 'LiteLLM $6 -> $30');
  assert.equal(row(table, 'grok-4').cacheReadUsdPerMTok, 0.75, 'missing cache price -> $0.75');
  const s45 = row(table, 'claude-sonnet-4-5');
  assert.equal(s45.contextWindowTokens, 200_000, 'LiteLLM max_input 200000 is the default window');
  assert.deepEqual(s45.tiers, row(EMBEDDED_PRICE_TABLE, 'claude-sonnet-4-5').tiers, 'tier kept');
  for (const c of HAND_CORRECTIONS) assert.ok(report.some((l) => l.startsWith(`fix    ${c.id}:`)), `${c.id} reported`);
});

test('upstream rates replace curated rates; cache rules, notes and the date follow the curation', () => {
  const { table, report } = run(false);
  assert.equal(table.asOf, '2026-12-01');
  const g5 = row(table, 'gpt-5');
  assert.equal(g5.inputUsdPerMTok, 1.5, 'the bare key wins over the dated one');
  assert.equal(g5.cacheReadUsdPerMTok, 0.15);
  assert.equal(g5.defaultTtlSeconds, 86_400, 'curated TTL kept');
  assert.equal(g5.notes, row(EMBEDDED_PRICE_TABLE, 'gpt-5').notes);
  assert.ok(report.some((l) => l.startsWith('update gpt-5 (from gpt-5): rates 1.25/10/1.25/1.25/0.125 -> 1.5/12/1.5/1.5/0.15')));
  // Rows LiteLLM lacks are kept as they are.
  assert.deepEqual(row(table, 'claude-opus-4-8'), row(EMBEDDED_PRICE_TABLE, 'claude-opus-4-8'));
  assert.equal(table.models.length, EMBEDDED_PRICE_TABLE.models.length);
});

test('new upstream chat models are reported, and added only with addNew (realtime, other providers skipped)', () => {
  const { report } = run(false);
  assert.ok(report.includes('new?   gpt-9-preview (openai): not in the snapshot; rerun with --add-new to add it'));
  assert.ok(!report.some((l) => /realtime|mistral|gpt-5-2025/.test(l)));
  const added = run(true);
  const g9 = row(added.table, 'gpt-9-preview');
  assert.equal(g9.cacheIncrementTokens, 128);
  assert.equal(g9.contextWindowTokens, 500_000);
  assert.match(g9.notes ?? '', /provider defaults/);
  assert.equal(added.table.models.length, EMBEDDED_PRICE_TABLE.models.length + 1);
});

test('a file without covered chat models is rejected', () => {
  assert.ok('errors' in updateSnapshot(EMBEDDED_PRICE_TABLE, { foo: { mode: 'embedding' } }, { asOf: '2026-12-01', addNew: false }));
  assert.ok('errors' in updateSnapshot(EMBEDDED_PRICE_TABLE, [], { asOf: '2026-12-01', addNew: false }));
});
