// Regenerates src/price/snapshot-data.json from a LiteLLM model_prices_and_context_window.json
// the user downloaded (no network here):
//   npm run update-prices -- path/to/model_prices_and_context_window.json [--as-of YYYY-MM-DD] [--add-new] [--out file] [--dry-run]
// Rates, tiers and context come from LiteLLM (MIT, Copyright BerriAI); cache rules, aliases,
// notes and sources stay curated; the hand corrections in src/price/update-snapshot.ts apply last.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parsePriceTable } from '../src/price/price-table.js';
import { updateSnapshot } from '../src/price/update-snapshot.js';

function fail(message: string): never {
  process.stderr.write(`update-prices: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
let input: string | null = null;
let asOf: string | null = null;
let out = fileURLToPath(new URL('../../src/price/snapshot-data.json', import.meta.url));
let addNew = false;
let dryRun = false;
for (let i = 0; i < args.length; i++) {
  const a = args[i]!;
  if (a === '--as-of') asOf = args[++i] ?? fail('--as-of needs a YYYY-MM-DD date');
  else if (a === '--out') out = args[++i] ?? fail('--out needs a path');
  else if (a === '--add-new') addNew = true;
  else if (a === '--dry-run') dryRun = true;
  else if (a.startsWith('-')) fail(`unknown option ${a}`);
  else if (input === null) input = a;
  else fail(`unexpected argument ${a}`);
}
if (input === null) fail('usage: update-prices <model_prices_and_context_window.json> [--as-of YYYY-MM-DD] [--add-new] [--out file] [--dry-run]');
if (asOf !== null && !/^\d{4}-\d{2}-\d{2}$/.test(asOf)) fail(`--as-of must be YYYY-MM-DD, got ${asOf}`);

let litellm: unknown;
try {
  litellm = JSON.parse(readFileSync(input, 'utf8'));
} catch (err) {
  fail(`cannot read ${input}: ${err instanceof Error ? err.message : String(err)}`);
}
const currentParsed = parsePriceTable(JSON.parse(readFileSync(out, 'utf8')), out);
if ('errors' in currentParsed) fail(`current snapshot ${out} is invalid: ${currentParsed.errors[0]}`);
// The snapshot date: --as-of, else the day the LiteLLM file was saved.
const date = asOf ?? new Date(statSync(input).mtimeMs).toISOString().slice(0, 10);
const result = updateSnapshot(currentParsed.table, litellm, { asOf: date, addNew });
if ('errors' in result) fail(`${input}: ${result.errors[0]}`);
for (const line of result.report) process.stdout.write(`${line}\n`);
if (dryRun) process.stdout.write(`dry run: ${out} not written\n`);
else {
  writeFileSync(out, `${JSON.stringify(result.table, null, 2)}\n`);
  process.stdout.write(`wrote ${out}: ${result.table.models.length} models, as of ${date}\n`);
}
