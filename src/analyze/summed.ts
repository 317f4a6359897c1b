/**
 * Scenarios whose per-request rows are only summed (the transcript TTL
 * variants of `analyze`): the running sums, and the totals-only run over all
 * workloads. Pure; the pipeline runs it in this thread or hands it to the
 * sweep worker (src/cli/sweep-workers.ts), which runs this same code on the
 * same workloads, so the results are identical bit for bit.
 */
import type { ScenarioKind, ScenarioTotals, SessionScenario } from '../model/report.js';
import type { SimulationTotals, StrategyId, StrategyResult, Workload } from '../model/simulation.js';
import type { PriceResolver } from '../price/resolve.js';
import { CostSum } from '../price/cost.js';
import type { SimulationParams } from '../simulate/params.js';
import { ColumnScratch } from '../simulate/cache.js';
import { simulateColumns } from '../simulate/simulate.js';
import { turnCountOf } from '../simulate/workload-columns.js';
import type { ColumnResult, SimulationEnv, StrategyParamValues } from '../simulate/strategy.js';
import { SimulatedTurnTable } from './turn-table.js';

export function scenarioId(strategy: StrategyId, kind: ScenarioKind): string {
  switch (kind) {
    case 'strategy':
      return strategy;
    case 'ttl-5m':
      return `${strategy}@5m`;
    case 'ttl-1h':
      return `${strategy}@1h`;
    case 'log-ttl':
      return `${strategy}@log`;
  }
}

/**
 * Running totals of a scenario: each session's totals (the meter's, summed
 * request by request within the session) added in workload order, so a
 * scenario's figures are exactly the sum of its sessions' figures, and a run
 * that keeps no rows (or reads a session's totals from a cache) gives the same
 * bits as one that keeps them.
 */
export class ScenarioSum {
  readonly cost = new CostSum();
  promptTokens = 0;
  cacheReadTokens = 0;
  outputTokens = 0;
  requests = 0;
  sideRequests = 0;
  missCostUsd = 0;
  total = 0;
  sessions = 0;

  /** One session's totals. */
  addTotals(t: SimulationTotals): void {
    this.total += t.totalCostUsd;
    this.sessions++;
    this.cost.add(t.cost);
    this.missCostUsd += t.missCostUsd;
    this.promptTokens += t.promptTokens;
    this.cacheReadTokens += t.cacheReadTokens;
    this.outputTokens += t.outputTokens;
    this.requests += t.requests;
    this.sideRequests += t.sideRequests;
  }

  add(r: StrategyResult): void {
    this.addTotals(r.totals);
  }

  totals(id: string, strategy: StrategyId, kind: ScenarioKind): ScenarioTotals {
    const cost = this.cost.breakdown();
    return {
      id,
      strategy,
      kind,
      totalCostUsd: this.total,
      cost,
      promptTokens: this.promptTokens,
      cacheReadTokens: this.cacheReadTokens,
      outputTokens: this.outputTokens,
      cacheHitRatio: this.promptTokens > 0 ? this.cacheReadTokens / this.promptTokens : 0,
      requests: this.requests,
      sideRequests: this.sideRequests,
      missCostUsd: this.missCostUsd,
      sessions: this.sessions,
    };
  }
}

export function totalsOfScenario(id: string, strategy: StrategyId, kind: ScenarioKind, results: readonly StrategyResult[]): ScenarioTotals {
  const sum = new ScenarioSum();
  for (const r of results) sum.add(r);
  return sum.totals(id, strategy, kind);
}

/** A scenario whose per-turn rows are only summed: its totals and per-session summaries (rows null). */
export interface SummedScenario {
  totals: ScenarioTotals;
  /** By workload. */
  perWorkload: SessionScenario[];
}

export function sessionScenario(id: string, kind: ScenarioKind, r: StrategyResult, withTurns: boolean): SessionScenario {
  return {
    id,
    strategy: r.strategy,
    kind,
    totalCostUsd: r.totalCostUsd,
    totalPromptTokens: r.totalPromptTokens,
    totalOutputTokens: r.totalOutputTokens,
    cacheReadTokens: r.totals.cacheReadTokens,
    turns: withTurns ? SimulatedTurnTable.from(r.turns) : null,
    params: { ...r.params },
  };
}

/**
 * One session's run of one strategy, without rows: what the analysis reads
 * from it. `perTurnUsd[i]` is the cost of workload turn i (its side requests
 * included), added request by request in order.
 */
export interface WorkloadRun {
  totals: SimulationTotals;
  params: StrategyParamValues;
  perTurnUsd: Float64Array;
}

/**
 * A store of workload runs, e.g. the shell's cache (src/cli/sweep-cache.ts):
 * a run is a pure function of the workload and `key` (strategy and full
 * parameters, `runKey`), for strategies without memory across workloads.
 * A strategy that remembers across workloads (replay) adds `keyOfAll` of
 * the whole list, in order, to its key.
 */
export interface WorkloadRunMemo {
  get(workload: Workload, key: string): WorkloadRun | undefined;
  put(workload: Workload, key: string, run: WorkloadRun): void;
  /** A key for the list of workloads, in order: equal only for equal lists. */
  keyOfAll(workloads: readonly Workload[]): string;
}

