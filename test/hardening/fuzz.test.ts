/**
 * Fuzzing every input format with mutated real lines (issue #6). The same
 * properties run 100,000 times in `npm run fuzz` (scripts/fuzz.ts); here a few
 * hundred, seeded: TOKEN_ECON_FUZZ_SEED=<n> reproduces a run, and a failure
 * prints the seed, the counterexample path and the shrunk case.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { FORMATS } from '../../src/ingest/index.js';
import { parseText } from '../../src/ingest/ingest.js';
import {
  FUZZ_TOKENIZER,
  TEN_MB,
  buildCase,
  caseArb,
  checkCase,
  checkOutput,
  describeCase,
  loadSeeds,
  type FuzzCase,
} from '../../scripts/fuzz/properties.js';
import { runCliInProcess } from '../helpers/cli.js';

const SEED = Number(process.env['TOKEN_ECON_FUZZ_SEED'] ?? 20260406);
const RUNS_PER_SEED = Number(process.env['TOKEN_ECON_FUZZ_RUNS'] ?? 60);
const seeds = loadSeeds();

test('seed files cover every format', () => {
  const covered = new Set(seeds.map((s) => s.format));
  for (const f of FORMATS) assert.ok(covered.has(f.id), `no fuzz seed for ${f.id} in test/fixtures/fuzz-seeds`);
  // The seeds are good input: a clean parse counts lines and skips none.
  for (const s of seeds) {
    const parsed = parseText(s.fileName, `${s.lines.join('\n')}\n`, s.format, { getTokenizer: () => FUZZ_TOKENIZER });
    assert.ok(parsed.output, s.name);
    checkOutput(parsed.output, s.fileName, s.lines.length + 1, s.whole, s.name);
    assert.ok(parsed.output.linesCounted > 0, `${s.name}: seed yields no counted line`);
  }
});

for (const [i, seed] of seeds.entries()) {
  test(`fuzz ${seed.name}: never throws, accounting holds, skips reported, good lines still counted`, () => {
    const arb = caseArb(1).map((c): FuzzCase => ({ ...c, seed: i }));
    let independence = 0;
    fc.assert(
      fc.property(arb, (c) => {
        if (checkCase(seeds, c).independenceChecked) independence++;
      }),
      { seed: SEED + i, numRuns: RUNS_PER_SEED, endOnFailure: false, reporter: (out) => {
        if (out.failed) {
          const ex = out.counterexample?.[0];
          throw new Error(
            `fuzz failure on ${seed.name} (reproduce: TOKEN_ECON_FUZZ_SEED=${SEED} seed=${out.seed} path=${out.counterexamplePath ?? ''})\n` +
              `case: ${ex ? describeCase(ex) : '?'}\n${out.errorInstance instanceof Error ? out.errorInstance.message : String(out.errorInstance)}`,
          );
        }
      } },
    );
    // The strongest property must actually have been exercised.
    if (!seed.whole) assert.ok(independence > 0, 'good-lines property never applied');
  });
}

/** Hand-picked worst cases, for every seed: they must always run, not only when drawn. */
const EXTREMES: Array<{ name: string; mutations: FuzzCase['mutations'] }> = [
  { name: '10 MB string value', mutations: [{ kind: 'string', which: 0, value: 3 }] },
  { name: '10,000-deep array', mutations: [{ kind: 'deep', which: 1, object: false }] },
  { name: '10,000-deep object', mutations: [{ kind: 'deep', which: 0, object: true }] },
  { name: 'raw and escaped lone surrogates', mutations: [{ kind: 'string', which: 0, value: 1 }, { kind: 'string', which: 1, value: 0 }] },
  { name: 'NUL byte and invalid UTF-8', mutations: [{ kind: 'insert-bytes', at: 0.5, bytes: 4 }, { kind: 'insert-bytes', at: 0.3, bytes: 0 }] },
  { name: 'negative token count', mutations: [{ kind: 'value', which: 0, value: 13 }] },
  { name: '1e400 token count', mutations: [{ kind: 'value', which: 0, value: 9 }] },
  { name: '2^53+1 token count', mutations: [{ kind: 'value', which: 2, value: 8 }] },
  { name: 'NaN as text', mutations: [{ kind: 'value', which: 0, value: 16 }] },
  { name: 'Infinity as a string', mutations: [{ kind: 'value', which: 0, value: 20 }] },
  { name: 'token count as string', mutations: [{ kind: 'value', which: 0, value: 0 }] },
  { name: 'token count as object', mutations: [{ kind: 'value', which: 0, value: 6 }] },
  { name: 'cut in the middle', mutations: [{ kind: 'truncate', at: 0.5 }] },
];

