/**
 * Terminal rendering of an AnalysisReport: summary, scenario comparison,
 * cache misses, expensive turns, cost curves, break-even in sentences,
 * fleet, reported-vs-computed, assumptions and diagnostics. Fits
 * `options.width`; colour only when `options.color`.
 */
import { Chalk } from 'chalk';
import type { AnalysisReport, ScenarioTotals, SessionAnalysis } from '../model/report.js';
import type { MissReason } from '../model/simulation.js';
import { renderLineChart } from './chart.js';
import { comparedNote, replayObservation, replaySentence } from './report-text.js';
import type { RenderOptions } from './options.js';
import { renderTable, type Cell, type TableColumn } from './table.js';
import {
  formatChange,
  formatDuration,
  formatInt,
  formatPercent,
  formatTimestamp,
  formatTokens,
  formatUsd,
  paramText,
  plural,
  sanitizeForTerminal,
  truncate,
  wrapText as wrap,
} from './text.js';

export interface AnalyzeTerminalOptions extends RenderOptions {
  /** Rows of the per-session and expensive-turn tables. */
  top: number;
}

const MISS_LABEL: Record<MissReason, string> = {
  'cold-start': 'Cold start',
  'ttl-expired': 'TTL expiry',
  compaction: 'Compaction',
  'model-switch': 'Model switch',
  'prefix-change': 'Prefix change/eviction',
  'below-minimum': 'Below minimum',
};

const STRATEGY_NOTE: Record<string, string> = {
  transcript: 'resend the history, prefix cache',
  state: 'bounded state instead of history',
  replay: 'reuse results of repeated tasks',
  nocache: 'resend the history, no cache',
  'transcript@5m': 'transcript, all writes 5m',
  'transcript@1h': 'transcript, all writes 1h',
  'transcript@log': "transcript, the log's own TTL",
};

function safe(text: string): string {
  return sanitizeForTerminal(text);
}

function shortId(id: string, width = 8): string {
  return safe(id.length > width ? id.slice(0, width) : id);
}

function gapRange(min: number | null, max: number | null): string {
  if (min === null || max === null) return '';
  return min === max ? formatDuration(min) : `${formatDuration(min)}–${formatDuration(max)}`;
}

/** "TTL expiry: 14 misses cost $3.21 beyond cache reads (gaps 6m 10s–9d 2h)". */
export function missSentence(reason: MissReason, misses: number, costUsd: number, minGapMs: number | null, maxGapMs: number | null, priced = true): string {
  const gaps = gapRange(minGapMs, maxGapMs);
  const cost = priced ? `cost ${formatUsd(costUsd)} beyond cache reads` : 'are of unpriced models';
  return `${MISS_LABEL[reason]}: ${plural(misses, 'miss', 'misses')} ${cost}${gaps && reason === 'ttl-expired' ? ` (gaps ${gaps})` : ''}`;
}

function section(chalk: InstanceType<typeof Chalk>, title: string): string {
  return `\n${chalk.bold(title)}`;
}

