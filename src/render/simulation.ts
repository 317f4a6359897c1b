/**
 * Terminal rendering of a SimulationReport (`token-econ simulate`): scenario
 * and assumptions, the strategy comparison table, context carried forward,
 * miss causes, per-turn detail of one run, cumulative and per-turn cost
 * curves, fleet projection and notes. Fits `options.width` (compact under 100
 * columns); colour only when `options.color`.
 */
import { Chalk } from 'chalk';
import type { SimulationReport, StrategySimulation } from '../model/simulate-report.js';
import type { MissReason, StrategyId } from '../model/simulation.js';
import { missSentence } from './analyze-terminal.js';
import { renderLineChart } from './chart.js';
import type { RenderOptions } from './options.js';
import { renderTable, type Cell, type TableColumn } from './table.js';
import { displayWidth, formatChange, formatDuration, formatInt, formatPercent, formatTokens, formatUsd, paramText, plural, sanitizeForTerminal, wrapText } from './text.js';

export interface SimulationTerminalOptions extends RenderOptions {
  /**
   * Per-turn table of the first run: a strategy, `auto` (the first strategy
   * when the run has at most AUTO_DETAIL_MAX_REQUESTS requests) or `none`.
   */
  detail: StrategyId | 'auto' | 'none';
}

export const AUTO_DETAIL_MAX_REQUESTS = 40;

const STRATEGY_NOTE: Record<StrategyId, string> = {
  transcript: 'resend the history, prefix cache',
  state: 'bounded state instead of history',
  replay: 'repeated tasks replay at ~0 tokens',
  nocache: 'resend the history, no cache',
};

const FLEET_FLAG: Record<SimulationReport['fleet']['defaulted'][number], string> = {
  agents: '--agents',
  runsPerDay: '--runs-per-day',
  retryRate: '--retry-rate',
  days: '--days',
};

/** Continuation lines of the simulate report are indented by four spaces. */
function wrap(text: string, width: number, indent = '    '): string {
  return wrapText(text, width, indent);
}

/** A price per MTok with the decimals it needs: `$3.00`, `$0.125`, `$0.0275`. */
function rate(usdPerMTok: number): string {
  for (const decimals of [2, 3, 4]) {
    const scaled = usdPerMTok * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6) return formatUsd(usdPerMTok, decimals);
  }
  return formatUsd(usdPerMTok, 5);
}

/** `formatDuration` without trailing zero units: `10m`, `1h`, `4m 30s`. */
function shortDuration(ms: number): string {
  return formatDuration(ms).replace(/ 00[sm]$/, '').replace(/^(\d+)d 0h$/, '$1d');
}

