/**
 * Pure SVG chart builders for the HTML report. Each returns one `<svg>`
 * element as a string: no scripts, no external fonts or references, every
 * text from the caller escaped, and deterministic output (coordinates with
 * one decimal, ids derived from the chart name), so the same input gives the
 * same bytes.
 *
 * Colours are presentation attributes (readable when the SVG stands alone)
 * with class hooks (`series-0`…, `bar`, `marker`, `axis`, `grid`) that the
 * page's CSS overrides for dark mode. Text uses `currentColor`.
 */
import { escapeAttr, escapeHtml } from './escape.js';

export interface ChartPoint {
  x: number;
  y: number;
}

export interface ChartSeries {
  /** Legend text (escaped by the builder). */
  name: string;
  points: ChartPoint[];
  /** Draw dashed (e.g. a simulated strategy next to the actual curve). */
  dashed?: boolean;
}

export interface ChartAxis {
  label: string;
  /** Tick and tooltip formatter; default: compact number. */
  format?: (value: number) => string;
  /** Ticks only on whole numbers (turn or session counts). */
  integer?: boolean;
  /** Logarithmic axis (x only): values <= 0 are not drawn. Use with `ticks`. */
  log?: boolean;
  /** Tick values to use (those inside the data range) instead of computed ones. */
  ticks?: number[];
}

/** A point to call out: a vertical guide at `x`, a dot at `(x, y)` and a label. */
export interface ChartMarker {
  x: number;
  y: number | null;
  label: string;
}

export interface LineChartSpec {
  /** `data-chart` value; also the prefix of the element ids. */
  chart: string;
  title: string;
  /** Sentence for screen readers (`aria-label` and `<desc>`); defaults to the title. */
  description?: string;
  xAxis: ChartAxis;
  yAxis: ChartAxis;
  series: ChartSeries[];
  markers?: ChartMarker[];
  /** Text shown in the plot area when there is nothing to draw. */
  emptyText?: string;
  /** Per-point `<title>` tooltips; drawn only while a series has at most `MAX_TOOLTIP_POINTS` points. */
  pointTooltips?: boolean;
  /** A remark on its own line under the legend (not over the data). */
  note?: string;
  width?: number;
  height?: number;
}

export interface BarDatum {
  label: string;
  value: number;
  /** Extra tooltip text after the formatted value. */
  detail?: string;
}

export interface BarChartSpec {
  chart: string;
  title: string;
  description?: string;
  bars: BarDatum[];
  orientation: 'horizontal' | 'vertical';
  /** Value formatter for labels and ticks; default: compact number. */
  format?: (value: number) => string;
  /** Axis label of the value axis. */
  valueLabel: string;
  emptyText?: string;
  width?: number;
}

export interface BreakEvenChartSpec {
  chart: string;
  title: string;
  description?: string;
  xAxis: ChartAxis;
  yAxis: ChartAxis;
  /** The two cumulative curves (e.g. "with caching", "without"). */
  a: ChartSeries;
  b: ChartSeries;
  /** Where the curves cross, as computed by the analysis; null when they do not within range. */
  crossover: ChartMarker | null;
  /** Shown in the plot when `crossover` is null. */
  noCrossoverText?: string;
  width?: number;
  height?: number;
}

export const CHART_WIDTH = 720;
export const CHART_HEIGHT = 340;
/** Above this many points a series gets no per-point tooltips. */
export const MAX_TOOLTIP_POINTS = 120;
/** Above this many points a series is thinned to first/min/max/last per pixel column. */
export const MAX_PATH_POINTS = 1600;

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#7F7F7F', '#000000'];

const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif";
/** Rough advance width of a 12px sans-serif character, for layout only. */
const CHAR_PX = 6.6;

/** SVG number: one decimal, no `-0`, no exponent for the coordinate range used here. */
export function svgNumber(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) || r === 0 ? '0' : String(r);
}

