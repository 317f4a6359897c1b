/**
 * The public, versioned JSON document of `token-econ analyze --json`
 * (input of `token-econ report`). It is a contract: the shape is mapped
 * explicitly from the internal AnalysisReport, documented field by field in
 * schema/report.schema.json and docs/json-output.md, and changes only
 * additively within a schemaVersion.
 *
 * Conventions: money in USD at full precision (`…Usd`), token counts as
 * integers (`…Tokens`), durations in ms (`…Ms`), times as ISO 8601 UTC
 * strings (`…timestamp`, `generatedAt`) or null when the log has none.
 */
import type { Diagnostic } from '../model/diagnostic.js';
import type { CostBreakdown } from '../model/pricing.js';
import type {
  ActualTotals,
  ActualTurn,
  AnalysisReport,
  CacheTtl,
  PatternRow,
  ScenarioKind,
  SessionAnalysis,
  SessionBreakEven,
  SessionReported,
  SimulatedTurnList,
} from '../model/report.js';
import type { MissReason, SimulatedTurn, StrategyId } from '../model/simulation.js';
import { TOOL_VERSION } from '../version.js';

/** Bumped only on a breaking change; fields are only ever added within a version. */
export const REPORT_SCHEMA_VERSION = 2;

export interface CostJson {
  inputUsd: number;
  cacheWrite5mUsd: number;
  cacheWrite1hUsd: number;
  cacheReadUsd: number;
  outputUsd: number;
  storageUsd: number;
  totalUsd: number;
}

export interface TokensJson {
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  reasoningOutputTokens: number;
  promptTokens: number;
  turns: number;
}

export interface ActualTotalsJson {
  tokens: TokensJson;
  cost: CostJson;
  cacheHitRatio: number;
  pricedTurns: number;
  unpricedTurns: number;
  missCostUsd: number;
}

export interface ActualTurnJson {
  index: number;
  timestamp: string | null;
  streamId: string;
  model: string;
  priceId: string | null;
  inputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  promptTokens: number;
  cost: CostJson | null;
  cumulativeCostUsd: number;
  idleGapMs: number | null;
  missReason: MissReason | null;
  missedTokens: number;
  missCostUsd: number;
  cacheTtl: CacheTtl | null;
  reportedCostUsd: number | null;
  isEstimated: boolean;
  source: { file: string; line: number };
}

export interface SimulatedTurnJson {
  turnIndex: number;
  kind: SimulatedTurn['kind'];
  model: string;
  promptTokens: number;
  uncachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  cost: CostJson;
  cumulativeCostUsd: number;
  missReason: MissReason | null;
  missCostUsd: number;
  idleGapMs: number | null;
}

export interface SessionScenarioJson {
  id: string;
  strategy: StrategyId;
  kind: ScenarioKind;
  totalCostUsd: number;
  totalPromptTokens: number;
  totalOutputTokens: number;
  cacheReadTokens: number;
  params: Record<string, string | number | boolean | null>;
  turns: SimulatedTurnJson[] | null;
}

export interface SessionBreakEvenJson {
  breakEvenTurn: number | null;
  staysBelow: boolean;
  turns: number;
  transcriptCostUsd: number;
  stateCostUsd: number;
}

export interface SessionReportedJson {
  reportedCostUsd: number;
  computedCostUsd: number;
  differenceUsd: number;
  source: 'session-result' | 'per-request';
  turns: number;
  byModel: Array<{
    model: string;
    reportedCostUsd: number;
    computedCostUsd: number | null;
    reportedPromptTokens: number;
    loggedPromptTokens: number;
    reportedOutputTokens: number;
    loggedOutputTokens: number;
    loggedTurns: number;
  }>;
  hiddenModels: string[];
  hiddenCostUsd: number;
  explanation: string;
}

export interface SessionJson {
  id: string;
  project: string | null;
  format: string;
  files: string[];
  firstTimestamp: string | null;
  lastTimestamp: string | null;
  streams: string[];
  compactions: number;
  isEstimated: boolean;
  logTtl: CacheTtl | null;
  actual: ActualTotalsJson;
  turns: ActualTurnJson[] | null;
  scenarios: SessionScenarioJson[];
  breakEven: SessionBreakEvenJson | null;
  reported: SessionReportedJson | null;
  workloadNotes: string[];
}

