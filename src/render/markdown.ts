/**
 * `token-econ report --format markdown`: a GitHub-flavoured Markdown report
 * from the `analyze --json` document. Every string that comes from logs goes
 * through escape.ts (code spans or backslash escapes; `|` escaped in cells,
 * control characters replaced); numbers are formatted here and only here.
 */
import type { ReportJson } from './report-json.js';
import { escapeMarkdown, markdownCode } from './escape.js';
import {
  breakEvenSentences,
  cheapestStrategy,
  diagnosticGroups,
  formatChangeRatio,
  formatIsoMinute,
  generatedLead,
  formatRatio,
  gapRange,
  paramPairs,
  fleetOverDaysColumn,
  period,
  reasonDescription,
  reasonLabel,
  scenarioDescription,
  scenarioLabel,
  signedUsd,
  sourceText,
  strategyScenarios,
  summarySentences,
  comparedNote,
  trimNumber,
  type Inline,
  type Sentence,
} from './report-text.js';
import { formatInt, formatTokens, formatUsd } from './text.js';

/** Rows shown in the long tables; the JSON has them all. */
export const MARKDOWN_LIMITS = { sessions: 25, files: 50, diagnostics: 20, streamModels: 10 };

type Align = 'left' | 'right';

interface Column {
  header: string;
  align?: Align;
}

function table(columns: Column[], rows: string[][]): string {
  const head = `| ${columns.map((c) => c.header).join(' | ')} |`;
  const rule = `|${columns.map((c) => (c.align === 'right' ? '---:' : '---')).join('|')}|`;
  const body = rows.map((r) => `| ${r.map((cell) => (cell === '' ? ' ' : cell)).join(' | ')} |`);
  return [head, rule, ...body].join('\n');
}

/** Log text in a table cell. */
const cellCode = (text: string | null): string => (text === null || text === '' ? '—' : markdownCode(text, true));
const cellText = (text: string | null): string => (text === null || text === '' ? '—' : escapeMarkdown(text));

function inline(parts: Sentence, inTable = false): string {
  return parts
    .map((p: Inline) => {
      if (typeof p === 'string') return p;
      if ('code' in p) return markdownCode(p.code, inTable) || '""';
      return `**${escapeMarkdown(p.strong)}**`;
    })
    .join('');
}

function header(report: ReportJson): string {
  const { first, last } = period(report);
  const files = report.inputs.files.length;
  const lines = [
    '# token-econ report',
    '',
    `${generatedLead(report.generatedAt)} by token-econ ${escapeMarkdown(report.tool.version)} from ${formatInt(files)} file${files === 1 ? '' : 's'} ` +
      `(${formatInt(report.inputs.sessions)} sessions, ${formatInt(report.inputs.turns)} requests` +
      `${report.inputs.formats.length > 0 ? `; ${report.inputs.formats.map((f) => escapeMarkdown(f)).join(', ')}` : ''}).` +
      (first !== null ? ` Sessions from ${formatIsoMinute(first)} to ${formatIsoMinute(last)}.` : '') +
      ` Prices as of ${escapeMarkdown(report.pricing.asOf)}.`,
  ];
  return lines.join('\n');
}

function summary(report: ReportJson): string {
  return ['## Summary', '', ...summarySentences(report).map((s) => `- ${inline(s)}`)].join('\n');
}