/** JSON with non-finite numbers kept apart from null (JSON.stringify writes both as null). */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000number:${String(v)}` : v));
}

/** Keys already made, by parameters object (a run asks for the same key once per workload). */
const runKeys = new WeakMap<SimulationParams, Map<StrategyId, string>>();

/** The memo key of `strategy` with `params` (parameters are never changed once made). */
export function runKey(strategy: StrategyId, params: SimulationParams): string {
  let byStrategy = runKeys.get(params);
  if (!byStrategy) runKeys.set(params, (byStrategy = new Map()));
  let key = byStrategy.get(strategy);
  if (key === undefined) byStrategy.set(strategy, (key = stableJson([strategy, params])));
  return key;
}

/** A column result as a run: its totals, parameters and per-turn cost. */
function runOfColumns(r: ColumnResult, turns: number): WorkloadRun {
  const per = new Float64Array(turns);
  const c = r.columns;
  for (let k = 0; k < c.length; k++) {
    const i = c.turnIndex[k] as number;
    if (i >= 0 && i < turns) per[i] = (per[i] as number) + c.totalUsdAt(k);
  }
  return { totals: r.totals, params: r.params, perTurnUsd: per };
}

/**
 * The columns every run of this thread is simulated into (read into its
 * per-turn costs before the next run: see ColumnScratch). Held for the
 * process's life: its memory is never freed, so it never raises glibc's
 * threshold (see ColumnScratch); a memory arena, not state: no result
 * depends on what it held before.
 */
const RUN_COLUMNS = new ColumnScratch();

/** Makes room in the run columns for the longest of `workloads` under any strategy, before their runs start. */
export function reserveRunColumns(workloads: readonly Workload[]): void {
  let turns = 0;
  for (const w of workloads) turns = Math.max(turns, turnCountOf(w));
  // The most requests a strategy plans for: state with an update after every turn (turns + turns + 8);
  // transcript (turns + turns / 8 + 8) and replay (turns + 8) fit too.
  RUN_COLUMNS.reserve(2 * turns + 16);
}

/** Each workload's run of `strategy` with `env`, in order, simulated into the run columns (see ColumnReuse). */
export function workloadRuns(workloads: readonly Workload[], strategy: StrategyId, env: SimulationEnv): WorkloadRun[] {
  const runs: WorkloadRun[] = [];
  simulateColumns(workloads, strategy, env, { scratch: RUN_COLUMNS, each: (r, w) => runs.push(runOfColumns(r, turnCountOf(workloads[w] as Workload))) });
  return runs;
}

/**
 * `strategy` with `params` over one workload (no memory across workloads):
 * from `memo` when it has the run, else simulated (and handed to `memo`).
 */
export function workloadRun(workload: Workload, strategy: StrategyId, env: SimulationEnv, memo: WorkloadRunMemo | undefined): WorkloadRun {
  const key = memo ? runKey(strategy, env.params) : '';
  const known = memo?.get(workload, key);
  if (known) return known;
  const run = workloadRuns([workload], strategy, env)[0];
  if (!run) throw new Error(`workloadRun: ${strategy} gave no result`);
  memo?.put(workload, key, run);
  return run;
}

/** A session scenario without rows, from a run. */
export function runScenario(id: string, kind: ScenarioKind, strategy: StrategyId, run: WorkloadRun): SessionScenario {
  return {
    id,
    strategy,
    kind,
    totalCostUsd: run.totals.totalCostUsd,
    totalPromptTokens: run.totals.promptTokens,
    totalOutputTokens: run.totals.outputTokens,
    cacheReadTokens: run.totals.cacheReadTokens,
    turns: null,
    params: { ...run.params },
  };
}

/** One summed-only scenario to run: transcript with `params` (overrides applied), reported as `kind`. */
export interface SummedJob {
  kind: ScenarioKind;
  params: SimulationParams;
}

/**
 * Transcript with each job's params over every workload, rows only summed:
 * workload by workload (every job over one workload before the next: its
 * turns stay in the CPU caches), each run's requests' costs added in
 * workload order per job and dropped (transcript keeps nothing across
 * workloads, so this equals one `simulate` over all of them per job).
 */
export function summedTranscripts(workloads: readonly Workload[], resolver: PriceResolver, jobs: readonly SummedJob[], memo?: WorkloadRunMemo): SummedScenario[] {
  const sums = jobs.map(() => new ScenarioSum());
  const perWorkload = jobs.map((): SessionScenario[] => []);
  const ids = jobs.map((job) => scenarioId('transcript', job.kind));
  const envs = jobs.map((job) => ({ resolver, params: job.params }));
  for (const wl of workloads) {
    jobs.forEach((job, j) => {
      const run = workloadRun(wl, 'transcript', envs[j] as SimulationEnv, memo);
      (sums[j] as ScenarioSum).addTotals(run.totals);
      (perWorkload[j] as SessionScenario[]).push(runScenario(ids[j] as string, job.kind, 'transcript', run));
    });
  }
  return jobs.map((job, j) => ({ totals: (sums[j] as ScenarioSum).totals(ids[j] as string, 'transcript', job.kind), perWorkload: perWorkload[j] as SessionScenario[] }));
}