function headerLines(report: SimulationReport, width: number, chalk: InstanceType<typeof Chalk>): string[] {
  const s = report.scenario;
  const p = report.pricing;
  const out: string[] = [];
  const model = sanitizeForTerminal(p.model === p.priceId ? p.model : `${p.model} (priced as ${p.priceId})`);
  out.push(
    chalk.bold(
      wrap(`token-econ simulate: ${plural(s.sessions, 'run')} × ${plural(s.turns, 'turn')} on ${model}, ${plural(report.strategies.length, 'strategy', 'strategies')}`, width, '  '),
    ),
  );

  const work: string[] = [`system ${formatInt(s.systemTokens)} tokens`];
  if (s.transcriptTokens !== null) work.push(`conversation grows to ${formatInt(s.transcriptTokens)} tokens by the last turn`);
  else work.push(`+${formatInt(s.turnTokens ?? 0)} context/turn`);
  work.push(`${formatInt(s.outputTokens)} output/turn`);
  if (s.reasoningTokens > 0) work.push(`${formatInt(s.reasoningTokens)} reasoning/turn (billed as output, not carried)`);
  work.push(
    s.turns > 1
      ? `prompt ${formatInt(s.firstPromptTokens)} → ${formatInt(s.lastPromptTokens)} tokens from turn 1 to ${s.turns} (transcript, before compaction)`
      : `prompt ${formatInt(s.firstPromptTokens)} tokens`,
  );
  out.push(wrap(`  Workload: ${work.join(' · ')}`, width));

  if (s.turns > 1) {
    const gaps: string[] = [`${s.gapDescription} between turns`];
    if (s.gap.kind !== 'fixed') {
      const g = s.idleGaps;
      gaps.push(`seed ${s.seed}`);
      if (g.minMs !== null && g.maxMs !== null) gaps.push(`drawn ${shortDuration(g.minMs)}–${shortDuration(g.maxMs)}, median ${shortDuration(g.medianMs ?? 0)}`);
    }
    for (const pause of s.pauses) gaps.push(`pause of ${shortDuration(pause.gapMs)} before turn ${pause.turn}`);
    if (p.ttlSeconds !== null) gaps.push(`${formatInt(s.idleGaps.overTtl)} of ${plural(s.idleGaps.count, 'gap')} longer than the TTL`);
    out.push(wrap(`  Gaps: ${gaps.join(' · ')}`, width));
  }
  if (s.sessions > 1) {
    out.push(wrap(`  Runs: ${plural(s.sessions, 'session')}, each with its own cache, started ${shortDuration(s.sessionIntervalMs)} apart; per-run figures are the average run`, width));
  }

  const prices =
    p.cacheKind === 'none'
      ? `input ${rate(p.inputUsdPerMTok)} · output ${rate(p.outputUsdPerMTok)} per MTok`
      : p.cacheKind === 'explicit-breakpoints'
        ? `input ${rate(p.inputUsdPerMTok)} · output ${rate(p.outputUsdPerMTok)} · cache write 5m ${rate(p.cacheWrite5mUsdPerMTok)} · write 1h ${rate(p.cacheWrite1hUsdPerMTok)} · read ${rate(p.cacheReadUsdPerMTok)} per MTok`
        : `input ${rate(p.inputUsdPerMTok)} · output ${rate(p.outputUsdPerMTok)} · cache read ${rate(p.cacheReadUsdPerMTok)} per MTok, no write fee`;
  const from = p.rowSource === '--price' ? 'from --price' : `as of ${p.asOf}`;
  out.push(wrap(`  Prices: ${prices} (${sanitizeForTerminal(p.priceId)}, ${from})`, width));

  const cache: string[] = [];
  if (p.ttlSeconds === null) cache.push(`none (${sanitizeForTerminal(p.priceId)} has no prompt caching)`);
  else {
    cache.push(`${p.cacheKind}, TTL ${shortDuration(p.ttlSeconds * 1000)} (${p.ttlSource === 'flag' ? '--ttl' : 'default'}) refreshed on every hit`);
    if (p.minCacheableTokens > 0) cache.push(`min ${formatInt(p.minCacheableTokens)} tokens`);
  }
  cache.push(
    p.compactAtTokens === null
      ? 'no auto-compaction'
      : `compaction above ${formatInt(p.compactAtTokens)} tokens into a ${formatInt(Number(report.params['summaryTokens'] ?? 0))}-token summary`,
  );
  out.push(wrap(`  Cache: ${cache.join(' · ')}`, width));
  return out;
}

interface ColumnDef<T> {
  column: TableColumn;
  cell: (row: T) => Cell;
  /** Dropped to fit the width, lowest first; undefined = always shown. */
  dropRank?: number;
}

/**
 * Renders the table with every column that fits: optional columns are dropped
 * (lowest `dropRank` first) until no line is wider than `options.width`.
 */
function fittedTable<T>(defs: ColumnDef<T>[], rows: readonly T[], options: RenderOptions): string {
  let shown = defs;
  const ranks = [...new Set(defs.map((d) => d.dropRank).filter((r): r is number => r !== undefined))].sort((a, b) => a - b);
  for (;;) {
    const text = renderTable({ columns: shown.map((d) => d.column), rows: rows.map((r) => shown.map((d) => d.cell(r))) }, options);
    const fits = text.split('\n').every((l) => displayWidth(l) <= options.width);
    const next = ranks.shift();
    if (fits || next === undefined) return text;
    shown = shown.filter((d) => d.dropRank !== next);
  }
}

