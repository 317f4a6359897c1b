import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderLineChart, type LineChartSpec } from '../../src/render/chart.js';

const spec = (values: number[][]): LineChartSpec => ({
  title: 'Cost',
  series: values.map((v, i) => ({ name: `s${i}`, values: v })),
  yLabel: 'USD',
  xLabel: 'turn',
  formatY: (v) => `$${v.toFixed(2)}`,
  height: 6,
});

const plotRows = (text: string): string[] => text.split('\n').filter((l) => /[┼┤]/.test(l));

test('few points are stretched to several columns each (a step per turn), within the width', () => {
  const out = renderLineChart(spec([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]), { color: false, width: 100 });
  const rows = plotRows(out);
  assert.equal(rows.length, 7);
  const widths = rows.map((r) => r.trimEnd().length);
  // 10 points × 6 columns after the 7-character axis label.
  assert.ok(Math.max(...widths) >= 60, `plot width ${Math.max(...widths)}`);
  for (const line of out.split('\n')) assert.ok([...line].length <= 100, line);
  assert.match(out, /^ {8}1 +10 {2}turn$/m);
});

test('more points than columns are resampled and the axis says so; narrow terminals fit', () => {
  const many = Array.from({ length: 500 }, (_, i) => i);
  const out = renderLineChart(spec([many, many.map((v) => v / 2)]), { color: false, width: 60 });
  for (const line of out.split('\n')) assert.ok([...line].length <= 60, line);
  assert.match(out, /\(500 points in \d+ columns\)/);
  // Two series without colour: told apart by glyphs, named in the legend.
  assert.match(out, /─── s0 {3}━━━ s1/);
});
