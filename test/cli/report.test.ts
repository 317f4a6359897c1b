/**
 * `token-econ report`: Markdown and HTML goldens from the fixed report
 * fixture, the clock (analyze's CliContext.now, never report's), the page's
 * self-containment (CSP, no external URL), and the escaping of every string
 * from the hostile logs (analyze -> report) in both formats. The same pages are
 * loaded in headless Chromium by report-browser.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCliInProcess } from '../helpers/cli.js';
import { FIXTURE_PATH, loadFixture } from '../helpers/report-fixture.js';
import { CONTENT_SECURITY_POLICY } from '../../src/render/html.js';
import { golden } from '../helpers/golden.js';

export const HOSTILE_DIR = 'test/fixtures/report/hostile';
export const NOW = Date.UTC(2026, 1, 1, 12, 0, 0);

async function report(format: 'markdown' | 'html', args: string[], stdin?: string): Promise<string> {
  const run = await runCliInProcess(['report', '--format', format, ...args], { nowMs: NOW, ...(stdin !== undefined ? { stdin } : {}) });
  assert.equal(run.exitCode, 0, run.stderr);
  assert.equal(run.stderr, '');
  return run.stdout;
}

/** analyze --json over the hostile logs (fixed clock), then report. */
export async function hostileReport(format: 'markdown' | 'html'): Promise<string> {
  const analysis = await runCliInProcess(['analyze', '--json', HOSTILE_DIR], { nowMs: NOW });
  assert.equal(analysis.exitCode, 0, analysis.stderr);
  return report(format, [], analysis.stdout);
}

/**
 * The page's markup: every tag, with quoted attribute values emptied (escaped
 * log text may sit in an aria-label or title), so what is left is element
 * and attribute names and unquoted values: the places an escape failure shows.
 */
