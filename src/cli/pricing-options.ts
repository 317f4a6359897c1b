import { readFile, stat } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from './context.js';
import { InputError } from '../errors.js';
import type { ModelPrice, PriceTable } from '../model/pricing.js';
import { mergePriceTables, parsePriceOverride, parsePriceTable } from '../price/price-table.js';
import { createPriceResolver, type PriceResolver } from '../price/resolve.js';
import { EMBEDDED_PRICE_TABLE } from '../price/snapshot.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds `--pricing <file>` and `--price <spec>` (both repeatable) to a command. */
export function addPricingOptions(cmd: Command): Command {
  return cmd
    .option(
      '--pricing <file>',
      'price file overriding the embedded snapshot: token-econ schema or LiteLLM model_prices_and_context_window.json (repeatable; later files win)',
      collect,
    )
    .option(
      '--price <spec>',
      'override one model, USD per MTok: "model=ID,input=3,output=15[,cache-read=0.3][,cache-write=3.75][,cache-write-1h=6][,provider=anthropic][,context=200000][,min-cache=1024]" (repeatable)',
      collect,
    );
}

function stringList(value: unknown): string[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return typeof value === 'string' ? [value] : [];
}

async function readPriceFile(ctx: CliContext, file: string): Promise<PriceTable> {
  const path = resolvePath(ctx.cwd, file);
  let text: string;
  let mtimeMs: number;
  try {
    text = await readFile(path, 'utf8');
    mtimeMs = (await stat(path)).mtimeMs;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`--pricing: cannot read ${file}${code === 'ENOENT' ? ': no such file' : code ? ` (${code})` : ''}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(`--pricing: ${file} is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  const parsed = parsePriceTable(json, file);
  if ('errors' in parsed) {
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more)` : '';
    throw new InputError(`--pricing: ${parsed.errors[0]}${more}`);
  }
  // LiteLLM files carry no date: the file's modification day stands in for it.
  if (parsed.table.asOf === 'unknown') return { ...parsed.table, asOf: new Date(mtimeMs).toISOString().slice(0, 10) };
  return parsed.table;
}

/**
 * The price table for a run: the embedded snapshot, then each `--pricing`
 * file, then the `--price` specs, later ones winning by model id.
 */
export async function loadPriceTable(ctx: CliContext, raw: Record<string, unknown>): Promise<PriceTable> {
  let table = EMBEDDED_PRICE_TABLE;
  for (const file of stringList(raw['pricing'])) table = mergePriceTables(table, await readPriceFile(ctx, file));
  const specs = stringList(raw['price']);
  if (specs.length > 0) {
    const rows: ModelPrice[] = [];
    for (const spec of specs) {
      const row = parsePriceOverride(spec);
      if ('error' in row) throw new InputError(row.error);
      const at = rows.findIndex((r) => r.id === row.id);
      if (at >= 0) rows[at] = row;
      else rows.push(row);
    }
    table = mergePriceTables(table, { asOf: table.asOf, source: '--price', models: rows });
  }
  return table;
}

/** Reads `--pricing` / `--price` and returns a resolver over the merged table. */
export async function loadPriceResolver(ctx: CliContext, raw: Record<string, unknown>): Promise<PriceResolver> {
  return createPriceResolver(await loadPriceTable(ctx, raw));
}
