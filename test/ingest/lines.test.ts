import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter, decodeHead, splitBytes, type SplitLine } from '../../src/ingest/lines.js';

const enc = new TextEncoder();

function splitChunks(chunks: Uint8Array[]): SplitLine[] {
  const out: SplitLine[] = [];
  const s = new LineSplitter();
  for (const c of chunks) s.push(c, (l) => out.push(l));
  s.end((l) => out.push(l));
  return out;
}

test('CRLF, BOM, blank lines, unterminated last line', () => {
  const lines = splitBytes(enc.encode('\uFEFF{"a":1}\r\n\r\n  \n{"b":2}\n{"c":3}'));
  assert.deepEqual(lines, [
    { text: '{"a":1}', lineNo: 1, terminated: true },
    { text: '{"b":2}', lineNo: 4, terminated: true },
    { text: '{"c":3}', lineNo: 5, terminated: false },
  ]);
});

test('only the leading BOM is removed', () => {
  assert.deepEqual(splitBytes(enc.encode('a\n\uFEFFb\n')).map((l) => l.text), ['a', '\uFEFFb']);
});

test('any chunking of any text gives the same lines as one chunk (multi-byte chars cut across chunks)', () => {
  const pieces = fc.constantFrom('a', 'é', '€', '😀', '\n', '\r\n', '{"x":"', '"}', ' ', '\uFEFF', '\u0000');
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 30 }), (parts, sizes) => {
      const bytes = enc.encode(parts.join(''));
      const chunks: Uint8Array[] = [];
      let pos = 0;
      let i = 0;
      while (pos < bytes.length) {
        const n = sizes[i++ % sizes.length]!;
        chunks.push(bytes.slice(pos, pos + n));
        pos += n;
      }
      assert.deepEqual(splitChunks(chunks), splitBytes(bytes));
      // And equal to the reference split of the decoded text.
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
      const ref = text
        .replace(/^\uFEFF/, '')
        .split('\n')
        .map((l, n) => ({ text: l.endsWith('\r') ? l.slice(0, -1) : l, lineNo: n + 1 }))
        .filter((l) => !/^[ \t\r\v\f]*$/.test(l.text));
      assert.deepEqual(
        splitBytes(bytes).map((l) => [l.text, l.lineNo]),
        ref.map((l) => [l.text, l.lineNo]),
      );
    }),
    { numRuns: 400 },
  );
});

test('invalid UTF-8 anywhere, any chunking: same as splitting on 0x0A and decoding each line alone', () => {
  const pieces = fc.constantFrom([0x61], [0x0a], [0x0d, 0x0a], [0xff], [0xe2, 0x82], [0xe2, 0x82, 0xac], [0xf0, 0x9f], [0xc3], [0xa9], [0xef, 0xbb, 0xbf], [0x20]);
  fc.assert(
    fc.property(fc.array(pieces, { maxLength: 50 }), fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 20 }), (parts, sizes) => {
      const bytes = new Uint8Array(parts.flat());
      const chunks: Uint8Array[] = [];
      let pos = 0;
      let i = 0;
      while (pos < bytes.length) {
        const n = sizes[i++ % sizes.length]!;
        chunks.push(bytes.slice(pos, pos + n));
        pos += n;
      }
      const ref: Array<[string, number]> = [];
      let lineStart = 0;
      let lineNo = 0;
      for (let b = 0; b <= bytes.length; b++) {
        if (b === bytes.length || bytes[b] === 0x0a) {
          if (b === bytes.length && lineStart === b) break;
          lineNo++;
          let text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes.subarray(lineStart, b));
          if (text.endsWith('\r')) text = text.slice(0, -1);
          if (lineNo === 1 && text.startsWith('\uFEFF')) text = text.slice(1);
          if (!/^[ \t\r\v\f]*$/.test(text)) ref.push([text, lineNo]);
          lineStart = b + 1;
        }
      }
      assert.deepEqual(splitChunks(chunks).map((l) => [l.text, l.lineNo]), ref);
    }),
    { numRuns: 500 },
  );
});

test('a line of several MB arriving in 1 MiB chunks is assembled once', () => {
  const big = `{"type":"user","message":{"content":"${'x'.repeat(5 * 1024 * 1024)}"}}`;
  const bytes = enc.encode(`${big}\n{"b":1}\n`);
  const chunks: Uint8Array[] = [];
  for (let p = 0; p < bytes.length; p += 1024 * 1024) chunks.push(bytes.subarray(p, p + 1024 * 1024));
  const lines = splitChunks(chunks);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.text.length, big.length);
  assert.equal(lines[1]!.lineNo, 2);
});

test('decodeHead drops a character cut at the end and the BOM', () => {
  const bytes = enc.encode('\uFEFFab€');
  assert.equal(decodeHead(bytes.subarray(0, bytes.length - 1)), 'ab');
  assert.equal(decodeHead(bytes), 'ab€');
});
