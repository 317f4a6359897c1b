/**
 * Wording shared by the Markdown and HTML reports: labels, the summary facts
 * and the break-even sentences, built once from a ReportJson as "inline"
 * segments so each renderer applies its own escaping. Plain strings are the
 * renderer's own text; `code` segments carry text from logs (ids, models,
 * paths) and are always escaped by the target format.
 */
import type { ReportJson } from './report-json.js';
import { formatDuration, formatInt, formatPercent, formatTokens, formatUsd } from './text.js';

export type Inline = string | { code: string } | { strong: string };
export type Sentence = Inline[];

export type ScenarioRow = ReportJson['scenarios'][number];
export type SessionRow = ReportJson['sessions'][number];

const STRATEGY_LABELS: Record<string, string> = {
  actual: 'actual (logged)',
  transcript: 'transcript',
  state: 'state',
  replay: 'replay',
  nocache: 'no cache',
  'transcript@5m': 'transcript, 5m TTL',
  'transcript@1h': 'transcript, 1h TTL',
  'transcript@log': 'transcript, logged TTL',
};

const STRATEGY_DESCRIPTIONS: Record<string, string> = {
  actual: 'what the logged requests cost at list prices',
  transcript: 'resend the whole history with prefix caching (what agents do today)',
  state: 'send a bounded state instead of the history',
  replay: 'reuse results of repeated tasks',
  nocache: 'resend the whole history without caching',
  'transcript@5m': 'transcript with every cache write at the 5-minute TTL',
  'transcript@1h': 'transcript with every cache write at the 1-hour TTL',
  'transcript@log': "transcript with each session's own TTL: the simulator's calibration against actual",
};

/** Human label of `actual`, a strategy or a scenario id; unknown ids are shown as given. */
export function scenarioLabel(id: string): string {
  return STRATEGY_LABELS[id] ?? id;
}

export function scenarioDescription(id: string): string | null {
  return STRATEGY_DESCRIPTIONS[id] ?? null;
}

const REASON_LABELS: Record<string, string> = {
  'cold-start': 'cold start',
  'ttl-expired': 'TTL expired',
  compaction: 'compaction',
  'model-switch': 'model switch',
  'prefix-change': 'prefix changed',
  'below-minimum': 'below minimum',
};

const REASON_DESCRIPTIONS: Record<string, string> = {
  'cold-start': 'first request of a stream; nothing was cached yet',
  'ttl-expired': 'the idle gap exceeded the cache entry’s lifetime',
  compaction: 'the history was compacted, so the new prefix was not cached',
  'model-switch': 'another model on the same stream has its own cache',
  'prefix-change': 'the prefix was rewritten (or evicted) within the TTL',
  'below-minimum': 'the prompt was shorter than the model’s minimum cacheable length',
};

export function reasonLabel(reason: string): string {
  return REASON_LABELS[reason] ?? reason;
}

export function reasonDescription(reason: string): string | null {
  return REASON_DESCRIPTIONS[reason] ?? null;
}

