/**
 * The sweep cache: the break-even sweeps' per-session totals, and the
 * per-session runs of the compared strategies and TTL variants (totals and
 * per-turn costs, `WorkloadRun`), kept next to the parse cache
 * (./parse-cache.ts), so a run over logs that did not change (or of which a
 * few sessions grew) simulates only what is new.
 *
 * A sweep total is `simulateTotals(workload, strategy, { resolver, params })`
 * of one session's workload: a pure function of the workload, the strategy,
 * the parameters, the price rows and the simulator's code. The key holds all
 * of them: a SHA-256 of the workload's content (every field the simulator
 * reads), the strategy and the full parameter set, and, for the whole file,
 * the price table and the simulator build (tool version, size and mtime of
 * every compiled module of src/simulate, src/price and src/analyze). A cached
 * total is the number the computation gives, bit for bit (stored as a
 * float64), so the report does not change; `--no-cache` computes everything.
 *
 * One file, written whole (temporary file + rename) when something was
 * added; unreadable, of another layout or build: ignored.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { PriceTable } from '../model/pricing.js';
import type { Workload } from '../model/simulation.js';
import { fillJobTotals, type SweepEvaluator, type SweepEvaluatorFactory, type SweepJob } from '../pipeline.js';
import { runKey, stableJson, type WorkloadRun, type WorkloadRunMemo } from '../analyze/summed.js';
import { createPriceResolver } from '../price/resolve.js';
import { codeFingerprint, tempNameFor } from './parse-cache.js';

export const SWEEP_CACHE_FILE_NAME = 'sweep-cache.v8';
const LAYOUT = 4;
/** Totals kept (workloads x jobs): this run's workloads first, then the most recent others. */
const MAX_TOTALS = 500_000;
/** Jobs (strategy + parameter sets) kept; past this only the last run's are. */
const MAX_JOBS = 4_096;
/** Runs (per-turn costs) kept, likewise. */
const MAX_RUNS = 50_000;

interface SweepCacheDocument {
  layout: number;
  code: string;
  /** Job keys (a digest of strategy and parameters); `totals` values are indexed like this list. */
  jobs: string[];
  /**
   * Workload hash → the total of each job (NaN: not computed), in insertion
   * order (oldest first). A column per workload instead of an entry per
   * (workload, job): 8 bytes a total instead of a key string, a map entry and
   * a boxed number (10 MB of heap for 3 GB of logs).
   */
  totals: Map<string, Float64Array>;
  /** key (workload hash + strategy and parameters) → the workload's run (compared strategies, TTL variants). */
  runs: Map<string, WorkloadRun>;
}

/** The simulator build: the compiled modules the totals depend on (src/simulate, src/price, src/analyze). */
export function simulatorBuild(): string {
  return codeFingerprint(['simulate', 'price', 'analyze']);
}

/**
 * SHA-256 of every field of the workload the simulator reads: a header, then
 * the turns' numbers as float64 bytes (five per turn, in turn order), then
 * their strings (three per turn, each turn closed by a separator). Two
 * `update` calls for the turns, not two per turn (each call crosses into
 * native code: ~20 ms on 37,000 turns).
 */
export function workloadHash(w: Workload): string {
  const h = createHash('sha256');
  h.update(stableJson([w.sessionId, w.systemTokens, w.streamSystemTokens ?? null, w.taskFingerprint, w.turns.length]));
  const nums = new Float64Array(5 * w.turns.length);
  const strs: string[] = new Array<string>(w.turns.length);
  w.turns.forEach((t, i) => {
    const o = 5 * i;
    nums[o] = t.timestampMs;
    nums[o + 1] = t.appendedTokens;
    nums[o + 2] = t.outputTokens;
    nums[o + 3] = t.compactedBefore === null ? -1 : (t.compactedBefore.preTokens ?? -2);
    nums[o + 4] = t.compactedBefore === null ? -1 : (t.compactedBefore.postTokens ?? -2);
    strs[i] = `${t.model}\u0000${t.streamId}\u0000${t.writeTtlObserved === undefined ? 'u' : String(t.writeTtlObserved)}\u0001`;
  });
  h.update(new Uint8Array(nums.buffer));
  h.update(strs.join(''));
  return h.digest('base64').slice(0, 32);
}

/** Digests of the keys seen: every workload asks for the same few (one per strategy and parameter set). */
const digests = new Map<string, string>();

/** A short digest of a job's or run's key (keys hold the full parameter set). */
function digest(key: string): string {
  let d = digests.get(key);
  if (d === undefined) {
    d = createHash('sha256').update(key).digest('base64').slice(0, 22);
    if (digests.size >= 10_000) digests.clear();
    digests.set(key, d);
  }
  return d;
}