function strategies(report: ReportJson): string {
  const best = cheapestStrategy(report);
  const a = report.compared.actual;
  const rows: string[][] = [
    [
      scenarioLabel('actual'),
      formatUsd(a.cost.totalUsd),
      '—',
      formatTokens(a.tokens.promptTokens),
      formatTokens(a.tokens.cacheReadTokens),
      formatRatio(a.cacheHitRatio),
      formatInt(a.tokens.turns),
      formatUsd(a.missCostUsd),
    ],
  ];
  for (const s of report.scenarios) {
    const label = escapeMarkdown(scenarioLabel(s.id));
    rows.push([
      best !== null && s.id === best.id ? `**${label}** (cheapest)` : label,
      formatUsd(s.totalCostUsd),
      formatChangeRatio(s.changeVsActualRatio),
      formatTokens(s.promptTokens),
      formatTokens(s.cacheReadTokens),
      formatRatio(s.cacheHitRatio),
      s.sideRequests > 0 ? `${formatInt(s.requests)} (${formatInt(s.sideRequests)} side)` : formatInt(s.requests),
      formatUsd(s.missCostUsd),
    ]);
  }
  const described = ['actual', ...report.scenarios.map((s) => s.id)].filter((id, i, all) => all.indexOf(id) === i);
  const notes = described.flatMap((id) => {
    const d = scenarioDescription(id);
    return d ? [`- *${escapeMarkdown(scenarioLabel(id))}*: ${d}.`] : [];
  });
  const out = ['## Strategies', ''];
  if (report.scenarios.length === 0) out.push('No strategy was simulated (nothing could be priced, or `--compare` was empty).', '');
  out.push(
    table(
      [
        { header: 'Scenario' },
        { header: 'Cost', align: 'right' },
        { header: 'vs actual', align: 'right' },
        { header: 'Prompt tokens', align: 'right' },
        { header: 'Cache reads', align: 'right' },
        { header: 'Hit ratio', align: 'right' },
        { header: 'Requests', align: 'right' },
        { header: 'Miss cost', align: 'right' },
      ],
      rows,
    ),
    '',
    ...notes,
  );
  const note = comparedNote(report.compared, report.sessions);
  if (note) out.push('', escapeMarkdown(note));
  return out.join('\n');
}

function misses(report: ReportJson): string {
  const m = report.misses;
  const out = ['## Cache misses', ''];
  if (m.totalMisses === 0) {
    out.push('No cache misses: every request that could read a cached prefix did.');
    return out.join('\n');
  }
  out.push(
    `${formatInt(m.totalMisses)} requests re-paid a prefix the cache could have served, costing **${formatUsd(m.totalMissCostUsd)}** more than cache reads.`,
    '',
    table(
      [
        { header: 'Cause' },
        { header: 'Misses', align: 'right' },
        { header: 'Missed tokens', align: 'right' },
        { header: 'Extra cost', align: 'right' },
        { header: 'Share', align: 'right' },
        { header: 'Idle gaps', align: 'right' },
      ],
      m.byReason.map((r) => [
        escapeMarkdown(reasonLabel(r.reason)),
        formatInt(r.misses),
        formatTokens(r.missedTokens),
        formatUsd(r.missCostUsd),
        m.totalMissCostUsd > 0 ? formatRatio(r.missCostUsd / m.totalMissCostUsd) : '—',
        gapRange(r.minGapMs, r.maxGapMs),
      ]),
    ),
    '',
    ...m.byReason.flatMap((r) => {
      const d = reasonDescription(r.reason);
      return d ? [`- *${escapeMarkdown(reasonLabel(r.reason))}*: ${d}.`] : [];
    }),
  );
  if (m.byStreamModel.length > 0) {
    const shown = m.byStreamModel.slice(0, MARKDOWN_LIMITS.streamModels);
    out.push(
      '',
      '### By stream and model',
      '',
      table(
        [
          { header: 'Stream' },
          { header: 'Model' },
          { header: 'Cause' },
          { header: 'Misses', align: 'right' },
          { header: 'Missed tokens', align: 'right' },
          { header: 'Extra cost', align: 'right' },
        ],
        shown.map((r) => [cellCode(r.streamId), cellCode(r.model), escapeMarkdown(reasonLabel(r.reason)), formatInt(r.misses), formatTokens(r.missedTokens), formatUsd(r.missCostUsd)]),
      ),
    );
    if (m.byStreamModel.length > shown.length) out.push('', `${formatInt(m.byStreamModel.length - shown.length)} more rows in the JSON.`);
  }
  return out.join('\n');
}