function tags(html: string): string[] {
  return [...html.matchAll(/<[a-zA-Z!/][^>]*>/g)].map((m) => m[0].replace(/"[^"]*"|'[^']*'/g, '""'));
}

/** Every id="…" of the page's elements. */
function ids(html: string): string[] {
  return [...html.matchAll(/<[a-zA-Z][^>]*?\sid="([^"]*)"/g)].map((m) => m[1] as string);
}

/** What each payload in the hostile logs would do if it escaped: all of them carry this marker. */
const PWNED = 'pwned';

test('report --format markdown: the fixture renders to the golden file', async () => {
  golden('report-fixture.md', await report('markdown', [FIXTURE_PATH]));
});

test('report --format html: the fixture renders to the golden file', async () => {
  golden('report-fixture.html', await report('html', [FIXTURE_PATH]));
});

test('report: the time printed is the document’s generatedAt, never the clock of report', async () => {
  const early = await runCliInProcess(['report', FIXTURE_PATH], { nowMs: Date.UTC(2020, 0, 1) });
  const late = await runCliInProcess(['report', FIXTURE_PATH], { nowMs: Date.UTC(2031, 5, 6) });
  assert.equal(early.stdout, late.stdout);
  assert.match(early.stdout, /^Generated 2026-01-15 08:30 UTC by token-econ /m);
  const doc = loadFixture();
  doc.generatedAt = null;
  const none = await report('markdown', [], JSON.stringify(doc));
  assert.match(none, /^Made by token-econ /m);
  const html = await report('html', [], JSON.stringify(doc));
  assert.match(html, /<p class="sub">Made by token-econ /);
});

test('analyze --json | report: the clock comes from CliContext.now, so the pipeline is deterministic', async () => {
  const md = await hostileReport('markdown');
  assert.match(md, /^Generated 2026-02-01 12:00 UTC by token-econ /m);
  assert.equal(await hostileReport('markdown'), md);
  const html = await hostileReport('html');
  assert.match(html, /Generated 2026-02-01 12:00 UTC by token-econ /);
  assert.equal(await hostileReport('html'), html);
});

test('report --format html: self-contained (strict CSP, no external URL, no script but the JSON block)', async () => {
  for (const html of [await report('html', [FIXTURE_PATH]), await hostileReport('html')]) {
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`));
    assert.match(CONTENT_SECURITY_POLICY, /^default-src 'none';/);
    assert.doesNotMatch(CONTENT_SECURITY_POLICY, /script-src|https?:|\*/);
    // The only URL is the SVG namespace, which is a name, never fetched.
    const urls = [...html.matchAll(/[a-z][a-z0-9+.-]*:\/\/[^\s"'<>)]*/gi)].map((m) => m[0]);
    assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg']);
    const markup = tags(html).join('\n');
    assert.doesNotMatch(markup, /\s(src|srcset|action|formaction|poster|background|style|on[a-z]+)=/i);
    assert.doesNotMatch(html, /@import|url\(/i);
    for (const m of html.matchAll(/\bhref="([^"]*)"/g)) assert.match(m[1] as string, /^#[a-z0-9-]+$/, m[0]);
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    assert.deepEqual(scripts, ['<script type="application/json" id="token-econ-summary">']);
  }
});

test('report --format html over hostile logs: every payload is text, none is markup', async () => {
  const html = await hostileReport('html');
  // Each payload appears only escaped: no tag or attribute they carry survives as markup.
  assert.ok(html.includes(PWNED), 'the payloads reach the page');
  const markup = tags(html);
  const elements = new Set(markup.map((t) => /^<\/?([a-zA-Z][\w-]*)/.exec(t)?.[1]?.toLowerCase()).filter((n): n is string => n !== undefined));
  for (const bad of ['img', 'iframe', 'b', 'i', 'object', 'embed', 'foreignobject', 'base', 'link', 'form', 'input']) assert.ok(!elements.has(bad), `<${bad}> in the page`);
  assert.ok(!markup.some((t) => /\s(on[a-z]+|src|style)=/i.test(t)), 'no event handler, src or style attribute');
  assert.ok(!markup.some((t) => /\sid=[^"]/.test(t)), 'no unquoted id');
  assert.deepEqual(ids(html).filter((id) => id.includes(PWNED)), []);
  assert.equal((html.match(/<style\b/g) ?? []).length, 1, 'only the page’s own style element');
  assert.ok(!html.includes('body{display:none}</style>'), 'the style payload stays text');
  assert.equal((html.match(/<svg\b/g) ?? []).length, (html.match(/<\/svg>/g) ?? []).length, 'no </svg> breaks out of a chart');
  assert.equal((html.match(/<\/script>/g) ?? []).length, 1, 'only the JSON block closes a script');
  assert.ok(!html.includes('\u202e'), 'bidi override removed');
  assert.ok(html.includes('s-1&lt;/svg&gt;&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;'), 'the session id is shown, escaped');
  assert.ok(html.includes('claude-x&lt;img src=x onerror=&quot;document.title=&#39;pwned&#39;&quot; id=pwned-model&gt;'), 'the model is shown, escaped');
  assert.ok(!/<!--/.test(html.replace(/<script type="application\/json"[^>]*>[^<]*<\/script>/, '')), 'no comment opener outside text');
  // The JSON data block stays parseable and inert.
  const block = /<script type="application\/json" id="token-econ-summary">([^<]*)<\/script>/.exec(html);
  assert.ok(block);
  assert.equal(JSON.parse(block[1] as string).kind, 'analysis-summary');
});

/** Markdown with code spans removed (their content is literal in CommonMark/GFM). */
function outsideCodeSpans(md: string): string {
  return md.replace(/(`+)(?!`)([\s\S]*?[^`])\1(?!`)/g, ' ');
}

test('report --format markdown over hostile logs: no raw HTML, no link, tables keep their columns', async () => {
  const md = await hostileReport('markdown');
  assert.ok(md.includes(PWNED), 'the payloads reach the report');
  const prose = outsideCodeSpans(md);
  // Outside code spans every < is backslash-escaped, so nothing is an HTML tag, comment or CDATA end.
  for (const m of prose.matchAll(/(\\?)</g)) assert.equal(m[1], '\\', `raw < in: ${prose.slice(Math.max(0, (m.index ?? 0) - 40), (m.index ?? 0) + 40)}`);
  assert.doesNotMatch(prose, /(?<!\\)\]\((?!#)/, 'no Markdown link or image');
  assert.doesNotMatch(prose, /(?<!\\)\]\]>/);
  assert.ok(!md.includes('\u202e'), 'bidi override removed');
  // Code spans hold the hostile ids: a `|` inside them is escaped, so every table row keeps its cell count.
  const tables = md.split('\n\n').filter((block) => block.startsWith('|'));
  for (const t of tables) {
    const rows = t.split('\n').filter((l) => l.startsWith('|'));
    const width = (row: string): number => row.replace(/\\\|/g, '').split('|').length;
    const expected = width(rows[0] as string);
    for (const row of rows) assert.equal(width(row), expected, `cell count of ${row}`);
  }
});

test('analyze --csv over hostile logs: formula-looking log text is neutralised, quoting holds', async () => {
  const run = await runCliInProcess(['analyze', '--csv', HOSTILE_DIR], { nowMs: NOW });
  assert.equal(run.exitCode, 0, run.stderr);
  const rows = run.stdout.trimEnd().split('\n').slice(1);
  const formula = rows.filter((r) => r.includes('HYPERLINK'));
  assert.ok(formula.length > 0);
  for (const r of formula) assert.match(r, /^[a-z@0-9]+,"'=HYPERLINK\(""x\.invalid"",""click""\)",/, r);
  assert.ok(rows.some((r) => r.includes(`,'@SUM(1+1)*cmd|' /C calc'!A0,`)), 'the model is neutralised');
  assert.ok(!/(^|,)"?[=+@]/.test(rows.join('\n').replace(/,-?\d/g, ',0')), 'no cell starts a formula');
});

test('report: the page is the same without the per-request lists (analyze --json without --requests) and from a schemaVersion 1 document', async () => {
  const full = await report('html', [FIXTURE_PATH]);
  assert.match(full, /Break-even: cumulative cost, state vs transcript/);
  const summary = loadFixture();
  summary.perRequest = false;
  for (const s of summary.sessions) {
    s.turns = null;
    for (const sc of s.scenarios) sc.turns = null;
  }
  assert.equal(await report('html', [], JSON.stringify(summary)), full, 'the break-even plot reads breakEven.focusCurve');
  // Version 1: every request listed, no perRequest, no focusCurve (the plot reads the focus session's rows).
  const v1 = loadFixture() as unknown as Record<string, unknown> & { breakEven: Record<string, unknown> };
  v1['schemaVersion'] = 1;
  delete v1['perRequest'];
  delete v1.breakEven['focusCurve'];
  assert.equal(await report('html', [], JSON.stringify(v1)), full);
  // Without either source the plot is left out, nothing fails.
  const neither = loadFixture();
  neither.breakEven.focusCurve = null;
  for (const s of neither.sessions) for (const sc of s.scenarios) sc.turns = null;
  assert.doesNotMatch(await report('html', [], JSON.stringify(neither)), /Break-even: cumulative cost, state vs transcript/);
});