/** Money with more decimals under a dollar: per-run and per-turn amounts stay readable. */
function smallUsd(usd: number): string {
  return Math.abs(usd) < 1 && usd !== 0 ? formatUsd(usd, 4) : formatUsd(usd);
}

/** A money column: four decimals when every amount is under a dollar, else two (aligned either way). */
function usdColumn(values: readonly number[]): (usd: number) => string {
  const max = Math.max(0, ...values.map(Math.abs).filter(Number.isFinite));
  return (usd) => formatUsd(usd, max < 1 ? 4 : 2);
}

const MISS_SHORT: Record<MissReason, string> = {
  'cold-start': 'cold start',
  'ttl-expired': 'TTL',
  compaction: 'compaction',
  'model-switch': 'model switch',
  'prefix-change': 'prefix',
  'below-minimum': 'below min',
};

function tableOf(report: SimulationReport, options: RenderOptions): string {
  const multi = report.scenario.sessions > 1;
  const base = report.strategies.find((x) => x.id === report.baseline);
  const cheapest = report.strategies.reduce<StrategySimulation | null>((b, x) => (b === null || x.totalCostUsd < b.totalCostUsd ? x : b), null);
  const num = (header: string): TableColumn => ({ header, align: 'right' });
  const perRun = usdColumn(report.strategies.map((st) => st.costPerRunUsd));
  const defs: ColumnDef<StrategySimulation>[] = [
    { column: { header: 'Strategy' }, cell: (st) => (st === cheapest && report.strategies.length > 1 ? { text: st.id, style: 'accent' } : st.id) },
    { column: { header: 'What', shrink: true, minWidth: 12 }, cell: (st) => STRATEGY_NOTE[st.id], dropRank: 1 },
    { column: num('Requests'), cell: (st) => formatInt(st.requests), dropRank: 3 },
    { column: num('Prompt'), cell: (st) => formatTokens(st.promptTokens) },
    { column: num('Cached'), cell: (st) => formatTokens(st.cacheReadTokens), dropRank: 8 },
    { column: num('Written'), cell: (st) => formatTokens(st.cacheWrite5mTokens + st.cacheWrite1hTokens), dropRank: 6 },
    { column: num('Uncached'), cell: (st) => formatTokens(st.uncachedInputTokens), dropRank: 5 },
    { column: num('Output'), cell: (st) => formatTokens(st.outputTokens), dropRank: 2 },
    { column: num('Hit %'), cell: (st) => formatPercent(st.cacheHitRatio), dropRank: 7 },
    { column: num('Cost'), cell: (st) => ({ text: formatUsd(st.totalCostUsd), style: 'bold' }) },
    ...(multi ? [{ column: num('Per run'), cell: (st: StrategySimulation): Cell => perRun(st.costPerRunUsd), dropRank: 4 }] : []),
    {
      column: num(`vs ${report.baseline}`),
      cell: (st) => {
        if (st.id === report.baseline || !base) return '—';
        const style = st.totalCostUsd < base.totalCostUsd ? 'good' : st.totalCostUsd > base.totalCostUsd ? 'bad' : 'plain';
        return { text: formatChange(st.totalCostUsd, base.totalCostUsd), style };
      },
    },
  ];
  return fittedTable(defs, report.strategies, options);
}

function legendLines(report: SimulationReport, width: number): string[] {
  const pr = report.params;
  const out: string[] = [];
  for (const st of report.strategies) {
    let what: string;
    switch (st.id) {
      case 'transcript':
        what = `resend the whole history every turn, reading the cached prefix while it lives${Number(st.params['compactions'] ?? 0) > 0 ? `; ${plural(Number(st.params['compactions']), 'compaction')} in run 1` : ''}`;
        break;
      case 'state':
        what = `cached ${report.scenario.systemTokens === Number(pr['stateSchemaTokens'] ?? report.scenario.systemTokens) ? 'system/schema prefix' : 'schema'} + a state of ${Number(pr['stateRatio']).toFixed(3)} × the history (cap ${formatInt(Number(pr['stateCapTokens']))} tokens) + the latest turn; a state update after every ${Number(pr['stateUpdateEvery']) === 1 ? 'turn' : `${paramText(pr['stateUpdateEvery'])} turns`}${pr['stateUpdateModel'] ? ` on ${sanitizeForTerminal(String(pr['stateUpdateModel']))}` : ''}`;
        break;
      case 'replay':
        what =
          pr['replayHitRate'] === null
            ? 'no --replay-hit-rate: every run runs as transcript'
            : `${formatInt(st.replayedRuns)} of ${plural(st.runs, 'run')} replayed at ${formatInt(Number(pr['replayCostTokens'] ?? 0))} tokens (hit rate ${formatPercent(Number(pr['replayHitRate']), 0)}); the others run as transcript`;
        break;
      case 'nocache':
        what = 'the transcript requests with every prompt token at the full input price';
        break;
    }
    out.push(wrap(`  ${st.id}: ${what}`, width));
  }
  return out;
}

