/**
 * The Claude Code parser folds the records of one request within a file into
 * one (src/normalize/duplicates.ts); normalizeSessions must then give exactly
 * what it gives over the raw records, one per line: same kept record (fields,
 * line, stream), same sessions, same duplicate count, whatever the ties,
 * missing timestamps, files sharing a name, or byte ranges the file was
 * parsed in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FileIngest, parseText, type ParsedFile } from '../../src/ingest/ingest.js';
import { ClaudePartIngest, mergeFileParts, type FilePart } from '../../src/ingest/split.js';
import { packFilePart, unpackFilePart } from '../../src/ingest/packed.js';
import type { RawTurn, Tokenizer } from '../../src/ingest/format.js';
import { makeRawTurn } from '../../src/ingest/formats/parse-helpers.js';
import { foldSameFile, isBetter } from '../../src/normalize/duplicates.js';
import { normalizeSessions } from '../../src/normalize/sessions.js';

const noTokenizer = (): Tokenizer => {
  throw new Error('no tokenizer');
};

interface Rec {
  req: string | null;
  msg: string | null;
  out: number;
  ts: number | null;
}

/** A file's session is its first line's: every line of a file names the same one here. */
function line(r: Rec, session: string): string {
  const o: Record<string, unknown> = { type: 'assistant', sessionId: session };
  if (r.req !== null) o['requestId'] = r.req;
  if (r.ts !== null) o['timestamp'] = new Date(Date.UTC(2026, 0, 1, 0, 0, r.ts)).toISOString();
  const message: Record<string, unknown> = { model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: r.out } };
  if (r.msg !== null) message['id'] = r.msg;
  o['message'] = message;
  return JSON.stringify(o);
}

/** One file parsed in the byte ranges cut at the given line indexes (later ranges through pack / clone / unpack). */
function parseInParts(name: string, lines: readonly string[], cutsAt: readonly number[]): ParsedFile {
  const ctx = { file: name, relativePath: 's.jsonl', getTokenizer: noTokenizer };
  if (cutsAt.length === 0) return parseText(name, `${lines.join('\n')}\n`, 'claude-code', { relativePath: 's.jsonl' });
  const bounds = [0, ...new Set(cutsAt)].sort((a, b) => a - b);
  const parts: FilePart[] = [];
  bounds.forEach((from, k) => {
    const to = bounds[k + 1] ?? lines.length;
    const ingest = new ClaudePartIngest(ctx, from === 0);
    ingest.push(Buffer.from(lines.slice(from, to).map((l) => `${l}\n`).join('')));
    const part = ingest.finish();
    parts.push(k === 0 ? part : unpackFilePart(structuredClone(packFilePart(part))));
  });
  return mergeFileParts(ctx, parts, false);
}

/** The raw records: every line parsed alone, as the same file, in line order (normalize's sort is stable). */
function parseLineByLine(name: string, lines: readonly string[]): ParsedFile[] {
  return lines.map((l, i) => {
    const f = new FileIngest({ file: name, relativePath: 's.jsonl', forcedFormat: 'claude-code', getTokenizer: noTokenizer });
    // Blank lines keep the line numbers of the whole file.
    f.push(Buffer.from(`${'\n'.repeat(i)}${l}\n`));
    return f.finish();
  });
}

const rec: fc.Arbitrary<Rec> = fc.record({
  req: fc.option(fc.constantFrom('r1', 'r2', 'r3'), { freq: 4 }),
  msg: fc.option(fc.constantFrom('m1', 'm2'), { freq: 4 }),
  out: fc.integer({ min: 1, max: 3 }),
  ts: fc.option(fc.integer({ min: 0, max: 3 }), { freq: 4 }),
});
const file = fc.record({
  name: fc.constantFrom('a/s.jsonl', 'b/s.jsonl'),
  session: fc.constantFrom('s1', 's2'),
  recs: fc.array(rec, { minLength: 1, maxLength: 12 }),
  cuts: fc.array(fc.integer({ min: 1, max: 11 }), { maxLength: 3 }),
});