function breakEven(report: ReportJson): string {
  const b = report.breakEven;
  const out = ['## Break-even: state vs transcript', ''];
  if (!b.available) {
    out.push('Not available: the break-even analysis needs both `transcript` and `state` in `--compare` and at least one priced session.');
    return out.join('\n');
  }
  out.push(...breakEvenSentences(report).map((s) => `- ${inline(s)}`));
  const patterns = b.patterns.filter((p) => p.sessions > 0);
  if (patterns.length > 0) {
    out.push(
      '',
      '### By usage pattern',
      '',
      table(
        [
          { header: 'Pattern' },
          { header: 'Sessions', align: 'right' },
          { header: 'Turns', align: 'right' },
          { header: 'Actual', align: 'right' },
          { header: 'Transcript', align: 'right' },
          { header: 'State', align: 'right' },
          { header: 'Cheaper' },
        ],
        patterns.map((p) => [
          `${escapeMarkdown(p.pattern)} (${escapeMarkdown(p.criterion)})`,
          formatInt(p.sessions),
          formatInt(p.turns),
          formatUsd(p.actualCostUsd),
          formatUsd(p.transcriptCostUsd),
          formatUsd(p.stateCostUsd),
          p.cheaper === null ? '—' : escapeMarkdown(p.cheaper),
        ]),
      ),
    );
  }
  return out.join('\n');
}

function fleet(report: ReportJson): string {
  const f = report.fleet;
  const out = ['## Fleet projection', ''];
  if (f.rows.length === 0 || f.observedRuns === 0) {
    out.push('No fleet projection: no priced session to average.');
    return out.join('\n');
  }
  const runsPerDay = f.rows[0]?.runsPerDay ?? 0;
  const overDays = fleetOverDaysColumn(f.days);
  out.push(
    `${trimNumber(f.agents)} agents × ${trimNumber(f.runsPerDay)} runs a day with ${formatRatio(f.retryRate)} retries ` +
      `(${trimNumber(runsPerDay)} runs a day), each run costing what an average observed session cost (${formatInt(f.observedRuns)} sessions).`,
    '',
    table(
      [
        { header: 'Scenario' },
        { header: 'Per run', align: 'right' },
        { header: 'Tokens per run', align: 'right' },
        { header: 'Per day', align: 'right' },
        { header: 'Per month', align: 'right' },
        ...(overDays ? [{ header: `Over ${trimNumber(f.days)} days`, align: 'right' as const }] : []),
      ],
      f.rows.map((r) => [
        escapeMarkdown(scenarioLabel(r.scenario)),
        formatUsd(r.perRunCostUsd),
        formatTokens(r.tokensPerRun),
        formatUsd(r.costPerDayUsd),
        formatUsd(r.costPerMonthUsd),
        ...(overDays ? [formatUsd(r.costOverDaysUsd)] : []),
      ]),
    ),
  );
  return out.join('\n');
}

function reported(report: ReportJson): string | null {
  const r = report.reportedVsComputed;
  if (r.summary === null) return null;
  const s = r.summary;
  const out = [
    '## Reported vs computed',
    '',
    `${formatInt(s.sessions)} session${s.sessions === 1 ? ' carries' : 's carry'} the provider's own cost: reported ${formatUsd(s.reportedCostUsd)}, computed ${formatUsd(s.computedCostUsd)} ` +
      `(difference ${signedUsd(s.differenceUsd)}${s.hiddenCostUsd > 0 ? `; ${formatUsd(s.hiddenCostUsd)} of hidden side calls` : ''}).`,
    '',
    table(
      [
        { header: 'Session' },
        { header: 'Reported', align: 'right' },
        { header: 'Computed', align: 'right' },
        { header: 'Difference', align: 'right' },
        { header: 'Hidden models' },
        { header: 'Explanation' },
      ],
      r.sessions.map((x) => [
        cellCode(x.sessionId),
        formatUsd(x.reportedCostUsd),
        formatUsd(x.computedCostUsd),
        signedUsd(x.differenceUsd),
        x.hiddenModels.length === 0 ? '—' : x.hiddenModels.map((m) => markdownCode(m, true)).join(', '),
        cellText(x.explanation),
      ]),
    ),
  ];
  return out.join('\n');
}

function topTurns(report: ReportJson): string | null {
  if (report.topTurns.length === 0) return null;
  return [
    '## Most expensive requests',
    '',
    table(
      [
        { header: 'Session' },
        { header: 'Turn', align: 'right' },
        { header: 'Time' },
        { header: 'Stream' },
        { header: 'Model' },
        { header: 'Prompt', align: 'right' },
        { header: 'Output', align: 'right' },
        { header: 'Cost', align: 'right' },
        { header: 'Miss' },
      ],
      report.topTurns.map((t) => [
        cellCode(t.sessionId),
        formatInt(t.index + 1),
        formatIsoMinute(t.timestamp),
        cellCode(t.streamId),
        cellCode(t.model),
        formatTokens(t.promptTokens),
        formatTokens(t.outputTokens),
        formatUsd(t.costUsd),
        t.missReason === null ? '—' : `${escapeMarkdown(reasonLabel(t.missReason))} (${formatUsd(t.missCostUsd)})`,
      ]),
    ),
  ].join('\n');
}