export class SweepCache {
  private changed = false;
  /** Workload hashes whose totals this run used or added. */
  private readonly used = new Set<string>();
  /** Jobs this run evaluated. */
  private readonly usedJobs = new Set<string>();
  private readonly usedRuns = new Set<string>();
  /** Workload hashes, by workload object (each is hashed once per run). */
  private readonly hashes = new WeakMap<Workload, string>();
  private readonly jobIndex = new Map<string, number>();

  private constructor(
    private readonly file: string,
    private readonly code: string,
    private readonly jobs: string[],
    private readonly totals: Map<string, Float64Array>,
    private readonly runs: Map<string, WorkloadRun>,
  ) {
    jobs.forEach((j, i) => this.jobIndex.set(j, i));
  }

  /** The cached total of job `key` for the workload with hash `hash`, NaN when there is none. */
  private totalOf(hash: string, key: string): number {
    const j = this.jobIndex.get(key);
    const column = this.totals.get(hash);
    return j === undefined || column === undefined || j >= column.length ? Number.NaN : (column[j] as number);
  }

  /** Keeps a total (the first one computed for a workload and job stays). */
  private keep(hash: string, key: string, total: number): void {
    let j = this.jobIndex.get(key);
    if (j === undefined) {
      j = this.jobs.length;
      this.jobs.push(key);
      this.jobIndex.set(key, j);
    }
    let column = this.totals.get(hash);
    if (column === undefined || column.length <= j) {
      const grown = new Float64Array(Math.max(this.jobs.length, j + 1)).fill(Number.NaN);
      if (column !== undefined) grown.set(column);
      this.totals.set(hash, (column = grown));
    }
    if (Number.isNaN(column[j] as number)) {
      column[j] = total;
      this.changed = true;
    }
  }

  /** Where a workload's run under memo key `key` is kept in `runs`. */
  private runKeyOf(w: Workload, key: string): string {
    return `${this.hashOf(w)}\u0000${digest(key)}`;
  }

  private hashOf(w: Workload): string {
    let h = this.hashes.get(w);
    if (h === undefined) this.hashes.set(w, (h = workloadHash(w)));
    return h;
  }

  /** The runs of compared strategies and TTL variants, for `AnalysisOptions.memo`. */
  memo(): WorkloadRunMemo {
    return {
      get: (workload, key) => {
        const k = this.runKeyOf(workload, key);
        const run = this.runs.get(k);
        if (run) this.usedRuns.add(k);
        return run;
      },
      put: (workload, key, run) => {
        const k = this.runKeyOf(workload, key);
        this.usedRuns.add(k);
        this.runs.set(k, run);
        this.changed = true;
      },
      keyOfAll: (workloads) => {
        const h = createHash('sha256');
        for (const w of workloads) h.update(this.hashOf(w)).update('\u0000');
        return h.digest('base64');
      },
    };
  }

  /** The cache in `dir` for this price table and simulator build (empty when missing or stale). */
  static open(dir: string, priceTable: PriceTable, build: string): SweepCache {
    const file = join(dir, SWEEP_CACHE_FILE_NAME);
    const code = createHash('sha256').update(build).update('\u0000').update(stableJson(priceTable)).digest('base64');
    let jobs: string[] = [];
    let totals = new Map<string, Float64Array>();
    let runs = new Map<string, WorkloadRun>();
    try {
      const doc = deserialize(readFileSync(file)) as Partial<SweepCacheDocument> | null;
      if (
        doc &&
        doc.layout === LAYOUT &&
        doc.code === code &&
        Array.isArray(doc.jobs) &&
        doc.jobs.every((j) => typeof j === 'string') &&
        doc.totals instanceof Map &&
        [...doc.totals.values()].every((c) => c instanceof Float64Array) &&
        doc.runs instanceof Map &&
        [...doc.runs.values()].every(isRun)
      ) {
        jobs = doc.jobs;
        // Deserialised typed arrays are views into the file's bytes, which they would keep alive whole:
        // each gets its own copy, so the file's bytes can go.
        totals = new Map([...doc.totals].map(([h, c]) => [h, c.slice()]));
        runs = doc.runs;
        for (const run of runs.values()) run.perTurnUsd = run.perTurnUsd.slice();
      }
    } catch {
      // Missing or unreadable: start empty.
    }
    return new SweepCache(file, code, jobs, totals, runs);
  }

