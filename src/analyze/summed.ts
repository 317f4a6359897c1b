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
import { simulateColumns } from '../simulate/simulate.js';
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

  addColumns(r: ColumnResult): void {
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
