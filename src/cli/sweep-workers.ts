/**
 * The break-even sweeps on every core: a pool of worker threads (entry
 * ./sweep-worker.js) plus this thread, behind the pipeline's
 * `SweepEvaluator`. The workloads are posted once (packed in typed-array
 * columns); each job (one strategy and parameter set over every workload) is
 * cut into shards of contiguous workloads, handed out dynamically to the next
 * free executor, and each workload's total lands at its index, so the totals
 * are the same numbers `simulateTotals` gives in one thread, whatever
 * finishes first (the pipeline adds them up in workload order).
 */
import { Worker } from 'node:worker_threads';
import { threadCountFromEnv, type CliContext } from './context.js';
import type { PriceTable } from '../model/pricing.js';
import type { Workload } from '../model/simulation.js';
import type { SweepEvaluator, SweepEvaluatorFactory, SweepJob } from '../pipeline.js';
import type { SummedJob, SummedScenario } from '../analyze/summed.js';
import { createPriceResolver } from '../price/resolve.js';
import { turnCountOf } from '../simulate/workload-columns.js';
import { workerEntry } from './worker-entry.js';
import { packWorkloads, runTotalsBatch, type TotalsBatch, type TotalsBatchReply, type TotalsRequest } from '../simulate/sweep.js';

/**
 * The pool is off unless asked for (`workers`; the CLI's
 * TOKEN_ECON_SWEEP_WORKERS). Measured on 2 vCPUs (BENCHMARKS.md runs F, I
 * and N): on 1 GB of Claude Code logs (36,935 requests) the sweeps and TTL
 * variants are ~0.3-0.4 s of CPU, and a worker running them while this
 * thread simulates the compared strategies gave no wall-time gain (+0.3 CPU
 * s, +15-30 MiB peak RSS); on 3 GB (111,000 requests) none either (3.64-4.00
 * s with, 3.76-4.01 s without) and +40 MiB peak RSS (252-261 MiB with,
 * 211-216 without), above the 256 MB limit. On two cores the second one is
 * not idle during the analysis: it runs V8's concurrent marking and parallel
 * scavenges of this thread's heap, which is GC-bound there.
 */
export interface SweepPoolOptions {
  /** Worker threads (this thread works too); default 0: no pool. */
  workers?: number;
  /** Smallest input (total workload turns) worth the workers; default 0. */
  minTurns?: number;
}

export const SWEEP_WORKERS_ENV = 'TOKEN_ECON_SWEEP_WORKERS';

/** Sweep worker threads asked for by `TOKEN_ECON_SWEEP_WORKERS` (unset or empty: none). */
export function sweepWorkers(env: CliContext['env']): number {
  return threadCountFromEnv(env, SWEEP_WORKERS_ENV, 0, () => 0, `e.g. ${SWEEP_WORKERS_ENV}=1 for one sweep worker thread`);
}

/** Contiguous workload ranges of at most ~`target` turns (a larger workload is a range alone). */
function ranges(workloads: readonly Workload[], target: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let from = 0;
  let turns = 0;
  for (let w = 0; w < workloads.length; w++) {
    const n = turnCountOf(workloads[w] as Workload);
    if (w > from && turns + n > target) {
      out.push([from, w]);
      from = w;
      turns = 0;
    }
    turns += n;
  }
  if (from < workloads.length) out.push([from, workloads.length]);
  return out;
}

/** A `summed` request to a sweep worker: transcript scenarios with rows only summed. */
export interface SummedRequest {
  kind: 'summed';
  id: number;
  jobs: SummedJob[];
}

export type SummedReply = { kind: 'summed'; id: number; results: SummedScenario[]; error: null } | { kind: 'summed'; id: number; results: null; error: string };

class SweepPool implements SweepEvaluator {
  private readonly summedPending = new Map<number, { resolve: (r: SummedScenario[]) => void; reject: (e: Error) => void }>();
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { left: number; replies: TotalsBatchReply[]; done: () => void; fail: (e: Error) => void }>();
  private nextId = 0;
  private failure: Error | null = null;
  private readonly resolver;
  private readonly shardRanges: Array<[number, number]>;