  /**
   * A factory for `buildAnalysisAsync`: totals come from the cache, the
   * missing ones from `inner`'s evaluator (worker threads) when it makes one,
   * else in this thread (`fillJobTotals` of the pipeline), and are added to the cache.
   */
  factory(inner?: SweepEvaluatorFactory): SweepEvaluatorFactory {
    return (input) => {
      const workloads = input.workloads;
      const hashes = workloads.map((w) => this.hashOf(w));
      const resolver = createPriceResolver(input.priceTable);
      const pool = inner?.(input) ?? null;
      const evaluator: SweepEvaluator = {
        evaluate: async (jobs: readonly SweepJob[]) => {
          // A job's key is a digest of its strategy and full parameters (short keys: the file stays small).
          const keys = jobs.map((job) => digest(runKey(job.strategy, job.params)));
          const out = jobs.map(() => new Float64Array(workloads.length));
          let missing = 0;
          jobs.forEach((_, j) => {
            const o = out[j] as Float64Array;
            for (let w = 0; w < workloads.length; w++) {
              const v = this.totalOf(hashes[w] as string, keys[j] as string);
              o[w] = v;
              if (Number.isNaN(v)) missing++;
            }
          });
          if (missing > 0) {
            if (pool) {
              // The pool runs whole jobs: let it, and keep what it computed.
              const fresh = await pool.evaluate(jobs);
              fresh.forEach((f, j) => (out[j] as Float64Array).set(f));
            } else fillJobTotals(workloads, jobs, resolver, out);
          }
          jobs.forEach((_, j) => {
            const o = out[j] as Float64Array;
            const key = keys[j] as string;
            this.usedJobs.add(key);
            for (let w = 0; w < workloads.length; w++) {
              const hash = hashes[w] as string;
              this.used.add(hash);
              this.keep(hash, key, o[w] as number);
            }
          });
          return out;
        },
      };
      if (pool?.summed) evaluator.summed = pool.summed.bind(pool);
      return evaluator;
    };
  }

  /** Writes the cache if totals were added; errors are ignored (the next run computes again). */
  save(): void {
    if (!this.changed) return;
    // Too many parameter sets over time: keep this run's jobs only.
    const { jobs, columns } = this.jobs.length > MAX_JOBS ? onlyJobs(this.jobs, this.totals, this.usedJobs) : { jobs: this.jobs, columns: this.totals };
    const totals = trimmed(columns, this.used, Math.max(1, Math.floor(MAX_TOTALS / Math.max(1, jobs.length))));
    const runs = trimmed(this.runs, this.usedRuns, MAX_RUNS);
    const doc: SweepCacheDocument = { layout: LAYOUT, code: this.code, jobs, totals, runs };
    const tmp = tempNameFor(this.file);
    try {
      mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
      writeFileSync(tmp, serialize(doc), { mode: 0o600 });
      renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      try {
        unlinkSync(tmp);
      } catch {
        // nothing written
      }
    }
  }
}

/** The totals of the jobs in `keep` only (columns re-indexed like the returned job list; NaN where a column was short). */
export function onlyJobs(
  jobs: readonly string[],
  totals: ReadonlyMap<string, Float64Array>,
  keep: ReadonlySet<string>,
): { jobs: string[]; columns: Map<string, Float64Array> } {
  const kept = jobs.map((k, i) => [k, i] as const).filter(([k]) => keep.has(k));
  const columns = new Map<string, Float64Array>();
  for (const [h, c] of totals) columns.set(h, Float64Array.from(kept, ([, i]) => (i < c.length ? (c[i] as number) : Number.NaN)));
  return { jobs: kept.map(([k]) => k), columns };
}

/** `map` cut to `max` entries: those `used` by this run first, then the most recently added others. */
function trimmed<V>(map: Map<string, V>, used: ReadonlySet<string>, max: number): Map<string, V> {
  if (map.size <= max) return map;
  const kept = new Map<string, V>();
  for (const k of used) {
    const v = map.get(k);
    if (v !== undefined) kept.set(k, v);
  }
  const others = [...map].filter(([k]) => !used.has(k));
  for (let i = others.length - 1; i >= 0 && kept.size < max; i--) kept.set(...(others[i] as [string, V]));
  return kept;
}

/** The shape of a run read back (anything else makes the file unused). */
function isRun(r: unknown): r is WorkloadRun {
  if (typeof r !== 'object' || r === null) return false;
  const x = r as Partial<WorkloadRun>;
  return x.perTurnUsd instanceof Float64Array && typeof x.params === 'object' && x.params !== null && typeof x.totals === 'object' && x.totals !== null && typeof x.totals.totalCostUsd === 'number';
}