/** Compact number for ticks: `950`, `1.2K`, `3.4M`, `5B`, `2T`, `1.0e15`. */
export function formatCompact(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  const abs = Math.abs(v);
  const sign = v < 0 ? '-' : '';
  const units: Array<[number, string]> = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  if (abs >= 1e15) return `${sign}${abs.toExponential(1).replace('e+', 'e')}`;
  for (const [size, suffix] of units) {
    if (abs >= size) return `${sign}${trimZeros((abs / size).toFixed(abs / size >= 100 ? 0 : 1))}${suffix}`;
  }
  if (abs === 0) return '0';
  if (abs >= 100) return `${sign}${abs.toFixed(0)}`;
  if (abs >= 1) return `${sign}${trimZeros(abs.toFixed(2))}`;
  if (abs >= 0.01) return `${sign}${trimZeros(abs.toFixed(3))}`;
  return `${sign}${trimZeros(abs.toPrecision(2))}`;
}

/** Compact dollars for ticks: `$0`, `$0.05`, `$12`, `$1.5K`, `$2.3M`. */
export function formatUsdCompact(v: number): string {
  const text = formatCompact(v);
  return text.startsWith('-') ? `-$${text.slice(1)}` : `$${text}`;
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

export interface Scale {
  min: number;
  max: number;
  ticks: number[];
}

/**
 * A "nice" axis covering [lo, hi] with about `count` ticks at 1/2/2.5/5 × 10^k.
 * A degenerate range is widened (a single value v becomes [0, v], [v, 0], or [0, 1] within 1e-12 of zero).
 */
export function niceScale(lo: number, hi: number, count = 5, integer = false): Scale {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { min: 0, max: 1, ticks: [0, 1] };
  if (lo > hi) [lo, hi] = [hi, lo];
  // A span too small to divide (or zero) is treated as a single value.
  if (!(hi - lo > 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi)))) {
    const v = Math.abs(hi) >= Math.abs(lo) ? hi : lo;
    [lo, hi] = Math.abs(v) < 1e-12 ? [0, 1] : v > 0 ? [Math.min(0, lo), hi] : [lo, Math.max(0, hi)];
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  let step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10) * mag;
  if (integer) step = Math.max(1, Math.ceil(step));
  // The 1e-9 slack keeps float noise (0.30000000000000004 / 0.1) from adding an empty step;
  // it can leave the data up to 1e-9 of a step outside the nice ends, so the ends are then
  // stretched to the data: the axis always covers [lo, hi], the ticks stay nice.
  const niceMin = Math.floor(lo / step + 1e-9) * step;
  const niceMax = Math.ceil(hi / step - 1e-9) * step;
  const n = Math.round((niceMax - niceMin) / step);
  const decimals = Math.max(0, -Math.floor(Math.log10(step)) + 2);
  const ticks: number[] = [];
  for (let i = 0; i <= n; i++) ticks.push(Number((niceMin + i * step).toFixed(Math.min(20, decimals))));
  const min = Math.min(niceMin, lo);
  const max = Math.max(niceMax, hi);
  return { min, max: max === min ? min + step : max, ticks };
}

/**
 * The x axis ends where the data ends (a curve stopping short of the frame
 * reads as "stopped"); ticks outside the data are dropped, the ends kept.
 */
function tightScale(nice: Scale, xs: readonly number[]): Scale {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  if (!(hi > lo)) return nice;
  const ticks = nice.ticks.filter((t) => t >= lo && t <= hi);
  return { min: lo, max: hi, ticks: ticks.length >= 2 ? ticks : [lo, hi] };
}

/**
 * The x scale: tight to the data. On a log axis `min`/`max` are log10 of the
 * data ends while `ticks` stay in data units (the mapping function applies
 * the log), so everything that places a tick goes through the same `sx`.
 */
function xScaleFor(axis: ChartAxis, xs: readonly number[]): Scale {
  if (xs.length === 0) return niceScale(0, 1, 6);
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const given = axis.ticks?.filter((t) => t >= lo && t <= hi && (!axis.log || t > 0));
  if (axis.log) {
    const [min, max] = hi > lo ? [Math.log10(lo), Math.log10(hi)] : [Math.log10(lo) - 1, Math.log10(lo) + 1];
    return { min, max, ticks: given && given.length >= 2 ? given : hi > lo ? [lo, hi] : [lo] };
  }
  const nice = tightScale(niceScale(lo, hi, 6, axis.integer), xs);
  return given && given.length >= 2 ? { ...nice, ticks: given } : nice;
}

function finitePoints(points: readonly ChartPoint[]): ChartPoint[] {
  return points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
}

/**
 * Keeps the visual shape of a long series: per pixel column, the first,
 * lowest, highest and last point (in x order), so spikes survive.
 */
