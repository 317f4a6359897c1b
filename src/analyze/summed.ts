/**
 * Scenarios whose per-request rows are only summed (the transcript TTL
 * variants of `analyze`): the running sums, and the totals-only run over all
 * workloads. Pure; the pipeline runs it in this thread or hands it to the
 * sweep worker (src/cli/sweep-workers.ts), which runs this same code on the
 * same workloads, so the results are identical bit for bit.
 */
import type { ScenarioKind, ScenarioTotals, SessionScenario } from '../model/report.js';
import type { StrategyId, StrategyResult, Workload } from '../model/simulation.js';
import type { PriceResolver } from '../price/resolve.js';
import { CostSum } from '../price/cost.js';
import type { SimulationParams } from '../simulate/params.js';
import { simulateColumns } from '../simulate/simulate.js';
import { COST_STRIDE } from '../simulate/cache.js';
import type { ColumnResult } from '../simulate/strategy.js';
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
 * Running totals of a scenario over its results, row by row in workload
 * order (the order fixes the floating-point sums, so a totals-only run that
 * drops each workload's rows right after adding them gives the same bits).
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

  add(r: StrategyResult): void {
    this.total += r.totalCostUsd;
    this.sessions++;
    const turns = r.turns;
    for (let i = 0; i < turns.length; i++) {
      const t = turns[i] as StrategyResult['turns'][number];
      this.cost.add(t.cost);
      this.promptTokens += t.promptTokens;
      this.cacheReadTokens += t.cacheReadTokens;
      this.outputTokens += t.outputTokens;
      this.requests++;
      if (t.kind !== 'turn') this.sideRequests++;
      this.missCostUsd += t.missCostUsd;
    }
  }

  /**
   * `add` of a result whose requests' costs are in columns: the same sums in
   * the same order (token counts are whole numbers, so their sums do not
   * depend on the order; the meter's are used).
   */
  addColumns(r: ColumnResult): void {
    this.total += r.totals.totalCostUsd;
    this.sessions++;
    const c = r.columns.costs;
    const n = r.columns.length;
    for (let k = 0; k < n; k++) {
      const o = k * COST_STRIDE;
      this.cost.addParts(c[o] as number, c[o + 1] as number, c[o + 2] as number, c[o + 3] as number, c[o + 4] as number, c[o + 5] as number, c[o + 6] as number);
      this.missCostUsd += c[o + 7] as number;
    }
    this.promptTokens += r.totals.promptTokens;
    this.cacheReadTokens += r.totals.cacheReadTokens;
    this.outputTokens += r.totals.outputTokens;
    this.requests += r.totals.requests;
    this.sideRequests += r.totals.sideRequests;
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
  let cacheRead = 0;
  for (const t of r.turns) cacheRead += t.cacheReadTokens;
  return {
    id,
    strategy: r.strategy,
    kind,
    totalCostUsd: r.totalCostUsd,
    totalPromptTokens: r.totalPromptTokens,
    totalOutputTokens: r.totalOutputTokens,
    cacheReadTokens: cacheRead,
    turns: withTurns ? SimulatedTurnTable.from(r.turns) : null,
    params: { ...r.params },
  };
}

/** A session scenario without rows, from a column result. */
export function columnScenario(id: string, kind: ScenarioKind, r: ColumnResult): SessionScenario {
  return {
    id,
    strategy: r.strategy,
    kind,
    totalCostUsd: r.totals.totalCostUsd,
    totalPromptTokens: r.totals.promptTokens,
    totalOutputTokens: r.totals.outputTokens,
    cacheReadTokens: r.totals.cacheReadTokens,
    turns: null,
    params: { ...r.params },
  };
}

/** One summed-only scenario to run: transcript with `params` (overrides applied), reported as `kind`. */
export interface SummedJob {
  kind: ScenarioKind;
  params: SimulationParams;
}

/**
 * Transcript with `job.params` over every workload, rows only summed: one
 * workload at a time, its requests' costs added (in workload order) and dropped
 * (transcript keeps nothing across workloads, so this equals one `simulate`
 * over all of them).
 */
export function summedTranscript(workloads: readonly Workload[], resolver: PriceResolver, job: SummedJob): SummedScenario {
  const sum = new ScenarioSum();
  const perWorkload: SessionScenario[] = [];
  const id = scenarioId('transcript', job.kind);
  const env = { resolver, params: job.params };
  for (const wl of workloads) {
    const r = simulateColumns([wl], 'transcript', env)[0];
    if (!r) continue;
    sum.addColumns(r);
    perWorkload.push(columnScenario(id, job.kind, r));
  }
  return { totals: sum.totals(id, 'transcript', job.kind), perWorkload };
}
