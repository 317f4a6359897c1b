import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
// Tests may use js-tiktoken directly as the reference; src/ may not (architecture test).
import { getEncoding } from 'js-tiktoken';
import { createTokenizer, ENCODING_NAMES } from '../../src/normalize/tokenizer.js';

const references = new Map(ENCODING_NAMES.map((name) => [name, getEncoding(name)]));
const tokenizers = new Map(ENCODING_NAMES.map((name) => [name, createTokenizer(name)]));

function reference(name: (typeof ENCODING_NAMES)[number], text: string): number {
  return references.get(name)!.encode(text, [], []).length;
}

const FIXED_CASES = [
  '',
  ' ',
  'hello world',
  "I'm sure they'll say it's fine, WE'VE done it",
  '    indented\n\n\n\tcode();\r\n',
  'const x = await fetch("https://example.com/a/b?c=1");',
  '123456789 1234 12 3.14159',
  '{"type":"tool_result","content":[{"type":"text","text":"ok"}]}',
  'Größe 缓存命中率 キャッシュ не удалось مرحبا',
  '🚀✅❌👍🏽👨‍👩‍👧🇫🇷⚠️',
  'lone surrogates \uD800 and \uDC00 and \uDBFF\uDFFF',
  'a'.repeat(700),
  ' '.repeat(500) + 'x',
  'special <|endoftext|> and <|endofprompt|> text',
  'ﬁle ﬂow Ǆǅǆ ß ẞ',
  '\u0000\u0001\u007f\u0085\u00a0\u2028\u2029',
];

for (const name of ENCODING_NAMES) {
  test(`${name}: fixed cases equal js-tiktoken encode().length`, () => {
    const tok = tokenizers.get(name)!;
    assert.equal(tok.name, name);
    for (const text of FIXED_CASES) {
      assert.equal(tok.count(text), reference(name, text), JSON.stringify(text.slice(0, 60)));
    }
  });

  test(`${name}: property — fast count equals js-tiktoken for arbitrary unicode`, () => {
    const tok = tokenizers.get(name)!;
    const pieces = fc.constantFrom(' ', '  ', '\n', '\t', "'s", "'LL", '{"a":', '},', '🚀', '👍🏽', '中文', 'é', '\uD83D', '0123', 'Hello', 'world', '<|endoftext|>');
    const text = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 200 }),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({ unit: fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 1 }), pieces), maxLength: 120 }),
      fc.array(fc.oneof(fc.string({ unit: 'binary', maxLength: 8 }), pieces)).map((xs) => xs.join('')),
    );
    fc.assert(
      fc.property(text, (s) => tok.count(s) === reference(name, s)),
      { numRuns: 600, seed: 20261124 },
    );
  });

  test(`${name}: counts are stable across repeated calls (memo does not change results)`, () => {
    const tok = createTokenizer(name);
    const text = 'function add(a, b) { return a + b; } // добавить 🚀\n'.repeat(50);
    const first = tok.count(text);
    assert.equal(tok.count(text), first);
    assert.equal(first, reference(name, text));
  });
}

test('the two encodings really differ (guards against both names loading the same ranks)', () => {
  const text = 'The quick brown fox — 缓存命中率 🚀 jumps over the lazy dog';
  assert.notEqual(reference('o200k_base', text), reference('cl100k_base', text));
  assert.equal(tokenizers.get('o200k_base')!.count(text), reference('o200k_base', text));
  assert.equal(tokenizers.get('cl100k_base')!.count(text), reference('cl100k_base', text));
});