export function renderAnalyzeTerminal(report: AnalysisReport, options: AnalyzeTerminalOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const width = Math.max(40, options.width);
  const out: string[] = [];
  const a = report.actual;
  const total = a.cost.totalUsd;

  // Summary.
  const firsts = report.sessions.map((s) => s.firstTimestampMs).filter((x): x is number => x !== null);
  const lasts = report.sessions.map((s) => s.lastTimestampMs).filter((x): x is number => x !== null);
  const span =
    firsts.length > 0 && lasts.length > 0
      ? `, ${formatTimestamp(Math.min(...firsts)).slice(0, 16)} → ${formatTimestamp(Math.max(...lasts)).slice(0, 16)} UTC`
      : '';
  out.push(chalk.bold(wrap(`token-econ analyze: ${plural(report.inputs.sessions, 'session')}, ${plural(report.inputs.turns, 'request')}${span}`, width, '  ')));
  if (report.inputs.sessions === 0) {
    out.push('No sessions with usage were found in the input.');
    out.push(...diagnosticsLines(report, width));
    return `${out.join('\n')}\n`;
  }
  out.push(
    wrap(
      `Actual cost ${chalk.bold(formatUsd(total))}: input ${formatUsd(a.cost.inputUsd)} · cache write 5m ${formatUsd(a.cost.cacheWrite5mUsd)} · cache write 1h ${formatUsd(a.cost.cacheWrite1hUsd)} · cache read ${formatUsd(a.cost.cacheReadUsd)} · output ${formatUsd(a.cost.outputUsd)}${a.cost.storageUsd > 0 ? ` · storage ${formatUsd(a.cost.storageUsd)}` : ''}`,
      width,
      '  ',
    ),
  );
  out.push(
    wrap(
      `Cache hit ratio ${formatPercent(a.cacheHitRatio)} (read ${formatTokens(a.tokens.cacheReadTokens)} of ${formatTokens(a.tokens.promptTokens)} prompt tokens) · ${plural(report.misses.totalMisses, 'cache miss', 'cache misses')} cost ${formatUsd(report.misses.totalMissCostUsd)} beyond cache reads`,
      width,
      '  ',
    ),
  );
  if (a.unpricedTurns > 0) {
    out.push(
      chalk.yellow(
        wrap(
          `${plural(a.unpricedTurns, 'request')} of ${plural(report.unknownModels.length, 'unknown model')} (${report.unknownModels.map((u) => safe(u.model)).join(', ')}) excluded from every cost`,
          width,
          '  ',
        ),
      ),
    );
  }

  // Comparison.
  out.push(section(chalk, 'Actual vs strategies (same workload)'));
  out.push(comparisonTable(report, options));
  const calibration = report.scenarios.find((s) => s.kind === 'log-ttl');
  const comparedTotal = report.compared.actual.cost.totalUsd;
  if (calibration && comparedTotal > 0) {
    out.push(
      wrap(
        `Simulator check: transcript with the log's own TTL costs ${formatUsd(calibration.totalCostUsd)} vs ${formatUsd(comparedTotal)} actual (${formatChange(calibration.totalCostUsd, comparedTotal)}).`,
        width,
        '  ',
      ),
    );
  }

  const compared = comparedNote(report.compared, report.sessions);
  if (compared) out.push(wrap(safe(compared), width, '  '));
  const replay = replayObservation(report.sessions);
  if (replay) out.push(wrap(replaySentence(replay), width, '  '));

  // Misses.
  out.push(section(chalk, 'Cache misses (actual requests)'));
  if (report.misses.totalMisses === 0) {
    out.push('No request re-paid a cached prefix.');
  } else {
    for (const r of report.misses.byReason) out.push(`  ${missSentence(r.reason, r.misses, r.missCostUsd, r.minGapMs, r.maxGapMs)}`);
    const rows: Cell[][] = report.misses.byStreamModel.slice(0, options.top).map((m) => [
      safe(m.streamId),
      safe(m.model),
      MISS_LABEL[m.reason],
      formatInt(m.misses),
      formatTokens(m.missedTokens),
      formatUsd(m.missCostUsd),
    ]);
    out.push(
      renderTable(
        {
          columns: [
            { header: 'Stream', shrink: true, minWidth: 6 },
            { header: 'Model', shrink: true, minWidth: 10 },
            { header: 'Cause', shrink: true, minWidth: 10 },
            { header: 'Misses', align: 'right' },
            { header: 'Tokens', align: 'right' },
            { header: 'Cost', align: 'right' },
          ],
          rows,
        },
        options,
      ),
    );
    if (report.misses.byStreamModel.length > options.top) out.push(`  (${report.misses.byStreamModel.length - options.top} more rows; see --json)`);
  }

  // Expensive turns.
  if (report.topTurns.length > 0) {
    out.push(section(chalk, `Most expensive requests (top ${report.topTurns.length})`));
    const narrow = options.width < 100;
    const columns: TableColumn[] = [
      { header: 'Time (UTC)' },
      { header: 'Session', shrink: true, minWidth: 8 },
      { header: '#', align: 'right' },
      ...(narrow ? [] : [{ header: 'Stream', shrink: true, minWidth: 6 } as TableColumn]),
      { header: 'Model', shrink: true, minWidth: 10 },
      { header: 'Prompt', align: 'right' },
      ...(narrow ? [] : [{ header: 'Output', align: 'right' } as TableColumn]),
      { header: 'Cost', align: 'right' },
      { header: 'Miss', shrink: true, minWidth: 8 },
    ];
    out.push(
      renderTable(
        {
          columns,
          rows: report.topTurns.map((t) => [
            t.timestampMs === null ? '—' : formatTimestamp(t.timestampMs).slice(narrow ? 5 : 0, 16),
            shortId(t.sessionId),
            String(t.index + 1),
            ...(narrow ? [] : [safe(t.streamId)]),
            safe(t.model),
            formatTokens(t.promptTokens),
            ...(narrow ? [] : [formatTokens(t.outputTokens)]),
            formatUsd(t.costUsd),
            t.missReason ? `${MISS_LABEL[t.missReason]} ${formatUsd(t.missCostUsd)}` : '',
          ]),
        },
        options,
      ),
    );
  }

  // Per-session detail.
  if (report.sessions.length > 1) {
    out.push(section(chalk, report.sessions.length > options.top ? `Sessions (top ${options.top} of ${report.sessions.length} by actual cost)` : 'Sessions'));
    out.push(sessionsTable(report, options));
  }

  // Curves.
  out.push(...curveLines(report, options));

  // Break-even.
  out.push(section(chalk, 'Break-even: state vs transcript'));
  out.push(...breakEvenLines(report, width, options));

  // Fleet.
  out.push(...fleetLines(report, width, chalk));

  // Reported vs computed.
  if (report.reported) {
    out.push(section(chalk, 'Provider-reported vs computed cost'));
    const r = report.reported;
    out.push(
      wrap(
        `${plural(r.sessions, 'session')} report their own cost: ${formatUsd(r.reportedCostUsd)} reported, ${formatUsd(r.computedCostUsd)} computed (${formatChange(r.computedCostUsd, r.reportedCostUsd)})${r.hiddenCostUsd > 0 ? `; ${formatUsd(r.hiddenCostUsd)} of the reported cost is hidden side calls` : ''}.`,
        width,
        '  ',
      ),
    );
    for (const s of report.sessions.filter((x) => x.reported !== null).slice(0, options.top)) {
      out.push(wrap(`  ${shortId(s.id)}: ${safe(s.reported?.explanation ?? '')}`, width, '    '));
    }
  }

  // Assumptions.
  out.push(section(chalk, 'Assumptions'));
  out.push(wrap(`Prices: ${safe(report.pricing.source)}, as of ${report.pricing.asOf}.`, width, '  '));
  const params = Object.entries(report.assumptions.simulation).map(([k, v]) => `${k}=${safe(paramText(v))}`);
  out.push(wrap(`Simulation: ${params.join(', ')}.`, width, '  '));
  out.push(
    wrap(
      `Misses: at least ${formatInt(report.misses.missMinTokens)} prefix tokens and ${formatPercent(report.misses.missMinRatio, 0)} of the cached prefix not read; a prompt under ${formatPercent(report.misses.compactionDropRatio, 0)} of the previous one counts as a compaction.`,
      width,
      '  ',
    ),
  );

  out.push(...diagnosticsLines(report, width));
  return `${out.join('\n')}\n`;
}