export function thinSeries(points: readonly ChartPoint[], columns: number): ChartPoint[] {
  if (points.length <= MAX_PATH_POINTS) return [...points];
  const first = points[0] as ChartPoint;
  const last = points[points.length - 1] as ChartPoint;
  const span = last.x - first.x || 1;
  const out: ChartPoint[] = [];
  let bucket: ChartPoint[] = [];
  let bucketIndex = -1;
  const flush = (): void => {
    if (bucket.length === 0) return;
    let lo = bucket[0] as ChartPoint;
    let hi = lo;
    for (const p of bucket) {
      if (p.y < lo.y) lo = p;
      if (p.y > hi.y) hi = p;
    }
    const keep = new Set([bucket[0] as ChartPoint, lo, hi, bucket[bucket.length - 1] as ChartPoint]);
    for (const p of bucket) if (keep.has(p)) out.push(p);
    bucket = [];
  };
  for (const p of points) {
    const index = Math.min(columns - 1, Math.floor(((p.x - first.x) / span) * columns));
    if (index !== bucketIndex) {
      flush();
      bucketIndex = index;
    }
    bucket.push(p);
  }
  flush();
  return out;
}

/** Linear interpolation of a series (sorted by x) at `x`; null outside its range. */
export function interpolateY(series: ChartSeries, x: number): number | null {
  const pts = finitePoints(series.points);
  for (let i = 0; i < pts.length; i++) {
    const p = pts[i] as ChartPoint;
    if (p.x === x) return p.y;
    const next = pts[i + 1];
    if (next && p.x < x && x < next.x) return p.y + ((next.y - p.y) * (x - p.x)) / (next.x - p.x);
  }
  return null;
}

function textWidth(text: string): number {
  return [...text].length * CHAR_PX;
}

function shorten(text: string, maxChars: number): string {
  const chars = [...text];
  return chars.length <= maxChars ? text : `${chars.slice(0, Math.max(1, maxChars - 1)).join('')}…`;
}

function openSvg(chart: string, width: number, height: number, title: string, description: string): string {
  const id = chartId(chart);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" data-chart="${escapeAttr(chart)}" viewBox="0 0 ${width} ${height}" ` +
    `width="${width}" height="${height}" role="img" aria-label="${escapeAttr(description)}" aria-labelledby="${id}-title ${id}-desc" ` +
    `font-family="${escapeAttr(FONT)}" font-size="12" fill="currentColor">` +
    `<title id="${id}-title">${escapeHtml(title)}</title><desc id="${id}-desc">${escapeHtml(description)}</desc>`
  );
}

/** Element ids derived from the chart name: lower-case ASCII letters, digits and dashes. */
function chartId(chart: string): string {
  const id = chart.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `chart-${id || 'x'}`;
}

