import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  barChart,
  breakEvenChart,
  formatCompact,
  formatUsdCompact,
  interpolateY,
  lineChart,
  MAX_PATH_POINTS,
  niceScale,
  svgNumber,
  thinSeries,
  type ChartPoint,
  type LineChartSpec,
} from '../../src/render/svg.js';

function spec(series: LineChartSpec['series'], extra: Partial<LineChartSpec> = {}): LineChartSpec {
  return {
    chart: 'cost-curves',
    title: 'Cumulative cost',
    xAxis: { label: 'turn', integer: true },
    yAxis: { label: 'USD', format: formatUsdCompact },
    series,
    ...extra,
  };
}

/** The `d` attributes of the series paths, in order. */
function paths(svg: string): string[] {
  return [...svg.matchAll(/<g class="series[^"]*"[^>]*>\s*<path d="([^"]*)"/g)].map((m) => m[1] as string);
}

function coords(d: string): Array<[number, number]> {
  return [...d.matchAll(/[ML](-?[\d.]+) (-?[\d.]+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
}

/** Well-formedness check: every tag opened is closed in order (enough for generated markup). */
function assertBalanced(svg: string): void {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z][\w-]*)([^>]*?)(\/?)>/g)) {
    const [, close, name, , selfClose] = m;
    if (selfClose) continue;
    if (close) assert.equal(stack.pop(), name, `unbalanced </${name}>`);
    else stack.push(name as string);
  }
  assert.deepEqual(stack, []);
}

test('a known series gives known path coordinates (layout 720x340, one legend row)', () => {
  const svg = lineChart(spec([{ name: 'a', points: [{ x: 10, y: 100 }, { x: 0, y: 0 }, { x: 5, y: 50 }] }]));
  // y ticks $0..$100 step 20: widest label 4 chars x 6.6 px -> left = ceil(26.4) + 30 = 57; right = 720 - 20;
  // top = 30 title + 18 legend + 14; bottom = 340 - 46. x 0..10, so x=5 sits at (57 + 700) / 2.
  assert.deepEqual(paths(svg), ['M57 294L378.5 178L700 62']);
  assert.match(svg, /data-chart="cost-curves"/);
  assert.match(svg, /role="img"/);
  assert.match(svg, /aria-label="Cumulative cost"/);
  for (const label of ['$0', '$20', '$100']) assert.ok(svg.includes(`>${label}</text>`), label);
  for (const label of ['>0<', '>2<', '>10<']) assert.ok(svg.includes(label), label);
  assertBalanced(svg);
});

test('two series share one scale; the legend names both; dashed series are dashed', () => {
  const svg = lineChart(
    spec([
      { name: 'actual', points: [{ x: 0, y: 0 }, { x: 10, y: 200 }] },
      { name: 'no cache', points: [{ x: 0, y: 0 }, { x: 10, y: 100 }], dashed: true },
    ]),
  );
  const [a, b] = paths(svg).map(coords);
  assert.ok(a && b);
  assert.equal(a[1]?.[0], b[1]?.[0], 'same x');
  const bottom = a[0]?.[1] as number;
  const topA = a[1]?.[1] as number;
  const topB = b[1]?.[1] as number;
  assert.ok(Math.abs(bottom - topB - (bottom - topA) / 2) <= 0.1, 'half the value is half the height');
  assert.match(svg, />actual<\/text>/);
  assert.match(svg, />no cache<\/text>/);
  assert.equal((svg.match(/<path [^>]*stroke-dasharray/g) ?? []).length, 1);
});

test('empty chart: axes, a "No data" note, no series path, still a valid chart', () => {
  for (const series of [[], [{ name: 'x', points: [] }], [{ name: 'x', points: [{ x: Number.NaN, y: 1 }] }]]) {
    const svg = lineChart(spec(series, { emptyText: 'No sessions' }));
    assert.deepEqual(paths(svg), []);
    assert.match(svg, />No sessions<\/text>/);
    assert.match(svg, /data-chart="cost-curves"/);
    assert.ok(!/NaN|Infinity|undefined/.test(svg), svg);
    assertBalanced(svg);
  }
});