function scenarioLabel(s: ScenarioTotals): string {
  return s.id;
}

function comparisonTable(report: AnalysisReport, options: AnalyzeTerminalOptions): string {
  const a = report.compared.actual;
  const total = a.cost.totalUsd;
  const narrow = options.width < 100;
  const columns: TableColumn[] = [
    { header: 'Scenario' },
    ...(narrow ? [] : [{ header: 'What', shrink: true, minWidth: 10 } as TableColumn]),
    { header: 'Prompt', align: 'right' },
    { header: 'Hit %', align: 'right' },
    { header: 'Requests', align: 'right' },
    { header: 'Cost', align: 'right' },
    { header: 'vs actual', align: 'right' },
  ];
  const strategies = report.scenarios.filter((s) => s.kind === 'strategy');
  const cheapest = strategies.reduce<ScenarioTotals | null>((best, s) => (best === null || s.totalCostUsd < best.totalCostUsd ? s : best), null);
  const rows: Cell[][] = [
    [
      { text: 'actual', style: 'bold' },
      ...(narrow ? [] : ['from the logs']),
      formatTokens(a.tokens.promptTokens),
      formatPercent(a.cacheHitRatio),
      formatInt(a.tokens.turns),
      { text: formatUsd(total), style: 'bold' },
      '—',
    ],
  ];
  const rowOf = (s: ScenarioTotals): Cell[] => {
    const change = formatChange(s.totalCostUsd, total);
    const style = s.totalCostUsd < total ? 'good' : s.totalCostUsd > total ? 'bad' : 'plain';
    return [
      s === cheapest ? { text: scenarioLabel(s), style: 'accent' } : scenarioLabel(s),
      ...(narrow ? [] : [STRATEGY_NOTE[s.id] ?? '']),
      formatTokens(s.promptTokens),
      formatPercent(s.cacheHitRatio),
      s.sideRequests > 0 ? `${formatInt(s.requests)}` : formatInt(s.requests),
      formatUsd(s.totalCostUsd),
      { text: change, style },
    ];
  };
  for (const s of strategies) rows.push(rowOf(s));
  const footer: Cell[][] = report.scenarios.filter((s) => s.kind !== 'strategy').map(rowOf);
  return renderTable({ columns, rows, footer }, options);
}

