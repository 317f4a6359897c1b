import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeText, findJsonSyntaxError, parseJsonText } from '../../src/cli/json-text.js';

function errorOf(text: string): string {
  const r = parseJsonText(text);
  assert.equal(r.ok, false, `expected a syntax error for ${JSON.stringify(text)}`);
  if (r.ok) return '';
  return `${r.error.line}:${r.error.col} ${r.error.reason}`;
}

test('syntax errors point at line and column with a short reason', () => {
  assert.equal(errorOf('{"a":}'), "1:6 expected a value, found '}'");
  assert.equal(errorOf('{"a": 1,\n  "b": 2,\n}'), "3:1 trailing comma before '}'");
  assert.equal(errorOf(''), '1:1 expected a value, found end of input');
  assert.equal(errorOf('{"a":1}\n{"b":2}'), "2:1 unexpected '{' after the end of the JSON document");
  assert.equal(errorOf('Session  Cost\nabc  $1.00'), "1:1 expected a value, found 'S'");
  assert.equal(errorOf("{'a':1}"), "1:2 expected a property name in double quotes, found '''");
  assert.equal(errorOf('["a\tb"]'), '1:4 control character U+0009 in string (escape it)');
  assert.equal(errorOf('[1 2]'), "1:4 expected ',' or ']' after array element, found '2'");
  assert.equal(errorOf('{"a":tru}'), "1:6 expected a value, found 't'");
  assert.equal(errorOf('[01]'), "1:3 expected ',' or ']' after array element, found '1'");
  assert.equal(errorOf('"\\x"'), "1:3 invalid escape 'x' in string");
  assert.equal(errorOf('['.repeat(5000)), '1:2002 nested deeper than 2000 levels');
});

test('the scanner accepts exactly what JSON.parse accepts (property)', () => {
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string(), fc.json().map((j) => j.slice(0, Math.max(0, j.length - 1)))), (text) => {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      assert.equal(findJsonSyntaxError(text) === null, valid, JSON.stringify(text));
    }),
    { numRuns: 500 },
  );
});

test('decodeText: UTF-8 with or without BOM, UTF-16 LE/BE with BOM', () => {
  const enc = new TextEncoder();
  assert.equal(decodeText(enc.encode('{"a":"é"}')), '{"a":"é"}');
  assert.equal(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{}')])), '{}');
  const le = new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]);
  assert.equal(decodeText(le), '{}');
  const be = new Uint8Array([0xfe, 0xff, 0x00, 0x7b, 0x00, 0x7d]);
  assert.equal(decodeText(be), '{}');
});