for (const ex of EXTREMES) {
  test(`every format survives: ${ex.name}`, () => {
    for (const [i, seed] of seeds.entries()) {
      const big = ex.name.startsWith('10 MB');
      for (const forced of big ? [true] : [true, false]) {
        for (let line = 0; line < (big ? 1 : 3); line++) {
          const c: FuzzCase = { seed: i, line, insertAt: 0.5, insert: true, mutations: ex.mutations, crlf: line === 1, bom: line === 2, noFinalNewline: line === 2, chunks: [65_536, 7, 1_048_576], forced };
          try {
            checkCase(seeds, c);
          } catch (err) {
            assert.fail(`${seed.name}, line ${line}, ${forced ? 'forced' : 'detected'}: ${err instanceof Error ? err.message : String(err)}\ncase: ${describeCase(c)}`);
          }
        }
      }
    }
  });
}

test('a 10 MB line really is 10 MB (the extreme is not silently shrunk)', () => {
  const b = buildCase(seeds, { seed: 0, line: 0, insertAt: 0, insert: true, mutations: [{ kind: 'string', which: 0, value: 3 }], crlf: false, bom: false, noFinalNewline: false, chunks: [1], forced: true });
  assert.ok(b.mutatedBytes.length >= TEN_MB, `${b.mutatedBytes.length}`);
});

/**
 * End to end: a directory of mutated files through `sessions --json` and
 * `analyze --json`: exit code 0, per-file accounting in the JSON, every
 * skipped line listed with file:line.
 */
test('mutated files through the CLI: no internal error, per-file accounting in --json', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'te-fuzz-'));
  try {
    const cases = fc.sample(caseArb(0), { seed: SEED, numRuns: 40 });
    const names: string[] = [];
    cases.forEach((c, k) => {
      const b = buildCase(seeds, { ...c, seed: k % seeds.length });
      const ext = b.seed.name.slice(b.seed.name.lastIndexOf('.'));
      const name = `case-${String(k).padStart(3, '0')}-${b.seed.format}${ext}`;
      writeFileSync(join(dir, name), b.bytes);
      names.push(name);
    });
    const run = await runCliInProcess(['sessions', '--json', dir]);
    assert.equal(run.exitCode, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as { files: Array<{ file: string; format: string; linesRead: number; linesCounted: number; linesIgnored: number; linesSkipped: number }>; diagnostics: Array<{ code: string; severity: string; source?: { file: string; line: number } }> };
    assert.equal(doc.files.length, names.length, 'one accounting row per file');
    for (const f of doc.files) {
      assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped, `accounting of ${f.file}`);
      if (f.linesSkipped === 0) continue;
      const mine = doc.diagnostics.filter((d) => d.source?.file === f.file);
      if (f.format === 'unknown') {
        // A file no format claims is reported once, as a whole (file:0, unknown-format).
        assert.ok(mine.some((d) => d.code === 'unknown-format' && d.source?.line === 0), `${f.file}: unknown format not reported`);
      } else {
        const lines = new Set(mine.filter((d) => d.severity === 'error').map((d) => d.source?.line));
        assert.ok(lines.size >= 1, `${f.file}: ${f.linesSkipped} skipped, none reported`);
      }
    }

    const analyze = await runCliInProcess(['analyze', '--json', dir]);
    assert.equal(analyze.exitCode, 0, analyze.stderr);
    const report = JSON.parse(analyze.stdout) as { inputs: { files: Array<{ file: string; linesRead: number; linesCounted: number; linesIgnored: number; linesSkipped: number }> } };
    assert.equal(report.inputs.files.length, names.length, 'analyze --json: one accounting row per file');
    for (const f of report.inputs.files) assert.equal(f.linesRead, f.linesCounted + f.linesIgnored + f.linesSkipped, `analyze accounting of ${f.file}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('CSV: a lone CR inside a row does not shift the line numbers of later rows (fuzz finding)', () => {
  const text = 'timestamp,model,input_tokens,output_tokens\n2026-01-01T00:00:00Z,gpt-4o,1\r0,5\n2026-01-02T00:00:00Z,gpt-4o,abc,5\n';
  const parsed = parseText('cr.csv', text, 'csv');
  assert.ok(parsed.output);
  checkOutput(parsed.output, 'cr.csv', 4, false, 'cr.csv');
  const bad = parsed.output.diagnostics.filter((d) => d.severity === 'error').map((d) => d.source?.line);
  assert.ok(bad.includes(3), `the "abc" row is line 3; diagnostics at ${bad.join(', ')}`);
  assert.ok(bad.every((l) => l !== undefined && l <= 3), `diagnostic beyond the file's 3 lines: ${bad.join(', ')}`);
});

