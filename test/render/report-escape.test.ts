/**
 * The Markdown and HTML renderers over the report fixture with an injection
 * payload appended to every string from logs (and, harder, to every string
 * at all): nothing becomes markup. The browser-level check of the same
 * promise is test/cli/report-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHtml } from '../../src/render/html.js';
import { renderMarkdown } from '../../src/render/markdown.js';
import { assertMatchesSchema, emptyReport, loadFixture, PAYLOADS, withLogPayloads, withPayloadsEverywhere } from '../helpers/report-fixture.js';

/** Tags of the page with quoted attribute values emptied (escaped text may sit in an aria-label). */
function tags(html: string): string[] {
  return [...html.matchAll(/<[a-zA-Z!/][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"|'[^']*'/g, '""'));
}

function assertInertHtml(html: string, what: string): void {
  const markup = tags(html);
  const names = new Set(markup.map((t) => /^<\/?([a-zA-Z][\w-]*)/.exec(t)?.[1]?.toLowerCase()).filter((n): n is string => n !== undefined));
  for (const bad of ['img', 'iframe', 'b', 'object', 'embed', 'foreignobject', 'base', 'link']) assert.ok(!names.has(bad), `${what}: <${bad}>`);
  assert.ok(!markup.some((t) => /\s(on[a-z]+|src|style)=/i.test(t)), `${what}: event handler, src or style attribute`);
  assert.equal((html.match(/<script\b/g) ?? []).length, 1, `${what}: one script (the JSON block)`);
  assert.equal((html.match(/<\/script>/g) ?? []).length, 1, `${what}: one </script>`);
  assert.equal((html.match(/<style\b/g) ?? []).length, 1, `${what}: one style`);
  assert.equal((html.match(/<svg\b/g) ?? []).length, (html.match(/<\/svg>/g) ?? []).length, `${what}: svg balanced`);
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202e]/.test(html), `${what}: control or bidi character`);
  assert.ok(!html.replace(/<script type="application\/json"[^>]*>[^<]*<\/script>/, '').includes('<!--'), `${what}: comment opener`);
  const block = /<script type="application\/json" id="token-econ-summary">([^<]*)<\/script>/.exec(html);
  assert.ok(block, `${what}: data block`);
  JSON.parse(block[1] as string);
}

/** Markdown with code spans removed (their content is literal). */
function outsideCodeSpans(md: string): string {
  return md.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, ' ');
}

function assertInertMarkdown(md: string, what: string): void {
  const prose = outsideCodeSpans(md);
  for (const m of prose.matchAll(/(\\?)</g)) assert.equal(m[1], '\\', `${what}: raw < near ${prose.slice(Math.max(0, (m.index ?? 0) - 30), (m.index ?? 0) + 30)}`);
  assert.doesNotMatch(prose, /(?<!\\)\]\(/, `${what}: a Markdown link`);
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u202e]/.test(md), `${what}: control or bidi character`);
  for (const t of md.split('\n\n').filter((b) => b.startsWith('|'))) {
    const rows = t.split('\n').filter((l) => l.startsWith('|'));
    const width = (row: string): number => row.replace(/\\\|/g, '').split('|').length;
    for (const row of rows) assert.equal(width(row), width(rows[0] as string), `${what}: cells of ${row}`);
  }
}

test('payload variants of the fixture still match the schema', () => {
  assertMatchesSchema(loadFixture(), 'the fixture');
  assertMatchesSchema(withLogPayloads(loadFixture()), 'withLogPayloads(fixture)');
});

test('html: log strings with payloads stay text', () => {
  const html = renderHtml(withLogPayloads(loadFixture()));
  assertInertHtml(html, 'log payloads');
  for (const p of PAYLOADS.slice(0, 2)) assert.ok(!html.includes(p), `raw payload ${p}`);
  assert.ok(html.includes('&lt;script&gt;document.title=&quot;XSS-script&quot;&lt;/script&gt;'), 'payload shown escaped');
});

test('html: payloads in every string (vocabulary too) stay text', () => {
  assertInertHtml(renderHtml(withPayloadsEverywhere(loadFixture())), 'payloads everywhere');
  assertInertHtml(renderHtml(withPayloadsEverywhere(emptyReport())), 'payloads everywhere, empty report');
});

test('markdown: payloads stay text, tables keep their columns', () => {
  assertInertMarkdown(renderMarkdown(withLogPayloads(loadFixture())), 'log payloads');
  assertInertMarkdown(renderMarkdown(withPayloadsEverywhere(loadFixture())), 'payloads everywhere');
  assertInertMarkdown(renderMarkdown(emptyReport()), 'empty report');
});
