/**
 * The strategy interface and the shared machinery behind it. A strategy is a
 * `run` function over one workload that drives a `CacheMeter`; `simulate`
 * (rows) and `totals` (fast path) are both built from that one function, so
 * the per-turn and totals-only results cannot disagree.
 */
import { InputError } from '../errors.js';
import type { ModelPrice } from '../model/pricing.js';
import type { SimulatedTurn, StrategyId, StrategyResult, Workload } from '../model/simulation.js';
import type { PriceResolver } from '../price/resolve.js';
import { CacheMeter, CostColumns, type ColumnScratch, type SimulationTotals } from './cache.js';
import type { SimulationParams } from './params.js';
import { turnCountOf } from './workload-columns.js';

export interface SimulationEnv {
  resolver: PriceResolver;
  params: SimulationParams;
}

export type StrategyParamValues = Record<string, string | number | boolean | null>;

export interface Strategy {
  id: StrategyId;
  description: string;
  /**
   * One result per workload (session), in order. Takes all workloads at once
   * because replay remembers execution paths across sessions.
   */
  simulate(workloads: readonly Workload[], env: SimulationEnv): StrategyResult[];
  /**
   * As `simulate`, with each request's costs in columns instead of a row
   * object (`CostColumns`): what an analysis that keeps no per-request rows
   * sums and plots, the same numbers as the rows hold.
   */
  simulateColumns(workloads: readonly Workload[], env: SimulationEnv, reuse?: ColumnReuse): ColumnResult[];
  /**
   * Totals of one workload without per-turn rows: the same run with the row
   * sink switched off. Cross-session memory (replay) starts empty.
   */
  totals(workload: Workload, env: SimulationEnv): SimulationTotals;
}

/**
 * simulateColumns with one set of columns for every workload: each result
 * goes to `each` as soon as its workload is simulated (none is returned),
 * its columns valid until `each` returns. The strategy's summary of the
 * whole call (replay's) is assigned to the results' `params` objects after
 * the last workload: keep those objects, not copies.
 */
export interface ColumnReuse {
  scratch: ColumnScratch;
  each: (result: ColumnResult, workloadIndex: number) => void;
}

/** One workload under one strategy, its requests' costs in columns (see `CostColumns`). */
export interface ColumnResult {
  strategy: StrategyId;
  sessionId: string;
  totals: SimulationTotals;
  columns: CostColumns;
  params: StrategyParamValues;
}

export function defineStrategy(s: Strategy): Strategy {
  return s;
}

/**
 * What a strategy module implements: one workload through the meter. `memory`
 * is the cross-workload state (replay) created once per `simulate` call.
 * Returns the strategy's parameters and observations for `result.params`.
 */
export interface StrategyRunner<M> {
  id: StrategyId;
  description: string;
  createMemory(env: SimulationEnv): M;
  run(workload: Workload, env: SimulationEnv, meter: CacheMeter, memory: M): StrategyParamValues;
  /** Observations over all workloads (e.g. the replay rate), merged into every result's params. */
  summarize?(memory: M): StrategyParamValues;
  /**
   * Requests the strategy usually makes for a workload of `turns` turns (its
   * cost columns are made that long up front; more are still taken). Default:
   * the turns plus a few side requests.
   */
  requestCapacity?(turns: number, env: SimulationEnv): number;
}

