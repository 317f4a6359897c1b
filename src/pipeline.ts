/**
 * The pure composition behind `token-econ analyze`: ingested sessions + a
 * price resolver + simulation parameters -> one AnalysisReport. No I/O, no
 * clock (the generation time is passed in).
 */
import type { Diagnostic } from './model/diagnostic.js';
import type { IngestResult } from './model/ingest.js';
import type {
  ActualTurn,
  AnalysisCurves,
  AnalysisFilters,
  AnalysisReport,
  BreakEvenReport,
  CurveSeries,
  FleetReport,
  PricedModelUse,
  ScenarioKind,
  ScenarioTotals,
  SessionAnalysis,
  SessionBreakEven,
  SessionScenario,
  UnknownModelRow,
} from './model/report.js';
import type { StrategyId, StrategyResult, Workload } from './model/simulation.js';
import type { Session } from './model/usage.js';
import type { PriceResolver } from './price/resolve.js';
import type { PriceTable } from './model/pricing.js';
import { simulate, simulateTotals } from './simulate/simulate.js';
import type { SimulationParams } from './simulate/params.js';
import { workloadFromSession } from './simulate/workload.js';
import { columnsOf, turnCountOf } from './simulate/workload-columns.js';
import type { SimulationEnv } from './simulate/strategy.js';
import { projectFleet } from './simulate/fleet.js';
import { ActualTotalsSum, DEFAULT_MISS_OPTIONS, forEachActualTurn, logTtlOf, mergeActualTotals, type MissAttributionOptions } from './analyze/actual.js';
import { MissTally, TopTurnsTally } from './analyze/misses.js';
import { compareReported } from './analyze/reported.js';
import {
  DEFAULT_GAP_GRID_MS,
  DEFAULT_STATE_RATIO_GRID,
  findBreakEvenTurn,
  idleGapSteps,
  median,
  patternTable,
  stateRatioSteps,
  sweepsTogether,
  ttlChoice,
  type GapClass,
  type ParamOverrides,
  type TotalsQuery,
} from './analyze/break-even.js';
import { applyOverrides, flattenParams, stateRatioOf } from './analyze/params.js';
import { SimulatedTurnTable } from './analyze/turn-table.js';
import {
  runScenario,
  ScenarioSum,
  scenarioId,
  sessionScenario,
  summedTranscripts,
  totalsOfScenario,
  runKey,
  workloadRun,
  workloadRuns,
  reserveRunColumns,
  type SummedJob,
  type SummedScenario,
  type WorkloadRun,
  type WorkloadRunMemo,
} from './analyze/summed.js';

export interface FleetOptions {
  agents: number;
  runsPerDay: number;
  retryRate: number;
  days: number;
}

export const DEFAULT_FLEET: FleetOptions = Object.freeze({ agents: 10, runsPerDay: 20, retryRate: 0.1, days: 30 });

export const DEFAULT_STRATEGIES: readonly StrategyId[] = ['transcript', 'state', 'replay', 'nocache'];

export interface AnalysisOptions {
  strategies: readonly StrategyId[];
  /** Most expensive turns listed. */
  top: number;
  /** Session for the curves and the per-turn break-even; default: the only session, else aggregate / the longest. */
  focusSessionId?: string | null;
  miss?: MissAttributionOptions;
  fleet?: FleetOptions;
  filters?: AnalysisFilters;
  /** Epoch ms for `generatedAt`, supplied by the shell (null: omitted). */
  generatedAtMs?: number | null;
  /** Run the idle-gap and state-size sweeps (the slow part on very large inputs). Default true. */
  sweeps?: boolean;
  /**
   * Let each session of `ingest.sessions` go as soon as everything needed is
   * read from it (its slot becomes undefined; the list is empty before the
   * simulation), so their memory can be reclaimed while the analysis builds
   * its own: for a caller that does not use the sessions afterwards (the
   * CLI). Default false.
   */
  consumeSessions?: boolean;
  /**
   * Keep every request: actual (`sessions[].turns`) and simulated under the
   * compared strategies (`sessions[].scenarios[].turns`), for outputs that
   * list them (`--ndjson`, `--csv`, `--json --requests`). Without them each
   * session's actual requests are reduced to what the analysis needs (totals,
   * misses, top requests, per-turn cost, idle gaps) as they are analysed and
   * then let go, and the strategies run with their requests' costs in
   * columns: every total, curve and break-even is the same number, and
   * memory no longer holds an object per request. Default true.
   */
  keepRows?: boolean;
  /**
   * Runs of the compared strategies and of the TTL variants by workload, kept
   * between analyses (the shell's cache): a workload seen before is not
   * simulated again. The compared strategies use it only when rows are not kept.
   */
  memo?: WorkloadRunMemo;
}

/**
 * A compared strategy's result for one workload: its rows in columns
 * (`turns`), or, when rows are not kept, only its per-turn cost
 * (`perTurnUsd`, in actual-turn numbering).
 */
interface KeptResult extends Omit<StrategyResult, 'turns' | 'totals'> {
  turns: SimulatedTurnTable | null;
  /** Read only: may be the run's own column (shared with the sweep cache's memo). */
  perTurnUsd: ArrayLike<number> | null;
  cacheReadTokens: number;
}

/** Per-turn cost of a kept result over `turnCount` actual turns. */
function perTurnOf(r: KeptResult, turnCount: number): ArrayLike<number> {
  if (r.perTurnUsd !== null) return r.perTurnUsd;
  return r.turns === null ? new Array<number>(turnCount).fill(0) : perTurnCostOfTable(r.turns, turnCount);
}

/**
 * A run kept without rows: its per-turn cost in actual-turn numbering
 * (`map`: workload turn → actual turn, one to one; null when the same). Each
 * workload turn's cost was added request by request in order, as
 * `perTurnCostOfTable` adds rows, so the numbers are identical.
 */
