/**
 * `token-econ report --format html`: ONE self-contained HTML5 page: inline
 * CSS, inline SVG charts, no scripts, no external resources, and a CSP that
 * forbids everything else (`default-src 'none'`), so even a string that
 * slipped through escaping could not load or run anything. Light and dark
 * via prefers-color-scheme; print styles; tables carry every charted number.
 *
 * Every string from logs goes through escape.ts. The only `<script>` element
 * is a JSON data block (not executed; `jsonForScript` keeps it inert) with the
 * headline numbers for tools that scrape the page.
 */
import type { ReportJson } from './report-json.js';
import { escapeAttr, escapeHtml, jsonForScript } from './escape.js';
import {
  breakEvenSentences,
  cheapestStrategy,
  diagnosticGroups,
  fleetOverDaysColumn,
  formatChangeRatio,
  formatIsoMinute,
  generatedLead,
  formatRatio,
  gapRange,
  paramPairs,
  period,
  reasonDescription,
  reasonLabel,
  scenarioCurve,
  scenarioDescription,
  scenarioLabel,
  signedUsd,
  sourceText,
  strategyScenarios,
  summaryFacts,
  summarySentences,
  comparedNote,
  trimNumber,
  type Inline,
  type Sentence,
} from './report-text.js';
import { barChart, breakEvenChart, formatUsdCompact, interpolateY, lineChart, type ChartSeries } from './svg.js';
import { formatDuration, formatInt, formatTokens, formatUsd } from './text.js';

/** viewBox width of charts shown two abreast, so their text keeps a readable size. */
const HALF_WIDTH = 540;
/** viewBox width of a chart spanning the page (about 1:1 with the 1080px column). */
const FULL_WIDTH = 1000;

