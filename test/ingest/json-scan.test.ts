/**
 * The top-level scanner must agree with JSON.parse on every key it reports,
 * and a "usage" nested in content or quoted inside strings must never be
 * taken for a top-level key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { scanBool, scanJson, scanObject, scanString } from '../../src/ingest/formats/json-scan.js';
import { parseText } from '../../src/ingest/ingest.js';

const trickyString = fc.oneof(
  fc.string(),
  fc.constantFrom('"usage"', '{"usage":{"input_tokens":1}}', '\\', '\\"', '"}', '{', ']', '\u2028', 'é😀', '"type":"assistant"'),
);
const leaf = fc.oneof(trickyString, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.oneof(fc.constantFrom('usage', 'type', 'message', 'a\\"b'), fc.string()), tie('v'), { maxKeys: 4 })),
})).v;

test('scanObject reports exactly the top-level keys with values equal to JSON.parse', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.oneof(fc.constantFrom('usage', 'type', 'message', 'uuid', 'x"y'), fc.string()), value, { maxKeys: 6 }), fc.boolean(), (obj, pretty) => {
      const text = JSON.stringify(obj, null, pretty ? 1 : undefined).replace(/\n/g, pretty ? '\n' : '');
      const scan = scanObject(text);
      assert.ok(scan, text);
      const parsed = JSON.parse(text) as Record<string, unknown>;
      assert.deepEqual([...scan.keys()].sort(), Object.keys(parsed).sort());
      for (const k of scan.keys()) {
        assert.deepEqual(scanJson(text, scan, k), parsed[k]);
        const s = scanString(text, scan, k);
        assert.equal(s, typeof parsed[k] === 'string' ? parsed[k] : null);
        const b = scanBool(text, scan, k);
        assert.equal(b, typeof parsed[k] === 'boolean' ? parsed[k] : null);
      }
    }),
    { numRuns: 500 },
  );
});

test('duplicate keys: the last one wins, as with JSON.parse', () => {
  const text = '{"type":"user","type":"assistant"}';
  assert.equal(scanString(text, scanObject(text)!, 'type'), 'assistant');
});

test('structural damage is rejected', () => {
  for (const bad of ['{"a":1', '{"a":"x}', '{"a":1,}', '{"a" 1}', '{"a":[1}', '{"a":1} x', '[1]', '', '{"a":tru}', '{"a":01}']) {
    assert.equal(scanObject(bad), null, bad);
  }
});

test('claude-code: assistant lines counted through the fast path equal a full JSON.parse reading', () => {
  fc.assert(
    fc.property(
      fc.array(value, { maxLength: 3 }),
      fc.nat(100000),
      fc.nat(100000),
      fc.nat(1000),
      fc.boolean(),
      (content, input, read, output, typeLast) => {
        const usage = { input_tokens: input, cache_read_input_tokens: read, output_tokens: output };
        const message = { id: 'm1', model: 'claude-x', content: [{ type: 'tool_use', input: { usage: { input_tokens: 7 } }, content }], usage };
        const line = typeLast
          ? JSON.stringify({ sessionId: 's', message, requestId: 'r1', type: 'assistant' })
          : JSON.stringify({ type: 'assistant', sessionId: 's', requestId: 'r1', message });
        const userLine = JSON.stringify({ type: 'user', sessionId: 's', message: { content }, toolUseResult: { usage } });
        const out = parseText('p.jsonl', `${userLine}\n${line}\n`, 'claude-code').output!;
        assert.equal(out.turns.length, 1);
        const t = out.turns[0]!;
        assert.deepEqual([t.inputTokens, t.cacheReadTokens, t.outputTokens], [input, read, output]);
        assert.equal(out.linesIgnored, 1);
      },
    ),
    { numRuns: 300 },
  );
});