function keepRun(strategy: StrategyId, sessionId: string, run: WorkloadRun, map: readonly number[] | null, turnCount: number): KeptResult {
  const w = run.perTurnUsd;
  let per: ArrayLike<number>;
  if (map === null && w.length === turnCount && !hasNegativeZero(w)) {
    // One to one: the run's own column is the per-turn cost (0 + x is x for every x but -0).
    per = w;
  } else {
    const sums = new Array<number>(turnCount).fill(0);
    for (let wi = 0; wi < w.length; wi++) {
      const ti = map === null ? wi : (map[wi] ?? wi);
      if (ti >= 0 && ti < turnCount) sums[ti] = (sums[ti] ?? 0) + (w[wi] as number);
    }
    per = sums;
  }
  return {
    strategy,
    sessionId,
    totalCostUsd: run.totals.totalCostUsd,
    totalPromptTokens: run.totals.promptTokens,
    totalOutputTokens: run.totals.outputTokens,
    params: run.params,
    cacheReadTokens: run.totals.cacheReadTokens,
    turns: null,
    perTurnUsd: per,
  };
}

function hasNegativeZero(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) if (Object.is(values[i], -0)) return true;
  return false;
}

function keep(r: StrategyResult): KeptResult {
  return {
    strategy: r.strategy,
    sessionId: r.sessionId,
    totalCostUsd: r.totalCostUsd,
    totalPromptTokens: r.totalPromptTokens,
    totalOutputTokens: r.totalOutputTokens,
    params: r.params,
    cacheReadTokens: r.totals.cacheReadTokens,
    turns: SimulatedTurnTable.from(r.turns),
    perTurnUsd: null,
  };
}

function keptScenario(id: string, r: KeptResult): SessionScenario {
  return {
    id,
    strategy: r.strategy,
    kind: 'strategy',
    totalCostUsd: r.totalCostUsd,
    totalPromptTokens: r.totalPromptTokens,
    totalOutputTokens: r.totalOutputTokens,
    cacheReadTokens: r.cacheReadTokens,
    turns: r.turns,
    params: { ...r.params },
  };
}

/** Per-turn cost (side requests added to their turn), as `perTurnCost` of break-even.ts, from columns. */
function perTurnCostOfTable(table: SimulatedTurnTable, turnCount: number): number[] {
  const per = new Array<number>(turnCount).fill(0);
  for (let i = 0; i < table.length; i++) {
    const ti = table.turnIndexAt(i);
    if (ti >= 0 && ti < turnCount) per[ti] = (per[ti] ?? 0) + table.totalUsdAt(i);
  }
  return per;
}

/** As `cumulativeByTurn` of break-even.ts, from a kept result. */
function cumulativeOfKept(r: KeptResult, turnCount: number): number[] {
  const per = perTurnOf(r, turnCount);
  const out = new Array<number>(per.length);
  let sum = 0;
  for (let i = 0; i < per.length; i++) out[i] = sum += per[i] as number;
  return out;
}

function timeRange(s: Session): { first: number | null; last: number | null } {
  let first: number | null = null;
  let last: number | null = null;
  for (const t of s.turns) {
    if (t.timestampMs === null) continue;
    if (first === null || t.timestampMs < first) first = t.timestampMs;
    if (last === null || t.timestampMs > last) last = t.timestampMs;
  }
  return { first, last };
}

function streamsOf(s: Session): string[] {
  const ids = [...new Set(s.turns.map((t) => t.streamId))];
  return ids.sort((a, b) => (a === 'main' ? -1 : b === 'main' ? 1 : a < b ? -1 : a > b ? 1 : 0));
}

/**
 * What the analysis needs of a session's actual turns after the pass over
 * the sessions (curves, break-even, patterns, the session table), so the
 * turns themselves need not be kept: ~8 bytes per turn instead of an
 * ActualTurn with its cost breakdown, source and boxed numbers.
 */
interface ActualFacts {
  turnCount: number;
  /** Each turn's total cost, 0 when unpriced (the actual cost curve). */
  costPerTurnUsd: number[];
  /** Largest idle gap between a turn and the previous one of its stream, null when none. */
  maxIdleGapMs: number | null;
}

/** 0 … count - 1 without the (ascending) indexes in `left`. */
function pricedIndexes(count: number, left: readonly number[]): number[] {
  const out: number[] = [];
  let j = 0;
  for (let k = 0; k < count; k++) {
    if (j < left.length && left[j] === k) j++;
    else out.push(k);
  }
  return out;
}

/** What the report needs from a session besides its requests and scenarios (read before the session is let go). */
type SessionMeta = Pick<
  SessionAnalysis,
  'id' | 'project' | 'format' | 'files' | 'firstTimestampMs' | 'lastTimestampMs' | 'streams' | 'compactions' | 'isEstimated' | 'logTtl' | 'actual' | 'missedTurns' | 'reported'
>;

/** One sweep total to evaluate: `strategy` over every workload with `params` (defaults applied). */
export interface SweepJob {
  strategy: StrategyId;
  params: SimulationParams;
}

/**
 * Evaluates batches of sweep jobs, e.g. on worker threads (the shell's
 * `src/cli/sweep-workers.ts`). For each job it returns the total of every
 * workload, in workload order (`simulateTotals(...).totalCostUsd`); the
 * pipeline adds them up in that order, so any evaluator that computes each
 * workload's total with the same code gives bit-identical results.
 */
export interface SweepEvaluator {
  evaluate(jobs: readonly SweepJob[]): Promise<Float64Array[]>;
  /**
   * Optional: runs summed-only transcript scenarios (`summedTranscripts` of
   * src/analyze/summed.ts, the same code in any thread), e.g. the TTL variants.
   */
  summed?(jobs: readonly SummedJob[]): Promise<SummedScenario[]>;
}

/** Called once the workloads are known; returns null to evaluate in this thread. */
export type SweepEvaluatorFactory = (input: { workloads: readonly Workload[]; priceTable: PriceTable; turns: number; jobsHint: number }) => SweepEvaluator | null;