test('counterexamples found by npm run fuzz stay fixed', () => {
  const only = (format: string) => seeds.filter((s) => s.format === format);
  const found: Array<[string, ReturnType<typeof loadSeeds>, FuzzCase]> = [
    // A transcript whose damaged first line starts with `[`: read as JSONL, every line accounted for
    // (it was read as one broken document: linesRead 1 for 11 non-blank lines).
    [
      'transcript',
      only('transcript'),
      { seed: 0, line: 287, insertAt: 1.5284363174679387e-166, insert: true, mutations: [{ kind: 'random-text', text: '\u{EEF6F}\u{12FDB}\u{10FD88}\u{2C293}\u{6CE28}\u{A7CB1}\u{AE3AC}\u{39544}\u{F8890}\u{49E92}' }, { kind: 'deep', which: 8, object: false }, { kind: 'value', which: 37, value: 4 }], crlf: false, bom: false, noFinalNewline: true, chunks: [2626, 15], forced: true } as FuzzCase,
    ],
    // A CSV whose first byte became a lone CR: the unreadable record's line counted LF lines only (it said line 6 of 5).
    [
      'csv',
      only('csv'),
      { seed: 0, line: 997, insertAt: 1.801275039376625e-117, insert: false, mutations: [{ kind: 'deep', which: 15, object: false }, { kind: 'flip', at: 1.2020842446745682e-215, byte: 13 }, { kind: 'value', which: 14, value: 23 }], crlf: false, bom: false, noFinalNewline: true, chunks: [30218, 39597, 63720], forced: false } as FuzzCase,
    ],
    // A codex token_count inserted with lower totals: a counter reset, whose totals the next call is counted from.
    [
      'codex',
      seeds,
      { seed: 4, line: 985, insertAt: 0.6694232725237812, insert: true, mutations: [{ kind: 'value', which: 35, value: 25 }], crlf: false, bom: false, noFinalNewline: true, chunks: [54322, 36960, 66420], forced: true } as FuzzCase,
    ],
    // A stream-json log mutated into something detected as CSV: the diagnostic listed all 80 KB of "headers".
    [
      'csv headers',
      seeds,
      { seed: 3, line: 799, insertAt: 3.838584472745446e-123, insert: true, mutations: [{ kind: 'flip', at: 4.5898950957523295e-121, byte: 85 }, { kind: 'deep', which: 23, object: true }, { kind: 'deep', which: 38, object: false }], crlf: true, bom: false, noFinalNewline: true, chunks: [9560], forced: false } as FuzzCase,
    ],
  ];
  for (const [what, list, c] of found) assert.doesNotThrow(() => checkCase(list, c), what);
});