function sessionsTable(report: AnalysisReport, options: AnalyzeTerminalOptions): string {
  const strategies = report.assumptions.strategies;
  const sorted = [...report.sessions].sort((x, y) => y.actual.cost.totalUsd - x.actual.cost.totalUsd || (x.id < y.id ? -1 : 1));
  const shown = sorted.slice(0, options.top);
  const narrow = options.width < 100;
  const columns: TableColumn[] = [
    { header: 'Session', shrink: true, minWidth: 8 },
    ...(narrow ? [] : [{ header: 'Project', shrink: true, minWidth: 8 } as TableColumn]),
    { header: 'Turns', align: 'right' },
    { header: 'TTL' },
    { header: 'Misses', align: 'right' },
    { header: 'Actual', align: 'right' },
    ...strategies.map((id): TableColumn => ({ header: id, align: 'right' })),
  ];
  const cost = (s: SessionAnalysis, id: string): string => {
    const sc = s.scenarios.find((x) => x.id === id);
    return sc ? formatUsd(sc.totalCostUsd) : '—';
  };
  const rows: Cell[][] = shown.map((s) => [
    narrow ? shortId(s.id) : truncate(safe(s.id), 36),
    ...(narrow ? [] : [s.project ? safe(s.project) : '—']),
    formatInt(s.actual.tokens.turns),
    s.logTtl ?? '—',
    formatInt(s.missedTurns),
    s.actual.unpricedTurns > 0 && s.actual.pricedTurns === 0 ? 'n/a' : formatUsd(s.actual.cost.totalUsd),
    ...strategies.map((id) => cost(s, id)),
  ]);
  return renderTable({ columns, rows }, options);
}

function curveLines(report: AnalysisReport, options: AnalyzeTerminalOptions): string[] {
  const c = report.curves;
  const series = c.series.filter((s) => s.perTurnUsd.length > 0);
  if (series.length === 0 || (series[0]?.perTurnUsd.length ?? 0) < 2) return [];
  const what = c.basis === 'session' ? `session ${shortId(c.sessionId ?? '')}` : `turn n summed over ${plural(report.sessions.length, 'session')}`;
  const chartOptions: RenderOptions = { color: options.color, width: Math.max(40, options.width) };
  const fmt = (v: number) => formatUsd(v, Math.abs(v) >= 10 ? 0 : 2);
  return [
    '',
    renderLineChart(
      {
        title: `Cumulative cost per turn (${what})`,
        series: series.map((s) => ({ name: s.id, values: s.cumulativeUsd })),
        yLabel: 'USD, cumulative',
        xLabel: 'turn',
        formatY: fmt,
        resample: 'last',
        height: 10,
      },
      chartOptions,
    ),
    '',
    renderLineChart(
      {
        title: `Cost of each turn (${what})`,
        series: series.map((s) => ({ name: s.id, values: s.perTurnUsd })),
        yLabel: 'USD per turn',
        xLabel: 'turn',
        formatY: (v) => formatUsd(v, Math.abs(v) >= 1 ? 2 : 3),
        resample: 'max',
        height: 8,
      },
      chartOptions,
    ),
  ];
}