function legend(series: readonly ChartSeries[], x0: number, y0: number, maxWidth: number): { svg: string; height: number } {
  if (series.length === 0) return { svg: '', height: 0 };
  let x = x0;
  let y = y0;
  const parts: string[] = [];
  series.forEach((s, i) => {
    const name = shorten(s.name, 48);
    const w = 28 + textWidth(name) + 18;
    if (x > x0 && x + w > x0 + maxWidth) {
      x = x0;
      y += 18;
    }
    const color = SERIES_COLORS[i % SERIES_COLORS.length] as string;
    parts.push(
      `<g class="legend-item series-${i % SERIES_COLORS.length}">` +
        `<line x1="${svgNumber(x)}" y1="${svgNumber(y - 4)}" x2="${svgNumber(x + 22)}" y2="${svgNumber(y - 4)}" stroke="${color}" stroke-width="3"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
        `<text x="${svgNumber(x + 28)}" y="${svgNumber(y)}">${escapeHtml(name)}</text></g>`,
    );
    x += w;
  });
  return { svg: `<g class="legend">${parts.join('')}</g>`, height: y - y0 + 18 };
}

interface Frame {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function xTicksFor(scale: Scale, plotWidth: number, format: (v: number) => string): number[] {
  const widest = Math.max(...scale.ticks.map((t) => textWidth(format(t))), 1);
  const fit = Math.max(2, Math.floor(plotWidth / (widest + 16)));
  if (scale.ticks.length <= fit) return scale.ticks;
  const every = Math.ceil(scale.ticks.length / fit);
  return scale.ticks.filter((_, i) => i % every === 0);
}

/** Multi-series line chart (cumulative cost curves, per-turn cost). */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? CHART_WIDTH;
  const height = spec.height ?? CHART_HEIGHT;
  const fx = spec.xAxis.format ?? formatCompact;
  const fy = spec.yAxis.format ?? formatCompact;
  const onAxis = (x: number): boolean => Number.isFinite(x) && (!spec.xAxis.log || x > 0);
  const series = spec.series.map((s) => ({ ...s, points: finitePoints(s.points).filter((p) => onAxis(p.x)).sort((a, b) => a.x - b.x) }));
  const all = series.flatMap((s) => s.points);
  const markers = (spec.markers ?? []).filter((m) => onAxis(m.x));
  const xs = [...all.map((p) => p.x), ...markers.map((m) => m.x)];
  const ys = [0, ...all.map((p) => p.y), ...markers.flatMap((m) => (m.y !== null && Number.isFinite(m.y) ? [m.y] : []))];
  const xScale = xScaleFor(spec.xAxis, xs);
  const yScale = niceScale(Math.min(...ys), Math.max(...ys), 5);

  const yLabelWidth = Math.max(...yScale.ticks.map((t) => textWidth(fy(t))));
  const titleBlock = 30;
  const leg = legend(series, 56, titleBlock + 14, width - 72);
  const noteHeight = spec.note ? 18 : 0;
  const frame: Frame = {
    left: Math.max(48, Math.ceil(yLabelWidth) + 30),
    right: width - 20,
    top: titleBlock + leg.height + noteHeight + 14,
    bottom: height - 46,
  };
  const tx = spec.xAxis.log ? Math.log10 : (x: number): number => x;
  const sx = (x: number): number => frame.left + ((tx(x) - xScale.min) / (xScale.max - xScale.min)) * (frame.right - frame.left);
  const sy = (y: number): number => frame.bottom - ((y - yScale.min) / (yScale.max - yScale.min)) * (frame.bottom - frame.top);

  const out: string[] = [openSvg(spec.chart, width, height, spec.title, spec.description ?? spec.title)];
  out.push(`<text class="chart-title" x="16" y="22" font-size="15" font-weight="600">${escapeHtml(spec.title)}</text>`);
  out.push(axes(frame, xScale, yScale, sx, sy, fx, fy, spec.xAxis.label, spec.yAxis.label, height));
  out.push(leg.svg);
  if (spec.note) {
    out.push(
      `<text class="chart-note" x="56" y="${svgNumber(titleBlock + 14 + leg.height + 2)}" font-style="italic" fill-opacity="0.75">${escapeHtml(shorten(spec.note, Math.floor((width - 72) / CHAR_PX)))}</text>`,
    );
  }

  if (all.length === 0) {
    out.push(emptyNote(frame, spec.emptyText ?? 'No data'));
  }
  const columns = Math.max(1, Math.round(frame.right - frame.left));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = SERIES_COLORS[i % SERIES_COLORS.length] as string;
    const pts = thinSeries(s.points, columns);
    const d = pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${svgNumber(sx(p.x))} ${svgNumber(sy(p.y))}`).join('');
    const parts = [
      `<g class="series series-${i % SERIES_COLORS.length}" data-series="${escapeAttr(s.name)}">`,
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2" stroke-linejoin="round" stroke-linecap="round"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
    ];
    const tooltips = (spec.pointTooltips ?? true) && s.points.length <= MAX_TOOLTIP_POINTS;
    if (tooltips || s.points.length === 1) {
      for (const p of s.points) {
        parts.push(
          `<circle cx="${svgNumber(sx(p.x))}" cy="${svgNumber(sy(p.y))}" r="${s.points.length === 1 ? 4 : 2.5}" fill="${color}">` +
            `<title>${escapeHtml(`${s.name}: ${fx(p.x)} → ${fy(p.y)}`)}</title></circle>`,
        );
      }
    }
    parts.push('</g>');
    out.push(parts.join(''));
  });
  for (const m of markers) out.push(marker(m, frame, sx, sy, fx, fy));
  out.push('</svg>');
  return out.join('\n');
}