export interface ScenarioTotalsJson {
  id: string;
  strategy: StrategyId;
  kind: ScenarioKind;
  totalCostUsd: number;
  cost: CostJson;
  promptTokens: number;
  cacheReadTokens: number;
  outputTokens: number;
  cacheHitRatio: number;
  requests: number;
  sideRequests: number;
  missCostUsd: number;
  sessions: number;
  /** totalCostUsd / actual total − 1; null when the actual total is 0. */
  changeVsActualRatio: number | null;
}

export interface ReportJson {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  kind: 'analysis';
  tool: { name: 'token-econ'; version: string };
  generatedAt: string | null;
  /** Whether `sessions[].turns` and `sessions[].scenarios[].turns` list every request (`--requests`); else they are null. */
  perRequest: boolean;
  inputs: {
    files: Array<{
      file: string;
      format: string;
      bytes: number;
      linesRead: number;
      linesCounted: number;
      linesIgnored: number;
      linesSkipped: number;
    }>;
    formats: string[];
    sessions: number;
    turns: number;
    duplicateTurnsDropped: number;
    linesRead: number;
    linesCounted: number;
    linesIgnored: number;
    linesSkipped: number;
    filters: { since: string | null; until: string | null; sessions: string[]; projects: string[] };
  };
  pricing: {
    asOf: string;
    source: string;
    models: Array<{ model: string; priceId: string | null; matchedBy: string | null; turns: number }>;
  };
  assumptions: {
    strategies: StrategyId[];
    simulation: Record<string, string | number | boolean | null>;
    missAttribution: { missMinTokens: number; missMinRatio: number; compactionDropRatio: number };
    fleet: { agents: number; runsPerDay: number; retryRate: number; days: number };
  };
  actual: ActualTotalsJson;
  /** Actual cost of the simulated sessions: the baseline of every scenario's changeVsActualRatio. */
  compared: { sessions: number; notSimulated: number; actual: ActualTotalsJson };
  scenarios: ScenarioTotalsJson[];
  misses: {
    totalMisses: number;
    totalMissCostUsd: number;
    byReason: Array<{
      reason: MissReason;
      misses: number;
      missedTokens: number;
      missCostUsd: number;
      minGapMs: number | null;
      maxGapMs: number | null;
    }>;
    byStreamModel: Array<{
      streamId: string;
      model: string;
      reason: MissReason;
      misses: number;
      missedTokens: number;
      missCostUsd: number;
    }>;
  };
  topTurns: Array<{
    sessionId: string;
    index: number;
    timestamp: string | null;
    streamId: string;
    model: string;
    promptTokens: number;
    outputTokens: number;
    costUsd: number;
    missReason: MissReason | null;
    missCostUsd: number;
  }>;
  curves: {
    basis: 'session' | 'aggregate';
    sessionId: string | null;
    series: Array<{ id: string; perTurnUsd: number[]; cumulativeUsd: number[] }>;
  };
  breakEven: {
    available: boolean;
    focusSessionId: string | null;
    focus: SessionBreakEvenJson | null;
    focusCurve: { transcriptCumulativeUsd: number[]; stateCumulativeUsd: number[] } | null;
    sessionsEvaluated: number;
    sessionsWithBreakEven: number;
    sessionsStateCheaper: number;
    medianBreakEvenTurn: number | null;
    gap: {
      points: Array<{ gapMs: number; transcriptCostUsd: number; stateCostUsd: number }>;
      crossoverGapMs: number | null;
      lastTranscriptWinGapMs: number | null;
      stateCheaperAtAllGaps: boolean;
      transcriptMonotone: boolean;
    };
    stateSize: {
      observedStateRatio: number;
      maxWinningStateRatio: number | null;
      maxWinningStateTokens: number | null;
      averageContextTokens: number;
      transcriptCostUsd: number;
      points: Array<{ stateRatio: number; stateCostUsd: number }>;
    };
    ttl: {
      gapsUnder5m: number;
      gaps5mTo1h: number;
      gapsOver1h: number;
      cost5mUsd: number;
      cost1hUsd: number;
      cheaper: CacheTtl | 'equal';
      savingUsd: number;
    };
    patterns: PatternRow[];
  };
  fleet: {
    agents: number;
    runsPerDay: number;
    retryRate: number;
    days: number;
    observedRuns: number;
    rows: Array<{
      scenario: string;
      perRunCostUsd: number;
      tokensPerRun: number;
      runsPerDay: number;
      costPerDayUsd: number;
      costPerMonthUsd: number;
      costOverDaysUsd: number;
    }>;
  };
  reportedVsComputed: {
    summary: {
      sessions: number;
      reportedCostUsd: number;
      computedCostUsd: number;
      differenceUsd: number;
      hiddenCostUsd: number;
    } | null;
    sessions: Array<{ sessionId: string } & SessionReportedJson>;
  };
  unknownModels: Array<{ model: string; turns: number; promptTokens: number; outputTokens: number }>;
  sessions: SessionJson[];
  diagnostics: Array<{
    code: string;
    severity: 'error' | 'warning' | 'info';
    message: string;
    source: { file: string; line: number } | null;
    details: Record<string, string | number | boolean | null> | null;
  }>;
}