/** `2026-01-14 09:00 UTC` from an ISO string (without ` UTC` for table columns that say so); `—` for null or an unparsable value. */
export function formatIsoMinute(iso: string | null, withZone = true): string {
  if (iso === null) return '—';
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '—';
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}${withZone ? ' UTC' : ''}`;
}

/**
 * `Generated 2026-01-15 08:30 UTC` from the document's `generatedAt` (the
 * clock of `analyze`, never read here, so the same JSON renders the same
 * bytes); `Made` when the time is missing or unreadable.
 */
export function generatedLead(generatedAt: string | null): string {
  const when = formatIsoMinute(generatedAt);
  return when === '—' ? 'Made' : `Generated ${when}`;
}

/** `+12.0%` / `-80.4%` / `±0.0%` from a change ratio; `n/a` for null. */
export function formatChangeRatio(ratio: number | null): string {
  if (ratio === null || !Number.isFinite(ratio)) return 'n/a';
  const pct = ratio * 100;
  const text = Math.abs(pct).toFixed(1);
  if (text === '0.0') return '±0.0%';
  return `${pct > 0 ? '+' : '-'}${text}%`;
}

export function formatRatio(ratio: number): string {
  return formatPercent(ratio, 1);
}

/** Strategy scenarios (as run with `--compare`), in document order. */
export function strategyScenarios(report: ReportJson): ScenarioRow[] {
  return report.scenarios.filter((s) => s.kind === 'strategy');
}

/** The cheapest strategy scenario, or null when none was simulated. Ties keep document order. */
export function cheapestStrategy(report: ReportJson): ScenarioRow | null {
  let best: ScenarioRow | null = null;
  for (const s of strategyScenarios(report)) if (best === null || s.totalCostUsd < best.totalCostUsd) best = s;
  return best;
}

/** Time span of the sessions: first and last timestamps (ISO), or null. */
export function period(report: ReportJson): { first: string | null; last: string | null } {
  let first: string | null = null;
  let last: string | null = null;
  for (const s of report.sessions) {
    if (s.firstTimestamp !== null && (first === null || s.firstTimestamp < first)) first = s.firstTimestamp;
    if (s.lastTimestamp !== null && (last === null || s.lastTimestamp > last)) last = s.lastTimestamp;
  }
  return { first, last };
}

export interface Fact {
  label: string;
  value: string;
  note: Sentence;
  tone: 'neutral' | 'good' | 'bad' | 'warn';
}

/** The headline numbers of the report. */
export function summaryFacts(report: ReportJson): Fact[] {
  const facts: Fact[] = [];
  const a = report.actual;
  facts.push({
    label: 'Actual cost',
    value: formatUsd(a.cost.totalUsd),
    note: [`${formatInt(a.pricedTurns)} priced requests in ${formatInt(report.inputs.sessions)} sessions`],
    tone: 'neutral',
  });
  facts.push({
    label: 'Cache hit ratio',
    value: formatRatio(a.cacheHitRatio),
    note: [`${formatTokens(a.tokens.cacheReadTokens)} of ${formatTokens(a.tokens.promptTokens)} prompt tokens read from cache`],
    tone: 'neutral',
  });
  const missShare = a.cost.totalUsd > 0 ? report.misses.totalMissCostUsd / a.cost.totalUsd : 0;
  const top = report.misses.byReason[0];
  facts.push({
    label: 'Cache-miss cost',
    value: formatUsd(report.misses.totalMissCostUsd),
    note:
      report.misses.totalMisses === 0
        ? ['no cache misses']
        : [`${formatRatio(missShare)} of actual, ${formatInt(report.misses.totalMisses)} misses`, ...(top ? [`; most from ${reasonLabel(top.reason)}`] : [])],
    tone: missShare >= 0.1 ? 'bad' : 'neutral',
  });
  const best = cheapestStrategy(report);
  if (best) {
    facts.push({
      label: 'Cheapest strategy',
      value: scenarioLabel(best.id),
      note: [`${formatUsd(best.totalCostUsd)}, ${formatChangeRatio(best.changeVsActualRatio)} vs actual`],
      tone: best.changeVsActualRatio !== null && best.changeVsActualRatio < -0.005 ? 'good' : 'neutral',
    });
  }
  if (a.unpricedTurns > 0) {
    facts.push({
      label: 'Not priced',
      value: `${formatInt(a.unpricedTurns)} requests`,
      note: [`${report.unknownModels.length} unknown model${report.unknownModels.length === 1 ? '' : 's'}; excluded from every cost`],
      tone: 'warn',
    });
  }
  return facts;
}

/** Plain summary sentences (Markdown's summary list, HTML's lead paragraph). */
export function summarySentences(report: ReportJson): Sentence[] {
  const out: Sentence[] = [];
  const a = report.actual;
  out.push([
    'The logged requests cost ',
    { strong: formatUsd(a.cost.totalUsd) },
    ` at list prices (${formatInt(a.pricedTurns)} priced requests in ${formatInt(report.inputs.sessions)} sessions; ${formatRatio(a.cacheHitRatio)} of prompt tokens read from cache).`,
  ]);
  if (report.misses.totalMisses > 0) {
    const top = report.misses.byReason[0];
    const share = a.cost.totalUsd > 0 ? report.misses.totalMissCostUsd / a.cost.totalUsd : 0;
    out.push([
      `${formatInt(report.misses.totalMisses)} cache misses cost `,
      { strong: formatUsd(report.misses.totalMissCostUsd) },
      ` more than cache reads would have (${formatRatio(share)} of actual)`,
      ...(top ? [`; the largest cause is ${reasonLabel(top.reason)} (${formatUsd(top.missCostUsd)}).`] : ['.']),
    ]);
  }
  const best = cheapestStrategy(report);
  if (best) {
    out.push([
      'Cheapest simulated strategy: ',
      { strong: scenarioLabel(best.id) },
      ` at ${formatUsd(best.totalCostUsd)} (${formatChangeRatio(best.changeVsActualRatio)} vs actual).`,
    ]);
  }
  const calibration = report.scenarios.find((s) => s.kind === 'log-ttl');
  if (calibration && calibration.changeVsActualRatio !== null) {
    out.push([
      `Calibration: the simulator replays the logged workloads at ${formatUsd(calibration.totalCostUsd)}, ${formatChangeRatio(calibration.changeVsActualRatio)} from the logged cost.`,
    ]);
  }
  const replay = replayObservation(report.sessions);
  if (replay) out.push([replaySentence(replay)]);
  if (a.unpricedTurns > 0) {
    out.push([
      `${formatInt(a.unpricedTurns)} requests of models without a price (`,
      ...joinCodes(report.unknownModels.map((u) => u.model)),
      ') are counted in tokens but not in any cost.',
    ]);
  }
  return out;
}

/** `a`, `b` and `c` as code segments. */
export function joinCodes(items: readonly string[], max = 5): Inline[] {
  const out: Inline[] = [];
  const shown = items.slice(0, max);
  shown.forEach((item, i) => {
    if (i > 0) out.push(i === shown.length - 1 && items.length <= max ? ' and ' : ', ');
    out.push({ code: item });
  });
  if (items.length > max) out.push(` and ${items.length - max} more`);
  return out;
}

/** The break-even findings as sentences; empty when the analysis was not available. */
export function breakEvenSentences(report: ReportJson): Sentence[] {
  const b = report.breakEven;
  if (!b.available) return [];
  const out: Sentence[] = [];
  if (b.focus && b.focusSessionId !== null) {
    const f = b.focus;
    const lead: Inline[] = ['In session ', { code: b.focusSessionId }, ` (${formatInt(f.turns)} turns), `];
    if (f.breakEvenTurn === null) {
      out.push([...lead, 'state never becomes cheaper than transcript: ', { strong: formatUsd(f.stateCostUsd) }, ` vs ${formatUsd(f.transcriptCostUsd)} at the end.`]);
    } else {
      out.push([
        ...lead,
        'state becomes cheaper than transcript at turn ',
        { strong: formatInt(f.breakEvenTurn) },
        f.staysBelow ? ' and stays below' : ' but does not stay below',
        ` (${formatUsd(f.stateCostUsd)} vs ${formatUsd(f.transcriptCostUsd)} at the end).`,
      ]);
    }
  }
  if (b.sessionsEvaluated > 0) {
    out.push([
      `${formatInt(b.sessionsWithBreakEven)} of ${formatInt(b.sessionsEvaluated)} sessions reach a break-even`,
      b.medianBreakEvenTurn !== null ? ` (median turn ${trimNumber(b.medianBreakEvenTurn)})` : '',
      `; state is cheaper at the end in ${formatInt(b.sessionsStateCheaper)}.`,
    ]);
  }
  const g = b.gap;
  if (g.points.length > 0) {
    if (g.stateCheaperAtAllGaps) out.push(['State is cheaper than transcript at every idle gap swept.']);
    else if (g.crossoverGapMs !== null) {
      const cross = formatDuration(g.crossoverGapMs);
      const lastWin = g.lastTranscriptWinGapMs === null ? null : formatDuration(g.lastTranscriptWinGapMs);
      // The bisection finds the first losing gap to ~1 s: "exceeds 5m 00s" reads better than "reaches 5m 00s (still wins at 5m 00s)".
      out.push(
        lastWin === cross
          ? ['Transcript costs more than state once the idle gap between turns exceeds ', { strong: cross }, '.']
          : [
              'Transcript costs more than state once the idle gap between turns reaches ',
              { strong: cross },
              lastWin !== null ? ` (transcript still wins at ${lastWin}).` : '.',
            ],
      );
    } else {
      const maxGap = Math.max(...g.points.map((p) => p.gapMs));
      out.push([`Transcript stays cheaper than state at every idle gap up to ${formatDuration(maxGap)}.`]);
    }
    if (!g.transcriptMonotone) out.push(['Note: transcript cost did not grow monotonically with the gap; treat the gap sweep with care.']);
  }
  const s = b.stateSize;
  if (s.maxWinningStateRatio === null) {
    out.push([`State does not beat transcript at any state size swept (run used ${formatRatio(s.observedStateRatio)} of the context).`]);
  } else {
    out.push([
      'State stays cheaper while it is at most ',
      { strong: formatRatio(s.maxWinningStateRatio) },
      ' of the context',
      s.maxWinningStateTokens !== null ? ` (about ${formatTokens(s.maxWinningStateTokens)} tokens of an average ${formatTokens(s.averageContextTokens)})` : '',
      `; this run used ${formatRatio(s.observedStateRatio)}.`,
    ]);
  }
  const t = b.ttl;
  const gaps = `${formatInt(t.gapsUnder5m)} idle gaps under 5 minutes, ${formatInt(t.gaps5mTo1h)} between 5 minutes and an hour, ${formatInt(t.gapsOver1h)} over an hour`;
  if (t.cheaper === 'equal') out.push([`5-minute and 1-hour cache writes cost the same on these workloads (${gaps}).`]);
  else {
    out.push([
      `${t.cheaper === '1h' ? '1-hour' : '5-minute'} cache writes are cheaper by `,
      { strong: formatUsd(t.savingUsd) },
      ` (${formatUsd(t.cost5mUsd)} with 5m vs ${formatUsd(t.cost1hUsd)} with 1h; ${gaps}).`,
    ]);
  }
  return out;
}

/** `12.5` / `12`: a median may be a half; float noise (`220.00000000000003`) reads as `220`. */
export function trimNumber(n: number): string {
  const r = Math.round(n * 10) / 10;
  return Number.isInteger(r) ? formatInt(r) : r.toFixed(1);
}

/** The fleet table's month is 30 days, so an "over N days" column only adds something when N is not 30. */
export function fleetOverDaysColumn(days: number): boolean {
  return days !== 30;
}

/** Cumulative cost per workload turn (1-based x) of one session's strategy scenario. */
export function scenarioCurve(session: SessionRow, scenarioId: string): Array<{ x: number; y: number }> | null {
  const sc = session.scenarios.find((s) => s.id === scenarioId);
  if (!sc || !sc.turns) return null;
  const byTurn = new Map<number, number>();
  for (const t of sc.turns) byTurn.set(t.turnIndex, t.cumulativeCostUsd);
  return [...byTurn.entries()].sort((p, q) => p[0] - q[0]).map(([i, y]) => ({ x: i + 1, y }));
}

/**
 * Parameters that were set, as `key=value` pairs sorted by key: unset (null)
 * ones are left out, fractions shown to 4 significant digits (the JSON keeps
 * full precision).
 */
export function paramPairs(params: Record<string, string | number | boolean | null>): Array<[string, string]> {
  return Object.keys(params)
    .sort()
    .flatMap((k): Array<[string, string]> => {
      const v = params[k];
      if (v === null || v === undefined) return [];
      if (typeof v === 'number' && !Number.isInteger(v)) return [[k, String(Number(v.toPrecision(4)))]];
      return [[k, String(v)]];
    });
}

/** Diagnostics grouped by code: count, severity, first location and message. */
export function diagnosticGroups(report: ReportJson): Array<{
  code: string;
  severity: string;
  count: number;
  first: ReportJson['diagnostics'][number];
}> {
  const groups = new Map<string, { code: string; severity: string; count: number; first: ReportJson['diagnostics'][number] }>();
  for (const d of report.diagnostics) {
    const key = `${d.severity}\u0000${d.code}`;
    const g = groups.get(key);
    if (g) g.count++;
    else groups.set(key, { code: d.code, severity: d.severity, count: 1, first: d });
  }
  const rank: Record<string, number> = { error: 0, warning: 1, info: 2 };
  return [...groups.values()].sort((p, q) => (rank[p.severity] ?? 3) - (rank[q.severity] ?? 3) || q.count - p.count || (p.code < q.code ? -1 : p.code > q.code ? 1 : 0));
}

export function sourceText(source: { file: string; line: number } | null): string {
  if (source === null) return '';
  return source.line > 0 ? `${source.file}:${source.line}` : source.file;
}

/** `7m 12s–22m 00s`, one duration when equal, `—` when unknown. */
export function gapRange(minMs: number | null, maxMs: number | null): string {
  if (minMs === null || maxMs === null) return '—';
  return minMs === maxMs ? formatDuration(minMs) : `${formatDuration(minMs)}–${formatDuration(maxMs)}`;
}

/** `+$0.09` / `-$0.0042` / `$0.00`. */
export function signedUsd(usd: number): string {
  if (usd === 0 || !Number.isFinite(usd)) return formatUsd(usd);
  return usd > 0 ? `+${formatUsd(usd)}` : formatUsd(usd);
}

/** What replay observed in the user's own data (runs repeating an earlier task). */
export interface ReplayObservation {
  runs: number;
  fingerprintedRuns: number;
  replays: number;
  observedRepeatRate: number;
  /** Hit rate assumed for runs without a fingerprint (`--replay-hit-rate`), or null. */
  assumedHitRate: number | null;
}

/**
 * Replay's observation, read from the params of the `replay` scenario (the
 * strategy merges its cross-session counts into every session's params), or
 * null when replay was not simulated.
 */
export function replayObservation(
  sessions: ReadonlyArray<{ scenarios: ReadonlyArray<{ strategy: string; kind: string; params: Record<string, string | number | boolean | null> }> }>,
): ReplayObservation | null {
  for (const s of sessions) {
    const sc = s.scenarios.find((x) => x.strategy === 'replay' && x.kind === 'strategy');
    if (!sc) continue;
    const p = sc.params;
    const num = (k: string): number => (typeof p[k] === 'number' ? (p[k] as number) : 0);
    if (num('runs') === 0) return null;
    return {
      runs: num('runs'),
      fingerprintedRuns: num('fingerprintedRuns'),
      replays: num('replays'),
      observedRepeatRate: num('observedRepeatRate'),
      assumedHitRate: typeof p['replayHitRate'] === 'number' ? p['replayHitRate'] : null,
    };
  }
  return null;
}

/** One sentence on replay's observed repeat rate. */
export function replaySentence(o: ReplayObservation): string {
  const runs = `${formatInt(o.runs)} run${o.runs === 1 ? '' : 's'}`;
  const fp =
    o.fingerprintedRuns === o.runs
      ? 'all with a task fingerprint (model + first prompt)'
      : `${formatInt(o.fingerprintedRuns)} with a task fingerprint (model + first prompt)${o.assumedHitRate === null ? '; the others cannot replay without --replay-hit-rate' : `; the others replay at the assumed --replay-hit-rate ${formatRatio(o.assumedHitRate)}`}`;
  return `Replay: ${formatInt(o.replays)} of ${runs} repeated an earlier task and replayed (observed repeat rate ${formatRatio(o.observedRepeatRate)}); ${fp}.`;
}

/**
 * When some sessions were not simulated: which sessions the strategies are
 * compared on, the actual cost of those (the "actual" row of the table), and
 * why the others were left out (their `not simulated:` workload notes).
 */
export function comparedNote(
  compared: { sessions: number; notSimulated: number; actual: { cost: { totalUsd: number } } },
  sessions: ReadonlyArray<{ workloadNotes: readonly string[] }>,
): string | null {
  if (compared.notSimulated === 0) return null;
  const n = compared.notSimulated;
  const reasons = new Map<string, number>();
  for (const s of sessions) {
    for (const note of s.workloadNotes) {
      if (note.startsWith('not simulated: ')) reasons.set(note.slice('not simulated: '.length), (reasons.get(note.slice('not simulated: '.length)) ?? 0) + 1);
    }
  }
  const why = [...reasons].map(([reason, count]) => `${reason} (${formatInt(count)})`).join('; ');
  return (
    `Strategies are compared on the ${formatInt(compared.sessions)} simulated session${compared.sessions === 1 ? '' : 's'} (actual ${formatUsd(compared.actual.cost.totalUsd)}); ` +
    `${formatInt(n)} session${n === 1 ? ' is' : 's are'} not simulated${why ? `: ${why}` : ''}.`
  );
}