function axes(
  frame: Frame,
  xScale: Scale,
  yScale: Scale,
  sx: (x: number) => number,
  sy: (y: number) => number,
  fx: (v: number) => string,
  fy: (v: number) => string,
  xLabel: string,
  yLabel: string,
  height: number,
): string {
  const parts: string[] = ['<g class="grid" stroke="#8a8a8a" stroke-opacity="0.25" stroke-width="1">'];
  for (const t of yScale.ticks) {
    const y = svgNumber(sy(t));
    parts.push(`<line x1="${svgNumber(frame.left)}" y1="${y}" x2="${svgNumber(frame.right)}" y2="${y}"/>`);
  }
  parts.push('</g><g class="axis" stroke="currentColor" stroke-opacity="0.6" stroke-width="1">');
  parts.push(
    `<line x1="${svgNumber(frame.left)}" y1="${svgNumber(frame.bottom)}" x2="${svgNumber(frame.right)}" y2="${svgNumber(frame.bottom)}"/>`,
    `<line x1="${svgNumber(frame.left)}" y1="${svgNumber(frame.top)}" x2="${svgNumber(frame.left)}" y2="${svgNumber(frame.bottom)}"/>`,
  );
  const xTicks = xTicksFor(xScale, frame.right - frame.left, fx);
  for (const t of xTicks) {
    const x = svgNumber(sx(t));
    parts.push(`<line x1="${x}" y1="${svgNumber(frame.bottom)}" x2="${x}" y2="${svgNumber(frame.bottom + 5)}"/>`);
  }
  parts.push('</g><g class="tick-labels" font-size="11" fill-opacity="0.85">');
  for (const t of yScale.ticks) {
    parts.push(`<text x="${svgNumber(frame.left - 8)}" y="${svgNumber(sy(t) + 4)}" text-anchor="end">${escapeHtml(fy(t))}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<text x="${svgNumber(sx(t))}" y="${svgNumber(frame.bottom + 18)}" text-anchor="middle">${escapeHtml(fx(t))}</text>`);
  }
  parts.push('</g>');
  parts.push(
    `<text class="axis-label" x="${svgNumber((frame.left + frame.right) / 2)}" y="${svgNumber(height - 10)}" text-anchor="middle">${escapeHtml(xLabel)}</text>`,
    `<text class="axis-label" x="16" y="${svgNumber((frame.top + frame.bottom) / 2)}" text-anchor="middle" transform="rotate(-90 16 ${svgNumber((frame.top + frame.bottom) / 2)})">${escapeHtml(yLabel)}</text>`,
  );
  return parts.join('');
}

function emptyNote(frame: Frame, text: string): string {
  return `<text class="empty-note" x="${svgNumber((frame.left + frame.right) / 2)}" y="${svgNumber((frame.top + frame.bottom) / 2)}" text-anchor="middle" font-style="italic" fill-opacity="0.7">${escapeHtml(text)}</text>`;
}

function marker(
  m: ChartMarker,
  frame: Frame,
  sx: (x: number) => number,
  sy: (y: number) => number,
  fx: (v: number) => string,
  fy: (v: number) => string,
): string {
  const x = sx(m.x);
  const parts = [
    `<g class="marker" data-x="${escapeAttr(String(m.x))}">`,
    `<line x1="${svgNumber(x)}" y1="${svgNumber(frame.top)}" x2="${svgNumber(x)}" y2="${svgNumber(frame.bottom)}" stroke="currentColor" stroke-opacity="0.55" stroke-dasharray="3 3"/>`,
  ];
  const hasY = m.y !== null && Number.isFinite(m.y);
  if (hasY) {
    parts.push(
      `<circle cx="${svgNumber(x)}" cy="${svgNumber(sy(m.y as number))}" r="5.5" fill="none" stroke="currentColor" stroke-width="2">` +
        `<title>${escapeHtml(`${m.label}: ${fx(m.x)} → ${fy(m.y as number)}`)}</title></circle>`,
    );
  }
  const label = shorten(m.label, 60);
  const w = textWidth(label);
  const rightSide = x + 8 + w <= frame.right;
  const tx = rightSide ? x + 8 : x - 8;
  parts.push(
    `<text class="marker-label" x="${svgNumber(tx)}" y="${svgNumber(frame.top + 14)}" text-anchor="${rightSide ? 'start' : 'end'}" font-weight="600">${escapeHtml(label)}</text>`,
  );
  parts.push('</g>');
  return parts.join('');
}