/** Builds the public `Strategy` from a runner. */
export function strategyFromRunner<M>(runner: StrategyRunner<M>): Strategy {
  return defineStrategy({
    id: runner.id,
    description: runner.description,
    simulate(workloads, env) {
      const memory = runner.createMemory(env);
      const results: StrategyResult[] = [];
      for (const workload of workloads) {
        const rows: SimulatedTurn[] = [];
        const meter = new CacheMeter(env.params, rows);
        const params = runner.run(workload, env, meter, memory);
        const totals = meter.finish();
        results.push({
          strategy: runner.id,
          sessionId: workload.sessionId,
          turns: rows,
          totalCostUsd: totals.totalCostUsd,
          totalPromptTokens: totals.promptTokens,
          totalOutputTokens: totals.outputTokens,
          totals,
          params,
        });
      }
      const summary = runner.summarize?.(memory);
      if (summary) for (const r of results) Object.assign(r.params, summary);
      return results;
    },
    simulateColumns(workloads, env, reuse) {
      const memory = runner.createMemory(env);
      const results: ColumnResult[] = [];
      /** Every result's params, returned or handed to `reuse.each`: where the summary lands. */
      const paramsOf: StrategyParamValues[] = [];
      workloads.forEach((workload, w) => {
        // Sized up front: a column grown by copying frees the old one, and a freed block of 1 MB and more
        // (large sessions) makes glibc keep every later block of up to that size in its arenas (RSS).
        const turns = turnCountOf(workload);
        const capacity = runner.requestCapacity?.(turns, env) ?? turns + 8;
        const columns = reuse ? reuse.scratch.take(capacity) : new CostColumns(capacity);
        const meter = new CacheMeter(env.params, null, columns);
        const params = runner.run(workload, env, meter, memory);
        const result: ColumnResult = { strategy: runner.id, sessionId: workload.sessionId, totals: meter.finish(), columns, params };
        paramsOf.push(params);
        if (reuse) reuse.each(result, w);
        else results.push(result);
      });
      const summary = runner.summarize?.(memory);
      if (summary) for (const p of paramsOf) Object.assign(p, summary);
      return results;
    },
    totals(workload, env) {
      const meter = new CacheMeter(env.params, null);
      runner.run(workload, env, meter, runner.createMemory(env));
      return meter.finish();
    },
  });
}

/**
 * Model → price row with a two-entry memo (consecutive turns usually share a
 * model; a session with subagents alternates between two). An unknown model
 * is an input error naming it: never priced $0.
 */
export class PriceLookup {
  private readonly resolver: PriceResolver;
  private lastModel: string | null = null;
  private lastPrice: ModelPrice | null = null;
  private otherModel: string | null = null;
  private otherPrice: ModelPrice | null = null;
  constructor(resolver: PriceResolver) {
    this.resolver = resolver;
  }

  priceOf(model: string): ModelPrice {
    if (model === this.lastModel && this.lastPrice !== null) return this.lastPrice;
    if (model === this.otherModel && this.otherPrice !== null) return this.remember(model, this.otherPrice);
    const r = this.resolver.resolve(model);
    if (r.kind === 'unknown') {
      throw new InputError(
        `unknown model '${model}': no price, cannot simulate it`,
        'add it with --price "model=ID,input=…,output=…" or --pricing <file>',
      );
    }
    return this.remember(model, r.price);
  }

  /** Makes `model` the last entry; the previous last becomes the other one. */
  private remember(model: string, price: ModelPrice): ModelPrice {
    this.otherModel = this.lastModel;
    this.otherPrice = this.lastPrice;
    this.lastModel = model;
    this.lastPrice = price;
    return price;
  }
}

/** Fixed prefix of a stream: its own when the workload lists one, else the workload's. */
export function systemTokensOf(workload: Workload, streamId: string): number {
  const own = workload.streamSystemTokens?.[streamId];
  return own ?? workload.systemTokens;
}

/** The idle-gap override of the params applied to turn `index`, else the turn's own time. */
export function turnTime(params: SimulationParams, index: number, timestampMs: number): number {
  // `index` as a double (exactly the same number): V8 then compiles the product as floating point from
  // the start, instead of as small integers that overflow on the first day-long gap past turn 24 and
  // throw the optimised strategies back to the interpreter to be compiled again.
  return params.gapOverrideMs === null ? timestampMs : (index + 0.5 - 0.5) * params.gapOverrideMs;
}

/**
 * Per-stream state of a strategy, made on a stream's first turn, with a
 * one-entry memo (consecutive turns usually share a stream).
 */
export class StreamStates<T> {
  private readonly byId = new Map<string, T>();
  private lastId = '';
  private last: T | null = null;
  private readonly create: (streamId: string) => T;
  constructor(create: (streamId: string) => T) {
    this.create = create;
  }

  get(streamId: string): T {
    if (this.last !== null && streamId === this.lastId) return this.last;
    let found = this.byId.get(streamId);
    if (found === undefined) {
      found = this.create(streamId);
      this.byId.set(streamId, found);
    }
    this.last = found;
    this.lastId = streamId;
    return found;
  }
}