function breakEvenLines(report: AnalysisReport, width: number, options: AnalyzeTerminalOptions): string[] {
  const b = report.breakEven;
  const out: string[] = [];
  const say = (text: string) => out.push(wrap(`  ${text}`, width, '    '));
  if (!b.available) {
    say('Not available: compare both `transcript` and `state` (--compare) on sessions with known prices.');
  } else {
    if (b.focus && b.focusSessionId) {
      const f = b.focus;
      const who = `Session ${shortId(b.focusSessionId)} (${plural(f.turns, 'turn')})`;
      if (f.breakEvenTurn === null) {
        say(`${who}: state's cumulative cost never drops below transcript (${formatUsd(f.stateCostUsd)} vs ${formatUsd(f.transcriptCostUsd)} at the end).`);
      } else {
        say(
          `${who}: state's cumulative cost drops below transcript at turn ${f.breakEvenTurn} and ${f.staysBelow ? 'stays below' : 'does not stay below'} (${formatUsd(f.stateCostUsd)} vs ${formatUsd(f.transcriptCostUsd)} at the end).`,
        );
      }
    }
    if (b.sessionsEvaluated > 1) {
      say(
        `Across ${plural(b.sessionsEvaluated, 'session')}: state is cheaper in ${formatInt(b.sessionsStateCheaper)}; state drops below transcript at some turn in ${formatInt(b.sessionsWithBreakEven)}${b.medianBreakEvenTurn !== null ? ` (median turn ${formatInt(b.medianBreakEvenTurn)})` : ''}.`,
      );
    }
    const g = b.gap;
    if (g.points.length > 0) {
      if (g.stateCheaperAtAllGaps) say(`Idle gap: state is cheaper than transcript even with ${formatDuration(g.points[0]?.gapMs ?? 0)} between turns.`);
      else if (g.crossoverGapMs === null)
        say(`Idle gap: transcript stays cheaper than state for every uniform gap between turns up to ${formatDuration(g.points[g.points.length - 1]?.gapMs ?? 0)}.`);
      else {
        const at = g.points.find((p) => p.gapMs >= (g.crossoverGapMs as number));
        say(
          `Idle gap: transcript loses to state once turns are more than ${formatDuration(g.crossoverGapMs)} apart${g.lastTranscriptWinGapMs !== null ? ` (still cheaper at ${formatDuration(g.lastTranscriptWinGapMs)})` : ''}${at ? `; at ${formatDuration(at.gapMs)}: transcript ${formatUsd(at.transcriptCostUsd)}, state ${formatUsd(at.stateCostUsd)}` : ''}.`,
        );
      }
    }
    const s = b.stateSize;
    if (s.points.length > 0) {
      if (s.maxWinningStateRatio === null)
        say(`State size: state is not cheaper than transcript (${formatUsd(s.transcriptCostUsd)}) even at a state ratio of ${s.points[0]?.stateRatio ?? 0}.`);
      else
        say(
          `State size: state stays cheaper than transcript (${formatUsd(s.transcriptCostUsd)}) up to a state ratio of ${s.maxWinningStateRatio.toFixed(3)}${s.maxWinningStateTokens !== null ? ` (≈ ${formatTokens(s.maxWinningStateTokens)} tokens of the ${formatTokens(s.averageContextTokens)} average context)` : ''}; this run uses ${paramText(s.observedStateRatio)}.`,
        );
    }
  }
  const t = b.ttl;
  if (t.cost5mUsd > 0 || t.cost1hUsd > 0) {
    const verdict =
      t.cheaper === 'equal'
        ? 'both cost the same'
        : `${t.cheaper} writes are cheaper by ${formatUsd(t.savingUsd)}`;
    say(
      `TTL: ${formatInt(t.gapsUnder5m)} gaps under 5m, ${formatInt(t.gaps5mTo1h)} of 5–60m (only a 1h entry survives them), ${formatInt(t.gapsOver1h)} over 1h; transcript with 5m writes ${formatUsd(t.cost5mUsd)}, with 1h writes ${formatUsd(t.cost1hUsd)}: ${verdict}.`,
    );
  }
  if (b.available && b.patterns.length > 0) {
    out.push(
      renderTable(
        {
          columns: [
            { header: 'Pattern' },
            { header: 'Criterion', shrink: true, minWidth: 10 },
            { header: 'Sessions', align: 'right' },
            { header: 'Turns', align: 'right' },
            { header: 'Actual', align: 'right' },
            { header: 'Transcript', align: 'right' },
            { header: 'State', align: 'right' },
            { header: 'Cheaper' },
          ],
          rows: b.patterns.map((p) =>
            p.sessions === 0
              ? [p.pattern, p.criterion, '0', '—', '—', '—', '—', 'no sessions']
              : [
                  p.pattern,
                  p.criterion,
                  formatInt(p.sessions),
                  formatInt(p.turns),
                  formatUsd(p.actualCostUsd),
                  formatUsd(p.transcriptCostUsd),
                  formatUsd(p.stateCostUsd),
                  p.cheaper ?? '—',
                ],
          ),
        },
        options,
      ),
    );
  }
  return out;
}

