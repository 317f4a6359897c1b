import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCliInProcess } from '../helpers/cli.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';
import { golden } from '../helpers/golden.js';

test('golden: `pricing` at 120 columns', async () => {
  const r = await runCliInProcess(['pricing'], { columns: 120 });
  assert.equal(r.exitCode, 0, r.stderr);
  assert.equal(r.stderr, '');
  golden('pricing.txt', r.stdout);
  assert.match(r.stdout, /Prices: embedded snapshot as of 2026-\d\d-\d\d \(source: /);
  assert.ok(r.stdout.split('\n').every((l) => l.length <= 120 || l.startsWith('Prices:')), 'fits the width');
});

test('golden: `pricing claude-sonnet-4-5-20250929` shows the resolution and the tier', async () => {
  const r = await runCliInProcess(['pricing', 'claude-sonnet-4-5-20250929'], { columns: 100 });
  assert.equal(r.exitCode, 0, r.stderr);
  golden('pricing-claude-sonnet-4-5-20250929.txt', r.stdout);
  assert.match(r.stdout, /matched by\s+alias \('claude-sonnet-4-5-20250929'\)/);
  assert.match(r.stdout, /above 200,000\s+input 6\.00, output 22\.50, 5m write 7\.50, 1h write 12\.00, read 0\.60/);
});

test('golden: narrow terminal uses the compact table', async () => {
  const r = await runCliInProcess(['pricing', '--provider', 'google'], { columns: 90 });
  assert.equal(r.exitCode, 0, r.stderr);
  golden('pricing-google-90.txt', r.stdout);
  assert.doesNotMatch(r.stdout, /claude|gpt/);
});

test('unknown model: exit 2 with the closest ids', async () => {
  const r = await runCliInProcess(['pricing', 'claude-sonet-4-5']);
  assert.equal(r.exitCode, 2);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^token-econ: unknown model 'claude-sonet-4-5'; did you mean 'claude-sonnet-4-5'/);
});

test('--json: versioned document with every model', async () => {
  const r = await runCliInProcess(['pricing', '--json']);
  assert.equal(r.exitCode, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as Record<string, unknown>;
  assert.equal(doc['schemaVersion'], 1);
  assert.equal(doc['kind'], 'pricing');
  assert.deepEqual(doc['tool'], { name: 'token-econ', version: JSON.parse(readFileSync('package.json', 'utf8')).version });
  assert.equal(doc['asOf'], EMBEDDED_PRICE_TABLE.asOf);
  assert.equal(doc['source'], EMBEDDED_PRICE_TABLE.source);
  assert.deepEqual(doc['models'], EMBEDDED_PRICE_TABLE.models);
  const one = JSON.parse((await runCliInProcess(['pricing', 'bedrock/us.anthropic.claude-opus-4-1-20250805-v1:0', '--json'])).stdout) as Record<string, unknown>;
  assert.equal(one['matchedBy'], 'normalized');
  assert.equal((one['models'] as Array<{ id: string }>)[0]?.id, 'claude-opus-4-1');
});

test('--provider filters, and an unknown provider is a usage error', async () => {
  const r = await runCliInProcess(['pricing', '--provider', 'deepseek', '--json']);
  const ids = (JSON.parse(r.stdout) as { models: Array<{ id: string; provider: string }> }).models.map((m) => m.provider);
  assert.ok(ids.length >= 2 && ids.every((p) => p === 'deepseek'));
  const bad = await runCliInProcess(['pricing', '--provider', 'acme']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /unknown provider 'acme'/);
});

test('--price overrides one model and shows up in the provenance line', async () => {
  const r = await runCliInProcess(['pricing', 'my-model', '--price', 'model=my-model,input=3,output=15,cache-read=0.3,cache-write=3.75,provider=anthropic']);
  assert.equal(r.exitCode, 0, r.stderr);
  assert.match(r.stdout, /model\s+my-model/);
  assert.match(r.stdout, /cache write 1h\s+\$6\.00/);
  assert.match(r.stdout, /overridden by --price/);
  const o = await runCliInProcess(['pricing', 'gpt-4o', '--price', 'model=gpt-4o,input=2,output=8', '--json']);
  const doc = JSON.parse(o.stdout) as { models: Array<{ inputUsdPerMTok: number; source: string }> };
  assert.equal(doc.models[0]?.inputUsdPerMTok, 2);
  assert.equal(doc.models[0]?.source, '--price');
  const bad = await runCliInProcess(['pricing', '--price', 'model=x,input=1']);
  assert.equal(bad.exitCode, 2);
  assert.match(bad.stderr, /^token-econ: --price: "input" and "output" \(USD per MTok\) are required for x\n/);
});

test('--pricing accepts a LiteLLM file and our schema; bad files are one-line usage errors', async () => {
  const lite = await runCliInProcess(['pricing', 'claude-sonnet-4-5', '--pricing', 'test/fixtures/pricing/litellm-sample.json', '--json']);
  assert.equal(lite.exitCode, 0, lite.stderr);
  const doc = JSON.parse(lite.stdout) as { source: string; models: Array<{ inputUsdPerMTok: number; cacheWrite1hUsdPerMTok: number }> };
  assert.equal(doc.models[0]?.inputUsdPerMTok, 3.6);
  assert.equal(doc.models[0]?.cacheWrite1hUsdPerMTok, 7.2);
  assert.match(doc.source, /overridden by test\/fixtures\/pricing\/litellm-sample\.json/);
  const ours = await runCliInProcess(['pricing', 'inhouse-llm', '--pricing', 'test/fixtures/pricing/our-schema.json']);
  assert.equal(ours.exitCode, 0, ours.stderr);
  assert.match(ours.stdout, /input\s+\$0\.50 \/ MTok/);
  for (const [file, re] of [
    ['test/fixtures/pricing/nope.json', /--pricing: cannot read test\/fixtures\/pricing\/nope\.json: no such file/],
    ['test/fixtures/pricing/not-json.json', /--pricing: test\/fixtures\/pricing\/not-json\.json is not valid JSON/],
    ['test/fixtures/pricing/bad-schema.json', /--pricing: .*"inputUsdPerMTok" must be a non-negative number/],
  ] as const) {
    const r = await runCliInProcess(['pricing', '--pricing', file]);
    assert.equal(r.exitCode, 2, file);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
  }
});

test('--json is compact into a pipe, indented with --pretty: the same document', async () => {
  for (const args of [['pricing', '--json'], ['pricing', 'gpt-4o', '--json']]) {
    const compact = await runCliInProcess(args);
    const pretty = await runCliInProcess([...args, '--pretty']);
    assert.equal(compact.exitCode, 0, compact.stderr);
    assert.equal(compact.stdout.indexOf('\n'), compact.stdout.length - 1, 'one line + final newline');
    assert.equal(pretty.stdout, `${JSON.stringify(JSON.parse(compact.stdout), null, 2)}\n`);
    assert.equal((await runCliInProcess([...args, '--pretty', '--no-pretty'])).stdout, compact.stdout);
  }
});