test('property: records folded per file (and per byte range) normalize exactly as the raw records do', () => {
  fc.assert(
    fc.property(fc.array(file, { minLength: 1, maxLength: 3 }), (files) => {
      const folded: ParsedFile[] = [];
      const raw: ParsedFile[] = [];
      for (const f of files) {
        const lines = f.recs.map((r) => line(r, f.session));
        folded.push(parseInParts(f.name, lines, f.cuts.filter((c) => c < lines.length)));
        raw.push(...parseLineByLine(f.name, lines));
      }
      const a = normalizeSessions(folded);
      const b = normalizeSessions(raw);
      assert.deepStrictEqual(a.sessions, b.sessions);
      assert.equal(a.duplicateTurnsDropped, b.duplicateTurnsDropped);
      // Folding happened: one record per request per file.
      for (const p of folded) {
        const keys = (p.output?.turns ?? []).map((t) => t.dedupeKey).filter((k) => k !== null);
        assert.equal(new Set(keys).size, keys.length);
      }
    }),
    { numRuns: 2000 },
  );
});

function turn(out: number, ts: number | null, file: string, line: number): RawTurn {
  const usage = { inputTokens: 10, cacheWrite5mTokens: 0, cacheWrite1hTokens: 0, cacheReadTokens: 0, outputTokens: out, reasoningOutputTokens: null, isCacheSplitKnown: true };
  return makeRawTurn({ file, relativePath: file, getTokenizer: noTokenizer }, { usage, model: 'm', timestampMs: ts, sessionId: 's', dedupeKey: 'k', line });
}

test('foldSameFile keeps the last of the most complete records, counts the rest, and remembers the earliest tie time', () => {
  // 5 @ t=30, 7 @ t=20, 7 @ t=null, 7 @ t=40, 3 @ t=10: the last 7 wins; the 7s were seen at 20 first.
  const recs = [turn(5, 30, 'f', 1), turn(7, 20, 'f', 2), turn(7, null, 'f', 3), turn(7, 40, 'f', 4), turn(3, 10, 'f', 5)];
  const kept = recs.reduce((k, n) => foldSameFile(k, n));
  assert.equal(kept.source.line, 4);
  assert.equal(kept.timestampMs, 40);
  assert.equal(kept.tieTimestampMs, 20);
  assert.equal(kept.duplicatesFolded, 4);
  // Across files a tie goes to the earlier time: an earlier file's record at t=25 loses to this file's 7 seen at 20,
  // though the record kept is the one at 40 (the raw fold reaches it through the same-file rule).
  const earlier = turn(7, 25, 'e', 9);
  assert.equal(isBetter(kept, earlier), true);
  assert.equal(isBetter(turn(7, 40, 'f', 4), earlier), false, 'the record alone would lose');
  // A more complete record ahead of the file decides by completeness only.
  assert.equal(isBetter(kept, turn(8, 99, 'e', 1)), false);
});

test('a request streamed as several lines is one record, where its first line was, with the stream of the line kept', () => {
  const side = (req: string, out: number, uuid: string, parent: string | null, sidechain: boolean) =>
    JSON.stringify({
      type: 'assistant',
      sessionId: 's',
      isSidechain: sidechain,
      uuid,
      parentUuid: parent,
      requestId: req,
      timestamp: '2026-01-01T00:00:00.000Z',
      message: { id: `m-${req}`, model: 'claude-sonnet-4-5', usage: { input_tokens: 10, output_tokens: out } },
    });
  const text = [
    side('r1', 1, 'u1', null, false),
    side('r2', 1, 'root-aaaa1', null, true),
    side('r1', 5, 'u2', 'u1', false),
    side('r2', 9, 'root-aaaa2', 'root-aaaa1', true),
    side('r2', 2, 'root-aaaa3', 'root-aaaa2', true),
  ].join('\n');
  const out = parseText('-p/s.jsonl', text, 'claude-code').output!;
  assert.deepEqual(
    out.turns.map((t) => [t.dedupeKey, t.outputTokens, t.source.line, t.streamId, t.duplicatesFolded]),
    [
      ['claude:r1', 5, 3, 'main', 1],
      ['claude:r2', 9, 4, 'sidechain-root-aaa', 2],
    ],
  );
  assert.equal(out.linesCounted, 5);
});