export const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** Rows shown before a `<details>` fold, and the most ever written; the JSON has them all. */
export const HTML_LIMITS = { sessionsOpen: 50, sessionsMax: 2000, files: 500, diagnosticsListed: 500, streamModels: 50 };

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--soft:#f6f8fa;--accent:#0969da;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--c0:#0072B2;--c1:#D55E00;--c2:#009E73;--c3:#CC79A7;--c4:#E69F00;--c5:#56B4E9;--c6:#7F7F7F;--c7:#000}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#30363d;--soft:#161b22;--accent:#4493f8;--good:#3fb950;--bad:#f85149;--warn:#d29922;--c0:#56a8e0;--c1:#ff8c42;--c2:#2ecc9a;--c3:#e29ac6;--c4:#f5c04a;--c5:#8fd3ff;--c6:#a0a0a0;--c7:#e6edf3}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:32px 24px 64px}
h1{font-size:1.75rem;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:1.3rem;margin:44px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--line)}
h3{font-size:1.05rem;margin:24px 0 8px}
p{margin:8px 0}
ul{padding-left:1.3em}
li{margin:4px 0}
a{color:var(--accent)}
code{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;font-size:.86em;overflow-wrap:anywhere}
code.id,.nowrap{white-space:nowrap;overflow-wrap:normal}
code.id-long{overflow-wrap:anywhere;word-break:break-all}
td:has(>code.id-long),th:has(>code.id-long){min-width:16em}
.small{font-size:.8rem}
.sub{color:var(--muted);margin:0 0 12px}
nav.toc{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:.9rem;margin:8px 0 4px}
nav.toc a{text-decoration:none}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px;margin:20px 0 8px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:var(--soft)}
.card .label{color:var(--muted);font-size:.78rem;text-transform:uppercase;letter-spacing:.05em}
.card .value{font-size:1.45rem;font-weight:650;font-variant-numeric:tabular-nums;margin:2px 0;overflow-wrap:anywhere}
.card .note{color:var(--muted);font-size:.85rem}
.card.good .value{color:var(--good)}.card.bad .value{color:var(--bad)}.card.warn .value{color:var(--warn)}
.lead li{margin:6px 0}
.table-wrap{overflow-x:auto;margin:12px 0}
table{border-collapse:collapse;width:100%;font-size:.88rem}
caption{text-align:left;color:var(--muted);font-size:.85rem;padding:4px 0}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-weight:600;background:var(--soft);white-space:nowrap}
tbody th{font-weight:500}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.best>*{background:color-mix(in srgb,var(--good) 10%,transparent)}
tr.actual>*{font-weight:600}
.tag{display:inline-block;font-size:.72rem;font-weight:600;padding:0 6px;border-radius:9px;border:1px solid currentColor;margin-left:6px;vertical-align:1px}
.tag.good{color:var(--good)}.tag.warn{color:var(--warn)}
.muted{color:var(--muted)}.good{color:var(--good)}.bad{color:var(--bad)}.warn{color:var(--warn)}
figure{margin:16px 0;padding:12px 12px 8px;border:1px solid var(--line);border-radius:8px}
figcaption{color:var(--muted);font-size:.85rem;margin-top:4px}
svg.chart{display:block;width:100%;height:auto;color:var(--fg)}
svg.chart .series-0 path,svg.chart .series-0 line{stroke:var(--c0)}svg.chart .series-0 circle{fill:var(--c0)}
svg.chart .series-1 path,svg.chart .series-1 line{stroke:var(--c1)}svg.chart .series-1 circle{fill:var(--c1)}
svg.chart .series-2 path,svg.chart .series-2 line{stroke:var(--c2)}svg.chart .series-2 circle{fill:var(--c2)}
svg.chart .series-3 path,svg.chart .series-3 line{stroke:var(--c3)}svg.chart .series-3 circle{fill:var(--c3)}
svg.chart .series-4 path,svg.chart .series-4 line{stroke:var(--c4)}svg.chart .series-4 circle{fill:var(--c4)}
svg.chart .series-5 path,svg.chart .series-5 line{stroke:var(--c5)}svg.chart .series-5 circle{fill:var(--c5)}
svg.chart .series-6 path,svg.chart .series-6 line{stroke:var(--c6)}svg.chart .series-6 circle{fill:var(--c6)}
svg.chart .series-7 path,svg.chart .series-7 line{stroke:var(--c7)}svg.chart .series-7 circle{fill:var(--c7)}
svg.chart rect.bar{fill:var(--c0)}
.grid2{display:grid;grid-template-columns:1fr;gap:0 24px}
@media (min-width:1000px){.grid2{grid-template-columns:1fr 1fr}.grid2 figure{margin:8px 0}}
.sev{font-weight:600;text-transform:uppercase;font-size:.72rem;letter-spacing:.05em}
.sev-error{color:var(--bad)}.sev-warning{color:var(--warn)}.sev-info{color:var(--muted)}
details{margin:8px 0}
summary{cursor:pointer;color:var(--accent)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px;margin:8px 0}
dl.kv dt{color:var(--muted)}
dl.kv dd{margin:0}
footer{margin-top:48px;color:var(--muted);font-size:.85rem;border-top:1px solid var(--line);padding-top:12px}
@media print{:root{--bg:#fff;--fg:#000;--muted:#444;--line:#bbb;--soft:#f3f3f3}body{font-size:10.5pt}main{max-width:none;padding:0}nav.toc{display:none}h2{break-after:avoid}figure,.card,tr{break-inside:avoid}.table-wrap{overflow:visible}summary{display:none}details>*{display:block}}
@media (max-width:640px){main{padding:16px 12px 40px}.card .value{font-size:1.2rem}th,td{padding:5px 6px}}
`.trim();

function inline(parts: Sentence): string {
  return parts
    .map((p: Inline) => {
      if (typeof p === 'string') return escapeHtml(p);
      if ('code' in p) return `<code>${escapeHtml(p.code)}</code>`;
      return `<strong>${escapeHtml(p.strong)}</strong>`;
    })
    .join('');
}

const code = (text: string | null): string => (text === null || text === '' ? '<span class="muted">—</span>' : `<code>${escapeHtml(text)}</code>`);
/** Longer ids than this wrap anywhere instead of widening their column. */
const ID_NOWRAP_CHARS = 44;
/** Ids and model names: monospace, kept on one line up to a UUID-and-some length; longer ones wrap. */
const idCode = (text: string | null): string =>
  text === null || text === ''
    ? '<span class="muted">—</span>'
    : `<code class="${[...text].length > ID_NOWRAP_CHARS ? 'id-long' : 'id'}">${escapeHtml(text)}</code>`;
const time = (iso: string | null): string => `<span class="nowrap">${escapeHtml(formatIsoMinute(iso, false))}</span>`;
const text = (value: string | null): string => (value === null || value === '' ? '<span class="muted">—</span>' : escapeHtml(value));

interface Col {
  header: string;
  num?: boolean;
}

interface Row {
  cells: string[];
  className?: string;
}

/** A table; cells are HTML already escaped by the caller. The first cell is a row header. */
function table(cols: Col[], rows: Row[], caption?: string): string {
  const head = `<thead><tr>${cols.map((c) => `<th scope="col"${c.num ? ' class="num"' : ''}>${escapeHtml(c.header)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map(
      (r) =>
        `<tr${r.className ? ` class="${escapeAttr(r.className)}"` : ''}>${r.cells
          .map((cell, i) => {
            const tag = i === 0 ? 'th scope="row"' : 'td';
            const close = i === 0 ? 'th' : 'td';
            return `<${tag}${cols[i]?.num ? ' class="num"' : ''}>${cell}</${close}>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table>${caption ? `<caption>${escapeHtml(caption)}</caption>` : ''}${head}<tbody>\n${body}\n</tbody></table></div>`;
}

function figure(svg: string, caption: string): string {
  return `<figure>${svg}<figcaption>${caption}</figcaption></figure>`;
}

function header(report: ReportJson): string {
  const { first, last } = period(report);
  const files = report.inputs.files.length;
  const meta =
    `${escapeHtml(generatedLead(report.generatedAt))} by token-econ ${escapeHtml(report.tool.version)} from ${formatInt(files)} file${files === 1 ? '' : 's'} ` +
    `(${formatInt(report.inputs.sessions)} sessions, ${formatInt(report.inputs.turns)} requests` +
    `${report.inputs.formats.length > 0 ? `; ${report.inputs.formats.map((f) => escapeHtml(f)).join(', ')}` : ''}).` +
    (first !== null ? ` Sessions from ${escapeHtml(formatIsoMinute(first))} to ${escapeHtml(formatIsoMinute(last))}.` : '') +
    ` Prices as of ${escapeHtml(report.pricing.asOf)}.`;
  return `<header><h1>token-econ report</h1><p class="sub">${meta}</p></header>`;
}

function nav(sections: Array<{ id: string; title: string }>): string {
  return `<nav class="toc" aria-label="Sections">${sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('')}</nav>`;
}

function summary(report: ReportJson): string {
  const cards = summaryFacts(report)
    .map(
      (f) =>
        `<div class="card${f.tone === 'neutral' ? '' : ` ${f.tone}`}"><div class="label">${escapeHtml(f.label)}</div><div class="value">${escapeHtml(f.value)}</div><div class="note">${inline(f.note)}</div></div>`,
    )
    .join('\n');
  const sentences = summarySentences(report)
    .map((s) => `<li>${inline(s)}</li>`)
    .join('\n');
  return `<section id="summary" aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2><div class="cards">\n${cards}\n</div><ul class="lead">\n${sentences}\n</ul></section>`;
}

/** x = turn number, y = cost; the actual series solid, simulated ones dashed. */
function curveSeries(report: ReportJson, key: 'cumulativeUsd' | 'perTurnUsd'): ChartSeries[] {
  return report.curves.series.map((s) => ({
    name: scenarioLabel(s.id),
    dashed: s.id !== 'actual',
    points: s[key].map((y, i) => ({ x: i + 1, y })),
  }));
}

function curvesBasis(report: ReportJson): Sentence {
  return report.curves.basis === 'session' && report.curves.sessionId !== null
    ? ['session ', { code: report.curves.sessionId }]
    : ['all sessions, turn n summed over sessions'];
}

function strategies(report: ReportJson): string {
  const best = cheapestStrategy(report);
  const a = report.compared.actual;
  const rows: Row[] = [
    {
      className: 'actual',
      cells: [
        escapeHtml(scenarioLabel('actual')),
        formatUsd(a.cost.totalUsd),
        '—',
        formatTokens(a.tokens.promptTokens),
        formatTokens(a.tokens.cacheReadTokens),
        formatRatio(a.cacheHitRatio),
        formatInt(a.tokens.turns),
        formatUsd(a.missCostUsd),
      ],
    },
    ...report.scenarios.map((s) => ({
      ...(best !== null && s.id === best.id ? { className: 'best' } : {}),
      cells: [
        `${escapeHtml(scenarioLabel(s.id))}${best !== null && s.id === best.id ? '<span class="tag good">cheapest</span>' : ''}`,
        formatUsd(s.totalCostUsd),
        changeCell(s.changeVsActualRatio),
        formatTokens(s.promptTokens),
        formatTokens(s.cacheReadTokens),
        formatRatio(s.cacheHitRatio),
        s.sideRequests > 0 ? `${formatInt(s.requests)} <span class="muted">(${formatInt(s.sideRequests)} side)</span>` : formatInt(s.requests),
        formatUsd(s.missCostUsd),
      ],
    })),
  ];
  const ids = ['actual', ...report.scenarios.map((s) => s.id)].filter((id, i, all) => all.indexOf(id) === i);
  const notes = ids
    .flatMap((id) => {
      const d = scenarioDescription(id);
      return d ? [`<dt>${escapeHtml(scenarioLabel(id))}</dt><dd>${escapeHtml(d)}</dd>`] : [];
    })
    .join('');
  const curves = lineChart({
    chart: 'cost-curves',
    title: 'Cumulative cost by turn',
    description: `Cumulative cost per turn for ${report.curves.series.map((s) => scenarioLabel(s.id)).join(', ') || 'no series'}`,
    xAxis: { label: 'turn', integer: true },
    yAxis: { label: 'cumulative cost (USD)', format: formatUsdCompact },
    series: curveSeries(report, 'cumulativeUsd'),
    emptyText: 'No priced turns to plot',
    width: HALF_WIDTH,
  });
  const perTurn = lineChart({
    chart: 'per-turn-cost',
    title: 'Cost of each turn',
    description: 'Cost of each turn by scenario; spikes are cache misses',
    xAxis: { label: 'turn', integer: true },
    yAxis: { label: 'cost per turn (USD)', format: formatUsdCompact },
    series: curveSeries(report, 'perTurnUsd'),
    emptyText: 'No priced turns to plot',
    width: HALF_WIDTH,
  });
  return (
    `<section id="strategies" aria-labelledby="strategies-h"><h2 id="strategies-h">Strategies</h2>` +
    (report.scenarios.length === 0 ? '<p>No strategy was simulated (nothing could be priced, or <code>--compare</code> was empty).</p>' : '') +
    table(
      [
        { header: 'Scenario' },
        { header: 'Cost', num: true },
        { header: 'vs actual', num: true },
        { header: 'Prompt tokens', num: true },
        { header: 'Cache reads', num: true },
        { header: 'Hit ratio', num: true },
        { header: 'Requests', num: true },
        { header: 'Miss cost', num: true },
      ],
      rows,
    ) +
    `<dl class="kv">${notes}</dl>` +
    (comparedNote(report.compared, report.sessions) ? `<p class="muted">${escapeHtml(comparedNote(report.compared, report.sessions) ?? '')}</p>` : '') +
    `<div class="grid2">${figure(curves, `Cumulative cost by turn (${inline(curvesBasis(report))}). Dashed lines are simulated.`)}` +
    `${figure(perTurn, `Cost of each turn (${inline(curvesBasis(report))}); spikes are cache misses and side requests.`)}</div>` +
    '</section>'
  );
}

function changeCell(ratio: number | null): string {
  const t = formatChangeRatio(ratio);
  if (ratio === null || t === '±0.0%') return t;
  return `<span class="${ratio < 0 ? 'good' : 'bad'}">${t}</span>`;
}

function misses(report: ReportJson): string {
  const m = report.misses;
  const chart = barChart({
    chart: 'miss-causes',
    title: 'Cache-miss cost by cause',
    description: m.byReason.length === 0 ? 'No cache misses' : `Extra cost of cache misses by cause: ${m.byReason.map((r) => `${reasonLabel(r.reason)} ${formatUsd(r.missCostUsd)}`).join(', ')}`,
    bars: m.byReason.map((r) => ({ label: reasonLabel(r.reason), value: r.missCostUsd, detail: `${formatInt(r.misses)} misses, ${formatTokens(r.missedTokens)} tokens` })),
    orientation: 'horizontal',
    format: formatUsd,
    valueLabel: 'extra cost beyond cache reads (USD)',
    emptyText: 'No cache misses',
    width: FULL_WIDTH,
  });
  let body: string;
  if (m.totalMisses === 0) body = '<p>No cache misses: every request that could read a cached prefix did.</p>';
  else {
    body =
      `<p>${formatInt(m.totalMisses)} requests re-paid a prefix the cache could have served, costing <strong>${formatUsd(m.totalMissCostUsd)}</strong> more than cache reads.</p>` +
      table(
        [
          { header: 'Cause' },
          { header: 'Misses', num: true },
          { header: 'Missed tokens', num: true },
          { header: 'Extra cost', num: true },
          { header: 'Share', num: true },
          { header: 'Idle gaps', num: true },
          { header: 'Why' },
        ],
        m.byReason.map((r) => ({
          cells: [
            escapeHtml(reasonLabel(r.reason)),
            formatInt(r.misses),
            formatTokens(r.missedTokens),
            formatUsd(r.missCostUsd),
            m.totalMissCostUsd > 0 ? formatRatio(r.missCostUsd / m.totalMissCostUsd) : '—',
            gapRange(r.minGapMs, r.maxGapMs),
            text(reasonDescription(r.reason)),
          ],
        })),
      );
  }
  const shown = m.byStreamModel.slice(0, HTML_LIMITS.streamModels);
  const byStream =
    shown.length === 0
      ? ''
      : `<details><summary>By stream and model (${formatInt(m.byStreamModel.length)} rows)</summary>` +
        table(
          [
            { header: 'Stream' },
            { header: 'Model' },
            { header: 'Cause' },
            { header: 'Misses', num: true },
            { header: 'Missed tokens', num: true },
            { header: 'Extra cost', num: true },
          ],
          shown.map((r) => ({ cells: [idCode(r.streamId), idCode(r.model), escapeHtml(reasonLabel(r.reason)), formatInt(r.misses), formatTokens(r.missedTokens), formatUsd(r.missCostUsd)] })),
        ) +
        (m.byStreamModel.length > shown.length ? `<p class="muted">${formatInt(m.byStreamModel.length - shown.length)} more rows in the JSON.</p>` : '') +
        '</details>';
  return `<section id="misses" aria-labelledby="misses-h"><h2 id="misses-h">Cache misses</h2>${figure(chart, 'Extra cost of the actual requests’ cache misses, by cause.')}${body}${byStream}</section>`;
}

function breakEvenTurnChart(report: ReportJson): { svg: string; caption: string } | null {
  const b = report.breakEven;
  if (!b.available || b.focusSessionId === null) return null;
  const session = report.sessions.find((s) => s.id === b.focusSessionId);
  if (!session) return null;
  const curve = b.focusCurve;
  const points = (values: readonly number[]) => values.map((y, i) => ({ x: i + 1, y }));
  // The focus curve (schema 2) whatever --requests was; a version 1 document has the session's rows.
  const transcript = curve ? points(curve.transcriptCumulativeUsd) : scenarioCurve(session, 'transcript');
  const state = curve ? points(curve.stateCumulativeUsd) : scenarioCurve(session, 'state');
  if (!transcript || !state) return null;
  const a: ChartSeries = { name: scenarioLabel('transcript'), points: transcript };
  const s: ChartSeries = { name: scenarioLabel('state'), points: state, dashed: true };
  const turn = b.focus?.breakEvenTurn ?? null;
  const y = turn === null ? null : interpolateY(s, turn);
  const svg = breakEvenChart({
    chart: 'break-even',
    title: 'Break-even: cumulative cost, state vs transcript',
    description:
      turn === null
        ? `Cumulative cost of transcript and state by turn in session ${session.id}; state never becomes cheaper`
        : `Cumulative cost of transcript and state by turn in session ${session.id}; state becomes cheaper at turn ${turn}`,
    xAxis: { label: 'turn', integer: true },
    yAxis: { label: 'cumulative cost (USD)', format: formatUsdCompact },
    a,
    b: s,
    crossover: turn === null ? null : { x: turn, y, label: `break-even at turn ${turn}` },
    noCrossoverText: 'state never becomes cheaper in this session',
    width: HALF_WIDTH,
  });
  const tail = turn === null ? 'state never drops below transcript.' : 'the marker is the break-even turn.';
  return { svg, caption: `${inline(['Session ', { code: session.id }])}: cumulative cost of the two strategies by turn; ${tail}` };
}

/** Gap-axis ticks (minutes), spaced for a log axis: 30s, 1m, 5m, 15m, 1h, 4h, 1d, 1 week. */
const GAP_TICKS_MINUTES = [0.5, 1, 5, 15, 60, 240, 1440, 10080];

/** `30s`, `5m`, `1.5h`, `1d` from minutes. */
export function formatGapMinutes(minutes: number): string {
  const r = (v: number): string => trimNumber(Math.round(v * 10) / 10);
  if (minutes < 1) return `${Math.round(minutes * 60)}s`;
  if (minutes < 60) return `${r(minutes)}m`;
  if (minutes < 1440) return `${r(minutes / 60)}h`;
  return `${r(minutes / 1440)}d`;
}

function breakEvenGapChart(report: ReportJson, chartName: string, width?: number): string {
  const g = report.breakEven.gap;
  const minutes = (ms: number): number => ms / 60_000;
  const transcript = g.points.map((p) => ({ x: minutes(p.gapMs), y: p.transcriptCostUsd }));
  const state = g.points.map((p) => ({ x: minutes(p.gapMs), y: p.stateCostUsd }));
  const a: ChartSeries = { name: scenarioLabel('transcript'), points: transcript };
  const s: ChartSeries = { name: scenarioLabel('state'), points: state, dashed: true };
  const cross = g.crossoverGapMs;
  return breakEvenChart({
    chart: chartName,
    title: 'Break-even by idle gap between turns',
    description:
      cross === null
        ? 'Total cost of transcript and state as the idle gap between turns grows; the curves do not cross'
        : `Total cost of transcript and state as the idle gap between turns grows; transcript costs more from ${formatDuration(cross)}`,
    xAxis: { label: 'idle gap between turns (log scale)', format: formatGapMinutes, log: true, ticks: GAP_TICKS_MINUTES },
    yAxis: { label: 'total cost (USD)', format: formatUsdCompact },
    a,
    b: s,
    crossover: cross === null ? null : { x: minutes(cross), y: interpolateY(a, minutes(cross)), label: `transcript costs more from ${formatDuration(cross)}` },
    noCrossoverText: g.points.length === 0 ? 'no gap sweep' : g.stateCheaperAtAllGaps ? 'state is cheaper at every gap' : 'transcript is cheaper at every gap swept',
    ...(width !== undefined ? { width } : {}),
  });
}

function breakEven(report: ReportJson): string {
  const b = report.breakEven;
  const head = '<section id="break-even" aria-labelledby="break-even-h"><h2 id="break-even-h">Break-even: state vs transcript</h2>';
  if (!b.available) {
    const empty = breakEvenChart({
      chart: 'break-even',
      title: 'Break-even: state vs transcript',
      description: 'Break-even analysis not available',
      xAxis: { label: 'turn' },
      yAxis: { label: 'cumulative cost (USD)', format: formatUsdCompact },
      a: { name: scenarioLabel('transcript'), points: [] },
      b: { name: scenarioLabel('state'), points: [] },
      crossover: null,
    });
    return `${head}<p>Not available: the break-even analysis needs both <code>transcript</code> and <code>state</code> in <code>--compare</code> and at least one priced session.</p>${figure(empty, 'No break-even analysis.')}</section>`;
  }
  const sentences = breakEvenSentences(report)
    .map((s) => `<li>${inline(s)}</li>`)
    .join('\n');
  const turnChart = breakEvenTurnChart(report);
  const charts = turnChart
    ? `<div class="grid2">${figure(turnChart.svg, turnChart.caption)}${figure(breakEvenGapChart(report, 'break-even-gap', HALF_WIDTH), 'The observed workloads re-timed with one idle gap between all turns; beyond the cache TTL transcript re-writes its whole history.')}</div>`
    : figure(breakEvenGapChart(report, 'break-even'), 'The observed workloads re-timed with one idle gap between all turns; beyond the cache TTL transcript re-writes its whole history.');
  const patterns = b.patterns.filter((p) => p.sessions > 0);
  const patternTable =
    patterns.length === 0
      ? ''
      : '<h3>By usage pattern</h3>' +
        table(
          [
            { header: 'Pattern' },
            { header: 'Sessions', num: true },
            { header: 'Turns', num: true },
            { header: 'Actual', num: true },
            { header: 'Transcript', num: true },
            { header: 'State', num: true },
            { header: 'Cheaper' },
          ],
          patterns.map((p) => ({
            cells: [
              `${escapeHtml(p.pattern)} <span class="muted">(${escapeHtml(p.criterion)})</span>`,
              formatInt(p.sessions),
              formatInt(p.turns),
              formatUsd(p.actualCostUsd),
              formatUsd(p.transcriptCostUsd),
              formatUsd(p.stateCostUsd),
              text(p.cheaper),
            ],
          })),
        );
  const sizes = b.stateSize.points;
  const sizeTable =
    sizes.length === 0
      ? ''
      : '<details><summary>State size sweep</summary>' +
        table(
          [{ header: 'State ratio' }, { header: 'State cost', num: true }, { header: 'vs transcript', num: true }],
          sizes.map((p) => ({
            cells: [
              formatRatio(p.stateRatio),
              formatUsd(p.stateCostUsd),
              changeCell(b.stateSize.transcriptCostUsd > 0 ? p.stateCostUsd / b.stateSize.transcriptCostUsd - 1 : null),
            ],
          })),
        ) +
        '</details>';
  const gapTable =
    b.gap.points.length === 0
      ? ''
      : '<details><summary>Idle-gap sweep</summary>' +
        table(
          [{ header: 'Idle gap' }, { header: 'Transcript', num: true }, { header: 'State', num: true }],
          b.gap.points.map((p) => ({ cells: [formatDuration(p.gapMs), formatUsd(p.transcriptCostUsd), formatUsd(p.stateCostUsd)] })),
        ) +
        '</details>';
  return `${head}<ul class="lead">\n${sentences}\n</ul>${charts}${patternTable}${gapTable}${sizeTable}</section>`;
}

function fleet(report: ReportJson): string {
  const f = report.fleet;
  const head = '<section id="fleet" aria-labelledby="fleet-h"><h2 id="fleet-h">Fleet projection</h2>';
  if (f.rows.length === 0 || f.observedRuns === 0) return `${head}<p>No fleet projection: no priced session to average.</p></section>`;
  const runsPerDay = f.rows[0]?.runsPerDay ?? 0;
  const overDays = fleetOverDaysColumn(f.days);
  const lead =
    `<p>${escapeHtml(trimNumber(f.agents))} agents × ${escapeHtml(trimNumber(f.runsPerDay))} runs a day with ${formatRatio(f.retryRate)} retries ` +
    `(${escapeHtml(trimNumber(runsPerDay))} runs a day), each run costing what an average observed session cost (${formatInt(f.observedRuns)} sessions).</p>`;
  return (
    head +
    lead +
    table(
      [
        { header: 'Scenario' },
        { header: 'Per run', num: true },
        { header: 'Tokens per run', num: true },
        { header: 'Per day', num: true },
        { header: 'Per month', num: true },
        ...(overDays ? [{ header: `Over ${trimNumber(f.days)} days`, num: true }] : []),
      ],
      f.rows.map((r) => ({
        ...(r.scenario === 'actual' ? { className: 'actual' } : {}),
        cells: [
          escapeHtml(scenarioLabel(r.scenario)),
          formatUsd(r.perRunCostUsd),
          formatTokens(r.tokensPerRun),
          formatUsd(r.costPerDayUsd),
          formatUsd(r.costPerMonthUsd),
          ...(overDays ? [formatUsd(r.costOverDaysUsd)] : []),
        ],
      })),
    ) +
    '</section>'
  );
}

function reported(report: ReportJson): string | null {
  const r = report.reportedVsComputed;
  if (r.summary === null) return null;
  const s = r.summary;
  return (
    '<section id="reported" aria-labelledby="reported-h"><h2 id="reported-h">Reported vs computed</h2>' +
    `<p>${formatInt(s.sessions)} session${s.sessions === 1 ? ' carries' : 's carry'} the provider’s own cost: reported ${formatUsd(s.reportedCostUsd)}, computed ${formatUsd(s.computedCostUsd)} ` +
    `(difference ${signedUsd(s.differenceUsd)}${s.hiddenCostUsd > 0 ? `; ${formatUsd(s.hiddenCostUsd)} of hidden side calls` : ''}).</p>` +
    table(
      [
        { header: 'Session' },
        { header: 'Reported', num: true },
        { header: 'Computed', num: true },
        { header: 'Difference', num: true },
        { header: 'Hidden models' },
        { header: 'Explanation' },
      ],
      r.sessions.map((x) => ({
        cells: [
          idCode(x.sessionId),
          formatUsd(x.reportedCostUsd),
          formatUsd(x.computedCostUsd),
          signedUsd(x.differenceUsd),
          x.hiddenModels.length === 0 ? '<span class="muted">—</span>' : x.hiddenModels.map((m) => code(m)).join(', '),
          text(x.explanation),
        ],
      })),
    ) +
    '</section>'
  );
}

function topTurns(report: ReportJson): string | null {
  if (report.topTurns.length === 0) return null;
  return (
    '<section id="top-turns" aria-labelledby="top-turns-h"><h2 id="top-turns-h">Most expensive requests</h2>' +
    table(
      [
        { header: 'Session' },
        { header: 'Turn', num: true },
        { header: 'Time (UTC)' },
        { header: 'Model' },
        { header: 'Prompt', num: true },
        { header: 'Output', num: true },
        { header: 'Cost', num: true },
        { header: 'Miss' },
      ],
      report.topTurns.map((t) => ({
        cells: [
          `${idCode(t.sessionId)}<div class="muted small">stream ${idCode(t.streamId)}</div>`,
          formatInt(t.index + 1),
          time(t.timestamp),
          idCode(t.model),
          formatTokens(t.promptTokens),
          formatTokens(t.outputTokens),
          formatUsd(t.costUsd),
          t.missReason === null ? '<span class="muted">—</span>' : `${escapeHtml(reasonLabel(t.missReason))} <span class="muted nowrap">(${formatUsd(t.missCostUsd)})</span>`,
        ],
      })),
    ) +
    '</section>'
  );
}

function sessions(report: ReportJson): string {
  const head = '<section id="sessions" aria-labelledby="sessions-h"><h2 id="sessions-h">Sessions</h2>';
  if (report.sessions.length === 0) return `${head}<p>No sessions.</p></section>`;
  const ids = strategyScenarios(report).map((s) => s.id);
  const sorted = [...report.sessions].sort((p, q) => q.actual.cost.totalUsd - p.actual.cost.totalUsd || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
  const cols: Col[] = [
    { header: 'Session' },
    { header: 'Turns', num: true },
    { header: 'Actual', num: true },
    ...ids.map((id) => ({ header: scenarioLabel(id), num: true })),
    { header: 'Hit ratio', num: true },
    { header: 'Break-even', num: true },
  ];
  const row = (s: ReportJson['sessions'][number]): Row => ({
    cells: [
      `${idCode(s.id)}<div class="muted small">${s.firstTimestamp === null ? '' : `${time(s.firstTimestamp)} UTC · `}${s.project === null ? '' : `${escapeHtml(s.project)} · `}${escapeHtml(s.format)}</div>`,
      formatInt(s.actual.tokens.turns),
      s.actual.pricedTurns === 0
        ? '<span class="warn">not priced</span>'
        : formatUsd(s.actual.cost.totalUsd) + (s.actual.unpricedTurns > 0 ? ' <span class="warn">(partial)</span>' : ''),
      ...ids.map((id) => {
        const sc = s.scenarios.find((x) => x.id === id);
        return sc ? formatUsd(sc.totalCostUsd) : '<span class="muted">—</span>';
      }),
      formatRatio(s.actual.cacheHitRatio),
      s.breakEven === null ? '<span class="muted">—</span>' : s.breakEven.breakEvenTurn === null ? 'never' : `turn ${formatInt(s.breakEven.breakEvenTurn)}`,
    ],
  });
  const open = sorted.slice(0, HTML_LIMITS.sessionsOpen);
  const folded = sorted.slice(HTML_LIMITS.sessionsOpen, HTML_LIMITS.sessionsMax);
  let out = head + table(cols, open.map(row), sorted.length > 1 ? 'Most expensive first.' : undefined);
  if (folded.length > 0) out += `<details><summary>${formatInt(folded.length)} more sessions</summary>${table(cols, folded.map(row))}</details>`;
  if (sorted.length > HTML_LIMITS.sessionsMax) out += `<p class="muted">${formatInt(sorted.length - HTML_LIMITS.sessionsMax)} more sessions in the JSON.</p>`;
  return `${out}</section>`;
}

function unknownModels(report: ReportJson): string | null {
  if (report.unknownModels.length === 0) return null;
  return (
    '<section id="unknown-models" aria-labelledby="unknown-models-h"><h2 id="unknown-models-h">Models without a price</h2>' +
    '<p>Their requests are counted in tokens but excluded from every cost. Add a price with <code>--price "model=ID,input=…,output=…"</code> or <code>--pricing FILE</code>.</p>' +
    table(
      [{ header: 'Model' }, { header: 'Requests', num: true }, { header: 'Prompt tokens', num: true }, { header: 'Output tokens', num: true }],
      report.unknownModels.map((u) => ({ cells: [idCode(u.model), formatInt(u.turns), formatTokens(u.promptTokens), formatTokens(u.outputTokens)] })),
    ) +
    '</section>'
  );
}

function inputs(report: ReportJson): string {
  const i = report.inputs;
  const shown = i.files.slice(0, HTML_LIMITS.files);
  return (
    '<section id="inputs" aria-labelledby="inputs-h"><h2 id="inputs-h">Inputs</h2>' +
    `<p>${formatInt(i.linesRead)} lines read: ${formatInt(i.linesCounted)} counted, ${formatInt(i.linesIgnored)} without billing data, ${formatInt(i.linesSkipped)} skipped` +
    `${i.duplicateTurnsDropped > 0 ? `; ${formatInt(i.duplicateTurnsDropped)} duplicate requests dropped` : ''}.</p>` +
    table(
      [
        { header: 'File' },
        { header: 'Format' },
        { header: 'Bytes', num: true },
        { header: 'Read', num: true },
        { header: 'Counted', num: true },
        { header: 'Ignored', num: true },
        { header: 'Skipped', num: true },
      ],
      shown.map((f) => ({
        cells: [
          code(f.file),
          `<span class="nowrap">${text(f.format)}</span>`,
          formatInt(f.bytes),
          formatInt(f.linesRead),
          formatInt(f.linesCounted),
          formatInt(f.linesIgnored),
          f.linesSkipped > 0 ? `<span class="warn">${formatInt(f.linesSkipped)}</span>` : '0',
        ],
      })),
    ) +
    (i.files.length > shown.length ? `<p class="muted">${formatInt(i.files.length - shown.length)} more files in the JSON.</p>` : '') +
    '</section>'
  );
}

function assumptions(report: ReportJson): string {
  const p = report.pricing;
  const a = report.assumptions;
  const f = report.inputs.filters;
  const filterParts: string[] = [];
  if (f.since !== null) filterParts.push(`since ${escapeHtml(f.since)}`);
  if (f.until !== null) filterParts.push(`until ${escapeHtml(f.until)}`);
  if (f.sessions.length > 0) filterParts.push(`sessions ${f.sessions.map((s) => code(s)).join(', ')}`);
  if (f.projects.length > 0) filterParts.push(`projects ${f.projects.map((s) => code(s)).join(', ')}`);
  const sim = paramPairs(a.simulation);
  const items = [
    ['Prices', `list prices from the snapshot of <strong>${escapeHtml(p.asOf)}</strong> (${escapeHtml(p.source)}); costs are what these requests would cost at those prices, not an invoice.`],
    ['Strategies', a.strategies.length > 0 ? a.strategies.map((s) => escapeHtml(scenarioLabel(s))).join(', ') : 'none'],
    ['Simulation', sim.length > 0 ? sim.map(([k, v]) => idCode(`${k}=${v}`)).join(' ') : 'defaults'],
    [
      'Miss attribution',
      `a miss re-pays at least ${formatInt(a.missAttribution.missMinTokens)} tokens and ${formatRatio(a.missAttribution.missMinRatio)} of the expected cached prefix; ` +
        `a prompt falling below ${formatRatio(a.missAttribution.compactionDropRatio)} of the previous one counts as a compaction.`,
    ],
    ['Fleet', `${escapeHtml(trimNumber(a.fleet.agents))} agents, ${escapeHtml(trimNumber(a.fleet.runsPerDay))} runs per agent a day, ${formatRatio(a.fleet.retryRate)} retries, ${escapeHtml(trimNumber(a.fleet.days))} days`],
    ['Filters', filterParts.length > 0 ? filterParts.join('; ') : 'none'],
  ];
  return (
    '<section id="assumptions" aria-labelledby="assumptions-h"><h2 id="assumptions-h">Assumptions</h2>' +
    `<dl class="kv">${items.map(([k, v]) => `<dt>${escapeHtml(k as string)}</dt><dd>${v}</dd>`).join('')}</dl>` +
    (p.models.length === 0
      ? ''
      : table(
          [{ header: 'Model (as logged)' }, { header: 'Price row' }, { header: 'Matched by' }, { header: 'Requests', num: true }],
          p.models.map((m) => ({ cells: [idCode(m.model), m.priceId === null ? '<strong class="warn">no price</strong>' : idCode(m.priceId), text(m.matchedBy), formatInt(m.turns)] })),
        )) +
    '</section>'
  );
}

function diagnostics(report: ReportJson): string {
  const d = report.diagnostics;
  const head = '<section id="diagnostics" aria-labelledby="diagnostics-h"><h2 id="diagnostics-h">Diagnostics</h2>';
  if (d.length === 0) return `${head}<p>None: every line was read.</p></section>`;
  const count = (sev: string): number => d.filter((x) => x.severity === sev).length;
  const sev = (s: string): string => `<span class="sev sev-${escapeAttr(s.replace(/[^a-z]/g, ''))}">${escapeHtml(s)}</span>`;
  const listed = d.slice(0, HTML_LIMITS.diagnosticsListed);
  return (
    head +
    `<p>${formatInt(d.length)} diagnostic${d.length === 1 ? '' : 's'}: ${formatInt(count('error'))} errors, ${formatInt(count('warning'))} warnings, ${formatInt(count('info'))} info.</p>` +
    table(
      [{ header: 'Severity' }, { header: 'Code' }, { header: 'Count', num: true }, { header: 'First at' }, { header: 'Message' }],
      diagnosticGroups(report).map((g) => ({
        cells: [sev(g.severity), idCode(g.code), formatInt(g.count), g.first.source === null ? '<span class="muted">—</span>' : code(sourceText(g.first.source)), text(g.first.message)],
      })),
    ) +
    `<details><summary>All ${formatInt(d.length)} diagnostics${d.length > listed.length ? ` (first ${formatInt(listed.length)})` : ''}</summary>` +
    table(
      [{ header: 'Where' }, { header: 'Severity' }, { header: 'Code' }, { header: 'Message' }],
      listed.map((x) => ({ cells: [x.source === null ? '<span class="muted">—</span>' : code(sourceText(x.source)), sev(x.severity), idCode(x.code), text(x.message)] })),
    ) +
    '</details></section>'
  );
}

/** Headline numbers as a JSON data block, for tools that scrape the page. */
function dataBlock(report: ReportJson): string {
  const data = {
    schemaVersion: report.schemaVersion,
    kind: 'analysis-summary',
    tool: report.tool,
    generatedAt: report.generatedAt,
    sessions: report.inputs.sessions,
    turns: report.inputs.turns,
    pricingAsOf: report.pricing.asOf,
    actualCostUsd: report.actual.cost.totalUsd,
    missCostUsd: report.misses.totalMissCostUsd,
    scenarios: report.scenarios.map((s) => ({ id: s.id, totalCostUsd: s.totalCostUsd })),
    focusSessionId: report.breakEven.focusSessionId,
  };
  return `<script type="application/json" id="token-econ-summary">${jsonForScript(data)}</script>`;
}

function pageTitle(report: ReportJson): string {
  const { first, last } = period(report);
  const span = first === null ? '' : first.slice(0, 10) === (last ?? first).slice(0, 10) ? `, ${first.slice(0, 10)}` : `, ${first.slice(0, 10)} to ${(last ?? first).slice(0, 10)}`;
  return `token-econ report: ${formatUsd(report.actual.cost.totalUsd)} over ${formatInt(report.inputs.sessions)} session${report.inputs.sessions === 1 ? '' : 's'}${span}`;
}

/** The whole report as one self-contained HTML5 document (ends with a newline). */
export function renderHtml(report: ReportJson): string {
  const parts: Array<{ id: string; title: string; html: string | null }> = [
    { id: 'summary', title: 'Summary', html: summary(report) },
    { id: 'strategies', title: 'Strategies', html: strategies(report) },
    { id: 'misses', title: 'Cache misses', html: misses(report) },
    { id: 'break-even', title: 'Break-even', html: breakEven(report) },
    { id: 'fleet', title: 'Fleet', html: fleet(report) },
    { id: 'reported', title: 'Reported vs computed', html: reported(report) },
    { id: 'top-turns', title: 'Top requests', html: topTurns(report) },
    { id: 'sessions', title: 'Sessions', html: sessions(report) },
    { id: 'unknown-models', title: 'Unknown models', html: unknownModels(report) },
    { id: 'inputs', title: 'Inputs', html: inputs(report) },
    { id: 'assumptions', title: 'Assumptions', html: assumptions(report) },
    { id: 'diagnostics', title: 'Diagnostics', html: diagnostics(report) },
  ];
  const present = parts.filter((p): p is { id: string; title: string; html: string } => p.html !== null);
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="referrer" content="no-referrer">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<meta name="generator" content="token-econ ${escapeAttr(report.tool.version)}">`,
    `<title>${escapeHtml(pageTitle(report))}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    '<main>',
    header(report),
    nav(present.map((p) => ({ id: p.id, title: p.title }))),
    ...present.map((p) => p.html),
    `<footer>Made with token-econ ${escapeHtml(report.tool.version)} from <code>token-econ analyze --json</code> (schemaVersion ${formatInt(report.schemaVersion)}). ` +
      'Costs are list prices applied to logged token counts; simulated strategies replay the same workloads under other context rules.</footer>',
    '</main>',
    dataBlock(report),
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