function iso(ms: number | null): string | null {
  return ms === null || !Number.isFinite(ms) ? null : new Date(ms).toISOString();
}

export function costJson(c: CostBreakdown): CostJson {
  return {
    inputUsd: c.inputUsd,
    cacheWrite5mUsd: c.cacheWrite5mUsd,
    cacheWrite1hUsd: c.cacheWrite1hUsd,
    cacheReadUsd: c.cacheReadUsd,
    outputUsd: c.outputUsd,
    storageUsd: c.storageUsd,
    totalUsd: c.totalUsd,
  };
}

function actualTotalsJson(a: ActualTotals): ActualTotalsJson {
  const t = a.tokens;
  return {
    tokens: {
      inputTokens: t.inputTokens,
      cacheWrite5mTokens: t.cacheWrite5mTokens,
      cacheWrite1hTokens: t.cacheWrite1hTokens,
      cacheReadTokens: t.cacheReadTokens,
      outputTokens: t.outputTokens,
      reasoningOutputTokens: t.reasoningOutputTokens,
      promptTokens: t.promptTokens,
      turns: t.turns,
    },
    cost: costJson(a.cost),
    cacheHitRatio: a.cacheHitRatio,
    pricedTurns: a.pricedTurns,
    unpricedTurns: a.unpricedTurns,
    missCostUsd: a.missCostUsd,
  };
}

export function actualTurnJson(t: ActualTurn): ActualTurnJson {
  return {
    index: t.index,
    timestamp: iso(t.timestampMs),
    streamId: t.streamId,
    model: t.model,
    priceId: t.priceId,
    inputTokens: t.inputTokens,
    cacheWrite5mTokens: t.cacheWrite5mTokens,
    cacheWrite1hTokens: t.cacheWrite1hTokens,
    cacheReadTokens: t.cacheReadTokens,
    outputTokens: t.outputTokens,
    promptTokens: t.promptTokens,
    cost: t.cost ? costJson(t.cost) : null,
    cumulativeCostUsd: t.cumulativeCostUsd,
    idleGapMs: t.idleGapMs,
    missReason: t.missReason,
    missedTokens: t.missedTokens,
    missCostUsd: t.missCostUsd,
    cacheTtl: t.cacheTtl,
    reportedCostUsd: t.reportedCostUsd,
    isEstimated: t.isEstimated,
    source: { file: t.source.file, line: t.source.line },
  };
}

export function simulatedTurnJson(t: SimulatedTurn): SimulatedTurnJson {
  return {
    turnIndex: t.turnIndex,
    kind: t.kind,
    model: t.model,
    promptTokens: t.promptTokens,
    uncachedInputTokens: t.uncachedInputTokens,
    cacheWrite5mTokens: t.cacheWrite5mTokens,
    cacheWrite1hTokens: t.cacheWrite1hTokens,
    cacheReadTokens: t.cacheReadTokens,
    outputTokens: t.outputTokens,
    cost: costJson(t.cost),
    cumulativeCostUsd: t.cumulativeCostUsd,
    missReason: t.missReason,
    missCostUsd: t.missCostUsd,
    idleGapMs: t.idleGapMs,
  };
}

function simulatedTurnsJson(turns: SimulatedTurnList, list: ListMaker): SimulatedTurnJson[] {
  return list(turns.length, (i) => simulatedTurnJson(turns.at(i)));
}

function breakEvenJson(b: SessionBreakEven | null): SessionBreakEvenJson | null {
  return b
    ? {
        breakEvenTurn: b.breakEvenTurn,
        staysBelow: b.staysBelow,
        turns: b.turns,
        transcriptCostUsd: b.transcriptCostUsd,
        stateCostUsd: b.stateCostUsd,
      }
    : null;
}

