/**
 * The byte-level ingest path (ByteLineSplitter, json-bytes scanObjectBytes,
 * claude-code pushBytes, isClaudeCodeHead) agrees with the string path it
 * replaces on the hot loop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteLineSplitter, LineSplitter, type SplitLine } from '../../src/ingest/lines.js';
import { KeySet, NestedKey, scanObjectBytes } from '../../src/ingest/formats/json-bytes.js';
import { scanObject } from '../../src/ingest/formats/json-scan.js';
import { claudeCodeFormat, isClaudeCodeHead } from '../../src/ingest/formats/claude-code.js';
import { detectFormat } from '../../src/ingest/index.js';
import { decodeHead } from '../../src/ingest/lines.js';
import { cutAt } from '../helpers/ingest.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });


test('ByteLineSplitter gives LineSplitter\'s lines (decoded), for any bytes and any chunking', () => {
  const piece = fc.oneof(
    fc.constantFrom('a', 'é', '€', '😀', '\n', '\r\n', '\r', '{"x":"', '"}', ' ', '\t', '\u000b', '\uFEFF', '\u0000').map((s) => enc.encode(s)),
    fc.uint8Array({ minLength: 1, maxLength: 3 }),
  );
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 40 }), fc.array(fc.nat(), { maxLength: 6 }), (pieces, cuts) => {
      const all = new Uint8Array(pieces.reduce((a, p) => a + p.length, 0));
      let pos = 0;
      for (const p of pieces) {
        all.set(p, pos);
        pos += p.length;
      }
      const want: SplitLine[] = [];
      const s = new LineSplitter();
      for (const c of cutAt(all, cuts)) s.push(c, (l) => want.push(l));
      s.end((l) => want.push(l));
      const got: SplitLine[] = [];
      const b = new ByteLineSplitter();
      const sink = (buf: Buffer, st: number, e: number, lineNo: number, terminated: boolean): void => {
        got.push({ text: dec.decode(buf.subarray(st, e)), lineNo, terminated });
      };
      for (const c of cutAt(all, cuts)) b.push(new Uint8Array(c), sink);
      b.end(sink);
      assert.deepEqual(got, want);
      assert.equal(b.bytes, all.length);
    }),
    { numRuns: 400 },
  );
});

test('scanObjectBytes accepts and rejects exactly what scanObject does, and finds the same last value of each key', () => {
  const keys = new KeySet(['type', 'a', 'message', 'é']);
  const spans = keys.spans();
  const json = fc.jsonValue({ maxDepth: 3 });
  const line = fc.oneof(
    fc.dictionary(fc.constantFrom('type', 'a', 'message', 'é', 'zz', 't\\u0079pe'), json).map((d) => JSON.stringify(d)),
    fc.tuple(fc.dictionary(fc.constantFrom('type', 'a', 'b'), json).map((d) => JSON.stringify(d)), fc.nat(), fc.constantFrom('', '"', '}', ',', ':', '\\', 'x', ' 1', '{', ']'))
      .map(([t, n, junk]) => t.slice(0, n % (t.length + 1)) + junk + t.slice(n % (t.length + 1))),
    fc.constantFrom('{"type":"a","type":"b"}', '{"t\\u0079pe":"x"}', '{"a":01}', '{"a":-}', '{"a":1.}', '{"a":1e}', '{"a":tru}', '{"a":[1,}', '{"a":"\\"}', '{}', ' {"a":1} ', '{"a":1}x', '{"a":"\u00e9"}'),
  );
  fc.assert(
    fc.property(line, (text) => {
      const want = scanObject(text);
      const b = Buffer.from(text, 'utf8');
      const ok = scanObjectBytes(b, 0, b.length, keys, spans);
      assert.equal(ok, want !== null, text);
      if (!want) return;
      keys.names.forEach((k, slot) => {
        const w = want.get(k);
        const s = spans[2 * slot] as number;
        if (!w) assert.equal(s, -1, `${text} ${k}`);
        else assert.equal(b.subarray(s, spans[2 * slot + 1] as number).toString('utf8'), text.slice(w.start, w.end), `${text} ${k}`);
      });
    }),
    { numRuns: 2000 },
  );
});

test('a NestedKey walk gives the verdict and spans of skipping the value and walking it again', () => {
  const keys = new KeySet(['type', 'message', 'a']);
  const inner = new KeySet(['model', 'usage', 'id']);
  const spans = keys.spans();
  const again = keys.spans();
  const innerAgain = inner.spans();
  const nest = new NestedKey(1, inner);
  const json = fc.jsonValue({ maxDepth: 3 });
  const message = fc.oneof(
    fc.dictionary(fc.constantFrom('model', 'usage', 'id', 'content', 'i\\u0064'), json).map((d) => JSON.stringify(d)),
    json.map((v) => JSON.stringify(v)),
    fc.constantFrom('{"model":"m" "id":1}', '{"model":}', '{"a":[1,}', '{"id":01}', '{"id":"x",}', '{ }', '{"usage":{"x":1}}  ', '[{"model":"m"}]'),
  );
  const junk = fc.constantFrom('', '"', '}', ',', ':', 'x', '{', ']');
  const line = fc.tuple(fc.array(fc.tuple(fc.constantFrom('type', 'message', 'a', 'b'), fc.oneof(message, json.map((v) => JSON.stringify(v)))), { maxLength: 4 }), fc.nat(), junk).map(([members, n, j]) => {
    const t = `{${members.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
    const at = n % (t.length + 1);
    return n % 3 === 0 ? t.slice(0, at) + j + t.slice(at) : t;
  });
  // At the bracket limit: 4096 open brackets including the message's own pass, one more fails, with or without nesting.
  const deep = (n: number): string => `{"type":"x","message":{"content":${'['.repeat(n)}${']'.repeat(n)}}}`;
  const check = (text: string): void => {
    const b = Buffer.from(text, 'utf8');
    const plain = scanObjectBytes(b, 0, b.length, keys, again);
    const ok = scanObjectBytes(b, 0, b.length, keys, spans, nest);
    assert.equal(ok, plain, text);
    if (!ok) return;
    assert.deepEqual([...spans], [...again], text);
    const m0 = again[2] as number;
    const walked = m0 >= 0 && b[m0] === 0x7b && scanObjectBytes(b, m0, again[3] as number, inner, innerAgain);
    assert.equal(nest.ok, walked, text);
    if (walked) assert.deepEqual([...nest.spans], [...innerAgain], text);
    else assert.ok(nest.spans.every((v) => v === -1), text);
  };
  for (const n of [4094, 4095, 4096]) check(deep(n));
  assert.equal(scanObjectBytes(Buffer.from(deep(4095)), 0, deep(4095).length, keys, spans, nest), true);
  assert.equal(scanObjectBytes(Buffer.from(deep(4096)), 0, deep(4096).length, keys, spans, nest), false);
  check('{"message":{"model":"a"},"message":{"model" "b"}}');
  check('{"message":{"model":"a"},"message":[1]}');
  check('{"message":[1],"message":{"id":"z"}}');
  fc.assert(fc.property(line, check), { numRuns: 3000 });
});

test('isClaudeCodeHead says yes only where detectFormat picks claude-code', () => {
  const line = (o: object): string => JSON.stringify(o);
  const cases: Array<[string, string]> = [
    ['a.jsonl', `${line({ type: 'user', sessionId: 's', message: { content: 'hi' } })}\n${line({ type: 'assistant', sessionId: 's' })}\n`],
    ['a.jsonl', `\uFEFF${line({ type: 'summary', leafUuid: 'x' })}\r\n`],
    ['a.json', `${line({ type: 'user', sessionId: 's' })}\n`],
    ['a.jsonl', `${line({ type: 'user', session_id: 's' })}\n`],
    ['a.jsonl', `${line({ type: 'user', sessionId: 's' })}\n{"type":"user","sessionId":\n`],
    ['a.jsonl', `${line({ type: 'user', sessionId: 's' })}\n${line({ model: 'gpt', usage: { prompt_tokens: 1 } })}\n`],
    ['a.jsonl', `${line({ type: 'user', sessionId: 's' })}`],
    ['a.jsonl', `\u00a0${line({ type: 'user', sessionId: 's' })}\n`],
    ['a.jsonl', `{"type":"user","sessionId":"s","x":[1,}\n${line({ type: 'user', sessionId: 's' })}\n`],
  ];
  for (const [name, text] of cases) {
    const bytes = Buffer.from(text, 'utf8');
    const quick = isClaudeCodeHead(name, bytes);
    const full = detectFormat(name, decodeHead(bytes));
    if (quick) assert.equal(full?.id, 'claude-code', `${name} ${JSON.stringify(text)}`);
  }
  assert.ok(isClaudeCodeHead('a.jsonl', Buffer.from(cases[0]?.[1] ?? '')));
  assert.ok(!isClaudeCodeHead('a.json', Buffer.from(cases[2]?.[1] ?? '')));
});

test('claude-code push(text) and pushBytes(bytes) give the same output', () => {
  const ctx = { file: 'f.jsonl', relativePath: '-p/f.jsonl', getTokenizer: () => { throw new Error('no'); } };
  const lines = [
    JSON.stringify({ type: 'user', sessionId: 's1', cwd: '/x', message: { role: 'user', content: 'do é 😀' } }),
    JSON.stringify({ type: 'assistant', sessionId: 's1', requestId: 'r1', timestamp: '2026-01-01T00:00:00Z', message: { id: 'm1', model: 'claude-sonnet-4-5', content: [{ type: 'text', text: '"usage":{"input_tokens":9}' }], usage: { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 5, cache_creation_input_tokens: 6, cache_creation: { ephemeral_5m_input_tokens: 1, ephemeral_1h_input_tokens: 5 } } } }),
    '{"type":"assistant","message":{"model":"\\u003csynthetic>","usage":{"input_tokens":1,"output_tokens":1}}}',
    '{"type":"assistant","requestId":"r2","message":{"id":"m2","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":"x"}}}',
    '{"type":"assistant","requestId":"r3","message":{"id":"m3","model":"claude-sonnet-4-5","usage":{"input_tokens":1,"output_tokens":2}',
    '{"type":"system","subtype":"compact_boundary","timestamp":"2026-01-01T00:01:00Z","compactMetadata":{"trigger":"auto","preTokens":100}}',
    '{"type":"assistant","isSidechain":true,"uuid":"u1","parentUuid":null,"message":{"id":"m4","model":"claude-haiku-4-5","usage":{"input_tokens":1,"output_tokens":2}}}',
    '[1,2]',
  ];
  const viaText = claudeCodeFormat.createParser(ctx);
  const viaBytes = claudeCodeFormat.createParser(ctx);
  lines.forEach((l, i) => {
    viaText.push(l, i + 1);
    const b = Buffer.from(`xx${l}yy`, 'utf8');
    viaBytes.pushBytes?.(b, 2, b.length - 2, i + 1);
  });
  assert.deepEqual(viaBytes.finish(), viaText.finish());
});