/** Horizontal or vertical bar chart (miss causes by dollars). Bars keep the given order. */
export function barChart(spec: BarChartSpec): string {
  const format = spec.format ?? formatCompact;
  const bars = spec.bars.map((b) => ({ ...b, value: Number.isFinite(b.value) ? b.value : 0 }));
  const values = bars.map((b) => b.value);
  const scale = niceScale(Math.min(0, ...values), Math.max(0, ...values), 5);
  return spec.orientation === 'horizontal' ? horizontalBars(spec, bars, scale, format) : verticalBars(spec, bars, scale, format);
}

function barTooltip(b: BarDatum, format: (v: number) => string): string {
  return `<title>${escapeHtml(`${b.label}: ${format(b.value)}${b.detail ? ` (${b.detail})` : ''}`)}</title>`;
}

function horizontalBars(spec: BarChartSpec, bars: BarDatum[], scale: Scale, format: (v: number) => string): string {
  const width = spec.width ?? CHART_WIDTH;
  const rowHeight = 28;
  const labels = bars.map((b) => shorten(b.label, 26));
  const labelWidth = Math.min(200, Math.max(60, ...labels.map(textWidth)));
  const valueWidth = Math.max(50, ...bars.map((b) => textWidth(format(b.value))));
  const top = 46;
  const height = top + Math.max(1, bars.length) * rowHeight + 46;
  const frame: Frame = { left: 16 + labelWidth + 10, right: width - 16 - valueWidth - 8, top, bottom: top + Math.max(1, bars.length) * rowHeight };
  const sx = (v: number): number => frame.left + ((v - scale.min) / (scale.max - scale.min)) * (frame.right - frame.left);
  const out: string[] = [openSvg(spec.chart, width, height, spec.title, spec.description ?? spec.title)];
  out.push(`<text class="chart-title" x="16" y="22" font-size="15" font-weight="600">${escapeHtml(spec.title)}</text>`);
  out.push('<g class="grid" stroke="#8a8a8a" stroke-opacity="0.25" stroke-width="1">');
  for (const t of scale.ticks) out.push(`<line x1="${svgNumber(sx(t))}" y1="${svgNumber(frame.top)}" x2="${svgNumber(sx(t))}" y2="${svgNumber(frame.bottom)}"/>`);
  out.push('</g><g class="tick-labels" font-size="11" fill-opacity="0.85">');
  for (const t of xTicksFor(scale, frame.right - frame.left, format)) {
    out.push(`<text x="${svgNumber(sx(t))}" y="${svgNumber(frame.bottom + 18)}" text-anchor="middle">${escapeHtml(format(t))}</text>`);
  }
  out.push('</g>');
  out.push(`<text class="axis-label" x="${svgNumber((frame.left + frame.right) / 2)}" y="${svgNumber(height - 10)}" text-anchor="middle">${escapeHtml(spec.valueLabel)}</text>`);
  if (bars.length === 0) out.push(emptyNote(frame, spec.emptyText ?? 'No data'));
  const zero = sx(0);
  bars.forEach((b, i) => {
    const y = frame.top + i * rowHeight;
    const x1 = Math.min(zero, sx(b.value));
    const w = Math.abs(sx(b.value) - zero);
    const end = b.value >= 0 ? zero + w : zero;
    out.push(
      `<g class="bar-row" data-label="${escapeAttr(b.label)}">` +
        `<text x="${svgNumber(frame.left - 10)}" y="${svgNumber(y + rowHeight / 2 + 4)}" text-anchor="end">${escapeHtml(labels[i] as string)}</text>` +
        `<rect class="bar" x="${svgNumber(x1)}" y="${svgNumber(y + 5)}" width="${svgNumber(w)}" height="${rowHeight - 10}" rx="2" fill="${SERIES_COLORS[0]}">${barTooltip(b, format)}</rect>` +
        `<text class="bar-value" x="${svgNumber(end + 6)}" y="${svgNumber(y + rowHeight / 2 + 4)}">${escapeHtml(format(b.value))}</text></g>`,
    );
  });
  out.push(
    `<line class="axis" x1="${svgNumber(zero)}" y1="${svgNumber(frame.top)}" x2="${svgNumber(zero)}" y2="${svgNumber(frame.bottom)}" stroke="currentColor" stroke-opacity="0.6"/>`,
  );
  out.push('</svg>');
  return out.join('\n');
}