function reportedJson(r: SessionReported): SessionReportedJson {
  return {
    reportedCostUsd: r.reportedCostUsd,
    computedCostUsd: r.computedCostUsd,
    differenceUsd: r.differenceUsd,
    source: r.source,
    turns: r.turns,
    byModel: r.byModel.map((m) => ({ ...m })),
    hiddenModels: [...r.hiddenModels],
    hiddenCostUsd: r.hiddenCostUsd,
    explanation: r.explanation,
  };
}

/** Makes a list of `length` elements from `get` (default: an array; a streaming writer can make them lazily). */
export type ListMaker = <T>(length: number, get: (index: number) => T) => T[];

const arrayOf: ListMaker = <T>(length: number, get: (index: number) => T): T[] => {
  const out = new Array<T>(length);
  for (let i = 0; i < length; i++) out[i] = get(i);
  return out;
};

/**
 * One session of the document; `list` makes its per-request lists (`turns`,
 * `scenarios[].turns`), which are null when `perRequest` is false.
 */
export function sessionJson(s: SessionAnalysis, list: ListMaker = arrayOf, perRequest = true): SessionJson {
  const actual = s.turns;
  return {
    id: s.id,
    project: s.project,
    format: s.format,
    files: [...s.files],
    firstTimestamp: iso(s.firstTimestampMs),
    lastTimestamp: iso(s.lastTimestampMs),
    streams: [...s.streams],
    compactions: s.compactions,
    isEstimated: s.isEstimated,
    logTtl: s.logTtl,
    actual: actualTotalsJson(s.actual),
    turns: perRequest ? list(actual.length, (i) => actualTurnJson(actual[i] as ActualTurn)) : null,
    scenarios: s.scenarios.map((x) => ({
      id: x.id,
      strategy: x.strategy,
      kind: x.kind,
      totalCostUsd: x.totalCostUsd,
      totalPromptTokens: x.totalPromptTokens,
      totalOutputTokens: x.totalOutputTokens,
      cacheReadTokens: x.cacheReadTokens,
      params: { ...x.params },
      turns: perRequest && x.turns ? simulatedTurnsJson(x.turns, list) : null,
    })),
    breakEven: breakEvenJson(s.breakEven),
    reported: s.reported ? reportedJson(s.reported) : null,
    workloadNotes: [...s.workloadNotes],
  };
}

function diagnosticJson(d: Diagnostic): ReportJson['diagnostics'][number] {
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    source: d.source ? { file: d.source.file, line: d.source.line } : null,
    details: d.details ? { ...d.details } : null,
  };
}

