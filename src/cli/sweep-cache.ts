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
 * added; unreadable, cut, of another layout or build: ignored. It is a
 * header and then one record per workload's totals and per run, their
 * float64 columns written as raw bytes through one reused buffer and read
 * back through a window: neither writing nor reading holds a serialised copy
 * of the whole cache (24 MB for 6 GB of logs, the peak of a first run when
 * it was one v8.serialize document).
 *
 * The totals are read when the file is opened (8 bytes a workload and job).
 * A run is read when the analysis asks for it: opening notes only where
 * each run's record lies, and saving copies the records of runs not
 * recomputed as bytes. A cache filled by large analyses (25 MB of runs for
 * 6 GB of logs) cost every later run ~100 ms and ~34 MiB to load whole,
 * whatever that run read.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import type { PriceTable } from '../model/pricing.js';
import type { Workload } from '../model/simulation.js';
import { fillJobTotals, type SweepEvaluator, type SweepEvaluatorFactory, type SweepJob } from '../pipeline.js';
import { runKey, stableJson, type WorkloadRun, type WorkloadRunMemo } from '../analyze/summed.js';
import { createPriceResolver } from '../price/resolve.js';
import { columnsOf } from '../simulate/workload-columns.js';
import { FileWindow, codeFingerprint, tempNameFor } from './parse-cache.js';
import { closeQuietly, pageBuffer, writeAllSync } from './io.js';

export const SWEEP_CACHE_FILE_NAME = 'sweep-cache.v8';
const LAYOUT = 5;
/** First bytes of the file. */
const MAGIC = Buffer.from('token-econ sweep cache\n');
/** The file is written through a buffer of this many bytes (one write each time it fills). */
const WRITE_BATCH_BYTES = 1 << 20;
/** Totals kept (workloads x jobs): this run's workloads first, then the most recent others. */
const MAX_TOTALS = 500_000;
/** Jobs (strategy + parameter sets) kept; past this only the last run's are. */
const MAX_JOBS = 4_096;
/** Runs (per-turn costs) kept, likewise. */
const MAX_RUNS = 50_000;

/**
 * The file: MAGIC, [u32 length][v8.serialize of this header], then `totals`
 * records (a workload hash and its column of totals), then `runs` records
 * (a run's key and its per-turn costs; its totals and parameters in `meta`).
 * A record: [u32 length of the rest][u32 key bytes][key, UTF-8][u32 meta
 * bytes][meta: `encodeMeta` of { totals, params } as UTF-8, or none][float64
 * values, host byte order, to the record's end].
 */
interface SweepCacheHeader {
  layout: number;
  code: string;
  /** Job keys (a digest of strategy and parameters); each workload's totals are indexed like this list. */
  jobs: string[];
  totals: number;
  runs: number;
}

/** The simulator build: the compiled modules the totals depend on (src/simulate, src/price, src/analyze). */
export function simulatorBuild(): string {
  return codeFingerprint(['simulate', 'price', 'analyze']);
}

/**
 * SHA-256 of every field of the workload the simulator reads: a header (its
 * fields, turn and compaction counts, and the table of its models and stream
 * ids in order of first use), then its columns as they are in memory
 * (src/simulate/workload-columns.ts): timestamps, appended and output tokens
 * (float64), model and stream (indexes into the table), TTL class, the
 * compaction index of each turn, and each compaction's pre/post tokens (-2
 * for null). The table in first-use order with the indexes encodes each
 * turn's strings exactly; nothing is made per turn (a string per turn and
 * one joined string cost ~30 ms per GB of logs).
 */