function sessions(report: ReportJson): string {
  const out = ['## Sessions', ''];
  if (report.sessions.length === 0) {
    out.push('No sessions.');
    return out.join('\n');
  }
  const ids = strategyScenarios(report).map((s) => s.id);
  const sorted = [...report.sessions].sort((p, q) => q.actual.cost.totalUsd - p.actual.cost.totalUsd || (p.id < q.id ? -1 : p.id > q.id ? 1 : 0));
  const shown = sorted.slice(0, MARKDOWN_LIMITS.sessions);
  out.push(
    table(
      [
        { header: 'Session' },
        { header: 'Project' },
        { header: 'Format' },
        { header: 'Start' },
        { header: 'Turns', align: 'right' },
        { header: 'Actual', align: 'right' },
        ...ids.map((id) => ({ header: escapeMarkdown(scenarioLabel(id)), align: 'right' as const })),
        { header: 'Hit ratio', align: 'right' },
        { header: 'Break-even', align: 'right' },
      ],
      shown.map((s) => [
        cellCode(s.id),
        cellCode(s.project),
        cellText(s.format),
        formatIsoMinute(s.firstTimestamp),
        formatInt(s.actual.tokens.turns),
        s.actual.pricedTurns === 0 ? 'not priced' : formatUsd(s.actual.cost.totalUsd) + (s.actual.unpricedTurns > 0 ? ' (partial)' : ''),
        ...ids.map((id) => {
          const sc = s.scenarios.find((x) => x.id === id);
          return sc ? formatUsd(sc.totalCostUsd) : '—';
        }),
        formatRatio(s.actual.cacheHitRatio),
        s.breakEven === null ? '—' : s.breakEven.breakEvenTurn === null ? 'never' : `turn ${formatInt(s.breakEven.breakEvenTurn)}`,
      ]),
    ),
  );
  if (sorted.length > shown.length) out.push('', `Showing the ${shown.length} most expensive of ${formatInt(sorted.length)} sessions; the JSON has all of them.`);
  return out.join('\n');
}

function unknownModels(report: ReportJson): string | null {
  if (report.unknownModels.length === 0) return null;
  return [
    '## Models without a price',
    '',
    'Their requests are counted in tokens but excluded from every cost. Add a price with `--price "model=ID,input=…,output=…"` or `--pricing FILE`.',
    '',
    table(
      [{ header: 'Model' }, { header: 'Requests', align: 'right' }, { header: 'Prompt tokens', align: 'right' }, { header: 'Output tokens', align: 'right' }],
      report.unknownModels.map((u) => [cellCode(u.model), formatInt(u.turns), formatTokens(u.promptTokens), formatTokens(u.outputTokens)]),
    ),
  ].join('\n');
}

function inputs(report: ReportJson): string {
  const i = report.inputs;
  const shown = i.files.slice(0, MARKDOWN_LIMITS.files);
  const out = [
    '## Inputs',
    '',
    `${formatInt(i.linesRead)} lines read: ${formatInt(i.linesCounted)} counted, ${formatInt(i.linesIgnored)} without billing data, ${formatInt(i.linesSkipped)} skipped` +
      `${i.duplicateTurnsDropped > 0 ? `; ${formatInt(i.duplicateTurnsDropped)} duplicate requests dropped` : ''}.`,
    '',
    table(
      [
        { header: 'File' },
        { header: 'Format' },
        { header: 'Read', align: 'right' },
        { header: 'Counted', align: 'right' },
        { header: 'Ignored', align: 'right' },
        { header: 'Skipped', align: 'right' },
      ],
      shown.map((f) => [cellCode(f.file), cellText(f.format), formatInt(f.linesRead), formatInt(f.linesCounted), formatInt(f.linesIgnored), formatInt(f.linesSkipped)]),
    ),
  ];
  if (i.files.length > shown.length) out.push('', `${formatInt(i.files.length - shown.length)} more files in the JSON.`);
  return out.join('\n');
}