/** What the analysis coroutine asks its driver (answers: [] / [ticket] / totals). */
type AnalysisRequest =
  | { kind: 'workloads'; workloads: readonly Workload[] }
  | { kind: 'submit'; jobs: readonly SweepJob[] }
  | { kind: 'await'; ticket: number }
  | { kind: 'summed'; jobs: readonly SummedJob[] }
  | { kind: 'awaitSummed' };

/** What the driver answers: a ticket or totals (`number[]`), or summed scenarios (`awaitSummed`). */
type AnalysisAnswer = readonly number[] | readonly SummedScenario[];

/**
 * Fills the NaN entries of `out[job][workload]` with that workload's total
 * under that job, in this thread: workload by workload, all jobs of the batch
 * over one workload before the next (its turns stay in the CPU caches across
 * the batch's runs; each job's totals are still summed in workload order by
 * the caller). The shell's sweep cache fills only what it misses.
 */
export function fillJobTotals(workloads: readonly Workload[], jobs: readonly SweepJob[], resolver: PriceResolver, out: readonly Float64Array[]): void {
  const envs: SimulationEnv[] = jobs.map((job) => ({ resolver, params: job.params }));
  for (let w = 0; w < workloads.length; w++) {
    const wl = workloads[w] as Workload;
    for (let j = 0; j < jobs.length; j++) {
      const o = out[j] as Float64Array;
      if (Number.isNaN(o[w])) o[w] = simulateTotals(wl, (jobs[j] as SweepJob).strategy, envs[j] as SimulationEnv).totalCostUsd;
    }
  }
}

/** Per-workload totals of each job, in this thread (`fillJobTotals`). */
function jobsTotals(workloads: readonly Workload[], jobs: readonly SweepJob[], resolver: PriceResolver): Float64Array[] {
  const out = jobs.map(() => new Float64Array(workloads.length).fill(Number.NaN));
  fillJobTotals(workloads, jobs, resolver, out);
  return out;
}

function sumInOrder(values: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum;
}

/**
 * The cost of a re-timed workload (turn i at i·gap) depends on the gap only
 * through ⌊ttl / gap⌋ for each TTL in play: a request reads an entry written
 * or refreshed k turns earlier iff k·gap ≤ ttl, all times are exact integers
 * (integer gap and TTLs, turn index × gap far below 2^53), and nothing else in
 * the totals depends on time — except storage billing (Gemini explicit
 * caching), which is linear in time: then there is no class. TTLs in play:
 * 5m and 1h (Anthropic writes), `ttlSeconds`, and the default TTL of every
 * model the workloads (or the state updater) use.
 */
export function gapClassOf(workloads: readonly Workload[], resolver: PriceResolver, params: SimulationParams): GapClass | undefined {
  const ttls = new Set<number>([300_000, 3_600_000]);
  if (params.ttlSeconds !== null) ttls.add(params.ttlSeconds * 1000);
  const models = new Set<string>();
  for (const w of workloads) for (const m of columnsOf(w).models()) models.add(m);
  if (params.stateUpdateModel !== null) models.add(params.stateUpdateModel);
  for (const m of models) {
    const r = resolver.resolve(m);
    if (r.kind !== 'known') continue;
    if (r.price.cacheKind === 'implicit+explicit-storage' && params.geminiCache === 'explicit') return undefined;
    ttls.add(r.price.defaultTtlSeconds * 1000);
  }
  const list = [...ttls].sort((a, b) => a - b);
  if (!list.every((t) => Number.isSafeInteger(t) && t >= 0)) return undefined;
  let maxTurns = 0;
  for (const w of workloads) maxTurns = Math.max(maxTurns, turnCountOf(w));
  return (gapMs) => {
    if (!Number.isSafeInteger(gapMs) || gapMs <= 0 || !Number.isSafeInteger(gapMs * (maxTurns + 1))) return null;
    return list.map((t) => Math.floor(t / gapMs)).join(',');
  };
}

/** The analysis with every sweep in this thread. */
export function buildAnalysis(ingest: IngestResult, resolver: PriceResolver, params: SimulationParams, options: AnalysisOptions): AnalysisReport {
  const steps = analysisSteps(ingest, resolver, params, options);
  let workloads: readonly Workload[] = [];
  const done: number[][] = [];
  let summed: SummedScenario[] = [];
  let r = steps.next();
  while (!r.done) {
    const q = r.value;
    if (q.kind === 'workloads') {
      workloads = q.workloads;
      r = steps.next([]);
    } else if (q.kind === 'summed') {
      summed = summedTranscripts(workloads, resolver, q.jobs, options.memo);
      r = steps.next([]);
    } else if (q.kind === 'awaitSummed') {
      r = steps.next(summed);
    } else if (q.kind === 'submit') {
      done.push(jobsTotals(workloads, q.jobs, resolver).map(sumInOrder));
      r = steps.next([done.length - 1]);
    } else {
      r = steps.next(done[q.ticket] ?? []);
    }
  }
  return r.value;
}

/**
 * The same analysis, with the break-even sweeps handed to `parallel` (when it
 * returns an evaluator). The sweep grid is submitted as soon as the workloads
 * exist, so it runs on the other threads while this one simulates the
 * compared strategies. Results are identical to `buildAnalysis`.
 */