function verticalBars(spec: BarChartSpec, bars: BarDatum[], scale: Scale, format: (v: number) => string): string {
  const width = spec.width ?? CHART_WIDTH;
  const height = CHART_HEIGHT;
  const yLabelWidth = Math.max(...scale.ticks.map((t) => textWidth(format(t))));
  const frame: Frame = { left: Math.max(48, Math.ceil(yLabelWidth) + 30), right: width - 16, top: 46, bottom: height - 64 };
  const sy = (v: number): number => frame.bottom - ((v - scale.min) / (scale.max - scale.min)) * (frame.bottom - frame.top);
  const slot = (frame.right - frame.left) / Math.max(1, bars.length);
  const barWidth = Math.min(64, slot * 0.7);
  const maxChars = Math.max(4, Math.floor(slot / CHAR_PX));
  const out: string[] = [openSvg(spec.chart, width, height, spec.title, spec.description ?? spec.title)];
  out.push(`<text class="chart-title" x="16" y="22" font-size="15" font-weight="600">${escapeHtml(spec.title)}</text>`);
  out.push('<g class="grid" stroke="#8a8a8a" stroke-opacity="0.25" stroke-width="1">');
  for (const t of scale.ticks) out.push(`<line x1="${svgNumber(frame.left)}" y1="${svgNumber(sy(t))}" x2="${svgNumber(frame.right)}" y2="${svgNumber(sy(t))}"/>`);
  out.push('</g><g class="tick-labels" font-size="11" fill-opacity="0.85">');
  for (const t of scale.ticks) out.push(`<text x="${svgNumber(frame.left - 8)}" y="${svgNumber(sy(t) + 4)}" text-anchor="end">${escapeHtml(format(t))}</text>`);
  out.push('</g>');
  const mid = svgNumber((frame.top + frame.bottom) / 2);
  out.push(`<text class="axis-label" x="16" y="${mid}" text-anchor="middle" transform="rotate(-90 16 ${mid})">${escapeHtml(spec.valueLabel)}</text>`);
  if (bars.length === 0) out.push(emptyNote(frame, spec.emptyText ?? 'No data'));
  const zero = sy(0);
  bars.forEach((b, i) => {
    const cx = frame.left + slot * (i + 0.5);
    const y1 = Math.min(zero, sy(b.value));
    const h = Math.abs(sy(b.value) - zero);
    out.push(
      `<g class="bar-row" data-label="${escapeAttr(b.label)}">` +
        `<rect class="bar" x="${svgNumber(cx - barWidth / 2)}" y="${svgNumber(y1)}" width="${svgNumber(barWidth)}" height="${svgNumber(h)}" rx="2" fill="${SERIES_COLORS[0]}">${barTooltip(b, format)}</rect>` +
        `<text class="bar-value" x="${svgNumber(cx)}" y="${svgNumber(y1 - 6)}" text-anchor="middle" font-size="11">${escapeHtml(format(b.value))}</text>` +
        `<text x="${svgNumber(cx)}" y="${svgNumber(frame.bottom + 18)}" text-anchor="middle">${escapeHtml(shorten(b.label, maxChars))}</text></g>`,
    );
  });
  out.push(
    `<line class="axis" x1="${svgNumber(frame.left)}" y1="${svgNumber(zero)}" x2="${svgNumber(frame.right)}" y2="${svgNumber(zero)}" stroke="currentColor" stroke-opacity="0.6"/>`,
  );
  out.push('</svg>');
  return out.join('\n');
}

/** Two cumulative curves and the point where they cross (or a note that they do not). */
export function breakEvenChart(spec: BreakEvenChartSpec): string {
  const markers = spec.crossover ? [spec.crossover] : [];
  const empty = spec.a.points.length + spec.b.points.length === 0;
  return lineChart({
    chart: spec.chart,
    title: spec.title,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    xAxis: spec.xAxis,
    yAxis: spec.yAxis,
    series: [spec.a, spec.b],
    markers,
    ...(spec.crossover || empty ? {} : { note: spec.noCrossoverText ?? 'The curves do not cross in this range' }),
    ...(spec.width !== undefined ? { width: spec.width } : {}),
    ...(spec.height !== undefined ? { height: spec.height } : {}),
  });
}
