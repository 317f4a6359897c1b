/**
 * The HTML report in a real browser (headless Chromium over the DevTools
 * protocol, see test/helpers/chromium.ts): the page renders its charts,
 * requests nothing but itself, trips no CSP rule, and the hostile log
 * fixture's payloads (which would set document.title to 'pwned' or add an
 * element whose id starts with 'pwned') stay visible, inert text, with the
 * CSP in place and without it. Skipped, saying why, where Chromium is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runCliInProcess } from '../helpers/cli.js';
import { chromiumSkipReason, visitPages, type PageVisit } from '../helpers/chromium.js';
import { FIXTURE_PATH, loadFixture } from '../helpers/report-fixture.js';

const SKIP = chromiumSkipReason();
const NOW = Date.UTC(2026, 1, 1, 12, 0, 0);
const HOSTILE_DIR = 'test/fixtures/report/hostile';

if (SKIP !== null) process.stderr.write(`report-browser.test: skipped: ${SKIP}\n`);

async function html(args: string[], stdin?: string): Promise<string> {
  const run = await runCliInProcess(['report', '--format', 'html', ...args], { nowMs: NOW, ...(stdin !== undefined ? { stdin } : {}) });
  assert.equal(run.exitCode, 0, run.stderr);
  return run.stdout;
}

async function hostileHtml(): Promise<string> {
  const analysis = await runCliInProcess(['analyze', '--json', HOSTILE_DIR], { nowMs: NOW });
  assert.equal(analysis.exitCode, 0, analysis.stderr);
  return html([], analysis.stdout);
}

/** Writes the pages to temp files and visits them in one browser. */
async function visit(pages: string[], expressions: string[]): Promise<Array<PageVisit & { url: string }>> {
  const dir = mkdtempSync(join(tmpdir(), 'te-report-browser-'));
  try {
    const urls = pages.map((page, i) => {
      const file = join(dir, `report-${i}.html`);
      writeFileSync(file, page);
      return pathToFileURL(file).href;
    });
    const visits = await visitPages(urls, expressions);
    return visits.map((v, i) => ({ ...v, url: urls[i] as string }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface ChartInfo {
  chart: string;
  id: string;
  role: string | null;
  labelledBy: string[];
  title: string;
  width: number;
  height: number;
  series: Array<{ name: string; d: string; length: number; dashed: boolean }>;
  legend: string[];
  bars: Array<{ label: string; width: number }>;
  markers: Array<{ x: string; label: string }>;
  notes: string[];
  /** Pairs of <text> elements whose boxes overlap (ignoring the rotated axis label). */
  overlaps: string[];
}

/** Runs in the page: what each chart is made of, as the browser laid it out. */
const CHARTS = `(() => [...document.querySelectorAll('svg.chart')].map((svg) => {
  const box = svg.getBoundingClientRect();
  const texts = [...svg.querySelectorAll('text')].filter((t) => !t.hasAttribute('transform') && t.textContent.trim() !== '');
  const rects = texts.map((t) => ({ t: t.textContent, r: t.getBoundingClientRect() }));
  const overlaps = [];
  for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
    const a = rects[i].r, b = rects[j].r;
    const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
    const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
    if (w > 1 && h > 1) overlaps.push(rects[i].t + ' / ' + rects[j].t);
  }
  return {
    chart: svg.dataset.chart,
    id: svg.querySelector('title')?.id ?? '',
    role: svg.getAttribute('role'),
    labelledBy: (svg.getAttribute('aria-labelledby') ?? '').split(' ').filter(Boolean).map((id) => document.getElementById(id)?.textContent ?? '(missing)'),
    title: svg.querySelector('.chart-title')?.textContent ?? '',
    width: box.width,
    height: box.height,
    series: [...svg.querySelectorAll('g.series')].map((g) => {
      const path = g.querySelector('path');
      return { name: g.dataset.series, d: path?.getAttribute('d') ?? '', length: path ? path.getTotalLength() : 0, dashed: path?.hasAttribute('stroke-dasharray') ?? false };
    }),
    legend: [...svg.querySelectorAll('.legend-item text')].map((t) => t.textContent),
    bars: [...svg.querySelectorAll('g.bar-row')].map((g) => ({ label: g.dataset.label, width: g.querySelector('rect.bar').getBoundingClientRect().width })),
    markers: [...svg.querySelectorAll('g.marker')].map((g) => ({ x: g.dataset.x, label: g.querySelector('.marker-label')?.textContent ?? '' })),
    notes: [...svg.querySelectorAll('.chart-note, .empty-note')].map((t) => t.textContent),
    overlaps,
  };
}))()`;

function assertOnlyItself(v: PageVisit & { url: string }): void {
  assert.deepEqual(
    v.requests.map((r) => r.url),
    [v.url],
    'the page requested nothing but itself (no network, no file, no data: fetch)',
  );
}

test('report.html in Chromium: cost curves, miss causes and break-even charts render; nothing is fetched', { skip: SKIP ?? false, timeout: 60_000 }, async () => {
  const page = await html([FIXTURE_PATH]);
  const [v] = await visit([page], [CHARTS, 'document.title', `document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content`, 'document.querySelectorAll("script:not([type=\'application/json\'])").length']);
  assert.ok(v);
  const [charts, title, csp, scripts] = v.values as [ChartInfo[], string, string, number];
  assertOnlyItself(v);
  assert.deepEqual(v.messages, [], 'no console message, CSP violation or exception');
  assert.match(csp, /^default-src 'none'; /);
  assert.equal(scripts, 0);
  assert.match(title, /^token-econ report: \$/);

  const report = loadFixture();
  const byName = new Map(charts.map((c) => [c.chart, c]));
  assert.deepEqual([...byName.keys()], ['cost-curves', 'per-turn-cost', 'miss-causes', 'break-even', 'break-even-gap']);
  for (const c of charts) {
    assert.equal(c.role, 'img', c.chart);
    assert.equal(c.id, `chart-${c.chart}-title`);
    assert.ok(!c.labelledBy.includes('(missing)'), `${c.chart}: aria-labelledby points at its title and desc`);
    assert.ok(c.width > 300 && c.height > 150, `${c.chart} is laid out (${c.width}x${c.height})`);
    assert.deepEqual(c.overlaps, [], `${c.chart}: no two labels overlap`);
  }

  const labels = ['actual (logged)', 'transcript', 'state', 'replay', 'no cache'];
  for (const name of ['cost-curves', 'per-turn-cost']) {
    const c = byName.get(name) as ChartInfo;
    assert.deepEqual(c.legend, labels, `${name} legend`);
    assert.deepEqual(c.series.map((s) => s.name), labels);
    for (const s of c.series) {
      assert.equal((s.d.match(/[ML]/g) ?? []).length, report.curves.series[0]?.cumulativeUsd.length, `${name}/${s.name}: one vertex per turn`);
      assert.ok(s.length > 50, `${name}/${s.name} is drawn (${s.length})`);
    }
    assert.deepEqual(c.series.map((s) => s.dashed), [false, true, true, true, true], 'simulated series are dashed');
  }
  // The cumulative curves rise left to right: the last vertex is above the first (smaller y).
  for (const s of (byName.get('cost-curves') as ChartInfo).series) {
    const ys = [...s.d.matchAll(/[ML][\d.]+ ([\d.]+)/g)].map((m) => Number(m[1]));
    assert.ok((ys.at(-1) as number) < (ys[0] as number), `${s.name} rises`);
  }

  const misses = byName.get('miss-causes') as ChartInfo;
  assert.deepEqual(misses.bars.map((b) => b.label), ['TTL expired', 'cold start', 'compaction']);
  const [ttl, cold] = misses.bars.map((b) => b.width) as [number, number];
  const [ttlUsd, coldUsd] = report.misses.byReason.map((r) => r.missCostUsd) as [number, number];
  assert.ok(Math.abs(cold / ttl - coldUsd / ttlUsd) < 0.02, 'bar lengths are proportional to the cost');

  const be = byName.get('break-even') as ChartInfo;
  assert.deepEqual(be.series.map((s) => s.name), ['transcript', 'state']);
  assert.deepEqual(be.markers, [{ x: '23', label: 'break-even at turn 23' }]);
  const gap = byName.get('break-even-gap') as ChartInfo;
  assert.deepEqual(gap.series.map((s) => s.name), ['transcript', 'state']);
  assert.equal(gap.markers.length, 1);
  assert.match(gap.markers[0]?.label ?? '', /^transcript costs more from 5m 00s$/);
});

test('hostile logs in Chromium: no payload runs, every payload is visible text (with and without the CSP)', { skip: SKIP ?? false, timeout: 60_000 }, async () => {
  const page = await hostileHtml();
  const probes = [
    'document.title',
    `[...document.querySelectorAll('[id*="pwned"], [onerror], [onload], iframe, img, object, embed, foreignObject')].map((e) => e.outerHTML.slice(0, 120))`,
    'document.querySelectorAll("script").length',
    'document.querySelectorAll("style").length',
    'document.body.innerText',
    'getComputedStyle(document.body).display',
    `[...document.querySelectorAll('svg.chart')].map((s) => s.dataset.chart)`,
    `(() => { const e = document.getElementById('token-econ-summary'); return e ? JSON.parse(e.textContent).focusSessionId : null; })()`,
  ];
  const withoutCsp = page.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n/, '');
  assert.notEqual(withoutCsp, page);
  const visits = await visit([page, withoutCsp], probes);
  for (const [what, v] of [
    ['with CSP', visits[0]],
    ['without CSP', visits[1]],
  ] as const) {
    assert.ok(v);
    const [title, injected, scripts, styles, text, display, charts, focus] = v.values as [string, string[], number, number, string, string, string[], string | null];
    assert.match(title, /^token-econ report: \$[\d.]+ over 3 sessions, 2026-01-14 to 2026-01-16$/, `${what}: title untouched`);
    assert.deepEqual(injected, [], `${what}: no injected element or handler`);
    assert.equal(scripts, 1, `${what}: only the JSON data block`);
    assert.equal(styles, 1, `${what}: only the page's style`);
    assert.equal(display, 'block', `${what}: the injected style did not hide the page`);
    assertOnlyItself(v);
    assert.deepEqual(v.messages, [], `${what}: no CSP violation, console message or exception (a violation would mean markup escaped)`);
    assert.deepEqual(charts, ['cost-curves', 'per-turn-cost', 'miss-causes', 'break-even', 'break-even-gap'], `${what}: the charts survive the payloads`);
    // The payloads read as text, minus the bidi override.
    for (const visible of [
      "s-1</svg><script>document.title='pwned'</script><b id=pwned-sid>sid</b>]]><!--\ufffdgnp.exe",
      `/home/dev/"><svg onload="document.title='pwned'"><img id=pwned-cwd src=x onerror="document.title='pwned'">`,
      "s-2'><svg id=pwned-svg onload=document.title='pwned'>[md](javascript:alert(1))|a|b|`tick`",
      `/srv/</style><style>body{display:none}</style><a id=pwned-a href="javascript:document.title='pwned'">x</a>`,
      `claude-x<img src=x onerror="document.title='pwned'" id=pwned-model>`,
      `"message":<script>document.title='pwned'`,
      `=HYPERLINK("x.invalid","click")`,
    ]) {
      assert.ok(text.includes(visible), `${what}: visible as text: ${visible}`);
    }
    assert.ok(!text.includes('\u202e'), `${what}: no bidi override in the text`);
    // The data block gives the original id back (bidi override included: it is data, not display).
    assert.ok(focus?.startsWith("s-1</svg><script>document.title='pwned'</script>"), `${what}: data block: ${focus}`);
  }
});
