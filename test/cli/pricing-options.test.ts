import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { Command } from 'commander';
import type { CliContext } from '../../src/cli/context.js';
import { addPricingOptions, loadPriceResolver } from '../../src/cli/pricing-options.js';
import { InputError } from '../../src/errors.js';
import { EMBEDDED_PRICE_TABLE } from '../../src/price/snapshot.js';

const ctx: CliContext = {
  argv: [],
  env: {},
  cwd: process.cwd(),
  stdin: Readable.from([]),
  writeStdout: async () => {},
  writeStderr: () => {},
  isStdoutTTY: false,
  isStderrTTY: false,
  columns: 100,
  now: () => 0,
  exitCode: 0,
};

function parse(args: string[]): Record<string, unknown> {
  const cmd = addPricingOptions(new Command('x').exitOverride());
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
}

test('addPricingOptions collects repeated --pricing and --price', () => {
  const raw = parse(['--price', 'model=a,input=1,output=2', '--price', 'model=b,input=3,output=4', '--pricing', 'x.json', '--pricing', 'y.json']);
  assert.deepEqual(raw['price'], ['model=a,input=1,output=2', 'model=b,input=3,output=4']);
  assert.deepEqual(raw['pricing'], ['x.json', 'y.json']);
});

test('loadPriceResolver: no flags = the embedded snapshot; files then specs, later wins', async () => {
  assert.equal((await loadPriceResolver(ctx, {})).table, EMBEDDED_PRICE_TABLE);
  const r = await loadPriceResolver(
    ctx,
    parse([
      '--pricing', 'test/fixtures/pricing/litellm-sample.json',
      '--pricing', 'test/fixtures/pricing/our-schema.json',
      '--price', 'model=inhouse-llm,input=0.7,output=2',
      '--price', 'model=inhouse-llm,input=0.8,output=2',
    ]),
  );
  const s = r.resolve('claude-sonnet-4-5-20250929');
  assert.ok(s.kind === 'known' && s.price.inputUsdPerMTok === 2.4, 'our-schema file (second) beats the LiteLLM file (first)');
  const acme = r.resolve('acme-coder-1');
  assert.ok(acme.kind === 'known' && acme.price.inputUsdPerMTok === 1, 'rows only in the first file survive');
  const inhouse = r.resolve('inhouse-llm');
  assert.ok(inhouse.kind === 'known' && inhouse.price.inputUsdPerMTok === 0.8, 'the last --price wins');
  // The LiteLLM file has no date: its modification day is used.
  assert.match(r.table.source, /litellm-sample\.json \(as of \d{4}-\d{2}-\d{2}\)/);
});

test('loadPriceResolver: bad files and specs are InputErrors', async () => {
  await assert.rejects(loadPriceResolver(ctx, { pricing: ['test/fixtures/pricing/missing.json'] }), InputError);
  await assert.rejects(loadPriceResolver(ctx, { price: ['model=x'] }), InputError);
});
