/**
 * Scenario sweeps: the totals of many (workload, strategy, parameter set)
 * scenarios, the shape of every break-even search. Pure: a sweep is a plain,
 * structured-clonable `SweepSpec` (price table, workloads, parameter sets,
 * scenarios; no functions), so the same spec runs in this thread or is posted
 * once to worker threads, each of which runs shards of it.
 *
 * This module never starts a thread: only the shell may (the architecture
 * test confines `worker_threads` to src/cli/). The shell owns the workers and
 * wires them here through two small adapters:
 * - in the worker: `createSweepWorkerHandler()` turns each `SweepRequest`
 *   message into a `SweepReply` (post it back, transferring `totals.buffer`);
 * - in the caller: `portExecutor(port)` wraps a worker as a `SweepExecutor`.
 * `sweepParallel` then hands out shards dynamically (the next free executor
 * takes the next shard) and writes every total at its scenario's index, so the
 * result is bit-identical to `runSweepShard(spec, 0, n)` whatever the number
 * of executors or the order in which they finish: each scenario is simulated
 * alone by the same code from the same inputs.
 */
import type { PriceTable } from '../model/pricing.js';
import type { StrategyId, Workload, WorkloadTurn } from '../model/simulation.js';
import { WorkloadColumns, columnsOf, turnCountOf, workloadOverColumns, type WorkloadColumnArrays } from './workload-columns.js';
import { createPriceResolver, type PriceResolver } from '../price/resolve.js';
import type { SimulationParams } from './params.js';
import { simulateTotals } from './simulate.js';
import type { SimulationEnv } from './strategy.js';

export interface SweepScenario {
  /** Index into `SweepSpec.workloads`. */
  workload: number;
  strategy: StrategyId;
  /** Index into `SweepSpec.params`. */
  params: number;
}

/** Everything a sweep needs; structured-clonable, so it can be posted to a worker as is. */
export interface SweepSpec {
  priceTable: PriceTable;
  workloads: Workload[];
  /** Full parameter sets (defaults applied); scenarios refer to them by index. */
  params: SimulationParams[];
  scenarios: SweepScenario[];
}

/**
 * Total cost (USD) of scenarios [from, to) of `spec`, in order, through
 * `simulateTotals` (the totals-only fast path). `resolver` defaults to one
 * built from `spec.priceTable`; pass it to reuse one across shards.
 */
export function runSweepShard(spec: SweepSpec, from: number, to: number, resolver?: PriceResolver): Float64Array {
  const res = resolver ?? createPriceResolver(spec.priceTable);
  const envs: SimulationEnv[] = spec.params.map((params) => ({ resolver: res, params }));
  const n = Math.max(0, Math.min(to, spec.scenarios.length) - from);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = spec.scenarios[from + i] as SweepScenario;
    const workload = spec.workloads[s.workload];
    const env = envs[s.params];
    if (workload === undefined || env === undefined) throw new Error(`sweep scenario ${from + i}: workload ${s.workload} or params ${s.params} out of range`);
    out[i] = simulateTotals(workload, s.strategy, env).totalCostUsd;
  }
  return out;
}

/** Something that runs shards of one prepared sweep: this thread or a worker. */
export interface SweepExecutor {
  /** Totals of scenarios [from, to), in order. */
  run(from: number, to: number): Promise<Float64Array>;
}

/**
 * An executor that runs shards in the calling thread. Before each shard it
 * yields to the event loop (a macrotask, not a microtask), so the replies of
 * worker executors are taken in between and they keep getting shards.
 */
export function inThreadExecutor(spec: SweepSpec): SweepExecutor {
  const resolver = createPriceResolver(spec.priceTable);
  return {
    run: (from, to) =>
      new Promise<Float64Array>((resolve, reject) => {
        setImmediate(() => {
          try {
            resolve(runSweepShard(spec, from, to, resolver));
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)));
          }
        });
      }),
  };
}

/**
 * Runs all scenarios of a sweep over `executors`, shards of `shardSize`
 * scenarios handed out dynamically; totals in scenario order. The first
 * failing shard rejects the whole sweep (the executors are left to the caller
 * to close).
 */
export async function sweepParallel(scenarioCount: number, executors: readonly SweepExecutor[], shardSize = 250): Promise<Float64Array> {
  if (executors.length === 0) throw new Error('sweepParallel: no executor');
  const size = Math.max(1, Math.floor(shardSize));
  const out = new Float64Array(scenarioCount);
  let next = 0;
  const drain = async (ex: SweepExecutor): Promise<void> => {
    while (next < scenarioCount) {
      const from = next;
      const to = Math.min(scenarioCount, from + size);
      next = to;
      const totals = await ex.run(from, to);
      if (totals.length !== to - from) throw new Error(`sweep shard ${from}..${to}: ${totals.length} totals`);
      out.set(totals, from);
    }
  };
  await Promise.all(executors.map(drain));
  return out;
}