function carriedLine(report: SimulationReport, width: number): string[] {
  const transcript = report.strategies.find((s) => s.id === 'transcript' || s.id === 'nocache');
  const state = report.strategies.find((s) => s.id === 'state');
  if (!transcript || !state || transcript.carriedContextTokens === null || state.carriedContextTokens === null) return [];
  const t = transcript.carriedContextTokens;
  const s = state.carriedContextTokens;
  return [
    wrap(
      `  Context carried into the next turn (system prefix excluded${report.scenario.sessions > 1 ? ', average run' : ''}): transcript ${formatInt(t)} tokens, state ${formatInt(s)} tokens (${formatChange(s, t)}).`,
      width,
    ),
  ];
}

function missLines(report: SimulationReport, width: number, chalk: InstanceType<typeof Chalk>): string[] {
  const out = ['', chalk.bold(wrap('Cache misses (cost beyond a cache read)', width, '  '))];
  const nameWidth = Math.max(...report.strategies.map((s) => s.id.length));
  for (const st of report.strategies) {
    let text: string;
    if (st.id === 'nocache') text = 'no cache: every prompt token at the input price';
    else if (report.pricing.cacheKind === 'none') text = `no prompt caching on ${sanitizeForTerminal(report.pricing.priceId)}`;
    else if (st.misses.length === 0) text = 'none';
    else text = st.misses.map((m) => missSentence(m.reason, m.misses, m.missCostUsd, m.minGapMs, m.maxGapMs)).join('; ');
    out.push(wrap(`  ${st.id.padEnd(nameWidth)}  ${text}`, width, ' '.repeat(nameWidth + 4)));
  }
  return out;
}

function detailLines(report: SimulationReport, options: SimulationTerminalOptions, chalk: InstanceType<typeof Chalk>): string[] {
  let id: StrategyId | null;
  if (options.detail === 'none') id = null;
  else if (options.detail === 'auto') {
    const first = report.strategies[0];
    const requests = first?.sessions[0]?.turns.length ?? 0;
    id = first && report.scenario.turns > 1 && requests <= AUTO_DETAIL_MAX_REQUESTS ? first.id : null;
  } else id = options.detail;
  const st = report.strategies.find((s) => s.id === id);
  const run = st?.sessions[0];
  if (!st || !run) return [];
  type Row = SimulationReport['strategies'][number]['sessions'][number]['turns'][number];
  const hasSide = run.turns.some((t) => t.kind !== 'turn');
  const num = (header: string): TableColumn => ({ header, align: 'right' });
  const cost = usdColumn(run.turns.map((t) => t.cost.totalUsd));
  const cumulative = usdColumn(run.turns.map((t) => t.cumulativeCostUsd));
  const defs: ColumnDef<Row>[] = [
    { column: num('Turn'), cell: (t) => String(t.turnIndex + 1) },
    ...(hasSide ? [{ column: { header: 'Request' }, cell: (t: Row): Cell => (t.kind === 'turn' ? 'turn' : { text: t.kind, style: 'dim' }), dropRank: 7 }] : []),
    { column: num('Gap'), cell: (t) => (t.idleGapMs === null ? '—' : shortDuration(t.idleGapMs)), dropRank: 4 },
    { column: num('Prompt'), cell: (t) => formatInt(t.promptTokens) },
    { column: num('Read'), cell: (t) => formatInt(t.cacheReadTokens), dropRank: 8 },
    { column: num('Written'), cell: (t) => formatInt(t.cacheWrite5mTokens + t.cacheWrite1hTokens), dropRank: 6 },
    { column: num('Uncached'), cell: (t) => formatInt(t.uncachedInputTokens), dropRank: 3 },
    { column: num('Output'), cell: (t) => formatInt(t.outputTokens), dropRank: 2 },
    { column: num('Cost'), cell: (t) => cost(t.cost.totalUsd) },
    { column: num('Cumulative'), cell: (t) => cumulative(t.cumulativeCostUsd), dropRank: 1 },
    {
      column: { header: 'Miss' },
      cell: (t) => (t.missReason === null ? '' : { text: `${MISS_SHORT[t.missReason]} +${smallUsd(t.missCostUsd)}`, style: 'bad' }),
      dropRank: 5,
    },
  ];
  const title = `Per-turn detail: ${st.id}${report.scenario.sessions > 1 ? `, run 1 of ${report.scenario.sessions}` : ''} (tokens; Miss: cause + cost beyond a cache read)`;
  return ['', chalk.bold(wrap(title, options.width, '  ')), fittedTable(defs, run.turns, options)];
}

