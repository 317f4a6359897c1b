/**
 * Fuzzing every input format (issue #6). Shared by test/hardening/fuzz.test.ts
 * (a few hundred cases in CI) and scripts/fuzz.ts (`npm run fuzz`, 100,000).
 *
 * A case takes a real seed file of one format (test/fixtures/fuzz-seeds/,
 * file name prefix = format id), picks one of its lines (the whole document
 * for whole-document formats), applies 1-3 mutations — truncation at a byte,
 * byte flips, wrong JSON types, huge/negative/NaN numbers, 10,000-deep
 * nesting, a 10 MB value, lone surrogates (escaped and raw), invalid UTF-8,
 * NUL, BOM, CR — inserts it among the good lines, optionally turns the file
 * into CRLF with a BOM, and feeds the bytes in random chunks through the real
 * ingest driver (splitter + detection or forced format), plus the raw strings
 * straight into the format's LineParser. Properties:
 *
 * 1. no exception, and every parse finishes within a time budget;
 * 2. linesRead = linesCounted + linesIgnored + linesSkipped, and the driver's
 *    count of non-blank lines equals the parser's linesRead (line formats);
 * 3. every skipped line has an error diagnostic naming the file and a 1-based
 *    line (whole-document formats may say line 0);
 * 4. the good lines are still counted: the turns at good lines are exactly the
 *    turns of a clean parse in which the mutated line is blank (same line
 *    numbers), with identical token counts — for stateful formats (codex
 *    cumulative totals, transcript context) when the mutated line was rejected;
 * 5. every turn has finite non-negative integer token counts and
 *    promptTokens = input + cache writes + cache reads.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import type { InputFormat, ParseOutput, RawTurn, Tokenizer } from '../../src/ingest/format.js';
import { getFormat } from '../../src/ingest/index.js';
import { parseChunks, type ParsedFile } from '../../src/ingest/ingest.js';
import type { FormatId } from '../../src/model/usage.js';

export const SEED_DIR = 'test/fixtures/fuzz-seeds';

/** Formats whose turns depend on earlier lines (cumulative totals, growing context). */
const STATEFUL: ReadonlySet<FormatId> = new Set<FormatId>(['codex', 'transcript']);
/**
 * Formats that fold the records of one request in a file into one
 * (src/normalize/duplicates.ts): a mutated line that is a record of a request
 * good lines also hold may legitimately become that request's record.
 */
const FOLDING: ReadonlySet<FormatId> = new Set<FormatId>(['claude-code']);
const WHOLE_DOCUMENT: ReadonlySet<FormatId> = new Set<FormatId>(['openhands']);
const FORMAT_PREFIXES: ReadonlyArray<[string, FormatId]> = [
  ['claude-stream-json', 'claude-stream-json'],
  ['claude-code', 'claude-code'],
  ['codex', 'codex'],
  ['api-jsonl', 'api-jsonl'],
  ['openhands', 'openhands'],
  ['csv', 'csv'],
  ['transcript', 'transcript'],
];

export interface Seed {
  name: string;
  format: FormatId;
  /** File name handed to the parser (keeps the extension, for detection). */
  fileName: string;
  /** Physical lines without their `\n` (a final empty piece removed). */
  lines: string[];
  whole: boolean;
  /** CSV: line 1 is a header and is never mutated in the line-independence property. */
  header: boolean;
}