function fleetLines(report: AnalysisReport, width: number, chalk: InstanceType<typeof Chalk>): string[] {
  const f = report.fleet;
  if (f.rows.length === 0) return [];
  const out = [
    section(chalk, 'Fleet projection'),
    wrap(
      `${formatInt(f.agents)} agents × ${f.runsPerDay} runs/day, ${formatPercent(f.retryRate, 0)} retried, from the average of ${plural(f.observedRuns, 'observed session')}:`,
      width,
      '  ',
    ),
  ];
  const nameWidth = Math.max(...f.rows.map((r) => r.scenario.length));
  for (const r of f.rows) {
    out.push(
      `  ${r.scenario.padEnd(nameWidth)}  ${formatUsd(r.perRunCostUsd)}/run → ${formatUsd(r.costPerDayUsd)}/day, ${formatUsd(r.costPerMonthUsd)}/month${f.days !== 30 ? `, ${formatUsd(r.costOverDaysUsd)} over ${f.days} days` : ''}`,
    );
  }
  return out;
}

function diagnosticsLines(report: AnalysisReport, width: number): string[] {
  const out: string[] = [];
  const files = report.inputs.files;
  const read = files.reduce((a, f) => a + f.linesRead, 0);
  const skipped = files.reduce((a, f) => a + f.linesSkipped, 0);
  const ignored = files.reduce((a, f) => a + f.linesIgnored, 0);
  const counted = files.reduce((a, f) => a + f.linesCounted, 0);
  out.push('');
  out.push(
    wrap(
      `Read ${plural(files.length, 'file')}, ${plural(read, 'line')}: ${formatInt(counted)} counted, ${formatInt(ignored)} without usage, ${formatInt(skipped)} skipped${report.inputs.duplicateTurnsDropped > 0 ? `; ${plural(report.inputs.duplicateTurnsDropped, 'duplicate record')} of counted requests dropped` : ''}.`,
      width,
      '  ',
    ),
  );
  for (const u of report.unknownModels) {
    out.push(
      wrap(
        `Unknown model ${safe(u.model)}: ${plural(u.turns, 'request')}, ${formatTokens(u.promptTokens)} prompt + ${formatTokens(u.outputTokens)} output tokens, excluded from costs (add it with --price "model=${safe(u.model)},input=…,output=…").`,
        width,
        '  ',
      ),
    );
  }
  const errors = report.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = report.diagnostics.filter((d) => d.severity === 'warning').length;
  if (errors + warnings > 0) out.push(`${plural(errors, 'error')}, ${plural(warnings, 'warning')} in the diagnostics (see --json).`);
  return out;
}
