/**
 * FileIngest decides a file's format on its first HEAD_BYTES and then feeds
 * the chunks it was given as they are (the chunk that completes the head is
 * not copied whole: after a few short lines it can be one line of
 * megabytes). However a file's bytes are cut into chunks, it must give the
 * ParsedFile of one chunk: the head reaching HEAD_BYTES inside a chunk, at
 * its end, in the first chunk or only at the end of the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { FileIngest, HEAD_BYTES, type ParsedFile } from '../../src/ingest/ingest.js';
import { trickyText } from './tricky-claude.js';

const noTokenizer = (): never => {
  throw new Error('no tokenizer in these tests');
};

function ingest(bytes: Uint8Array, cuts: readonly number[]): ParsedFile {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const file = new FileIngest({ file: 'f.jsonl', relativePath: 'f.jsonl', getTokenizer: noTokenizer });
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    // A fresh buffer per chunk, overwritten after the call (as the shared read buffer is).
    const chunk = Buffer.from(bytes.subarray(prev, c));
    file.push(chunk);
    chunk.fill(0x20);
    prev = c;
  }
  return file.finish();
}

const enc = new TextEncoder();
/** A few short lines, then lines longer than the head (the shape that used to copy a whole chunk). */
const claudeText = (() => {
  const tricky = trickyText(true);
  const lines = tricky.split('\n');
  const long = JSON.stringify({ type: 'user', sessionId: 's', message: { role: 'user', content: [{ type: 'tool_result', content: `{"usage":{"input_tokens":9}} ${'é🚀"\\x'.repeat(HEAD_BYTES / 4)}` }] } });
  return [...lines.slice(0, 3), long, ...lines.slice(3), long, ''].join('\n');
})();
const codexText = readFileSync('test/fixtures/codex/rollout-2025-11-02T10-00-00-0199aaaa-0000-7000-8000-000000000001.jsonl', 'utf8');

for (const [name, text] of [
  ['claude-code, long lines after short ones', claudeText],
  ['codex (decoded text path)', codexText],
  ['a file shorter than the head', trickyText(false)],
] as const) {
  test(`any chunking gives the one-chunk result: ${name}`, () => {
    const bytes = enc.encode(text);
    const once = ingest(bytes, []);
    assert.ok(once.output !== null && once.output.turns.length > 0, 'the sample parses');
    const firstNewline = bytes.indexOf(0x0a);
    // The head completed inside the chunk after the first line, and at every kind of cut.
    assert.deepEqual(ingest(bytes, [firstNewline + 1]), once);
    assert.deepEqual(ingest(bytes, [firstNewline + 1, HEAD_BYTES + 7]), once);
    assert.deepEqual(ingest(bytes, [HEAD_BYTES - 1, HEAD_BYTES]), once);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        assert.deepEqual(ingest(bytes, cuts), once);
      }),
      { numRuns: 60 },
    );
  });
}