export function loadSeeds(dir = SEED_DIR): Seed[] {
  const seeds: Seed[] = [];
  for (const name of readdirSync(dir).sort()) {
    const entry = FORMAT_PREFIXES.find(([p]) => name.startsWith(p));
    if (!entry) continue;
    const format = entry[1];
    const text = readFileSync(join(dir, name), 'utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    seeds.push({ name, format, fileName: `fuzz/${name}`, lines, whole: WHOLE_DOCUMENT.has(format), header: format === 'csv' });
  }
  return seeds;
}

/** Whitespace tokenizer: transcripts need one; fast and deterministic. */
export const FUZZ_TOKENIZER: Tokenizer = { name: 'fuzz-whitespace', count: (t) => (t.match(/\S+/g) ?? []).length };

// ---------------------------------------------------------------- mutations

export const TEN_MB = 10 * 1024 * 1024;
const DEEP = 10_000;

const VALUE_REPLACEMENTS = [
  '"12"', 'null', '[]', '{}', 'true', '[12]', '{"n":12}', '1e308', '9007199254740993', '1e400', '-1e400', '-5', '-0', '0.5',
  '1e-400', '12345678901234567890123', 'NaN', 'Infinity', '-Infinity', '"NaN"', '"Infinity"', '"-5"', '""', '0x10',
  '"=HYPERLINK(\\"http://x\\")"', 'DEEP_ARRAY', 'DEEP_OBJECT',
] as const;
const CSV_REPLACEMENTS = ['-5', '1e400', '1e308', 'NaN', 'Infinity', '', 'abc', '12.5', '1,000', '=1+2', '"', '9007199254740993', '-0'] as const;
const STRING_REPLACEMENTS = ['ESC_SURROGATE', 'RAW_SURROGATE', 'NUL', 'BIG', '</script><script>alert(1)</script>', '\\u0000', '\\', 'BOM'] as const;
const INVALID_BYTES: readonly number[][] = [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0x00], [0xef, 0xbb, 0xbf], [0x0d], [0x0a], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x82]];

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; byte: number }
  | { kind: 'insert-bytes'; at: number; bytes: number }
  | { kind: 'value'; which: number; value: number }
  | { kind: 'string'; which: number; value: number }
  | { kind: 'deep'; which: number; object: boolean }
  | { kind: 'replace-line'; json: unknown }
  | { kind: 'random-text'; text: string };

export interface FuzzCase {
  seed: number;
  /** Index of the good line to mutate (modulo its count). */
  line: number;
  /** Where the mutated line is inserted among the good lines (fraction). */
  insertAt: number;
  /** Insert a mutated copy (true) or replace the original line (false). */
  insert: boolean;
  mutations: Mutation[];
  crlf: boolean;
  bom: boolean;
  noFinalNewline: boolean;
  /** Chunk sizes for the byte stream (cycled). */
  chunks: number[];
  /** Parse with the forced format (true) or detection (false). */
  forced: boolean;
}

const unit = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

export function mutationArb(bigWeight: number): fc.Arbitrary<Mutation> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: unit }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: unit, byte: fc.integer({ min: 0, max: 255 }) }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('insert-bytes' as const), at: unit, bytes: fc.nat(INVALID_BYTES.length - 1) }) },
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('value' as const), which: fc.nat(40), value: fc.nat(VALUE_REPLACEMENTS.length - 1) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('string' as const),
        which: fc.nat(40),
        // BIG (10 MB) is index 3: drawn rarely.
        value: fc.oneof({ weight: 100, arbitrary: fc.constantFrom(0, 1, 2, 4, 5, 6, 7) }, { weight: bigWeight, arbitrary: fc.constant(3) }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('deep' as const), which: fc.nat(40), object: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('replace-line' as const), json: fc.jsonValue({ maxDepth: 4 }) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('random-text' as const), text: fc.string({ unit: 'binary', maxLength: 200 }) }) },
  );
}

export function caseArb(bigWeight = 1): fc.Arbitrary<FuzzCase> {
  return fc.record({
    seed: fc.nat(1000),
    line: fc.nat(1000),
    insertAt: unit,
    insert: fc.boolean(),
    mutations: fc.array(mutationArb(bigWeight), { minLength: 1, maxLength: 3 }),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    noFinalNewline: fc.boolean(),
    chunks: fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 4 }),
    forced: fc.boolean(),
  });
}

function deepValue(object: boolean): string {
  return object ? `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}` : `${'['.repeat(DEEP)}1${']'.repeat(DEEP)}`;
}