  constructor(
    private workloads: readonly Workload[],
    priceTable: PriceTable,
    workers: readonly Worker[],
    turns: number,
  ) {
    this.resolver = createPriceResolver(priceTable);
    const count = workers.length;
    // ~4 shards per job per thread keeps every thread busy to the end of a batch.
    this.shardRanges = ranges(workloads, Math.max(1, Math.ceil(turns / (4 * (count + 1)))));
    const init: TotalsRequest = { kind: 'workloads', priceTable, workloads: packWorkloads(workloads) };
    for (const worker of workers) {
      worker.on('message', (reply: TotalsBatchReply | SummedReply) => {
        if ('kind' in reply) {
          const s = this.summedPending.get(reply.id);
          if (s === undefined) return;
          this.summedPending.delete(reply.id);
          if (reply.error !== null) s.reject(new Error(reply.error));
          else s.resolve(reply.results);
          return;
        }
        const p = this.pending.get(reply.id);
        if (p === undefined) return;
        if (reply.error !== null) return p.fail(new Error(reply.error));
        p.replies.push(reply);
        if (--p.left === 0) p.done();
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (this.pending.size > 0 || this.summedPending.size > 0) this.fail(new Error(`sweep worker exited (code ${code})`));
      });
      worker.postMessage(init);
      this.workers.push(worker);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.fail(err);
    this.pending.clear();
    for (const s of this.summedPending.values()) s.reject(err);
    this.summedPending.clear();
  }

  /** On the first worker (posted before any sweep batch, so it runs first there). */
  summed(jobs: readonly SummedJob[]): Promise<SummedScenario[]> {
    return new Promise<SummedScenario[]>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const worker = this.workers[0];
      if (worker === undefined) return reject(new Error('sweep pool: no worker'));
      const id = this.nextId++;
      this.summedPending.set(id, { resolve, reject });
      worker.postMessage({ kind: 'summed', id, jobs: [...jobs] } satisfies SummedRequest);
    });
  }

  evaluate(jobs: readonly SweepJob[]): Promise<Float64Array[]> {
    const out = jobs.map(() => new Float64Array(this.workloads.length));
    const triples: number[] = [];
    jobs.forEach((_, job) => {
      for (const [from, to] of this.shardRanges) triples.push(job, from, to);
    });
    const batch: TotalsBatch = {
      id: this.nextId++,
      jobs: jobs.map((j) => ({ strategy: j.strategy, params: j.params })),
      shards: Int32Array.from(triples),
      next: new Int32Array(new SharedArrayBuffer(4)),
    };
    const shards = batch.shards;
    const place = (k: number, totals: Float64Array): void => {
      out[shards[k * 3] as number]?.set(totals, shards[k * 3 + 1] as number);
    };
    const fromWorkers = new Promise<TotalsBatchReply[]>((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      const entry = { left: this.workers.length, replies: [] as TotalsBatchReply[], done: () => {}, fail: reject };
      entry.done = () => {
        this.pending.delete(batch.id);
        resolve(entry.replies);
      };
      this.pending.set(batch.id, entry);
      for (const w of this.workers) w.postMessage({ kind: 'batch', ...batch } satisfies TotalsRequest);
    });
    // The workers start at once; this thread joins in when the caller awaits
    // (it is usually busy simulating the compared strategies meanwhile).
    const here = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        try {
          runTotalsBatch(batch, this.workloads, this.resolver, place);
          resolve();
        } catch (e) {
          Atomics.store(batch.next, 0, shards.length);
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
    });
    return Promise.all([fromWorkers, here]).then(([replies]) => {
      for (const r of replies) r.shards.forEach((k, i) => place(k, r.totals[i] as Float64Array));
      return out;
    });
  }

  close(): void {
    for (const w of this.workers) {
      void w.terminate();
      w.removeAllListeners('message');
    }
    this.workers.length = 0;
    // The caller may keep the pool until its output is written: let the workloads (every turn) go now.
    this.workloads = [];
  }
}

/**
 * A factory for `buildAnalysisAsync`: a pool when the input is large enough
 * and there is a core to spare, else null (the sweeps run in this thread).
 * `close()` terminates the workers it started.
 */
export function sweepPoolFactory(options: SweepPoolOptions = {}): { factory: SweepEvaluatorFactory; prestart: () => void; close: () => void } {
  const pools: SweepPool[] = [];
  let spare: Worker[] = [];
  const count = options.workers ?? 0;
  const minTurns = options.minTurns ?? 0;
  const terminate = (workers: readonly Worker[]): void => {
    for (const w of workers) void w.terminate();
  };
  return {
    factory: ({ workloads, priceTable, turns }) => {
      if (count <= 0 || turns < minTurns || workloads.length === 0) {
        terminate(spare);
        spare = [];
        return null;
      }
      const workers = spare.filter((w) => !dead.has(w));
      spare = [];
      while (workers.length < count) workers.push(startSweepWorker());
      const pool = new SweepPool(workloads, priceTable, workers, turns);
      pools.push(pool);
      return pool;
    },
    prestart: () => {
      while (count > 0 && spare.length < count) spare.push(startSweepWorker());
    },
    close: () => {
      for (const p of pools) p.close();
      pools.length = 0;
      terminate(spare);
      spare = [];
    },
  };
}

/**
 * One sweep worker, idle until the pool posts the workloads. Started early
 * (`prestart`), its start-up (~0.1-0.2 s of module loading and compiling)
 * overlaps the end of ingest instead of delaying the sweeps.
 */
function startSweepWorker(): Worker {
  // A small young generation: the totals-only loop allocates little, and every MB here is peak RSS.
  // The entry next to this module, or to the CLI bundle (./worker-entry.ts).
  const worker = new Worker(workerEntry('sweep-worker'), { resourceLimits: { maxYoungGenerationSizeMb: SWEEP_WORKER_YOUNG_MB } });
  worker.unref();
  // Until a pool takes it: a worker that fails or exits meanwhile is not used.
  const gone = (): void => {
    dead.add(worker);
  };
  worker.on('error', gone);
  worker.on('exit', gone);
  return worker;
}

/** Prestarted workers that failed or exited before a pool took them. */
const dead = new WeakSet<Worker>();

const SWEEP_WORKER_YOUNG_MB = 4;