export async function buildAnalysisAsync(
  ingest: IngestResult,
  resolver: PriceResolver,
  params: SimulationParams,
  options: AnalysisOptions,
  parallel?: SweepEvaluatorFactory,
): Promise<AnalysisReport> {
  const steps = analysisSteps(ingest, resolver, params, options);
  let workloads: readonly Workload[] = [];
  let evaluator: SweepEvaluator | null = null;
  const tickets: Array<Promise<number[]> | number[]> = [];
  let summed: Promise<SummedScenario[]> | SummedScenario[] = [];
  let r = steps.next();
  while (!r.done) {
    const q = r.value;
    if (q.kind === 'summed') {
      const ev = evaluator;
      summed = ev?.summed ? ev.summed(q.jobs) : summedTranscripts(workloads, resolver, q.jobs, options.memo);
      r = steps.next([]);
    } else if (q.kind === 'awaitSummed') {
      r = steps.next(await summed);
    } else if (q.kind === 'workloads') {
      workloads = q.workloads;
      let turns = 0;
      for (const w of workloads) turns += turnCountOf(w);
      evaluator = parallel?.({ workloads, priceTable: resolver.table, turns, jobsHint: 80 }) ?? null;
      r = steps.next([]);
    } else if (q.kind === 'submit') {
      const ev = evaluator;
      tickets.push(ev ? ev.evaluate(q.jobs).then((per) => per.map(sumInOrder)) : jobsTotals(workloads, q.jobs, resolver).map(sumInOrder));
      r = steps.next([tickets.length - 1]);
    } else {
      r = steps.next(await (tickets[q.ticket] ?? []));
    }
  }
  return r.value;
}