function assumptions(report: ReportJson): string {
  const p = report.pricing;
  const a = report.assumptions;
  const f = report.inputs.filters;
  const filterParts: string[] = [];
  if (f.since !== null) filterParts.push(`since ${escapeMarkdown(f.since)}`);
  if (f.until !== null) filterParts.push(`until ${escapeMarkdown(f.until)}`);
  if (f.sessions.length > 0) filterParts.push(`sessions ${f.sessions.map((s) => markdownCode(s)).join(', ')}`);
  if (f.projects.length > 0) filterParts.push(`projects ${f.projects.map((s) => markdownCode(s)).join(', ')}`);
  const sim = paramPairs(a.simulation);
  const out = [
    '## Assumptions',
    '',
    `- Prices: list prices from the snapshot of **${escapeMarkdown(p.asOf)}** (${escapeMarkdown(p.source)}); costs are what these requests would cost at those prices, not an invoice.`,
    `- Strategies compared: ${a.strategies.length > 0 ? a.strategies.map((s) => escapeMarkdown(scenarioLabel(s))).join(', ') : 'none'}.`,
    `- Simulation parameters: ${sim.length > 0 ? sim.map(([k, v]) => markdownCode(`${k}=${v}`)).join(', ') : 'defaults'}.`,
    `- Miss attribution: a miss re-pays at least ${formatInt(a.missAttribution.missMinTokens)} tokens and ${formatRatio(a.missAttribution.missMinRatio)} of the expected cached prefix; ` +
      `a prompt falling below ${formatRatio(a.missAttribution.compactionDropRatio)} of the previous one counts as a compaction.`,
    `- Fleet: ${trimNumber(a.fleet.agents)} agents, ${trimNumber(a.fleet.runsPerDay)} runs per agent a day, ${formatRatio(a.fleet.retryRate)} retries, ${trimNumber(a.fleet.days)} days.`,
    `- Filters: ${filterParts.length > 0 ? filterParts.join('; ') : 'none'}.`,
  ];
  if (p.models.length > 0) {
    out.push(
      '',
      table(
        [{ header: 'Model (as logged)' }, { header: 'Price row' }, { header: 'Matched by' }, { header: 'Requests', align: 'right' }],
        p.models.map((m) => [cellCode(m.model), m.priceId === null ? '**no price**' : cellCode(m.priceId), cellText(m.matchedBy), formatInt(m.turns)]),
      ),
    );
  }
  return out.join('\n');
}

function diagnostics(report: ReportJson): string {
  const d = report.diagnostics;
  const out = ['## Diagnostics', ''];
  if (d.length === 0) {
    out.push('None: every line was read.');
    return out.join('\n');
  }
  const count = (sev: string): number => d.filter((x) => x.severity === sev).length;
  out.push(
    `${formatInt(d.length)} diagnostic${d.length === 1 ? '' : 's'}: ${formatInt(count('error'))} errors, ${formatInt(count('warning'))} warnings, ${formatInt(count('info'))} info.`,
    '',
    table(
      [{ header: 'Severity' }, { header: 'Code' }, { header: 'Count', align: 'right' }, { header: 'First at' }, { header: 'Message' }],
      diagnosticGroups(report).map((g) => [
        cellText(g.severity),
        cellCode(g.code),
        formatInt(g.count),
        g.first.source === null ? '—' : cellCode(sourceText(g.first.source)),
        cellText(g.first.message),
      ]),
    ),
  );
  return out.join('\n');
}

/** The whole report as GitHub-flavoured Markdown (ends with a newline). */
export function renderMarkdown(report: ReportJson): string {
  const sections = [
    header(report),
    summary(report),
    strategies(report),
    misses(report),
    breakEven(report),
    fleet(report),
    reported(report),
    topTurns(report),
    sessions(report),
    unknownModels(report),
    inputs(report),
    assumptions(report),
    diagnostics(report),
  ].filter((s): s is string => s !== null);
  return `${sections.join('\n\n')}\n`;
}