/**
 * Workloads in columns: what `portExecutor` and the analysis pool post
 * instead of the turn objects. Structured-cloning 100,000 small objects costs
 * ~0.1 s on each side of a postMessage; typed arrays are copied in a
 * millisecond. The columns of every workload (src/simulate/workload-columns.ts)
 * are concatenated, each workload's string table and compactions travel with
 * its meta, and `unpackWorkloads` rebuilds each workload over views of the
 * arrays (`workloadOverColumns`): its `turns` are deepEqual to the originals
 * (an absent `writeTtlObserved` stays absent).
 */
export interface PackedWorkloads {
  workloads: Array<{
    sessionId: string;
    systemTokens: number;
    streamSystemTokens?: Record<string, number>;
    taskFingerprint: string | null;
    turns: number;
    strings: readonly string[];
    compactions: ReadonlyArray<NonNullable<WorkloadTurn['compactedBefore']>>;
  }>;
  /** Every workload's columns, one after another (`turns` of each). */
  columns: Omit<WorkloadColumnArrays, 'strings' | 'compactions'>;
}

export function packWorkloads(workloads: readonly Workload[]): PackedWorkloads {
  let n = 0;
  for (const w of workloads) n += turnCountOf(w);
  const columns: PackedWorkloads['columns'] = {
    timestampMs: new Float64Array(n),
    appendedTokens: new Float64Array(n),
    outputTokens: new Float64Array(n),
    model: new Int32Array(n),
    stream: new Int32Array(n),
    ttl: new Uint8Array(n),
    compacted: new Int32Array(n),
  };
  const metas: PackedWorkloads['workloads'] = [];
  let at = 0;
  for (const w of workloads) {
    const c = columnsOf(w);
    const meta: PackedWorkloads['workloads'][number] = {
      sessionId: w.sessionId,
      systemTokens: w.systemTokens,
      taskFingerprint: w.taskFingerprint,
      turns: c.count,
      strings: c.strings,
      compactions: c.compactions,
    };
    if (w.streamSystemTokens !== undefined) meta.streamSystemTokens = w.streamSystemTokens;
    metas.push(meta);
    for (const key of COLUMN_KEYS) (columns[key] as Float64Array).set(c[key] as Float64Array, at);
    at += c.count;
  }
  return { workloads: metas, columns };
}

/** The columns `packWorkloads` concatenates. */
const COLUMN_KEYS = ['timestampMs', 'appendedTokens', 'outputTokens', 'model', 'stream', 'ttl', 'compacted'] as const;

export function unpackWorkloads(p: PackedWorkloads): Workload[] {
  let at = 0;
  return p.workloads.map((meta) => {
    const view = <T extends Float64Array | Int32Array | Uint8Array>(a: T): T => a.subarray(at, at + meta.turns) as T;
    const columns = new WorkloadColumns({
      timestampMs: view(p.columns.timestampMs),
      appendedTokens: view(p.columns.appendedTokens),
      outputTokens: view(p.columns.outputTokens),
      model: view(p.columns.model),
      stream: view(p.columns.stream),
      ttl: view(p.columns.ttl),
      compacted: view(p.columns.compacted),
      compactions: meta.compactions,
      strings: meta.strings,
    });
    at += meta.turns;
    const w: Omit<Workload, 'turns'> = { sessionId: meta.sessionId, systemTokens: meta.systemTokens, taskFingerprint: meta.taskFingerprint };
    if (meta.streamSystemTokens !== undefined) w.streamSystemTokens = meta.streamSystemTokens;
    return workloadOverColumns(w, columns);
  });
}

/** Messages to a sweep worker: the spec once (workloads packed), then shards to run. */
export type SweepRequest =
  | { kind: 'spec'; spec: Omit<SweepSpec, 'workloads'>; workloads: PackedWorkloads }
  | { kind: 'run'; id: number; from: number; to: number };

/** A worker's answer to a `run` request. */
export type SweepReply = { id: number; totals: Float64Array; error: null } | { id: number; totals: null; error: string };

/**
 * The worker side of the protocol: a handler that keeps the last spec and
 * answers each `run` request (null for `spec`, which needs no answer).
 */
export function createSweepWorkerHandler(): (msg: SweepRequest) => SweepReply | null {
  let spec: SweepSpec | null = null;
  let resolver: PriceResolver | null = null;
  return (msg) => {
    if (msg.kind === 'spec') {
      spec = { ...msg.spec, workloads: unpackWorkloads(msg.workloads) };
      resolver = createPriceResolver(msg.spec.priceTable);
      return null;
    }
    if (spec === null || resolver === null) return { id: msg.id, totals: null, error: 'sweep worker: run before spec' };
    try {
      return { id: msg.id, totals: runSweepShard(spec, msg.from, msg.to, resolver), error: null };
    } catch (e) {
      return { id: msg.id, totals: null, error: e instanceof Error ? e.message : String(e) };
    }
  };
}