/** Maps the internal report to the public document (explicitly, field by field). */
/** `perRequest` (default true): list every actual and simulated request of each session (`--requests`). */
export function toReportJson(report: AnalysisReport, { perRequest = true }: { perRequest?: boolean } = {}): ReportJson {
  const files = report.inputs.files.map((f) => ({
    file: f.file,
    format: f.format,
    bytes: f.bytes,
    linesRead: f.linesRead,
    linesCounted: f.linesCounted,
    linesIgnored: f.linesIgnored,
    linesSkipped: f.linesSkipped,
  }));
  const sum = (k: 'linesRead' | 'linesCounted' | 'linesIgnored' | 'linesSkipped'): number =>
    files.reduce((a, f) => a + f[k], 0);
  const actualTotal = report.compared.actual.cost.totalUsd;
  const b = report.breakEven;
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    kind: 'analysis',
    tool: { name: 'token-econ', version: TOOL_VERSION },
    generatedAt: iso(report.generatedAtMs),
    perRequest,
    inputs: {
      files,
      formats: [...report.inputs.formats],
      sessions: report.inputs.sessions,
      turns: report.inputs.turns,
      duplicateTurnsDropped: report.inputs.duplicateTurnsDropped,
      linesRead: sum('linesRead'),
      linesCounted: sum('linesCounted'),
      linesIgnored: sum('linesIgnored'),
      linesSkipped: sum('linesSkipped'),
      filters: {
        since: report.inputs.filters.since,
        until: report.inputs.filters.until,
        sessions: [...report.inputs.filters.sessions],
        projects: [...report.inputs.filters.projects],
      },
    },
    pricing: {
      asOf: report.pricing.asOf,
      source: report.pricing.source,
      models: report.pricing.models.map((m) => ({ model: m.model, priceId: m.priceId, matchedBy: m.matchedBy, turns: m.turns })),
    },
    assumptions: {
      strategies: [...report.assumptions.strategies],
      simulation: { ...report.assumptions.simulation },
      missAttribution: {
        missMinTokens: report.misses.missMinTokens,
        missMinRatio: report.misses.missMinRatio,
        compactionDropRatio: report.misses.compactionDropRatio,
      },
      fleet: {
        agents: report.fleet.agents,
        runsPerDay: report.fleet.runsPerDay,
        retryRate: report.fleet.retryRate,
        days: report.fleet.days,
      },
    },
    actual: actualTotalsJson(report.actual),
    compared: { sessions: report.compared.sessions, notSimulated: report.compared.notSimulated, actual: actualTotalsJson(report.compared.actual) },
    scenarios: report.scenarios.map((s) => ({
      id: s.id,
      strategy: s.strategy,
      kind: s.kind,
      totalCostUsd: s.totalCostUsd,
      cost: costJson(s.cost),
      promptTokens: s.promptTokens,
      cacheReadTokens: s.cacheReadTokens,
      outputTokens: s.outputTokens,
      cacheHitRatio: s.cacheHitRatio,
      requests: s.requests,
      sideRequests: s.sideRequests,
      missCostUsd: s.missCostUsd,
      sessions: s.sessions,
      changeVsActualRatio: actualTotal > 0 ? s.totalCostUsd / actualTotal - 1 : null,
    })),
    misses: {
      totalMisses: report.misses.totalMisses,
      totalMissCostUsd: report.misses.totalMissCostUsd,
      byReason: report.misses.byReason.map((r) => ({ ...r })),
      byStreamModel: report.misses.byStreamModel.map((r) => ({ ...r })),
    },
    topTurns: report.topTurns.map((t) => ({
      sessionId: t.sessionId,
      index: t.index,
      timestamp: iso(t.timestampMs),
      streamId: t.streamId,
      model: t.model,
      promptTokens: t.promptTokens,
      outputTokens: t.outputTokens,
      costUsd: t.costUsd,
      missReason: t.missReason,
      missCostUsd: t.missCostUsd,
    })),
    curves: {
      basis: report.curves.basis,
      sessionId: report.curves.sessionId,
      series: report.curves.series.map((s) => ({ id: s.id, perTurnUsd: [...s.perTurnUsd], cumulativeUsd: [...s.cumulativeUsd] })),
    },
    breakEven: {
      available: b.available,
      focusSessionId: b.focusSessionId,
      focus: breakEvenJson(b.focus),
      focusCurve: b.focusCurve ? { transcriptCumulativeUsd: [...b.focusCurve.transcriptCumulativeUsd], stateCumulativeUsd: [...b.focusCurve.stateCumulativeUsd] } : null,
      sessionsEvaluated: b.sessionsEvaluated,
      sessionsWithBreakEven: b.sessionsWithBreakEven,
      sessionsStateCheaper: b.sessionsStateCheaper,
      medianBreakEvenTurn: b.medianBreakEvenTurn,
      gap: {
        points: b.gap.points.map((p) => ({ ...p })),
        crossoverGapMs: b.gap.crossoverGapMs,
        lastTranscriptWinGapMs: b.gap.lastTranscriptWinGapMs,
        stateCheaperAtAllGaps: b.gap.stateCheaperAtAllGaps,
        transcriptMonotone: b.gap.transcriptMonotone,
      },
      stateSize: {
        observedStateRatio: b.stateSize.observedStateRatio,
        maxWinningStateRatio: b.stateSize.maxWinningStateRatio,
        maxWinningStateTokens: b.stateSize.maxWinningStateTokens,
        averageContextTokens: b.stateSize.averageContextTokens,
        transcriptCostUsd: b.stateSize.transcriptCostUsd,
        points: b.stateSize.points.map((p) => ({ ...p })),
      },
      ttl: { ...b.ttl },
      patterns: b.patterns.map((p) => ({ ...p })),
    },
    fleet: {
      agents: report.fleet.agents,
      runsPerDay: report.fleet.runsPerDay,
      retryRate: report.fleet.retryRate,
      days: report.fleet.days,
      observedRuns: report.fleet.observedRuns,
      rows: report.fleet.rows.map((r) => ({ ...r })),
    },
    reportedVsComputed: {
      summary: report.reported ? { ...report.reported } : null,
      sessions: report.sessions
        .filter((s) => s.reported !== null)
        .map((s) => ({ sessionId: s.id, ...reportedJson(s.reported as SessionReported) })),
    },
    unknownModels: report.unknownModels.map((u) => ({ ...u })),
    sessions: report.sessions.map((s) => sessionJson(s, arrayOf, perRequest)),
    diagnostics: report.diagnostics.map(diagnosticJson),
  };
}