export function workloadHash(w: Workload): string {
  const h = createHash('sha256');
  const c = columnsOf(w);
  h.update(stableJson([w.sessionId, w.systemTokens, w.streamSystemTokens ?? null, w.taskFingerprint, c.count, c.compactions.length, c.strings]));
  const bytes = (a: Float64Array | Int32Array | Uint8Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  h.update(bytes(c.timestampMs));
  h.update(bytes(c.appendedTokens));
  h.update(bytes(c.outputTokens));
  h.update(bytes(c.model));
  h.update(bytes(c.stream));
  h.update(bytes(c.ttl));
  h.update(bytes(c.compacted));
  const compactions = new Float64Array(2 * c.compactions.length);
  c.compactions.forEach((x, k) => {
    compactions[2 * k] = x.preTokens ?? -2;
    compactions[2 * k + 1] = x.postTokens ?? -2;
  });
  h.update(bytes(compactions));
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

/** A run not read yet: where its record lies in the file as opened (the length prefix included). */
class StoredRun {
  constructor(
    readonly at: number,
    readonly bytes: number,
  ) {}
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
    /** Runs by key, in the file's order: read ones, added ones, and the others where their records lie. */
    private readonly runs: Map<string, WorkloadRun | StoredRun>,
    /** The file as opened (the stored runs are read from it), null when there was none usable. */
    private fd: number | null,
    private window: FileWindow | null,
  ) {
    jobs.forEach((j, i) => this.jobIndex.set(j, i));
  }

  /** The stored run at `r`, read from the file as opened; undefined when it cannot be read or is not a run. */
  private readRun(r: StoredRun): WorkloadRun | undefined {
    if (this.window === null) return undefined;
    try {
      const rec = parseRecord(this.window.bytes(r.at + 4, r.bytes - 4));
      const run = { ...(rec.meta as object), perTurnUsd: rec.values };
      return rec.meta !== null && typeof rec.meta === 'object' && isRun(run) ? run : undefined;
    } catch {
      return undefined;
    }
  }

  /** Lets go of the file as opened (save() does too). */
  close(): void {
    if (this.fd !== null) closeQuietly(this.fd);
    this.fd = null;
    this.window = null;
  }

  /** The cached total of job `key` for the workload with hash `hash`, NaN when there is none. */
  private totalOf(hash: string, key: string): number {
    const j = this.jobIndex.get(key);
    const column = this.totals.get(hash);
    return j === undefined || column === undefined || j >= column.length ? Number.NaN : (column[j] as number);
  }

  /**
   * Keeps each job's total for each workload, `totals[k][w]` for job
   * `keys[k]` and the workload hashed `hashes[w]` (the first total computed
   * for a workload and job stays). A workload's column grows once per batch
   * of jobs, with room for 16 more: grown per job, the 6 GB bench set made
   * ~300,000 short-lived arrays here (each a malloc'd block: ~25 MB more
   * malloc heap, kept to the end of the run) and spent ~40 ms doing it.
   */
  private keepAll(hashes: readonly string[], keys: readonly string[], totals: readonly Float64Array[]): void {
    const js = keys.map((key) => {
      this.usedJobs.add(key);
      let j = this.jobIndex.get(key);
      if (j === undefined) {
        j = this.jobs.length;
        this.jobs.push(key);
        this.jobIndex.set(key, j);
      }
      return j;
    });
    const width = Math.ceil((this.jobs.length + 16) / 16) * 16;
    for (let w = 0; w < hashes.length; w++) {
      const hash = hashes[w] as string;
      this.used.add(hash);
      let column = this.totals.get(hash);
      if (column === undefined || column.length < this.jobs.length) {
        const grown = new Float64Array(width).fill(Number.NaN);
        if (column !== undefined) grown.set(column);
        this.totals.set(hash, (column = grown));
      }
      for (let k = 0; k < js.length; k++) {
        const j = js[k] as number;
        if (Number.isNaN(column[j] as number)) {
          column[j] = (totals[k] as Float64Array)[w] as number;
          this.changed = true;
        }
      }
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
        const stored = this.runs.get(k);
        // A stored run is read now and not kept here: its record is copied as bytes if the cache is saved.
        const run = stored instanceof StoredRun ? this.readRun(stored) : stored;
        if (run === undefined) {
          if (stored !== undefined) this.runs.delete(k);
          return undefined;
        }
        this.usedRuns.add(k);
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
    let runs = new Map<string, WorkloadRun | StoredRun>();
    let fd: number | null = null;
    let window: FileWindow | null = null;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      const w = new FileWindow(fd, size);
      window = w;
      if (size < MAGIC.length || !w.bytes(0, MAGIC.length).equals(MAGIC)) throw new Error('not a sweep cache');
      let at = MAGIC.length;
      const next = (): unknown => {
        const n = w.bytes(at, 4).readUInt32LE(0);
        const value: unknown = deserialize(w.bytes(at + 4, n));
        at += 4 + n;
        return value;
      };
      const head = next() as Partial<SweepCacheHeader> | null;
      if (
        !head ||
        head.layout !== LAYOUT ||
        head.code !== code ||
        !Array.isArray(head.jobs) ||
        !head.jobs.every((j) => typeof j === 'string') ||
        !isCount(head.totals) ||
        !isCount(head.runs)
      ) {
        throw new Error('another layout or build');
      }
      /** The next record's bytes after its length prefix (a view of the window). */
      const nextRecord = (): Buffer => {
        const n = w.bytes(at, 4).readUInt32LE(0);
        if (at + 4 + n > size) throw new Error('cut record');
        const r = w.bytes(at + 4, n);
        at += 4 + n;
        return r;
      };
      const readTotals = new Map<string, Float64Array>();
      for (let i = 0; i < head.totals; i++) {
        const { key, meta, values } = parseRecord(nextRecord());
        if (meta !== null) throw new Error('bad totals');
        readTotals.set(key, values);
      }
      const readRuns = new Map<string, WorkloadRun | StoredRun>();
      for (let i = 0; i < head.runs; i++) {
        // Only the key and the record's shape now (its values are not read); the run itself when asked for.
        const start = at;
        const n = w.bytes(at, 4).readUInt32LE(0);
        if (n < 8 || at + 4 + n > size) throw new Error('bad record');
        const keyLength = w.bytes(at + 4, 4).readUInt32LE(0);
        if (4 + keyLength + 4 > n) throw new Error('bad record');
        const head2 = w.bytes(at + 4, 8 + keyLength);
        readRuns.set(recordHead(head2, n).key, new StoredRun(start, 4 + n));
        at += 4 + n;
      }
      if (at !== size) throw new Error('trailing bytes');
      jobs = head.jobs;
      totals = readTotals;
      runs = readRuns;
    } catch {
      // Missing, unreadable, cut or stale: start empty.
      jobs = [];
      totals = new Map();
      runs = new Map();
      if (fd !== null) closeSync(fd);
      fd = null;
      window = null;
    }
    return new SweepCache(file, code, jobs, totals, runs, fd, window);
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
          this.keepAll(hashes, keys, out);
          return out;
        },
      };
      if (pool?.summed) evaluator.summed = pool.summed.bind(pool);
      return evaluator;
    };
  }

  /** Writes the cache if totals were added; errors are ignored (the next run computes again). */
  save(): void {
    if (!this.changed) {
      this.close();
      return;
    }
    // Too many parameter sets over time: keep this run's jobs only.
    const { jobs, columns } = this.jobs.length > MAX_JOBS ? onlyJobs(this.jobs, this.totals, this.usedJobs) : { jobs: this.jobs, columns: this.totals };
    const totals = trimmed(columns, this.used, Math.max(1, Math.floor(MAX_TOTALS / Math.max(1, jobs.length))));
    const runs = trimmed(this.runs, this.usedRuns, MAX_RUNS);
    const tmp = tempNameFor(this.file);
    let fd: number | null = null;
    try {
      mkdirSync(join(this.file, '..'), { recursive: true, mode: 0o700 });
      fd = openSync(tmp, 'w', 0o600);
      const out = new RecordWriter(fd);
      out.bytes(MAGIC);
      const header: SweepCacheHeader = { layout: LAYOUT, code: this.code, jobs, totals: totals.size, runs: runs.size };
      const head = serialize(header);
      out.u32(head.length);
      out.bytes(head);
      // A column has room for jobs not run yet (keepAll): written up to the last job.
      for (const [hash, column] of totals) out.record(hash, null, column.length > jobs.length ? column.subarray(0, jobs.length) : column);
      for (const [key, run] of runs) {
        if (run instanceof StoredRun) {
          // Copied as it lies in the file as opened.
          if (this.window === null) throw new Error('sweep cache: the file as opened is gone');
          out.bytes(this.window.bytes(run.at, run.bytes));
        } else out.record(key, encodeMeta({ totals: run.totals, params: run.params }), run.perTurnUsd);
      }
      out.flush();
      closeSync(fd);
      fd = null;
      renameSync(tmp, this.file);
      this.changed = false;
    } catch {
      if (fd !== null) closeSync(fd);
      try {
        unlinkSync(tmp);
      } catch {
        // nothing written
      }
    } finally {
      this.close();
    }
  }
}