/** Axis labels with as many decimals as the largest value needs. */
function axisUsd(max: number): (v: number) => string {
  const decimals = max >= 10 ? 0 : max >= 0.1 ? 2 : max >= 0.001 ? 4 : 6;
  return (v) => formatUsd(v, decimals);
}

/**
 * Keeps chart lines inside the width: a legend wider than the terminal is
 * broken between its entries (three spaces apart), under the same indent.
 */
function fitChart(text: string, width: number): string {
  return text
    .split('\n')
    .flatMap((line) => {
      if (displayWidth(line) <= width || !line.includes('   ')) return [line];
      const indent = /^ */.exec(line)?.[0] ?? '';
      const out: string[] = [];
      let cur = '';
      for (const entry of line.trim().split(/ {3,}/)) {
        if (cur !== '' && displayWidth(indent + cur + '   ' + entry) > width) {
          out.push(indent + cur);
          cur = entry;
        } else cur = cur === '' ? entry : `${cur}   ${entry}`;
      }
      out.push(indent + cur);
      return out;
    })
    .join('\n');
}

function curveLines(report: SimulationReport, options: RenderOptions): string[] {
  if (report.scenario.turns < 2) return [];
  const series = report.strategies.map((s) => ({ id: s.id, perTurn: s.perTurnUsd, cumulative: s.cumulativeUsd }));
  const what = report.scenario.sessions > 1 ? `average of ${plural(report.scenario.sessions, 'run')}` : 'one run';
  const chartOptions: RenderOptions = { color: options.color, width: Math.max(40, options.width) };
  const chart = (spec: Parameters<typeof renderLineChart>[0], o: RenderOptions): string => fitChart(renderLineChart(spec, o), o.width);
  const maxOf = (values: number[][]): number => Math.max(0, ...values.flat().filter(Number.isFinite));
  return [
    '',
    chart(
      {
        title: `Cumulative cost (${what})`,
        series: series.map((s) => ({ name: s.id, values: s.cumulative })),
        yLabel: 'USD, cumulative',
        xLabel: 'turn',
        formatY: axisUsd(maxOf(series.map((s) => s.cumulative))),
        resample: 'last',
        height: 10,
      },
      chartOptions,
    ),
    '',
    chart(
      {
        title: `Cost of each turn (${what})`,
        series: series.map((s) => ({ name: s.id, values: s.perTurn })),
        yLabel: 'USD per turn',
        xLabel: 'turn',
        formatY: axisUsd(maxOf(series.map((s) => s.perTurn))),
        resample: 'max',
        height: 8,
      },
      chartOptions,
    ),
  ];
}

