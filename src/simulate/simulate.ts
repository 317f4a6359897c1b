import type { StrategyId, StrategyResult, Workload } from '../model/simulation.js';
import type { SimulationTotals } from './cache.js';
import { STRATEGIES } from './strategies/index.js';
import type { ColumnResult, ColumnReuse, SimulationEnv } from './strategy.js';

export type { SimulationTotals } from './cache.js';

/** Runs each strategy over all workloads; one result per workload, in order. */
export function simulate(workloads: readonly Workload[], ids: readonly StrategyId[], env: SimulationEnv): Map<StrategyId, StrategyResult[]> {
  const out = new Map<StrategyId, StrategyResult[]>();
  for (const id of ids) {
    if (out.has(id)) continue;
    out.set(id, STRATEGIES[id].simulate(workloads, env));
  }
  return out;
}

/** As `simulate`, each request's costs in columns instead of rows (see `CostColumns` of ./cache.ts); `reuse`: see ColumnReuse. */
export function simulateColumns(workloads: readonly Workload[], id: StrategyId, env: SimulationEnv, reuse?: ColumnReuse): ColumnResult[] {
  return STRATEGIES[id].simulateColumns(workloads, env, reuse);
}

/**
 * Totals of one workload under one strategy, without per-turn rows: the same
 * loop as `simulate` with the row sink off (the break-even sweeps' fast path).
 * Replay starts with an empty memory (one run never replays its own task).
 */
export function simulateTotals(workload: Workload, id: StrategyId, env: SimulationEnv): SimulationTotals {
  return STRATEGIES[id].totals(workload, env);
}