/**
 * The key of a record of `n` bytes (after its length prefix) from its first
 * bytes `r` (at least its key and meta length), and where its meta and values
 * start, checking the record's shape.
 */
function recordHead(r: Buffer, n = r.length): { key: string; metaAt: number; valuesAt: number } {
  if (n < 8 || r.length < 8) throw new Error('bad record');
  const keyLength = r.readUInt32LE(0);
  if (4 + keyLength + 4 > Math.min(n, r.length)) throw new Error('bad record');
  const metaLength = r.readUInt32LE(4 + keyLength);
  const valuesAt = 8 + keyLength + metaLength;
  if (valuesAt > n || (n - valuesAt) % 8 !== 0) throw new Error('bad record');
  return { key: r.toString('utf8', 4, 4 + keyLength), metaAt: 8 + keyLength, valuesAt };
}

/** A record's key, meta (null when none) and values (copied out of `r`, the record's bytes after its length prefix). */
function parseRecord(r: Buffer): { key: string; meta: unknown; values: Float64Array } {
  const { key, metaAt, valuesAt } = recordHead(r);
  const meta: unknown = valuesAt === metaAt ? null : decodeMeta(r.toString('utf8', metaAt, valuesAt));
  const values = new Float64Array((r.length - valuesAt) / 8);
  new Uint8Array(values.buffer).set(r.subarray(valuesAt, r.length));
  return { key, meta, values };
}

