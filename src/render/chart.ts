import asciichart from 'asciichart';
import { Chalk } from 'chalk';
import type { RenderOptions } from './options.js';

export interface ChartSeries {
  name: string;
  values: readonly number[];
}

export interface LineChartSpec {
  title: string;
  series: ChartSeries[];
  /** Label of the value axis, e.g. `USD, cumulative`. */
  yLabel: string;
  /** Label of the horizontal axis, e.g. `turn`. */
  xLabel: string;
  /** Formats y-axis tick values. */
  formatY: (value: number) => string;
  /** Plot height in rows (default 12). */
  height?: number;
  /**
   * How to squeeze more points than columns: `last` keeps the last value of
   * each bucket (cumulative series), `max` the largest (spiky per-turn costs).
   */
  resample?: 'last' | 'max';
  /** First x value (default 1: turns are 1-based in the output). */
  xStart?: number;
}

const COLOURS = ['blue', 'green', 'yellow', 'magenta', 'cyan', 'red'] as const;
const ANSI: Record<(typeof COLOURS)[number], string> = {
  blue: asciichart.blue,
  green: asciichart.green,
  yellow: asciichart.yellow,
  magenta: asciichart.magenta,
  cyan: asciichart.cyan,
  red: asciichart.red,
};

/**
 * Without colour, series are told apart by their line style, one glyph set
 * per series (light, heavy, double, dotted, ascii, stars).
 */
const GLYPHS: Record<string, string>[] = [
  {},
  { '─': '━', '│': '┃', '╭': '┏', '╮': '┓', '╰': '┗', '╯': '┛' },
  { '─': '═', '│': '║', '╭': '╔', '╮': '╗', '╰': '╚', '╯': '╝' },
  { '─': '┄', '│': '┆', '╭': '┌', '╮': '┐', '╰': '└', '╯': '┘' },
  { '─': '-', '│': '|', '╭': '.', '╮': '.', '╰': "'", '╯': "'" },
  { '─': '*', '│': '*', '╭': '*', '╮': '*', '╰': '*', '╯': '*' },
];
const LEGEND_LINE = ['───', '━━━', '═══', '┄┄┄', '---', '***'];

/** Renders one or more series as an asciichart line chart with title, axes labels and legend. */
export function renderLineChart(spec: LineChartSpec, options: RenderOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const series = spec.series.filter((s) => s.values.length > 0).slice(0, COLOURS.length);
  if (series.length === 0) return `${spec.title}\n  (no data)`;
  const n = Math.max(...series.map((s) => s.values.length));
  const all = series.flatMap((s) => s.values.filter(Number.isFinite));
  const min = Math.min(0, ...all);
  const max = Math.max(...all);
  const labelWidth = Math.max(spec.formatY(min).length, spec.formatY(max).length) + 1;
  // The x axis line (labels, then "  " + the axis name) must fit the width too.
  const plotWidth = Math.max(10, options.width - labelWidth - 4 - spec.xLabel.length);
  const columns = Math.min(n, plotWidth);
  // Few points: each gets several columns (a step per turn) so a 10-turn
  // chart is not 10 characters wide; at most MAX_STRETCH, up to STRETCH_WIDTH.
  const stretch = n < columns || n * 2 <= Math.min(plotWidth, STRETCH_WIDTH) ? Math.max(1, Math.min(MAX_STRETCH, Math.floor(Math.min(plotWidth, STRETCH_WIDTH) / n))) : 1;
  const sampled = series.map((s) => stretchValues(resample(s.values, n, columns, spec.resample ?? 'last'), stretch));
  const drawnColumns = columns * stretch;
  const height = spec.height ?? 12;
  const raw = asciichart.plot(sampled, {
    height: max === min ? 1 : height,
    min,
    max: max === min ? min + 1 : max,
    colors: series.map((_, i) => ANSI[COLOURS[i] ?? 'blue']),
    padding: ' '.repeat(labelWidth),
    format: (x: number) => spec.formatY(x).padStart(labelWidth),
  });
  const plot = options.color ? raw : decolour(raw);
  const axisPad = ' '.repeat(labelWidth + 1);
  const xStart = spec.xStart ?? 1;
  const xEnd = xStart + n - 1;
  const startLabel = String(xStart);
  const endLabel = String(xEnd);
  const gap = Math.max(1, drawnColumns - startLabel.length - endLabel.length + 1);
  const resampledNote = n > columns ? `(${n} points in ${columns} columns)` : '';
  let xAxis = `${axisPad}${startLabel}${' '.repeat(gap)}${endLabel}  ${spec.xLabel}`;
  if (resampledNote !== '') xAxis += xAxis.length + 1 + resampledNote.length <= options.width ? ` ${resampledNote}` : `\n${axisPad}${resampledNote}`;
  const legend = series
    .map((s, i) => {
      const line = options.color ? chalk[COLOURS[i] ?? 'blue'](LEGEND_LINE[0]) : (LEGEND_LINE[i] ?? '───');
      return `${line} ${s.name}`;
    })
    .join('   ');
  return [chalk.bold(spec.title), `${axisPad}${spec.yLabel}`, plot, xAxis, `${axisPad}${legend}`].join('\n');
}

const MAX_STRETCH = 6;
const STRETCH_WIDTH = 72;

function stretchValues(values: number[], k: number): number[] {
  if (k <= 1) return values;
  const out: number[] = [];
  for (const v of values) for (let i = 0; i < k; i++) out.push(v);
  return out;
}

function resample(values: readonly number[], n: number, columns: number, mode: 'last' | 'max'): number[] {
  // Pad shorter series with their last value so all share the x axis.
  const padded = values.length === n ? values : [...values, ...Array<number>(n - values.length).fill(values[values.length - 1] ?? 0)];
  if (n <= columns) return padded.map((v) => (Number.isFinite(v) ? v : 0));
  const out: number[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * n) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * n) / columns));
    let v = mode === 'max' ? -Infinity : 0;
    for (let i = from; i < to; i++) {
      const x = padded[i] ?? 0;
      v = mode === 'max' ? Math.max(v, x) : x;
    }
    out.push(Number.isFinite(v) ? v : 0);
  }
  return out;
}

// eslint-disable-next-line no-control-regex
const COLOURED_CHAR = /\x1b\[(\d+)m(.)\x1b\[0m/gu;
const CODE_TO_SERIES = new Map<string, number>(
  COLOURS.map((c, i) => [ANSI[c].replace(/\D/g, '').slice(0), i] as const),
);

function decolour(text: string): string {
  return text.replace(COLOURED_CHAR, (_m, code: string, ch: string) => {
    const index = CODE_TO_SERIES.get(code) ?? 0;
    return GLYPHS[index]?.[ch] ?? ch;
  });
}