function fleetLines(report: SimulationReport, width: number, chalk: InstanceType<typeof Chalk>): string[] {
  const f = report.fleet;
  const shownDefaults = f.defaulted.filter((d) => d !== 'days' || f.days !== 30);
  const mark = (field: SimulationReport['fleet']['defaulted'][number]): string => (shownDefaults.includes(field) ? '*' : '');
  const billed = f.rows[0]?.billedRunsPerDay ?? f.agents * f.runsPerDay * (1 + f.retryRate);
  const out = [
    '',
    chalk.bold('Fleet projection'),
    wrap(
      `  ${plural(f.agents, 'agent')}${mark('agents')} × ${paramText(f.runsPerDay)} runs/day${mark('runsPerDay')} × ${paramText(1 + f.retryRate)} (retry rate ${formatPercent(f.retryRate, 0)}${mark('retryRate')}) = ${paramText(billed)} billed runs/day at the ${report.scenario.sessions > 1 ? `average simulated run (of ${formatInt(report.scenario.sessions)})` : 'simulated run'}; month = 30 days`,
      width,
    ),
  ];
  const nameWidth = Math.max(...f.rows.map((r) => r.strategy.length));
  const perRun = usdColumn(f.rows.map((r) => r.costPerRunUsd));
  const cells = f.rows.map((r) => ({
    name: r.strategy.padEnd(nameWidth),
    run: `${perRun(r.costPerRunUsd)}/run`,
    tokens: `${formatTokens(r.tokensPerDay)} tokens/day`,
    day: `${formatUsd(r.costPerDayUsd)}/day`,
    month: `${formatUsd(r.costPerMonthUsd)}/month`,
    over: f.days !== 30 ? `${formatUsd(r.costOverDaysUsd)} over ${paramText(f.days)} days${mark('days')}` : '',
  }));
  const w = (k: 'run' | 'tokens' | 'day' | 'month' | 'over'): number => Math.max(...cells.map((c) => c[k].length));
  for (const c of cells) {
    const parts = [c.run.padStart(w('run')), c.tokens.padStart(w('tokens')), c.day.padStart(w('day')), c.month.padStart(w('month'))];
    if (c.over) parts.push(c.over.padStart(w('over')));
    const line = `  ${c.name}  ${parts.join('  ')}`;
    out.push(displayWidth(line) <= width ? line : wrap(`  ${c.name}  ${[c.run, c.tokens, c.day, c.month, c.over].filter(Boolean).join(' · ')}`, width, ' '.repeat(nameWidth + 4)));
  }
  if (shownDefaults.length > 0) {
    out.push(wrap(`  * default; set ${shownDefaults.map((d) => FLEET_FLAG[d]).join(', ')} for your fleet`, width));
  }
  return out;
}

function assumptionLines(report: SimulationReport, width: number, chalk: InstanceType<typeof Chalk>): string[] {
  const params = Object.entries(report.params).map(([k, v]) => `${k}=${sanitizeForTerminal(paramText(v))}`);
  return [
    '',
    chalk.bold('Assumptions'),
    wrap(`  Prices: ${sanitizeForTerminal(report.pricing.source)}, as of ${report.pricing.asOf}.`, width),
    wrap(`  Simulation: ${params.join(', ')}.`, width),
  ];
}

export function renderSimulationTerminal(report: SimulationReport, options: SimulationTerminalOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const width = Math.max(40, options.width);
  const tableOptions: RenderOptions = { color: options.color, width };
  const out: string[] = [];
  out.push(...headerLines(report, width, chalk));
  out.push('', chalk.bold('Strategies (same workload)'));
  out.push(tableOf(report, tableOptions));
  out.push(...legendLines(report, width));
  out.push(...carriedLine(report, width));
  out.push(...missLines(report, width, chalk));
  out.push(...detailLines(report, { ...options, width }, chalk));
  out.push(...curveLines(report, tableOptions));
  out.push(...fleetLines(report, width, chalk));
  out.push(...assumptionLines(report, width, chalk));
  const notes = [...report.scenario.notes, ...report.notes];
  if (notes.length > 0) {
    out.push('', chalk.bold('Notes'));
    for (const n of notes) out.push(wrap(`  ${sanitizeForTerminal(n)}`, width));
  }
  return `${out.join('\n')}\n`;
}