function* analysisSteps(
  ingest: IngestResult,
  resolver: PriceResolver,
  params: SimulationParams,
  options: AnalysisOptions,
): Generator<AnalysisRequest, AnalysisReport, AnalysisAnswer> {
  const miss = options.miss ?? DEFAULT_MISS_OPTIONS;
  const fleetOptions = options.fleet ?? DEFAULT_FLEET;
  const strategies = [...new Set(options.strategies)];
  const keepRows = options.keepRows ?? true;
  const sessions = ingest.sessions;
  const sessionCount = sessions.length;
  let turnCount = 0;

  // 1-2. One pass over the sessions: actual cost and misses, the workload of
  //    a session that can be priced, and everything else the report needs
  //    from it. With `consumeSessions` each session is let go as soon as it
  //    is read (its turns are the largest thing in memory here), so the
  //    sessions and what is built from them never all coexist.
  //    Requests of unknown models are left out of the simulation (they have
  //    no price under any strategy); `turnMaps` maps a workload turn back to
  //    the actual turn it came from.
  /** Each session's actual turns: kept for the report only with `keepRows` (else what follows is all the analysis needs of them). */
  const actualTurns: ActualTurn[][] = [];
  const facts: ActualFacts[] = [];
  const missTally = new MissTally();
  const topTally = new TopTurnsTally(options.top);
  // Average context over the simulated sessions' turns (the state-size sweep reports it), and their idle gaps (the TTL choice).
  let promptSum = 0;
  let promptCount = 0;
  const idleGaps: number[] = [];
  const simIndex: number[] = [];
  const workloads: Workload[] = [];
  /** Per workload, null when its turns are the session's one to one (the usual case). */
  const turnMaps: Array<number[] | null> = [];
  const notes: string[][] = [];
  const sessionMeta: SessionMeta[] = [];
  // Prices used and unknown models.
  const modelUse = new Map<string, PricedModelUse>();
  const unknown = new Map<string, UnknownModelRow>();
  const release = options.consumeSessions === true;
  for (let i = 0; i < sessionCount; i++) {
    const s = sessions[i] as Session;
    // Read once: the turns of a session built over columns are made on first read (src/normalize/sessions.ts).
    const turns = s.turns;
    turnCount += turns.length;
    // The session's actual turns are folded one at a time (forEachActualTurn); they are listed only for
    // the report's rows (keepRows) or a session that reports its own cost (compareReported reads them all).
    const rows: ActualTurn[] | null = keepRows || s.reportedCost !== null ? [] : null;
    /** Without the list: the turns that report their own cost (all compareReported reads of them then). */
    const withReportedCost: ActualTurn[] = [];
    const costPerTurnUsd = new Array<number>(turns.length);
    let maxIdleGapMs: number | null = null;
    const totals = new ActualTotalsSum();
    let missedTurns = 0;
    /** Indexes of the turns without a price (left out of the simulation). */
    const unpriced: number[] = [];
    const sessionIdleGaps: number[] = [];
    forEachActualTurn(s, resolver, miss, (t) => {
      if (rows !== null) rows.push(t);
      else if (t.reportedCostUsd !== null) withReportedCost.push(t);
      costPerTurnUsd[t.index] = t.cost?.totalUsd ?? 0;
      if (t.idleGapMs !== null) {
        maxIdleGapMs = maxIdleGapMs === null ? t.idleGapMs : Math.max(maxIdleGapMs, t.idleGapMs);
        sessionIdleGaps.push(t.idleGapMs);
      }
      missTally.addTurn(t);
      topTally.addTurn(s.id, t);
      totals.add(t);
      if (t.missReason !== null) missedTurns++;
      if (t.cost === null) unpriced.push(t.index);
    });
    facts.push({ turnCount: turns.length, costPerTurnUsd, maxIdleGapMs });
    const sessionNotes: string[] = [];
    notes.push(sessionNotes);
    const dropped = unpriced.length;
    if (dropped === turns.length) {
      if (turns.length > 0) sessionNotes.push('not simulated: no request of this session has a known price');
    } else if (s.format === 'csv') {
      // A usage-export row is an hourly/daily aggregate of many requests:
      // there is no per-request workload to replay under another strategy.
      sessionNotes.push('not simulated: usage-export rows aggregate many requests, so there is no per-request workload');
    } else {
      /** The priced turns' indexes, when some are not (else every turn, one to one). */
      const keep = dropped === 0 ? null : pricedIndexes(turns.length, unpriced);
      const sub: Session = keep === null ? s : { ...s, turns: keep.map((k) => turns[k] as Session['turns'][number]) };
      if (dropped > 0) sessionNotes.push(`${dropped} request${dropped === 1 ? '' : 's'} of unknown models left out of the simulation`);
      const { workload, notes: n } = workloadFromSession(sub);
      sessionNotes.push(...n);
      simIndex.push(i);
      workloads.push(workload);
      // Workload turns follow the session's turns one to one; anything else maps by position.
      const map = keep === null ? null : Array.from({ length: turnCountOf(workload) }, (_, k) => keep[k] ?? k);
      turnMaps.push(map === null || map.every((v, k) => v === k) ? null : map);
      for (const t of turns) {
        promptSum += t.promptTokens;
        promptCount++;
      }
      for (const gap of sessionIdleGaps) idleGaps.push(gap);
    }
    actualTurns.push(keepRows ? (rows as ActualTurn[]) : []);
    const range = timeRange(s);
    sessionMeta.push({
      id: s.id,
      project: s.project,
      format: s.format,
      files: [...s.files],
      firstTimestampMs: range.first,
      lastTimestampMs: range.last,
      streams: streamsOf(s),
      compactions: s.events.filter((e) => e.kind === 'compaction').length,
      isEstimated: s.isEstimated,
      logTtl: logTtlOf(s.turns),
      actual: totals.totals(turns.reduce((a, t) => a + (t.reasoningOutputTokens ?? 0), 0)),
      missedTurns,
      reported: compareReported(s, rows ?? withReportedCost, resolver),
    });
    for (const t of turns) {
      let m = modelUse.get(t.model);
      if (!m) {
        const r = resolver.resolve(t.model);
        m = r.kind === 'known' ? { model: t.model, priceId: r.price.id, matchedBy: r.matchedBy, turns: 0 } : { model: t.model, priceId: null, matchedBy: null, turns: 0 };
        modelUse.set(t.model, m);
      }
      m.turns++;
      if (m.priceId === null) {
        let u = unknown.get(t.model);
        if (!u) unknown.set(t.model, (u = { model: t.model, turns: 0, promptTokens: 0, outputTokens: 0 }));
        u.turns++;
        u.promptTokens += t.promptTokens;
        u.outputTokens += t.outputTokens;
      }
    }
    if (release) (sessions as Array<Session | undefined>)[i] = undefined;
  }
  const bySession = new Map<number, number>(simIndex.map((sessionIdx, w) => [sessionIdx, w]));
  if (release) ingest.sessions = [];

  const envFor = (overrides?: ParamOverrides) => ({ resolver, params: applyOverrides(params, overrides) });
  /** A result with `turnIndex` in actual-turn numbering. */
  const remapOne = (r: StrategyResult, w: number): StrategyResult => {
    const map = turnMaps[w] ?? null;
    if (map === null) return r;
    return { ...r, turns: r.turns.map((t) => ({ ...t, turnIndex: map[t.turnIndex] ?? t.turnIndex })) };
  };
  /**
   * Each result of `id` over all workloads, in workload order, handed to
   * `each` as soon as it exists. Strategies without cross-workload memory run
   * one workload at a time (identical results: `simulate` runs workloads
   * independently for them), so each workload's rows die young; replay
   * remembers tasks across workloads and runs over all of them at once.
   */
  const forEachResult = (id: StrategyId, overrides: ParamOverrides | undefined, each: (r: StrategyResult, w: number) => void): void => {
    if (workloads.length === 0) return;
    const env = envFor(overrides);
    if (id === 'replay') {
      const all = simulate(workloads, [id], env).get(id) ?? [];
      all.forEach((r, w) => {
        all[w] = undefined as unknown as StrategyResult;
        each(remapOne(r, w), w);
      });
      return;
    }
    workloads.forEach((wl, w) => {
      const r = simulate([wl], [id], env).get(id)?.[0];
      if (r) each(remapOne(r, w), w);
    });
  };
  /** As `forEachResult` without rows: each workload's run (from `options.memo` when it has it). */
  const forEachRun = (id: StrategyId, each: (run: WorkloadRun, w: number) => void): void => {
    if (workloads.length === 0) return;
    const env = envFor(undefined);
    if (id === 'replay') {
      // Replay remembers tasks across workloads: all of them at once, from the memo only under a key of the
      // whole list of workloads (each workload's run depends on the ones before it).
      const memo = options.memo;
      const key = memo ? `${runKey(id, env.params)}\u0000${memo.keyOfAll(workloads)}` : '';
      const known = memo ? workloads.map((wl) => memo.get(wl, key)) : [];
      if (memo && known.every((run) => run !== undefined)) {
        known.forEach((run, w) => each(run as WorkloadRun, w));
        return;
      }
      // Put in the memo after the call: replay's summary of the whole call lands in the runs' params at its end.
      workloadRuns(workloads, id, env).forEach((run, w) => {
        memo?.put(workloads[w] as Workload, key, run);
        each(run, w);
      });
      return;
    }
    workloads.forEach((wl, w) => each(workloadRun(wl, id, env, options.memo), w));
  };
  // Average context (the state-size sweep reports it) and the sweeps, started
  // now: their grid needs only the workloads, so a parallel driver runs it
  // while this thread simulates the compared strategies.
  const averageContextTokens = promptCount > 0 ? promptSum / promptCount : 0;
  const available = strategies.includes('state') && strategies.includes('transcript') && workloads.length > 0;
  const sweeping = available && (options.sweeps ?? true);
  let knownTranscriptCostUsd: number | null = null;
  reserveRunColumns(workloads);
  yield { kind: 'workloads', workloads };
  const sweepSteps = sweepsTogether<[BreakEvenReport['gap'], BreakEvenReport['stateSize']]>(
    idleGapSteps(DEFAULT_GAP_GRID_MS, 1000, sweeping ? gapClassOf(workloads, resolver, params) : undefined),
    stateRatioSteps(stateRatioOf(params), averageContextTokens, DEFAULT_STATE_RATIO_GRID, 0.001, () => knownTranscriptCostUsd),
  );
  const jobsOf = (queries: readonly TotalsQuery[]): SweepJob[] => queries.map((q) => ({ strategy: q.strategy, params: applyOverrides(params, q.overrides) }));
  let sweepStep = sweeping ? sweepSteps.next() : null;
  // The transcript TTL variants (rows only summed) go first: a parallel driver
  // runs them on another thread while this one simulates the compared
  // strategies. `transcript@log` is the compared transcript run itself when
  // `ttlSeconds` is null (each turn's logged TTL is then the default).
  const logFromTranscript = strategies.includes('transcript') && params.ttlSeconds === null;
  const summedRuns: Array<[ScenarioKind, ParamOverrides]> = [
    ['ttl-5m', { ttl: '5m' }],
    ['ttl-1h', { ttl: '1h' }],
  ];
  if (!logFromTranscript) summedRuns.push(['log-ttl', { ttl: 'log' }]);
  if (workloads.length > 0) yield { kind: 'summed', jobs: summedRuns.map(([kind, overrides]) => ({ kind, params: applyOverrides(params, overrides) })) };
  let ticket = sweepStep && !sweepStep.done ? ((yield { kind: 'submit', jobs: jobsOf(sweepStep.value) })[0] as number) : -1;

  // 3. Strategies of --compare, the TTL variants of transcript, and the calibration run.
  // One strategy at a time: its rows are summed, then kept in columns (SimulatedTurnTable).
  const compared = new Map<StrategyId, KeptResult[]>();
  const comparedTotals = new Map<StrategyId, ScenarioTotals>();
  let logTtlFromTranscript: SummedScenario | null = null;
  const logTtlId = scenarioId('transcript', 'log-ttl');
  for (const id of strategies) {
    const sum = new ScenarioSum();
    const kept: KeptResult[] = [];
    const asLogTtl = id === 'transcript' && params.ttlSeconds === null ? { sum: new ScenarioSum(), perWorkload: [] as SessionScenario[] } : null;
    if (keepRows) {
      forEachResult(id, undefined, (r) => {
        sum.add(r);
        if (asLogTtl) {
          asLogTtl.sum.add(r);
          asLogTtl.perWorkload.push(sessionScenario(logTtlId, 'log-ttl', r, false));
        }
        kept.push(keep(r));
      });
    } else {
      forEachRun(id, (run, w) => {
        sum.addTotals(run.totals);
        if (asLogTtl) {
          asLogTtl.sum.addTotals(run.totals);
          asLogTtl.perWorkload.push(runScenario(logTtlId, 'log-ttl', 'transcript', run));
        }
        const turnCount = (facts[simIndex[w] as number] as ActualFacts).turnCount;
        kept.push(keepRun(id, (workloads[w] as Workload).sessionId, run, turnMaps[w] ?? null, turnCount));
      });
    }
    comparedTotals.set(id, sum.totals(id, id, 'strategy'));
    if (asLogTtl && workloads.length > 0) logTtlFromTranscript = { totals: asLogTtl.sum.totals(logTtlId, 'transcript', 'log-ttl'), perWorkload: asLogTtl.perWorkload };
    if (workloads.length > 0) compared.set(id, kept);
  }
  const transcriptRuns = compared.get('transcript');
  if (transcriptRuns) knownTranscriptCostUsd = transcriptRuns.reduce((a, r) => a + r.totalCostUsd, 0);
  const emptySummed: SummedScenario = { totals: totalsOfScenario('', 'transcript', 'ttl-5m', []), perWorkload: [] };
  const summed = workloads.length > 0 ? ((yield { kind: 'awaitSummed' }) as readonly SummedScenario[]) : [];
  const ttl5m = summed[0] ?? emptySummed;
  const ttl1h = summed[1] ?? emptySummed;
  // Calibration: transcript with each turn's own logged TTL class (the simulator's `ttlSeconds: null`).
  const calibration: SummedScenario =
    workloads.length === 0
      ? emptySummed
      : (logTtlFromTranscript ?? summed[2] ?? emptySummed);

  const scenarios: ScenarioTotals[] = [];
  for (const id of strategies) scenarios.push(comparedTotals.get(id) ?? totalsOfScenario(id, id, 'strategy', []));
  if (workloads.length > 0) {
    scenarios.push(ttl5m.totals);
    scenarios.push(ttl1h.totals);
    scenarios.push(calibration.totals);
  }

  // 4. Per-session assembly.
  const sessionBreakEvens: Array<SessionBreakEven | null> = [];
  /** Cumulative transcript and state cost by actual turn of session i (null when not both simulated). */
  const breakEvenCurveOf = (i: number): BreakEvenReport['focusCurve'] => {
    const w = bySession.get(i);
    const tr = w === undefined ? undefined : compared.get('transcript')?.[w];
    const st = w === undefined ? undefined : compared.get('state')?.[w];
    if (!tr || !st) return null;
    const n = (facts[i] as ActualFacts).turnCount;
    return { transcriptCumulativeUsd: cumulativeOfKept(tr, n), stateCumulativeUsd: cumulativeOfKept(st, n) };
  };
  const analyses: SessionAnalysis[] = sessionMeta.map((s, i) => {
    const turns = actualTurns[i] as ActualTurn[];
    const w = bySession.get(i);
    const sc: SessionScenario[] = [];
    let breakEven: SessionBreakEven | null = null;
    if (w !== undefined) {
      for (const id of strategies) {
        const r = compared.get(id)?.[w];
        if (r) sc.push(keptScenario(id, r));
      }
      const r5 = ttl5m.perWorkload[w];
      const r1 = ttl1h.perWorkload[w];
      const rl = calibration.perWorkload[w];
      if (r5) sc.push(r5);
      if (r1) sc.push(r1);
      if (rl) sc.push(rl);
      const curve = breakEvenCurveOf(i);
      if (curve) breakEven = findBreakEvenTurn(curve.transcriptCumulativeUsd, curve.stateCumulativeUsd);
    }
    sessionBreakEvens.push(breakEven);
    return {
      id: s.id,
      project: s.project,
      format: s.format,
      files: s.files,
      firstTimestampMs: s.firstTimestampMs,
      lastTimestampMs: s.lastTimestampMs,
      streams: s.streams,
      compactions: s.compactions,
      isEstimated: s.isEstimated,
      logTtl: s.logTtl,
      actual: s.actual,
      turns,
      missedTurns: s.missedTurns,
      scenarios: sc,
      breakEven,
      reported: s.reported,
      workloadNotes: notes[i] ?? [],
    };
  });

  const actual = mergeActualTotals(analyses.map((a) => a.actual));
  const comparedActual = {
    sessions: simIndex.length,
    notSimulated: facts.filter((f) => f.turnCount > 0).length - simIndex.length,
    actual: simIndex.length === analyses.length ? actual : mergeActualTotals(simIndex.map((i) => (analyses[i] as SessionAnalysis).actual)),
  };

  // 5. Focus session: --session when it names one session, else the only one.
  let focusIndex: number | null = null;
  if (options.focusSessionId) {
    const f = options.focusSessionId;
    const exact = analyses.findIndex((a) => a.id === f);
    const prefixed = analyses.map((a, i) => (a.id.startsWith(f) ? i : -1)).filter((i) => i >= 0);
    focusIndex = exact >= 0 ? exact : prefixed.length === 1 ? (prefixed[0] as number) : null;
  } else if (analyses.length === 1) {
    focusIndex = 0;
  }

  // 6. Break-even: finish the sweeps (bisection steps, one batch each).
  let gap: BreakEvenReport['gap'] | null = null;
  let stateSize: BreakEvenReport['stateSize'] | null = null;
  while (sweepStep !== null) {
    if (sweepStep.done) {
      [gap, stateSize] = sweepStep.value;
      break;
    }
    const totals = (yield { kind: 'await', ticket }) as readonly number[];
    sweepStep = sweepSteps.next(totals);
    if (!sweepStep.done) ticket = (yield { kind: 'submit', jobs: jobsOf(sweepStep.value) })[0] as number;
  }
  const breakEven = buildBreakEven(
    analyses,
    sessionBreakEvens,
    workloads,
    simIndex,
    facts,
    idleGaps,
    focusIndex,
    params,
    strategies,
    ttl5m.totals.totalCostUsd,
    ttl1h.totals.totalCostUsd,
    averageContextTokens,
    gap,
    stateSize,
    breakEvenCurveOf,
  );

  // 7. Fleet: per-run averages over the simulated sessions (actual over all priced sessions).
  const fleet = buildFleet(analyses, simIndex, strategies, compared, fleetOptions);

  // 8. Curves.
  const curves = buildCurves(analyses, facts, bySession, strategies, compared, focusIndex);

  const byModel = (a: { model: string }, b: { model: string }) => (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
  const unknownModels = [...unknown.values()].sort(byModel);
  const diagnostics: Diagnostic[] = [
    ...ingest.diagnostics,
    ...unknownModels.map(
      (u): Diagnostic => ({
        code: 'unknown-model',
        severity: 'warning',
        message: `model ${u.model} has no price: ${u.turns} request${u.turns === 1 ? '' : 's'} (${u.promptTokens} prompt + ${u.outputTokens} output tokens) excluded from every cost`,
        details: { model: u.model, turns: u.turns, promptTokens: u.promptTokens, outputTokens: u.outputTokens },
      }),
    ),
  ];

  const withReported = analyses.filter((a) => a.reported !== null);
  const reported =
    withReported.length === 0
      ? null
      : {
          sessions: withReported.length,
          reportedCostUsd: withReported.reduce((a, s) => a + (s.reported?.reportedCostUsd ?? 0), 0),
          computedCostUsd: withReported.reduce((a, s) => a + (s.reported?.computedCostUsd ?? 0), 0),
          differenceUsd: withReported.reduce((a, s) => a + (s.reported?.differenceUsd ?? 0), 0),
          hiddenCostUsd: withReported.reduce((a, s) => a + (s.reported?.hiddenCostUsd ?? 0), 0),
        };

  return {
    generatedAtMs: options.generatedAtMs ?? null,
    inputs: {
      files: ingest.files,
      formats: [...new Set(ingest.files.map((f) => f.format))].sort(),
      sessions: sessionCount,
      turns: turnCount,
      duplicateTurnsDropped: ingest.duplicateTurnsDropped,
      filters: options.filters ?? { since: null, until: null, sessions: [], projects: [] },
    },
    pricing: { asOf: resolver.table.asOf, source: resolver.table.source, models: [...modelUse.values()].sort(byModel) },
    unknownModels,
    assumptions: { strategies, simulation: flattenParams(params) },
    actual,
    compared: comparedActual,
    scenarios,
    misses: missTally.summary(miss),
    topTurns: topTally.result(),
    sessions: analyses,
    curves,
    breakEven,
    fleet,
    reported,
    diagnostics,
  };
}

function buildBreakEven(
  analyses: readonly SessionAnalysis[],
  sessionBreakEvens: ReadonlyArray<SessionBreakEven | null>,
  workloads: readonly Workload[],
  simIndex: readonly number[],
  facts: readonly ActualFacts[],
  idleGaps: readonly number[],
  focusIndex: number | null,
  params: SimulationParams,
  strategies: readonly StrategyId[],
  ttl5mCostUsd: number,
  ttl1hCostUsd: number,
  averageContextTokens: number,
  gap: BreakEvenReport['gap'] | null,
  stateSize: BreakEvenReport['stateSize'] | null,
  curveOf: (sessionIndex: number) => BreakEvenReport['focusCurve'],
): BreakEvenReport {
  const available = strategies.includes('state') && strategies.includes('transcript') && workloads.length > 0;
  const evaluated = sessionBreakEvens.filter((b): b is SessionBreakEven => b !== null);
  // Focus: the chosen session, else the simulated session with the most turns.
  let focus = focusIndex;
  if (focus === null || sessionBreakEvens[focus] === null) {
    let best = -1;
    sessionBreakEvens.forEach((b, i) => {
      if (b && (best < 0 || b.turns > (sessionBreakEvens[best]?.turns ?? 0))) best = i;
    });
    focus = best >= 0 ? best : null;
  }
  const emptyGap: BreakEvenReport['gap'] = { points: [], crossoverGapMs: null, lastTranscriptWinGapMs: null, stateCheaperAtAllGaps: false, transcriptMonotone: true };
  const observedStateRatio = stateRatioOf(params);
  const emptyState: BreakEvenReport['stateSize'] = {
    observedStateRatio,
    maxWinningStateRatio: null,
    maxWinningStateTokens: null,
    averageContextTokens,
    transcriptCostUsd: 0,
    points: [],
  };
  // Patterns compare actual with the simulated strategies: simulated sessions only.
  const patterns = patternTable(
    simIndex.map((i) => {
      const a = analyses[i] as SessionAnalysis;
      const stateScenario = a.scenarios.find((s) => s.id === 'state');
      const transcriptScenario = a.scenarios.find((s) => s.id === 'transcript');
      const f = facts[i] as ActualFacts;
      return {
        turns: f.turnCount,
        maxIdleGapMs: f.maxIdleGapMs,
        actualCostUsd: a.actual.cost.totalUsd,
        transcriptCostUsd: transcriptScenario?.totalCostUsd ?? 0,
        stateCostUsd: stateScenario?.totalCostUsd ?? 0,
      };
    }),
  );
  const turnsWithBreakEven = evaluated.filter((b) => b.breakEvenTurn !== null).map((b) => b.breakEvenTurn as number);
  return {
    available,
    focusSessionId: focus !== null ? (analyses[focus]?.id ?? null) : null,
    focus: focus !== null ? (sessionBreakEvens[focus] ?? null) : null,
    focusCurve: focus !== null && sessionBreakEvens[focus] ? curveOf(focus) : null,
    sessionsEvaluated: evaluated.length,
    sessionsWithBreakEven: turnsWithBreakEven.length,
    sessionsStateCheaper: evaluated.filter((b) => b.stateCostUsd < b.transcriptCostUsd).length,
    medianBreakEvenTurn: median(turnsWithBreakEven),
    gap: available && gap !== null ? gap : emptyGap,
    stateSize: available && stateSize !== null ? stateSize : emptyState,
    ttl: ttlChoice(idleGaps, ttl5mCostUsd, ttl1hCostUsd),
    patterns: available ? patterns : patterns.map((p) => ({ ...p, transcriptCostUsd: 0, stateCostUsd: 0, cheaper: null })),
  };
}

function buildFleet(
  analyses: readonly SessionAnalysis[],
  simIndex: readonly number[],
  strategies: readonly StrategyId[],
  compared: ReadonlyMap<StrategyId, KeptResult[]>,
  f: FleetOptions,
): FleetReport {
  const runs = simIndex.length;
  const rows: FleetReport['rows'] = [];
  if (runs > 0) {
    const simulated = simIndex.map((i) => analyses[i] as SessionAnalysis);
    const actualCost = simulated.reduce((a, s) => a + s.actual.cost.totalUsd, 0);
    const actualTokens = simulated.reduce((a, s) => a + s.actual.tokens.promptTokens + s.actual.tokens.outputTokens, 0);
    const row = (scenario: string, cost: number, tokens: number) => {
      const p = projectFleet(cost / runs, tokens / runs, { agents: f.agents, runsPerDay: f.runsPerDay, retryRate: f.retryRate, days: f.days });
      return {
        scenario,
        perRunCostUsd: cost / runs,
        tokensPerRun: tokens / runs,
        runsPerDay: p.billedRunsPerDay,
        costPerDayUsd: p.costPerDayUsd,
        costPerMonthUsd: p.costPerMonthUsd,
        costOverDaysUsd: p.costOverDaysUsd,
      };
    };
    rows.push(row('actual', actualCost, actualTokens));
    for (const id of strategies) {
      const rs = compared.get(id) ?? [];
      rows.push(
        row(
          id,
          rs.reduce((a, r) => a + r.totalCostUsd, 0),
          rs.reduce((a, r) => a + r.totalPromptTokens + r.totalOutputTokens, 0),
        ),
      );
    }
  }
  return { agents: f.agents, runsPerDay: f.runsPerDay, retryRate: f.retryRate, days: f.days, observedRuns: runs, rows };
}

function buildCurves(
  analyses: readonly SessionAnalysis[],
  facts: readonly ActualFacts[],
  bySession: ReadonlyMap<number, number>,
  strategies: readonly StrategyId[],
  compared: ReadonlyMap<StrategyId, KeptResult[]>,
  focusIndex: number | null,
): AnalysisCurves {
  // Aggregate curves cover the simulated sessions only, so actual and the
  // strategies add up the same turns.
  const indices = focusIndex !== null ? [focusIndex] : analyses.map((_, i) => i).filter((i) => bySession.has(i));
  const length = Math.max(0, ...indices.map((i) => facts[i]?.turnCount ?? 0));
  const add = (into: number[], values: ArrayLike<number>) => {
    for (let k = 0; k < values.length; k++) into[k] = (into[k] ?? 0) + (values[k] as number);
  };
  const actual = new Array<number>(length).fill(0);
  for (const i of indices) add(actual, facts[i]?.costPerTurnUsd ?? []);
  const series: CurveSeries[] = [{ id: 'actual', perTurnUsd: actual, cumulativeUsd: cumulate(actual) }];
  for (const id of strategies) {
    const per = new Array<number>(length).fill(0);
    for (const i of indices) {
      const w = bySession.get(i);
      if (w === undefined) continue;
      const r = compared.get(id)?.[w];
      if (r) add(per, perTurnOf(r, facts[i]?.turnCount ?? 0));
    }
    series.push({ id, perTurnUsd: per, cumulativeUsd: cumulate(per) });
  }
  return {
    basis: focusIndex !== null ? 'session' : 'aggregate',
    sessionId: focusIndex !== null ? (analyses[focusIndex]?.id ?? null) : null,
    series,
  };
}

function cumulate(values: readonly number[]): number[] {
  let sum = 0;
  return values.map((v) => (sum += v));
}
