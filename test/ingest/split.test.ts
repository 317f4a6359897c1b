/**
 * A Claude Code file parsed in byte ranges (src/ingest/split.ts) gives
 * exactly the ParsedFile of one parse of the whole file, wherever the cuts
 * fall: every line start of a file full of cross-cut state (streamed
 * duplicates, sidechains, compaction boundary + summary, first prompt,
 * damaged lines, BOM, CRLF, blank lines, an unterminated last line), and
 * random cuts and chunkings of every real fixture (fast-check). Parts other
 * than the first go through the worker's pack / clone / unpack.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { FileIngest, type ParsedFile } from '../../src/ingest/ingest.js';
import { ClaudePartIngest, evenOffsets, lineStartAtOrAfter, mergeFileParts, mergePackedFilePart, mergePackedFileParts, planCuts, type FilePart } from '../../src/ingest/split.js';
import { packFilePart, unpackFilePart, unpackParsedFile, type PackedPart } from '../../src/ingest/packed.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';
import type { Tokenizer } from '../../src/ingest/format.js';
import { trickyText } from './tricky-claude.js';

const noTokenizer = (): Tokenizer => {
  throw new Error('no tokenizer');
};

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, Math.min(bytes.length, i + size)));
  return out;
}

/** FileIngest on the whole file, as the single-thread path reads it. */
function whole(file: string, rel: string, bytes: Uint8Array, grown: boolean, chunk: number): ParsedFile {
  const ingest = new FileIngest({ file, relativePath: rel, getTokenizer: noTokenizer });
  for (const c of chunks(bytes, chunk)) ingest.push(Buffer.from(c)); // a fresh Buffer per read, as readSync's
  return ingest.finish(grown);
}

/**
 * The same file in ranges [bounds[k], bounds[k+1]), later ranges through the worker transfer, merged as
 * objects; checked against the merge of the same parts all packed (the parse cache's and the workers'
 * form, turns never unpacked): the two must be the same ParsedFile.
 */
function split(file: string, rel: string, bytes: Uint8Array, bounds: number[], grown: boolean, chunk: number): ParsedFile {
  const parts: FilePart[] = [];
  const packed: PackedPart[] = [];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const ingest = new ClaudePartIngest({ file, relativePath: rel, getTokenizer: noTokenizer }, bounds[k] === 0);
    for (const c of chunks(bytes.subarray(bounds[k] as number, bounds[k + 1] as number), chunk)) ingest.push(Buffer.from(c));
    const part = ingest.finish();
    packed.push(structuredClone(packFilePart(part)));
    parts.push(k === 0 ? part : unpackFilePart(structuredClone(packFilePart(part))));
  }
  const opts = { file, relativePath: rel, getTokenizer: noTokenizer };
  const merged = mergeFileParts(opts, parts, grown);
  assert.deepStrictEqual(unpackParsedFile(mergePackedFileParts(opts, packed, grown)), merged, `packed merge of ${bounds.join(',')}`);
  return merged;
}

function lineStarts(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length - 1; i++) if (bytes[i] === 0x0a) out.push(i + 1);
  return out;
}

function same(a: ParsedFile, b: ParsedFile, what: string): void {
  assert.deepStrictEqual(b, a, what);
  assert.deepStrictEqual(normalizeSessions([b]), normalizeSessions([a]), `${what}: normalized`);
}

