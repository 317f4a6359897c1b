import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeHtml, escapeMarkdown, jsonForScript, markdownCode, stripUnsafeChars } from '../../src/render/escape.js';

test('escapeHtml: markup characters become entities, usable in text and in either quote style', () => {
  assert.equal(escapeHtml(`<script>alert("x")</script> & 'y'`), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;', 'entities in logs are shown, not interpreted');
  assert.equal(escapeHtml('plain-id_123'), 'plain-id_123');
});

test('escapeHtml never lets a markup character through (property)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const out = escapeHtml(s);
      assert.ok(!/[<>"']/.test(out), out);
      assert.ok(!/&(?!(amp|lt|gt|quot|#39);)/.test(out), out);
    }),
  );
});

test('control, bidi-override and lone-surrogate characters are replaced', () => {
  assert.equal(stripUnsafeChars('a\u0000b\u001bc\u009bd'), 'a\ufffdb\ufffdc\ufffdd');
  assert.equal(stripUnsafeChars('evil\u202egnp.exe'), 'evil\ufffdgnp.exe');
  assert.equal(stripUnsafeChars('x\ud800y'), 'x\ufffdy');
  assert.equal(stripUnsafeChars('😀 ok\ttab\nline'), '😀 ok\ttab\nline');
  assert.equal(escapeHtml('\u2066x\u2069'), '\ufffdx\ufffd');
});

test('jsonForScript: round-trips and cannot close the script element or open a comment', () => {
  const value = { id: '</script><script>alert(1)</script>', c: '<!-- x -->', amp: 'a&b', ls: 'a\u2028b\u2029c', n: 1.5, nil: null };
  const text = jsonForScript(value);
  assert.ok(!/<|>|&|\u2028|\u2029/.test(text), text);
  assert.deepEqual(JSON.parse(text), value);
  fc.assert(
    fc.property(fc.jsonValue(), (v) => {
      const t = jsonForScript(v);
      assert.ok(!/<\/script|<!--|\u2028|\u2029/i.test(t));
      assert.deepEqual(JSON.parse(t), JSON.parse(JSON.stringify(v)));
    }),
  );
});

test('escapeMarkdown: table-breaking and formatting characters are backslash-escaped, newlines folded', () => {
  assert.equal(escapeMarkdown('a|b'), 'a\\|b');
  assert.equal(escapeMarkdown('`code` *b* _i_ [l](u) <b> ~s~ &amp; !x #h \\'), '\\`code\\` \\*b\\* \\_i\\_ \\[l\\](u) \\<b\\> \\~s\\~ \\&amp; \\!x \\#h \\\\');
  assert.equal(escapeMarkdown('line1\nline2\r\nline3\tx'), 'line1 line2 line3 x');
  assert.equal(escapeMarkdown('a\u0007b'), 'a\ufffdb');
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const out = escapeMarkdown(s);
      assert.ok(!/[\n\r]/.test(out));
      // Every special character is preceded by an odd number of backslashes.
      for (const m of out.matchAll(/(\\*)([`*_[\]<>|~&!#])/g)) assert.equal((m[1] as string).length % 2, 1, out);
    }),
  );
});

test('markdownCode: fence longer than any backtick run; pipes escaped only in table cells', () => {
  assert.equal(markdownCode('abc'), '`abc`');
  assert.equal(markdownCode('a`b'), '``a`b``');
  assert.equal(markdownCode('`x`'), '`` `x` ``');
  assert.equal(markdownCode('a|b'), '`a|b`');
  assert.equal(markdownCode('a|b', true), '`a\\|b`');
  assert.equal(markdownCode('<script>\nx'), '`<script> x`');
  assert.equal(markdownCode(''), '');
});