function stringReplacement(i: number): string {
  switch (STRING_REPLACEMENTS[i]) {
    case 'ESC_SURROGATE':
      return '"a\\ud800b\\udfff"';
    case 'RAW_SURROGATE':
      return '"a\ud800b"';
    case 'NUL':
      return '"a\u0000b"';
    case 'BIG':
      return `"${'x'.repeat(TEN_MB)}"`;
    case 'BOM':
      return '"\ufeffmodel"';
    case '\\u0000':
      return '"\\u0000"';
    case '\\':
      return '"\\"';
    default:
      return JSON.stringify(STRING_REPLACEMENTS[i]);
  }
}

const NUMBER_RE = /("[A-Za-z0-9_]*"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
const TOKEN_NUMBER_RE = /("[A-Za-z0-9_]*(?:token|Token|count|cost|Cost)[A-Za-z0-9_]*"\s*:\s*)(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
const STRING_VALUE_RE = /("[A-Za-z0-9_]*"\s*:\s*)("(?:[^"\\]|\\.)*")/g;
const ANY_VALUE_RE = /("[A-Za-z0-9_]*"\s*:\s*)("(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*|true|false|null)/g;

/** Replaces the `which`-th (modulo count) match of `re` in `text`; token counts preferred by the caller. */
function replaceNth(text: string, re: RegExp, which: number, replacement: string): string | null {
  let matches: RegExpMatchArray[];
  try {
    matches = [...text.matchAll(re)];
  } catch {
    return null; // the regex engine's own stack on a 10 MB value: mutate differently
  }
  if (matches.length === 0) return null;
  const m = matches[which % matches.length] as RegExpMatchArray;
  const start = (m.index ?? 0) + (m[1] ?? '').length;
  return text.slice(0, start) + replacement + text.slice((m.index ?? 0) + m[0].length);
}

function csvReplace(line: string, which: number, value: string): string {
  const cells = line.split(',');
  const numeric = cells.map((c, i) => (/^-?\d+(\.\d+)?$/.test(c) ? i : -1)).filter((i) => i >= 0);
  const idx = numeric.length > 0 ? (numeric[which % numeric.length] as number) : which % cells.length;
  cells[idx] = value;
  return cells.join(',');
}

const encoder = new TextEncoder();

/** Applies text mutations (string level) then byte mutations. Returns the final bytes and the string stage. */
export function mutateLine(line: string, mutations: readonly Mutation[], csv: boolean): { text: string; bytes: Uint8Array } {
  let text = line;
  for (const m of mutations) {
    if (m.kind === 'value') {
      if (csv) text = csvReplace(text, m.which, CSV_REPLACEMENTS[m.value % CSV_REPLACEMENTS.length] as string);
      else {
        const v = VALUE_REPLACEMENTS[m.value] as string;
        const rep = v === 'DEEP_ARRAY' ? deepValue(false) : v === 'DEEP_OBJECT' ? deepValue(true) : v;
        text = replaceNth(text, m.which % 2 === 0 ? TOKEN_NUMBER_RE : NUMBER_RE, m.which >> 1, rep) ?? replaceNth(text, NUMBER_RE, m.which, rep) ?? text;
      }
    } else if (m.kind === 'string') {
      const rep = stringReplacement(m.value);
      text = csv ? csvReplace(text, m.which + 1, rep) : (replaceNth(text, STRING_VALUE_RE, m.which, rep) ?? `${text}${rep}`);
    } else if (m.kind === 'deep') {
      const rep = deepValue(m.object);
      text = csv ? `${rep},${text}` : (replaceNth(text, ANY_VALUE_RE, m.which, rep) ?? rep);
    } else if (m.kind === 'replace-line') {
      text = JSON.stringify(m.json) ?? 'null';
    } else if (m.kind === 'random-text') {
      text = m.text;
    }
  }
  let bytes = encoder.encode(text);
  for (const m of mutations) {
    if (m.kind === 'truncate') bytes = bytes.slice(0, Math.floor(m.at * bytes.length));
    else if (m.kind === 'flip' && bytes.length > 0) {
      bytes = bytes.slice();
      bytes[Math.floor(m.at * bytes.length)] = m.byte;
    } else if (m.kind === 'insert-bytes') {
      const ins = INVALID_BYTES[m.bytes % INVALID_BYTES.length] as number[];
      const at = Math.floor(m.at * (bytes.length + 1));
      const out = new Uint8Array(bytes.length + ins.length);
      out.set(bytes.subarray(0, at), 0);
      out.set(ins, at);
      out.set(bytes.subarray(at), at + ins.length);
      bytes = out;
    }
  }
  return { text, bytes };
}

// ---------------------------------------------------------------- building files

export interface BuiltCase {
  seed: Seed;
  /** Mutated file, as bytes. */
  bytes: Uint8Array;
  /** The same file with the mutated line replaced by as many blank lines (same line numbers). */
  cleanBytes: Uint8Array;
  /** 1-based physical line range occupied by the mutated line. */
  mutatedFrom: number;
  mutatedTo: number;
  /** String-level mutated line (raw surrogates kept) for the direct LineParser path. */
  mutatedText: string;
  /** Good lines and the mutated one as strings, for the direct path: [text, lineNo]. */
  directLines: Array<[string, number]>;
  mutatedBytes: Uint8Array;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let pos = 0;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

export function buildCase(seeds: readonly Seed[], c: FuzzCase): BuiltCase {
  const seed = seeds[c.seed % seeds.length] as Seed;
  const eol = encoder.encode(c.crlf ? '\r\n' : '\n');
  const bom = new Uint8Array([0xef, 0xbb, 0xbf]);
  if (seed.whole) {
    const whole = seed.lines.join('\n');
    const mutated = mutateLine(whole, c.mutations, false);
    const lineCount = seed.lines.length;
    const bytes = concat([c.bom ? bom : new Uint8Array(0), mutated.bytes, c.noFinalNewline ? new Uint8Array(0) : eol]);
    return {
      seed,
      bytes,
      cleanBytes: new Uint8Array(0),
      mutatedFrom: 1,
      mutatedTo: Math.max(lineCount, countNewlines(mutated.bytes) + 1),
      mutatedText: mutated.text,
      directLines: mutated.text.split('\n').map((t, i) => [t.replace(/\r$/, ''), i + 1] as [string, number]).filter(([t]) => t.trim().length > 0),
      mutatedBytes: mutated.bytes,
    };
  }
  const first = seed.header ? 1 : 0;
  const pick = first + (c.line % Math.max(1, seed.lines.length - first));
  const original = seed.lines[pick] ?? '';
  const mutated = mutateLine(original, c.mutations, seed.format === 'csv');
  const good = seed.lines.slice();
  let at: number;
  if (c.insert) {
    at = first + Math.floor(c.insertAt * (good.length - first + 1));
  } else {
    good.splice(pick, 1);
    at = pick;
  }
  const nl = countNewlines(mutated.bytes);
  const parts: Uint8Array[] = [];
  const clean: Uint8Array[] = [];
  if (c.bom) {
    parts.push(bom);
    clean.push(bom);
  }
  const all = [...good.slice(0, at), null, ...good.slice(at)];
  all.forEach((l, i) => {
    const last = i === all.length - 1;
    const end = last && c.noFinalNewline ? new Uint8Array(0) : eol;
    if (l === null) {
      parts.push(mutated.bytes, end);
      for (let k = 0; k <= nl; k++) clean.push(k === nl ? end : eol);
    } else {
      const b = encoder.encode(l);
      parts.push(b, end);
      clean.push(b, end);
    }
  });
  const directLines: Array<[string, number]> = [];
  let lineNo = 0;
  for (const l of all) {
    if (l === null) {
      for (const piece of mutated.text.split('\n')) {
        lineNo++;
        const t = piece.replace(/\r$/, '');
        if (t.trim().length > 0) directLines.push([t, lineNo]);
      }
    } else {
      lineNo++;
      directLines.push([l, lineNo]);
    }
  }
  return {
    seed,
    bytes: concat(parts),
    cleanBytes: concat(clean),
    mutatedFrom: at + 1,
    mutatedTo: at + 1 + nl,
    mutatedText: mutated.text,
    directLines,
    mutatedBytes: mutated.bytes,
  };
}

function countNewlines(b: Uint8Array): number {
  let n = 0;
  for (const x of b) if (x === 0x0a) n++;
  return n;
}

function* chunked(bytes: Uint8Array, sizes: readonly number[]): Generator<Uint8Array> {
  let pos = 0;
  let i = 0;
  while (pos < bytes.length) {
    const n = sizes[i++ % sizes.length] as number;
    yield bytes.subarray(pos, pos + n);
    pos += n;
  }
}

// ---------------------------------------------------------------- properties

export class PropertyFailure extends Error {
  override name = 'PropertyFailure';
}

function fail(msg: string): never {
  throw new PropertyFailure(msg);
}

/** Max wall time of one parse of a case (a 10 MB line included); generous for slow CI machines. */
export const PARSE_BUDGET_MS = 10_000;

function timed<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  let out: T;
  try {
    out = fn();
  } catch (err) {
    const e = err instanceof Error ? `${err.name}: ${err.message.slice(0, 300)}` : String(err);
    fail(`${what} threw ${e}`);
  }
  const ms = performance.now() - t0;
  if (ms > PARSE_BUDGET_MS) fail(`${what} took ${Math.round(ms)} ms (budget ${PARSE_BUDGET_MS} ms)`);
  return out;
}

/** Longest diagnostic message accepted (a preview of a line, a reason, a hint). */
export const MAX_MESSAGE_CHARS = 2000;

const TOKEN_FIELDS = ['inputTokens', 'cacheWrite5mTokens', 'cacheWrite1hTokens', 'cacheReadTokens', 'outputTokens', 'promptTokens'] as const;

export function checkTurns(turns: readonly RawTurn[], where: string): void {
  for (const t of turns) {
    for (const f of TOKEN_FIELDS) {
      const v = t[f];
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
        fail(`${where}: turn at line ${t.source.line} has ${f} = ${String(v)} (want a finite non-negative integer)`);
      }
    }
    if (t.reasoningOutputTokens !== null && (!Number.isSafeInteger(t.reasoningOutputTokens) || t.reasoningOutputTokens < 0)) {
      fail(`${where}: turn at line ${t.source.line} has reasoningOutputTokens = ${t.reasoningOutputTokens}`);
    }
    const sum = t.inputTokens + t.cacheWrite5mTokens + t.cacheWrite1hTokens + t.cacheReadTokens;
    if (t.promptTokens !== sum) fail(`${where}: turn at line ${t.source.line}: promptTokens ${t.promptTokens} != parts ${sum}`);
    if (t.timestampMs !== null && !Number.isFinite(t.timestampMs)) fail(`${where}: turn at line ${t.source.line} has timestampMs ${t.timestampMs}`);
    if (t.reportedCostUsd !== null && (!Number.isFinite(t.reportedCostUsd) || t.reportedCostUsd < 0)) {
      fail(`${where}: turn at line ${t.source.line} has reportedCostUsd ${t.reportedCostUsd}`);
    }
  }
}

export function checkOutput(out: ParseOutput, file: string, physicalLines: number, whole: boolean, where: string): void {
  const { linesRead, linesCounted, linesIgnored, linesSkipped } = out;
  for (const [k, v] of Object.entries({ linesRead, linesCounted, linesIgnored, linesSkipped })) {
    if (!Number.isSafeInteger(v) || v < 0) fail(`${where}: ${k} = ${v}`);
  }
  if (linesRead !== linesCounted + linesIgnored + linesSkipped) {
    fail(`${where}: accounting broken: read ${linesRead} != counted ${linesCounted} + ignored ${linesIgnored} + skipped ${linesSkipped}`);
  }
  const skipLines = new Set<number>();
  let wholeFileErrors = 0;
  let errors = 0;
  for (const d of out.diagnostics) {
    if (!d.source) fail(`${where}: diagnostic ${d.code} has no source`);
    if (d.source.file !== file) fail(`${where}: diagnostic ${d.code} names file ${d.source.file}, want ${file}`);
    if (!Number.isInteger(d.source.line) || d.source.line < 0 || d.source.line > physicalLines) {
      fail(`${where}: diagnostic ${d.code} at line ${d.source.line}, file has ${physicalLines} lines`);
    }
    if (typeof d.message !== 'string' || d.message.length === 0) fail(`${where}: diagnostic ${d.code} without message`);
    // A diagnostic quotes at most a preview of the line: a 10 MB line must not become a 10 MB message.
    if (d.message.length > MAX_MESSAGE_CHARS) fail(`${where}: diagnostic ${d.code} at line ${d.source.line} has a ${d.message.length}-char message`);
    if (d.severity === 'error') {
      errors++;
      if (d.source.line >= 1) skipLines.add(d.source.line);
      else wholeFileErrors++;
    }
  }
  // A line format reports each skipped line at its 1-based line (several diagnostics on one line count once);
  // a whole document (or a file read as one) may report at line 0, and one line may hold several events.
  const reported = whole ? errors : skipLines.size + wholeFileErrors;
  if (reported < linesSkipped) {
    fail(`${where}: ${linesSkipped} line(s) skipped but only ${skipLines.size} line(s) reported with file:line (${out.diagnostics.map((d) => `${d.code}@${d.source?.line}`).join(', ')})`);
  }
  checkTurns(out.turns, where);
}

function turnKey(t: RawTurn): string {
  return JSON.stringify([t.source.line, t.model, t.inputTokens, t.cacheWrite5mTokens, t.cacheWrite1hTokens, t.cacheReadTokens, t.outputTokens, t.reasoningOutputTokens]);
}

export interface CaseReport {
  format: FormatId;
  mutatedSkipped: boolean;
  independenceChecked: boolean;
}

/** Runs every property on one case; throws PropertyFailure with a description. */
export function checkCase(seeds: readonly Seed[], c: FuzzCase): CaseReport {
  const b = buildCase(seeds, c);
  const { seed } = b;
  const format = getFormat(seed.format);
  const file = seed.fileName;
  const physicalLines = countNewlines(b.bytes) + 1;
  const opts = { getTokenizer: () => FUZZ_TOKENIZER };
  const forced = c.forced ? seed.format : undefined;
  const where = `${seed.name} (${c.forced ? 'forced' : 'detected'} format)`;

  const parsed: ParsedFile = timed(`${where}: ingest`, () => parseChunks(file, chunked(b.bytes, c.chunks), forced, opts));
  if (parsed.output) {
    checkOutput(parsed.output, file, physicalLines, seed.whole, where);
    // CSV counts records: a quote may legitimately join physical lines into one record.
    const csvJoined = seed.format === 'csv' && countQuotes(b.mutatedBytes) > 0;
    if (!seed.whole && !csvJoined && parsed.output.linesRead !== parsed.linesRead) {
      fail(`${where}: parser linesRead ${parsed.output.linesRead} != driver's non-blank lines ${parsed.linesRead}`);
    }
  } else if (c.forced) fail(`${where}: forced format produced no parser output`);
  for (const d of parsed.fileDiagnostics) if (d.source?.file !== file) fail(`${where}: file diagnostic names ${d.source?.file}`);

  // The format's LineParser fed directly with strings (raw lone surrogates, NUL survive here).
  const direct = timed(`${seed.name}: direct push`, () => {
    const p = format.createParser({ file, relativePath: file, getTokenizer: () => FUZZ_TOKENIZER });
    for (const [t, n] of b.directLines) p.push(t, n);
    return p.finish();
  });
  const directLines = b.directLines.length === 0 ? 1 : (b.directLines[b.directLines.length - 1] as [string, number])[1];
  checkOutput(direct, file, Math.max(directLines, physicalLines), seed.whole, `${seed.name} (direct push)`);

  // Property 4: good lines are still counted, exactly.
  let independenceChecked = false;
  let mutatedSkipped = false;
  if (!seed.whole && c.forced && parsed.output) {
    const clean = timed(`${where}: clean ingest`, () => parseChunks(file, [b.cleanBytes], forced, opts));
    const out = parsed.output;
    const cleanOut = clean.output as ParseOutput;
    const inRange = (line: number): boolean => line >= b.mutatedFrom && line <= b.mutatedTo;
    const mutatedRead = out.linesRead - cleanOut.linesRead;
    mutatedSkipped = mutatedRead > 0 && out.linesSkipped - cleanOut.linesSkipped === mutatedRead;
    // CSV: a quote in the mutated row may legitimately open a field that runs over the following lines.
    const csvQuote = seed.format === 'csv' && (countQuotes(b.mutatedBytes) > 0 || b.mutatedBytes.includes(0x0d));
    // Codex: a line whose cumulative totals went down is a counter reset by design (skipped when it has no
    // last_token_usage, but the next calls are counted from its totals), so it is state, not an independent line.
    const reset = out.diagnostics.some((d) => d.code === 'invalid-usage' && inRange(d.source?.line ?? 0) && /went down/.test(d.message));
    const applies = !csvQuote && !reset && (!STATEFUL.has(seed.format) || mutatedSkipped || mutatedRead === 0);
    if (applies) {
      independenceChecked = true;
      // A request whose record is now the mutated line's (it folded the good lines' records in) is left out on
      // both sides; a mutated record folded into a good line's leaves that record as the clean parse has it.
      const taken = new Set<string>();
      if (FOLDING.has(seed.format)) for (const t of out.turns) if (inRange(t.source.line) && t.dedupeKey !== null) taken.add(t.dedupeKey);
      const untaken = (t: RawTurn): boolean => t.dedupeKey === null || !taken.has(t.dedupeKey);
      const got = out.turns.filter((t) => !inRange(t.source.line) && untaken(t)).map(turnKey).sort();
      const want = cleanOut.turns.filter(untaken).map(turnKey).sort();
      if (got.length !== want.length || got.some((k, i) => k !== want[i])) {
        const missing = want.filter((k) => !got.includes(k));
        const extra = got.filter((k) => !want.includes(k));
        fail(
          `${where}: good lines not counted as in a clean parse (mutated line ${b.mutatedFrom}-${b.mutatedTo}); ` +
            `missing ${missing.slice(0, 3).join(' ')}; unexpected ${extra.slice(0, 3).join(' ')}`,
        );
      }
      if (out.linesRead - cleanOut.linesRead > b.mutatedTo - b.mutatedFrom + 1) fail(`${where}: mutated line changed linesRead by ${mutatedRead}`);
      if (out.linesCounted < cleanOut.linesCounted) fail(`${where}: linesCounted ${out.linesCounted} < clean ${cleanOut.linesCounted}`);
    }
  }
  return { format: seed.format, mutatedSkipped, independenceChecked };
}

function countQuotes(b: Uint8Array): number {
  let n = 0;
  for (const x of b) if (x === 0x22) n++;
  return n;
}

/** A short, reproducible description of a failing case (the 10 MB payloads elided). */
export function describeCase(c: FuzzCase): string {
  return JSON.stringify(c, (_k, v: unknown) => (typeof v === 'string' && v.length > 200 ? `${v.slice(0, 50)}…(${v.length} chars)` : v));
}

export type { InputFormat };