test('every cut at every line start of a file full of cross-cut state gives the one-parse result', () => {
  for (const terminated of [true, false]) {
    const bytes = new TextEncoder().encode(trickyText(terminated));
    const rel = '-home-u-proj/aaaaaaaa-1111-4222-8333-444444444444.jsonl';
    for (const grown of [false, true]) {
      const expected = whole('p/x.jsonl', rel, bytes, grown, 1 << 20);
      // Sanity: the file holds what it is meant to test.
      const out = expected.output;
      assert.ok(out && out.format === 'claude-code');
      assert.ok(out.events.length >= 3 && out.diagnostics.some((d) => d.code === 'no-request-id') && out.diagnostics.some((d) => d.code === 'synthetic-ignored'));
      assert.ok(out.turns.some((t) => t.streamId.startsWith('sidechain-')));
      assert.ok(out.turns.some((t) => t.duplicatesFolded > 0), 'records of one request folded');
      assert.ok(out.sessionInfo[0]?.taskFingerprint);
      const starts = lineStarts(bytes);
      for (const c of starts) same(expected, split('p/x.jsonl', rel, bytes, [0, c, bytes.length], grown, 7), `cut at ${c} (terminated ${terminated}, grown ${grown})`);
      for (let i = 0; i < starts.length; i += 3) {
        for (let j = i + 1; j < starts.length; j += 4) {
          same(expected, split('p/x.jsonl', rel, bytes, [0, starts[i] as number, starts[j] as number, bytes.length], grown, 64), `cuts at ${starts[i]}, ${starts[j]}`);
        }
      }
      // Every line its own range.
      same(expected, split('p/x.jsonl', rel, bytes, [0, ...starts, bytes.length], grown, 5), 'one range per line');
    }
  }
});

test('a sidechain run whose root is in an earlier range, and a summary opening a range after a boundary', () => {
  const bytes = new TextEncoder().encode(trickyText(true));
  const text = trickyText(true);
  const rel = 'x/aaaaaaaa-1111-4222-8333-444444444444.jsonl';
  /** Byte offset of the first line whose text contains all of `needles`. */
  const at = (...needles: string[]): number => {
    let pos = 0;
    for (const l of text.split('\n')) {
      if (needles.every((n) => l.includes(n))) return pos;
      pos += Buffer.byteLength(l) + 1;
    }
    throw new Error(`no line with ${needles.join(' ')}`);
  };
  const expected = whole('x.jsonl', rel, bytes, false, 1 << 20);
  const cutAtSummary = at('"isCompactSummary":true', '"content":"summary"');
  const cutAtSideChild = at('"parentUuid":"side-child-001"');
  const cutAtBom = at('\uFEFF', 'req_bom');
  for (const c of [cutAtSummary, cutAtSideChild, cutAtBom]) {
    assert.ok(c > 0 && bytes[c - 1] === 0x0a, `${c} is a line start`);
    same(expected, split('x.jsonl', rel, bytes, [0, c, bytes.length], false, 1 << 20), `cut at ${c}`);
  }
  // The second range alone would see the summary as a compaction of its own, and the BOM line as its first line.
  const secondAlone = new ClaudePartIngest({ file: 'x.jsonl', relativePath: rel, getTokenizer: noTokenizer }, false);
  secondAlone.push(bytes.subarray(cutAtSummary));
  assert.equal(secondAlone.finish().claude.leadingSummary, true);
  assert.ok(expected.output?.turns.some((t) => t.dedupeKey === 'claude:req_s2' && t.streamId === 'sidechain-side-roo'));
  assert.ok(expected.output?.diagnostics.some((d) => d.code === 'invalid-json' && d.source?.line === text.slice(0, text.indexOf('\uFEFF', 5)).split('\n').length));
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? filesUnder(p) : n.endsWith('.jsonl') ? [p] : [];
    });
}

test('property: random cuts and chunkings of every real Claude Code fixture give the one-parse result', () => {
  const root = 'test/fixtures/claude-code';
  const files = filesUnder(root).map((p) => ({ p, rel: relative(root, p), bytes: new Uint8Array(readFileSync(p)) }));
  assert.ok(files.length >= 6);
  for (const f of files) {
    const expected = whole(f.p, f.rel, f.bytes, false, 1 << 20);
    assert.equal(expected.output?.format, 'claude-code', f.p);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: Math.max(1, f.bytes.length - 1) }), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 4096 }),
        (offsets, chunk) => {
          const nominal = [...offsets].sort((a, b) => a - b);
          const bounds = planCuts(f.bytes.length, nominal, (o) => lineStartAtOrAfter(f.bytes, 0, o));
          same(expected, split(f.p, f.rel, f.bytes, bounds, false, chunk), `${f.p} bounds ${bounds.join(',')}`);
        },
      ),
      { numRuns: 60 },
    );
  }
});