/** Writes the cache file's bytes to `fd` through one reused buffer of WRITE_BATCH_BYTES. */
class RecordWriter {
  private readonly buf = pageBuffer(WRITE_BATCH_BYTES);
  private pos = 0;
  constructor(private readonly fd: number) {}

  flush(): void {
    if (this.pos > 0) writeAllSync(this.fd, this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  u32(n: number): void {
    if (this.pos + 4 > this.buf.length) this.flush();
    this.buf.writeUInt32LE(n, this.pos);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    if (this.pos + b.length > this.buf.length) {
      this.flush();
      if (b.length > this.buf.length) {
        writeAllSync(this.fd, b);
        return;
      }
    }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A string as UTF-8 (`length` bytes), into the buffer when it fits. */
  private text(s: string, length: number): void {
    if (this.pos + length > this.buf.length) this.flush();
    if (length > this.buf.length) this.bytes(Buffer.from(s, 'utf8'));
    else this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  record(key: string, meta: string | null, values: Float64Array): void {
    const keyLength = Buffer.byteLength(key, 'utf8');
    const metaLength = meta === null ? 0 : Buffer.byteLength(meta, 'utf8');
    this.u32(4 + keyLength + 4 + metaLength + values.byteLength);
    this.u32(keyLength);
    this.text(key, keyLength);
    this.u32(metaLength);
    if (meta !== null) this.text(meta, metaLength);
    this.bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
}

/** Marks a number JSON cannot carry (-0, NaN, ±Infinity), or a string that starts like a mark. */
const MARK = '\u0000';

/**
 * A run's totals and parameters as JSON text that `decodeMeta` turns back into
 * an equal value, bit for bit: finite numbers round-trip through JSON as they
 * are; -0, NaN and ±Infinity are written as marked strings (a string that
 * itself starts with the mark is marked too); a key whose value is undefined
 * is left out, as JSON does. Cheaper than a v8.serialize call per run (~600
 * bytes each, 18,000 runs for 6 GB of logs) and written straight into the
 * writer's buffer.
 */
export function encodeMeta(value: unknown): string {
  // Almost always nothing to mark: then JSON.stringify without a replacer (one native call).
  if (!needsMarks(value)) return JSON.stringify(value);
  return JSON.stringify(value, (_k, v: unknown) => {
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : `${MARK}n${Object.is(v, -0) ? '-0' : String(v)}`;
    if (typeof v === 'string' && v.startsWith(MARK)) return `${MARK}s${v}`;
    return v;
  });
}

/** Whether `v` holds a number or string `encodeMeta` must mark. */
function needsMarks(v: unknown): boolean {
  if (typeof v === 'number') return !Number.isFinite(v) || Object.is(v, -0);
  if (typeof v === 'string') return v.startsWith(MARK);
  if (typeof v !== 'object' || v === null) return false;
  if (Array.isArray(v)) return v.some(needsMarks);
  for (const k in v) if (Object.prototype.hasOwnProperty.call(v, k) && needsMarks((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function decodeMeta(text: string): unknown {
  // JSON writes U+0000 as an escape: without one there is no mark to undo.
  if (!text.includes('\\u0000')) return JSON.parse(text) as unknown;
  return JSON.parse(text, (_k, v: unknown) => {
    if (typeof v !== 'string' || !v.startsWith(MARK)) return v;
    const kind = v[1];
    if (kind === 'n') return Number(v.slice(2));
    if (kind === 's') return v.slice(2);
    throw new Error('sweep cache: bad mark');
  }) as unknown;
}

function isCount(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0;
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