test('single point: drawn as a visible dot inside the plot', () => {
  const svg = lineChart(spec([{ name: 'one', points: [{ x: 3, y: 7 }] }]));
  const [d] = paths(svg);
  assert.equal(coords(d as string).length, 1);
  const circle = /<circle cx="([\d.]+)" cy="([\d.]+)" r="4"/.exec(svg);
  assert.ok(circle, 'a dot marks the single point');
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('all-zero values: a flat line on the baseline, no division by zero', () => {
  const svg = lineChart(spec([{ name: 'zero', points: [0, 1, 2, 3].map((x) => ({ x, y: 0 })) }]));
  const pts = coords(paths(svg)[0] as string);
  assert.equal(new Set(pts.map((p) => p[1])).size, 1);
  assert.equal(pts[0]?.[1], 294);
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('huge values: compact tick labels, finite coordinates inside the viewBox', () => {
  const svg = lineChart(spec([{ name: 'big', points: [{ x: 0, y: 0 }, { x: 1e6, y: 3.2e14 }, { x: 2e6, y: 9.9e17 }] }]));
  assert.ok(!/NaN|Infinity|e\+\d+ /.test(paths(svg).join(' ')));
  for (const [x, y] of coords(paths(svg)[0] as string)) {
    assert.ok(x >= 0 && x <= 720 && y >= 0 && y <= 340, `${x},${y}`);
  }
  assert.match(svg, />\$1\.0e18</);
  assert.match(svg, />2M</);
});

test('negative values extend the axis below zero', () => {
  const svg = lineChart(spec([{ name: 'savings', points: [{ x: 0, y: -50 }, { x: 1, y: 100 }] }]));
  assert.match(svg, />-\$50</);
  const pts = coords(paths(svg)[0] as string);
  assert.equal(pts[0]?.[1], 294, 'the minimum sits on the bottom edge');
});

test('long series are thinned but keep their extremes', () => {
  const points: ChartPoint[] = Array.from({ length: 20_000 }, (_, i) => ({ x: i, y: i === 12_345 ? 1000 : i % 7 }));
  const thin = thinSeries(points, 600);
  assert.ok(thin.length < MAX_PATH_POINTS * 2 && thin.length < points.length / 4, String(thin.length));
  assert.ok(thin.some((p) => p.y === 1000), 'spike kept');
  assert.deepEqual(thin[0], points[0]);
  assert.deepEqual(thin[thin.length - 1], points[points.length - 1]);
  const svg = lineChart(spec([{ name: 'per turn', points }]));
  assert.ok(!svg.includes('<circle'), 'no per-point tooltips on long series');
  assert.ok(svg.length < 200_000, String(svg.length));
});

test('tooltips per point carry the series name and both formatted values', () => {
  const svg = lineChart(spec([{ name: 'actual', points: [{ x: 1, y: 0.5 }, { x: 2, y: 1.25 }] }]));
  assert.match(svg, /<title>actual: 2 → \$1\.25<\/title>/);
  const none = lineChart(spec([{ name: 'actual', points: [{ x: 1, y: 0.5 }, { x: 2, y: 1.25 }] }], { pointTooltips: false }));
  assert.ok(!none.includes('<circle'));
});

test('every caller string is escaped, ids are sanitised', () => {
  const evil = '</svg><img src=x onerror=alert(1)>"\'&';
  const svg = lineChart({
    ...spec([{ name: evil, points: [{ x: 0, y: 1 }, { x: 1, y: 2 }] }]),
    chart: `x" onload="alert(1)`,
    title: evil,
    description: evil,
    xAxis: { label: evil },
    yAxis: { label: evil },
    markers: [{ x: 1, y: 2, label: evil }],
  });
  assert.ok(!svg.includes('<img'), svg);
  assert.ok(!svg.includes('" onload="'), 'attribute breakout');
  assert.ok(!/<\/svg>[\s\S]*<\/svg>/.test(svg), 'only one closing tag');
  assert.match(svg, /id="chart-x-onload-alert-1-title"/);
  const bars = barChart({ chart: 'miss-causes', title: evil, bars: [{ label: evil, value: 1, detail: evil }], orientation: 'horizontal', valueLabel: evil });
  assert.ok(!bars.includes('<img'));
  assertBalanced(svg);
  assertBalanced(bars);
});

test('output is deterministic', () => {
  const make = (): string => lineChart(spec([{ name: 'a', points: [{ x: 0, y: 0.1 }, { x: 1, y: 0.2 }, { x: 2, y: 0.30000000000000004 }] }]));
  assert.equal(make(), make());
});

test('horizontal bars: lengths proportional to values, labels and values shown', () => {
  const svg = barChart({
    chart: 'miss-causes',
    title: 'Miss cost by cause',
    bars: [
      { label: 'ttl-expired', value: 4 },
      { label: 'cold-start', value: 2 },
      { label: 'compaction', value: 0 },
    ],
    orientation: 'horizontal',
    format: formatUsdCompact,
    valueLabel: 'USD',
  });
  const widths = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.equal(widths.length, 3);
  assert.ok(Math.abs((widths[0] as number) - 2 * (widths[1] as number)) <= 0.2, String(widths));
  assert.equal(widths[2], 0);
  assert.match(svg, />ttl-expired<\/text>/);
  assert.match(svg, />\$4<\/text>/);
  assert.match(svg, /data-chart="miss-causes"/);
  assertBalanced(svg);
});

test('vertical bars and empty bars', () => {
  const svg = barChart({ chart: 'v', title: 't', bars: [{ label: 'a', value: 1 }, { label: 'b', value: 3 }], orientation: 'vertical', valueLabel: 'USD' });
  const heights = [...svg.matchAll(/<rect class="bar" x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)"/g)].map((m) => Number(m[1]));
  assert.ok(Math.abs((heights[1] as number) - 3 * (heights[0] as number)) <= 0.3, String(heights));
  const empty = barChart({ chart: 'v', title: 't', bars: [], orientation: 'horizontal', valueLabel: 'USD', emptyText: 'No misses' });
  assert.match(empty, />No misses</);
  assert.ok(!/NaN|Infinity/.test(empty));
});

test('break-even chart marks the crossover; without one it says so', () => {
  const a = { name: 'cache', points: [{ x: 0, y: 10 }, { x: 10, y: 20 }] };
  const b = { name: 'no cache', points: [{ x: 0, y: 0 }, { x: 10, y: 40 }] };
  const y = interpolateY(a, 5);
  assert.equal(y, 15);
  const svg = breakEvenChart({
    chart: 'break-even',
    title: 'Break-even',
    xAxis: { label: 'sessions' },
    yAxis: { label: 'USD' },
    a,
    b,
    crossover: { x: 5, y: 15, label: 'break-even after 5 sessions' },
  });
  assert.equal(paths(svg).length, 2);
  assert.match(svg, /<g class="marker" data-x="5">/);
  assert.match(svg, />break-even after 5 sessions</);
  const none = breakEvenChart({ chart: 'break-even', title: 'B', xAxis: { label: 'x' }, yAxis: { label: 'y' }, a, b: { ...b, points: [{ x: 0, y: 30 }, { x: 10, y: 60 }] }, crossover: null, noCrossoverText: 'never pays off' });
  assert.ok(!none.includes('class="marker"'));
  assert.match(none, />never pays off</);
  assertBalanced(none);
});

/** fast-check runs of the cheap properties; FC_NUM_RUNS=100000 for a long local run. */
const NUM_RUNS = Number(process.env['FC_NUM_RUNS'] ?? 2000);

/** Any double, or (more often than chance) a value within float noise of a nice tick, where the slack matters. */
const axisValue = fc.oneof(
  fc.double({ min: -1e15, max: 1e15, noNaN: true }),
  fc
    .tuple(fc.integer({ min: -60, max: 60 }), fc.constantFrom(1, 2, 2.5, 5), fc.integer({ min: -15, max: 12 }), fc.double({ min: -1e-8, max: 1e-8, noNaN: true }))
    .map(([k, m, e, d]) => k * m * 10 ** e * (1 + d)),
);

test('niceScale: covers the data with 1/2/2.5/5 steps; degenerate ranges widen', () => {
  assert.deepEqual(niceScale(0, 100), { min: 0, max: 100, ticks: [0, 20, 40, 60, 80, 100] });
  assert.deepEqual(niceScale(0, 0).ticks.at(-1), 1);
  assert.deepEqual(niceScale(5, 5).min, 0);
  assert.deepEqual(niceScale(0, 3, 6, true).ticks, [0, 1, 2, 3]);
  // Float noise does not add an empty step...
  assert.deepEqual(niceScale(0, 0.30000000000000004).ticks, [0, 0.1, 0.2, 0.3]);
  // ...and the slack that absorbs it never leaves data outside the axis (a former counterexample:
  // the nice max 0 fell 1e-12 short of the data).
  const s = niceScale(-0.002499999999, 1.0000000000000002e-12);
  assert.ok(s.min <= -0.002499999999 && s.max >= 1.0000000000000002e-12, JSON.stringify(s));
  assert.deepEqual(s.ticks, [-0.003, -0.002, -0.001, 0]);
  fc.assert(
    fc.property(axisValue, axisValue, (p, q) => {
      const lo = Math.min(p, q);
      const hi = Math.max(p, q);
      const s = niceScale(lo, hi);
      const degenerate = !(hi - lo > 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi)));
      if (degenerate) {
        // Spans below 1e-12 (relative, or absolute under 1) collapse to one value by design: [0, v], [v, 0] or [0, 1].
        const tol = 1e-12 * Math.max(1, Math.abs(lo), Math.abs(hi));
        assert.ok(s.min <= lo + tol && s.max >= hi - tol, `${lo} ${hi} -> ${s.min} ${s.max}`);
      } else {
        assert.ok(s.min <= lo && s.max >= hi, `${lo} ${hi} -> ${s.min} ${s.max}`);
      }
      assert.ok(s.max > s.min);
      assert.ok(s.ticks.length >= 2 && s.ticks.length <= 12, String(s.ticks.length));
      const step = (s.ticks[1] as number) - (s.ticks[0] as number);
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      assert.ok([1, 2, 2.5, 5, 10].some((m) => Math.abs(mantissa - m) < 1e-6), `step ${step}`);
      const slack = 1e-9 * step;
      assert.ok((s.ticks[0] as number) >= s.min - slack && (s.ticks.at(-1) as number) <= s.max + slack, 'ticks inside the axis');
      if (!degenerate) {
        // The nice ends are less than one step beyond the data.
        assert.ok((s.ticks[0] as number) > lo - step * 1.000001 && (s.ticks.at(-1) as number) < hi + step * 1.000001, `${lo} ${hi} -> ${s.ticks.join(' ')}`);
      }
    }),
    { numRuns: NUM_RUNS },
  );
});

test('number formatting is fixed and compact', () => {
  assert.equal(svgNumber(-0.04), '0');
  assert.equal(svgNumber(12.345), '12.3');
  assert.deepEqual([0, 0.005, 0.05, 1.5, 12, 950, 1500, 2_300_000, 4e9, 7e12, 3e15, -1200].map(formatCompact), [
    '0', '0.005', '0.05', '1.5', '12', '950', '1.5K', '2.3M', '4B', '7T', '3.0e15', '-1.2K',
  ]);
  assert.equal(formatUsdCompact(-1200), '-$1.2K');
});

test('log x axis: decades equally spaced, given ticks only, non-positive x dropped', () => {
  const svg = lineChart(
    spec([{ name: 'gap', points: [{ x: 0, y: 1 }, { x: 1, y: 1 }, { x: 10, y: 2 }, { x: 100, y: 3 }] }], {
      xAxis: { label: 'gap', log: true, ticks: [0.5, 1, 10, 100, 1000], format: (v) => `${v}m` },
    }),
  );
  const xs = coords(paths(svg)[0] as string).map((p) => p[0]);
  assert.equal(xs.length, 3, 'x = 0 has no place on a log axis');
  assert.ok(Math.abs((xs[1] as number) - (xs[0] as number) - ((xs[2] as number) - (xs[1] as number))) <= 0.2, String(xs));
  for (const label of ['>1m<', '>10m<', '>100m<']) assert.ok(svg.includes(label), label);
  assert.ok(!svg.includes('>0.5m<') && !svg.includes('>1000m<'), 'ticks outside the data are dropped');
  assert.ok(!/NaN|Infinity/.test(svg));
});

test('break-even chart without a crossover: the note sits on its own line above the plot', () => {
  const a = { name: 'transcript', points: [{ x: 1, y: 1 }, { x: 10, y: 2 }] };
  const b = { name: 'state', points: [{ x: 1, y: 3 }, { x: 10, y: 9 }] };
  const svg = breakEvenChart({ chart: 'be', title: 'B', xAxis: { label: 'turn' }, yAxis: { label: 'USD' }, a, b, crossover: null, noCrossoverText: 'state never becomes cheaper' });
  const note = /<text class="chart-note" x="[\d.]+" y="([\d.]+)"[^>]*>state never becomes cheaper<\/text>/.exec(svg);
  assert.ok(note, svg);
  const top = Math.min(...paths(svg).flatMap((d) => coords(d).map((p) => p[1])));
  assert.ok(Number(note[1]) + 4 < top, `note at ${note[1]} is above the highest point at ${top}`);
});