/** The caller's view of a worker: post a request, get replies (a `Worker` fits with a two-line adapter). */
export interface SweepPort {
  postMessage(msg: SweepRequest): void;
  onReply(listener: (reply: SweepReply) => void): void;
}

/** Wraps a worker running `createSweepWorkerHandler` as an executor; posts `spec` first. */
export function portExecutor(port: SweepPort, spec: SweepSpec): SweepExecutor {
  const pending = new Map<number, { resolve: (t: Float64Array) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  port.onReply((reply) => {
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.error !== null) p.reject(new Error(reply.error));
    else p.resolve(reply.totals);
  });
  const { workloads, ...rest } = spec;
  port.postMessage({ kind: 'spec', spec: rest, workloads: packWorkloads(workloads) });
  return {
    run: (from, to) =>
      new Promise<Float64Array>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, { resolve, reject });
        port.postMessage({ kind: 'run', id, from, to });
      }),
  };
}

/**
 * Totals of workloads [from, to) of `workloads` under one strategy and one
 * parameter set, in order: the unit of work of the analysis sweeps (one job =
 * every workload with one parameter set; the caller adds them up in order).
 */
export function workloadTotals(workloads: readonly Workload[], strategy: StrategyId, env: SimulationEnv, from: number, to: number): Float64Array {
  const end = Math.min(to, workloads.length);
  const out = new Float64Array(Math.max(0, end - from));
  for (let w = from; w < end; w++) out[w - from] = simulateTotals(workloads[w] as Workload, strategy, env).totalCostUsd;
  return out;
}

/** One job of a batch: a strategy and a full parameter set, over every workload. */
export interface TotalsJob {
  strategy: StrategyId;
  params: SimulationParams;
}

/**
 * A batch of jobs cut into shards (`shards`: job, from, to triples over
 * workload ranges). Every thread working on the batch takes the next shard
 * with `Atomics.add` on `next` (an Int32Array over a SharedArrayBuffer), so
 * shards keep flowing to a worker while the thread that posted the batch is
 * busy with something else.
 */
export interface TotalsBatch {
  id: number;
  jobs: TotalsJob[];
  shards: Int32Array;
  next: Int32Array;
}

/** Totals of the shards this thread took from `batch`: shard index, then its workloads' totals. */
export interface TotalsBatchReply {
  id: number;
  shards: number[];
  totals: Float64Array[];
  error: string | null;
}

/** Takes shards of `batch` until none is left; returns what this thread computed. */
export function runTotalsBatch(batch: TotalsBatch, workloads: readonly Workload[], resolver: PriceResolver, onShard?: (shard: number, totals: Float64Array) => void): TotalsBatchReply {
  const count = batch.shards.length / 3;
  const reply: TotalsBatchReply = { id: batch.id, shards: [], totals: [], error: null };
  for (;;) {
    const k = Atomics.add(batch.next, 0, 1);
    if (k >= count) return reply;
    const job = batch.jobs[batch.shards[k * 3] as number] as TotalsJob;
    const totals = workloadTotals(workloads, job.strategy, { resolver, params: job.params }, batch.shards[k * 3 + 1] as number, batch.shards[k * 3 + 2] as number);
    if (onShard) onShard(k, totals);
    else {
      reply.shards.push(k);
      reply.totals.push(totals);
    }
  }
}

/**
 * Messages of the job protocol (the analysis sweeps): the workloads once,
 * then batches of jobs that each carry their own parameter set, so a sweep
 * whose next points depend on the last answers (bisection) needs no new spec.
 */
export type TotalsRequest = { kind: 'workloads'; priceTable: PriceTable; workloads: PackedWorkloads } | ({ kind: 'batch' } & TotalsBatch);

/** The worker side of the job protocol: answers each batch (null for `workloads`). */
export function createTotalsWorkerHandler(onWorkloads?: (workloads: readonly Workload[], resolver: PriceResolver) => void): (msg: TotalsRequest) => TotalsBatchReply | null {
  let workloads: Workload[] | null = null;
  let resolver: PriceResolver | null = null;
  return (msg) => {
    if (msg.kind === 'workloads') {
      workloads = unpackWorkloads(msg.workloads);
      resolver = createPriceResolver(msg.priceTable);
      onWorkloads?.(workloads, resolver);
      return null;
    }
    if (workloads === null || resolver === null) return { id: msg.id, shards: [], totals: [], error: 'sweep worker: batch before workloads' };
    try {
      return runTotalsBatch(msg, workloads, resolver);
    } catch (e) {
      // Stop the other threads taking shards: the batch fails as a whole.
      Atomics.store(msg.next, 0, msg.shards.length);
      return { id: msg.id, shards: [], totals: [], error: e instanceof Error ? e.message : String(e) };
    }
  };
}
