import { totalsOf } from '../../src/normalize/totals.js';
import { readFileSync } from 'node:fs';
import type { InputFormat, ParseContext, ParseOutput, RawTurn, Tokenizer } from '../../src/ingest/format.js';
import type { TokenTotals } from '../../src/model/usage.js';

/** Whitespace-split fake tokenizer: fast, deterministic, no rank files. */
export const FAKE_TOKENIZER: Tokenizer = {
  name: 'fake-whitespace',
  count: (text: string) => (text.match(/\S+/g) ?? []).length,
};

export interface ParseTextOptions {
  file?: string;
  relativePath?: string;
  tokenizer?: Tokenizer;
  extra?: Partial<ParseContext>;
}

/**
 * Feeds `text` to a format's LineParser the way the shell does: split on `\n`,
 * strip a BOM and trailing CR, skip empty lines, 1-based line numbers.
 */
export function parseText(format: InputFormat, text: string, options: ParseTextOptions = {}): ParseOutput {
  const file = options.file ?? 'test.jsonl';
  const ctx: ParseContext = {
    file,
    relativePath: options.relativePath ?? file,
    getTokenizer: () => options.tokenizer ?? FAKE_TOKENIZER,
    ...options.extra,
  };
  const parser = format.createParser(ctx);
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.length > 0) parser.push(line, i + 1);
  });
  return parser.finish();
}

/** Reads a fixture relative to the repo root and parses it. */
export function parseFixture(format: InputFormat, path: string, options: ParseTextOptions = {}): ParseOutput {
  return parseText(format, readFileSync(path, 'utf8'), { file: path, ...options });
}

/** Keeps the first turn of each dedupe key (what normalize does), in order. */
export function dedupe(turns: readonly RawTurn[]): RawTurn[] {
  const seen = new Set<string>();
  return turns.filter((t) => {
    if (t.dedupeKey === null) return true;
    if (seen.has(t.dedupeKey)) return false;
    seen.add(t.dedupeKey);
    return true;
  });
}

/** Token totals of parsed turns (the same summing the product uses). */
export function totals(turns: readonly RawTurn[]): TokenTotals {
  return totalsOf(turns);
}

/** Asserts the accounting identity every parser must keep. */
export function accountingHolds(out: ParseOutput): boolean {
  return out.linesRead === out.linesCounted + out.linesIgnored + out.linesSkipped;
}
