/**
 * The sweep cache: the break-even sweeps' per-session totals, kept next to
 * the parse cache (./parse-cache.ts), so a run over logs that did not change
 * (or of which a few sessions grew) simulates only what is new.
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
import type { SweepEvaluator, SweepEvaluatorFactory, SweepJob } from '../pipeline.js';
import { createPriceResolver } from '../price/resolve.js';
import { simulateTotals } from '../simulate/simulate.js';
import { codeFingerprint, tempNameFor } from './parse-cache.js';

export const SWEEP_CACHE_FILE_NAME = 'sweep-cache.v8';
const LAYOUT = 1;
/** Totals kept: this run's first, then the most recent others. */
const MAX_TOTALS = 500_000;

interface SweepCacheDocument {
  layout: number;
  code: string;
  /** key (workload hash + job) → total, in insertion order (oldest first). */
  totals: Map<string, number>;
}

/** The simulator build: the compiled modules the totals depend on (src/simulate, src/price, src/analyze). */
export function simulatorBuild(): string {
  return codeFingerprint(['simulate', 'price', 'analyze']);
}

/** JSON with non-finite numbers kept apart from null (JSON.stringify writes both as null). */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? `\u0000number:${String(v)}` : v));
}

/** SHA-256 of every field of the workload the simulator reads. */
export function workloadHash(w: Workload): string {
  const h = createHash('sha256');
  h.update(stableJson([w.sessionId, w.systemTokens, w.streamSystemTokens ?? null, w.taskFingerprint, w.turns.length]));
  // Per turn: its numbers as float64 bytes, then its strings, each list closed by a separator.
  const nums = new Float64Array(5);
  const bytes = new Uint8Array(nums.buffer);
  for (const t of w.turns) {
    nums[0] = t.timestampMs;
    nums[1] = t.appendedTokens;
    nums[2] = t.outputTokens;
    nums[3] = t.compactedBefore === null ? -1 : (t.compactedBefore.preTokens ?? -2);
    nums[4] = t.compactedBefore === null ? -1 : (t.compactedBefore.postTokens ?? -2);
    h.update(bytes);
    h.update(`${t.model}\u0000${t.streamId}\u0000${t.writeTtlObserved === undefined ? 'u' : String(t.writeTtlObserved)}\u0001`);
  }
  return h.digest('base64').slice(0, 32);
}

export class SweepCache {
  private changed = false;
  private readonly used = new Set<string>();

  private constructor(
    private readonly file: string,
    private readonly code: string,
    private readonly totals: Map<string, number>,
  ) {}

  /** The cache in `dir` for this price table and simulator build (empty when missing or stale). */
  static open(dir: string, priceTable: PriceTable, build: string): SweepCache {
    const file = join(dir, SWEEP_CACHE_FILE_NAME);
    const code = createHash('sha256').update(build).update('\u0000').update(stableJson(priceTable)).digest('base64');
    let totals = new Map<string, number>();
    try {
      const doc = deserialize(readFileSync(file)) as Partial<SweepCacheDocument> | null;
      if (doc && doc.layout === LAYOUT && doc.code === code && doc.totals instanceof Map) totals = doc.totals;
    } catch {
      // Missing or unreadable: start empty.
    }
    return new SweepCache(file, code, totals);
  }

  /**
   * A factory for `buildAnalysisAsync`: totals come from the cache, the
   * missing ones from `inner`'s evaluator (worker threads) when it makes one,
   * else from `simulateTotals` in this thread, and are added to the cache.
   */
  factory(inner?: SweepEvaluatorFactory): SweepEvaluatorFactory {
    return (input) => {
      const workloads = input.workloads;
      const hashes = workloads.map(workloadHash);
      const resolver = createPriceResolver(input.priceTable);
      const pool = inner?.(input) ?? null;
      const evaluator: SweepEvaluator = {
        evaluate: async (jobs: readonly SweepJob[]) => {
          // A job's key is a digest of its strategy and full parameters (short keys: the file stays small).
          const keys = jobs.map((job) => createHash('sha256').update(stableJson([job.strategy, job.params])).digest('base64').slice(0, 22));
          const out = jobs.map(() => new Float64Array(workloads.length));
          let missing = 0;
          jobs.forEach((_, j) => {
            const o = out[j] as Float64Array;
            for (let w = 0; w < workloads.length; w++) {
              const v = this.totals.get(`${hashes[w] as string}\u0000${keys[j] as string}`);
              if (v === undefined) {
                o[w] = Number.NaN;
                missing++;
              } else o[w] = v;
            }
          });
          if (missing > 0) {
            if (pool) {
              // The pool runs whole jobs: let it, and keep what it computed.
              const fresh = await pool.evaluate(jobs);
              fresh.forEach((f, j) => (out[j] as Float64Array).set(f));
            } else {
              jobs.forEach((job, j) => {
                const o = out[j] as Float64Array;
                const env = { resolver, params: job.params };
                for (let w = 0; w < workloads.length; w++) if (Number.isNaN(o[w])) o[w] = simulateTotals(workloads[w] as Workload, job.strategy, env).totalCostUsd;
              });
            }
          }
          jobs.forEach((_, j) => {
            const o = out[j] as Float64Array;
            for (let w = 0; w < workloads.length; w++) {
              const key = `${hashes[w] as string}\u0000${keys[j] as string}`;
              this.used.add(key);
              if (!this.totals.has(key)) {
                this.totals.set(key, o[w] as number);
                this.changed = true;
              }
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
    let totals = this.totals;
    if (totals.size > MAX_TOTALS) {
      const kept = new Map<string, number>();
      for (const k of this.used) {
        const v = totals.get(k);
        if (v !== undefined) kept.set(k, v);
      }
      const others = [...totals].filter(([k]) => !this.used.has(k));
      for (let i = others.length - 1; i >= 0 && kept.size < MAX_TOTALS; i--) kept.set(...(others[i] as [string, number]));
      totals = kept;
    }
    const doc: SweepCacheDocument = { layout: LAYOUT, code: this.code, totals };
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