test('a whole file parsed as one packed part merges, without unpacking its turns, into the one-parse result', () => {
  const root = 'test/fixtures/claude-code';
  const cases = [
    ...[true, false].map((t) => ({ p: 'p/x.jsonl', rel: '-home-u-proj/aaaaaaaa-1111-4222-8333-444444444444.jsonl', bytes: new TextEncoder().encode(trickyText(t)) })),
    ...filesUnder(root).map((p) => ({ p, rel: relative(root, p), bytes: new Uint8Array(readFileSync(p)) })),
  ];
  let sidechains = 0;
  for (const f of cases) {
    for (const grown of [false, true]) {
      const expected = whole(f.p, f.rel, f.bytes, grown, 1 << 20);
      const ingest = new ClaudePartIngest({ file: f.p, relativePath: f.rel, getTokenizer: noTokenizer }, true);
      ingest.push(Buffer.from(f.bytes));
      // As the parse cache and the workers hand it over: packed, cloned.
      const packed = structuredClone(packFilePart(ingest.finish()));
      // Merging rewrites a part's events and diagnostics: one part per merge.
      const given = structuredClone(packed);
      const slots = Int32Array.from(packed.claude.turns.strs);
      const opts = { file: f.p, relativePath: f.rel, getTokenizer: noTokenizer };
      same(expected, unpackParsedFile(mergePackedFilePart(opts, packed, grown)), `${f.p} (grown ${grown})`);
      assert.deepEqual(packed.claude.turns.strs, slots, 'a part not given keeps its string slots');
      // Given (`owned`): the same file, its string slots set in the part's own array.
      const merged = mergePackedFilePart(opts, given, grown, true);
      same(expected, unpackParsedFile(merged), `${f.p} (grown ${grown}, owned)`);
      if (merged.output) assert.equal(merged.output.turns.strs, given.claude.turns.strs, 'owned: no copy of the string slots');
      sidechains += expected.output?.turns.filter((t) => t.streamId.startsWith('sidechain-')).length ?? 0;
    }
  }
  assert.ok(sidechains > 0, 'sidechain streams were set on packed records');
});

test('planCuts: cuts are line starts strictly inside the file, increasing; none when there is no line start', () => {
  const bytes = new TextEncoder().encode('{"a":1}\n\n{"b":2}\r\n{"c":3}');
  const ls = (o: number): number => lineStartAtOrAfter(bytes, 0, o);
  assert.deepEqual(planCuts(bytes.length, [1], ls), [0, 8, bytes.length]);
  assert.deepEqual(planCuts(bytes.length, [8], ls), [0, 8, bytes.length]);
  assert.deepEqual(planCuts(bytes.length, [9], ls), [0, 9, bytes.length]);
  assert.deepEqual(planCuts(bytes.length, [10], ls), [0, 18, bytes.length]);
  assert.deepEqual(planCuts(bytes.length, [19], ls), [0, bytes.length]);
  assert.deepEqual(planCuts(bytes.length, [2, 3, 9], ls), [0, 8, 9, bytes.length]);
  assert.deepEqual(planCuts(bytes.length, [0, bytes.length], ls), [0, bytes.length]);
  assert.deepEqual(evenOffsets(100, 2), [50]);
  assert.deepEqual(evenOffsets(100, 3), [33, 66]);
  // A window that starts before the offset.
  assert.equal(lineStartAtOrAfter(bytes.subarray(5), 5, 10), 18);
  assert.equal(lineStartAtOrAfter(bytes.subarray(20), 20, 21), -1);
});
