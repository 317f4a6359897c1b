/**
 * Parsing input files on several threads: the main thread and `threads - 1`
 * worker threads (./ingest-worker.ts) take files from one shared queue,
 * largest first (a shared atomic counter, so no thread waits for another to
 * hand out work). Workers send each file's ParsedFile back packed
 * (src/ingest/packed.ts: typed arrays + a string table, transferred, not
 * cloned object by object); the main thread keeps it packed in the slot of
 * the file's input index, and packs the files it parses itself the same way
 * (normalizeSessions reads packed files). The list handed to normalizeSessions
 * is therefore the same, in the same order, as the single-thread path builds:
 * same sessions, diagnostics, accounting and dedupe, whatever thread parsed
 * which file.
 *
 * Threads are used only when they pay (`ingestThreadPlan`): by default when
 * the bytes left to parse reach MIN_PARALLEL_BYTES, or
 * MIN_PARALLEL_BYTES_SPARE_CORES on a machine with cores to spare; an
 * explicit `TOKEN_ECON_THREADS=N` uses N threads whenever there are two jobs
 * (`TOKEN_ECON_THREADS=1` forces one thread).
 *
 * A Claude Code file of SPLIT_MIN_BYTES or more, larger than an even share
 * of the bytes to parse, is cut into one byte range per thread at line
 * boundaries (src/ingest/split.ts, `splitSettings`); the ranges are queued
 * like files, and their parser states are merged in file order into the
 * ParsedFile one thread would have made.
 */
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { InputError, InternalError } from '../errors.js';
import { GarbageBound } from './heap-tuning.js';
import type { ColumnMapping } from '../ingest/format.js';
import type { ParsedFile } from '../ingest/ingest.js';
import { clonePackedPart, packFilePart, packParsedFile, type PackedFile, type PackedPart } from '../ingest/packed.js';
import { SPLIT_MIN_BYTES, evenOffsets, mergePackedFilePart, mergePackedFileParts } from '../ingest/split.js';
import type { FormatId } from '../model/usage.js';
import type { EncodingName } from '../normalize/tokenizer.js';
import { workerEntry } from './worker-entry.js';
import { threadCountFromEnv, type CliContext } from './context.js';
import { sharedPageMemory, type FilePartResult, type FileRange, type InputFile, type SeenFile, type readFileOrPart } from './io.js';

export const THREADS_ENV = 'TOKEN_ECON_THREADS';

/**
 * Bytes to parse from which a worker is started when the parsing threads
 * take every core. Measured on 2 vCPUs (BENCHMARKS.md run Q, first runs,
 * one thread against two, alternating): the worker costs ~0.3-0.4 CPU s
 * whatever the input (its isolate, its own compilations of the parser, its
 * packed results), and on two cores it takes that time from the main
 * thread and from V8's compiler and GC threads. Two threads were slower at
 * 100 MB (0.57 vs 0.50 s), 295 MB (0.86 vs 0.81 s) and on one 520 MB file
 * (0.90 vs 0.87 s), faster at 815 MB (1.22 vs 1.28 s), 1 GB (1.49 vs
 * 1.63 s) and 3 GB (3.3 vs 4.0 s).
 */
export const MIN_PARALLEL_BYTES = 600 * 1024 * 1024;

/**
 * The same with cores to spare for V8's own threads (not measured here):
 * the worker then costs only the ~100 ms before it parses its first file,
 * in which one thread parses ~100 MB.
 */
export const MIN_PARALLEL_BYTES_SPARE_CORES = 128 * 1024 * 1024;

/** Threads to parse with: `TOKEN_ECON_THREADS`, else min(2, available cores). */
export function ingestThreads(env: CliContext['env'], cores: number = availableParallelism()): number {
  return threadCountFromEnv(env, THREADS_ENV, 1, () => Math.max(1, Math.min(2, cores)), `e.g. ${THREADS_ENV}=1 to parse on one thread`);
}

export interface ThreadPlan {
  threads: number;
  /** Bytes to parse from which workers are started (0: whenever there are two jobs). */
  minParallelBytes: number;
}

/**
 * How many threads, and from how many bytes: an explicit
 * `TOKEN_ECON_THREADS` is used as asked; by default the threshold depends
 * on whether the parsing threads leave a core to spare.
 */
export function ingestThreadPlan(env: CliContext['env'], cores: number = availableParallelism()): ThreadPlan {
  const threads = ingestThreads(env, cores);
  const raw = env[THREADS_ENV];
  if (raw !== undefined && raw.trim() !== '') return { threads, minParallelBytes: 0 };
  return { threads, minParallelBytes: cores > threads ? MIN_PARALLEL_BYTES_SPARE_CORES : MIN_PARALLEL_BYTES };
}

/** Test and tuning knobs: the smallest file split, and forced nominal cut offsets. */
export const SPLIT_MIN_ENV = 'TOKEN_ECON_SPLIT_MIN_BYTES';
export const SPLIT_AT_ENV = 'TOKEN_ECON_SPLIT_AT';

let madeCount = 0;

/**
 * Stamps `f` with the order this thread got it in, parsed here, posted by a
 * worker or read from the cache: each thread cuts its files' arrays from its
 * slabs one after another, so letting files go in this order empties slabs
 * one after another (normalizeSessions). A slab posted by a worker is a new
 * SharedArrayBuffer object with every message, so the buffers themselves do
 * not tell which files share one.
 */
export function madeInOrder(f: PackedFile): PackedFile {
  f.madeAt = madeCount++;
  keeper?.(f);
  return f;
}

let keeper: ((f: PackedFile) => void) | null = null;

/**
 * Hands every file `madeInOrder` stamps from now on to `keep` (null: none),
 * e.g. a spill store (./spill.ts) deciding whether its turns stay in memory;
 * returns the one before.
 */
export function keepMadeFilesWith(keep: ((f: PackedFile) => void) | null): ((f: PackedFile) => void) | null {
  const before = keeper;
  keeper = keep;
  return before;
}

export interface SplitSettings {
  minBytes: number;
  /** Nominal cut offsets for a file of `size` bytes, before they are moved to line starts. */
  nominal: (size: number) => number[];
  /** Whether a file of `size` bytes (`minBytes` or more) is cut when `totalBytes` are to be parsed. */
  worth: (size: number, totalBytes: number) => boolean;
}

/**
 * When and where big files are split on `threads` threads: files of
 * SPLIT_MIN_BYTES or more into `threads` even ranges, when one alone is more
 * than an even share of the bytes to parse (else the other threads parse the
 * other files meanwhile, the queue being largest first, and the cut only
 * costs memory: its ranges and their merge, at the end of the parse, when
 * the parsed files are the most: 3 GB of request-dense logs with a 520 MB
 * file, 269-277 -> 244-245 MiB there, same time). `TOKEN_ECON_SPLIT_MIN_BYTES`
 * or `TOKEN_ECON_SPLIT_AT` (comma-separated nominal offsets; tests force cuts
 * onto tricky lines with it) cut every file from that size. Null when
 * nothing is split (one thread).
 */
export function splitSettings(env: CliContext['env'], threads: number): SplitSettings | null {
  if (threads <= 1) return null;
  const int = (name: string, raw: string): number => {
    const n = Number(raw.trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new InputError(`${name} must be a whole number of bytes, got "${raw}"`);
    return n;
  };
  const rawMin = env[SPLIT_MIN_ENV];
  const minSet = rawMin !== undefined && rawMin.trim() !== '';
  const minBytes = minSet ? int(SPLIT_MIN_ENV, rawMin) : SPLIT_MIN_BYTES;
  const rawAt = env[SPLIT_AT_ENV];
  if (rawAt !== undefined && rawAt.trim() !== '') {
    const at = rawAt.split(',').map((x) => int(SPLIT_AT_ENV, x)).sort((a, b) => a - b);
    return { minBytes, nominal: () => at, worth: () => true };
  }
  return { minBytes, nominal: (size) => evenOffsets(size, threads), worth: minSet ? () => true : (size, totalBytes) => size * threads > totalBytes };
}

/** Whether parsing `sizes` (bytes of each job; standard input excluded) is worth more than one thread under `plan`. */
export function parallelPays(sizes: readonly number[], plan: ThreadPlan): boolean {
  if (plan.threads <= 1) return false;
  let total = 0;
  for (const n of sizes) total += n;
  return total >= plan.minParallelBytes;
}

/** Worker threads worth starting for these jobs (0 = parse on the main thread only): one per thread but this one, one job each at least. */
export function workerCount(sizes: readonly number[], plan: ThreadPlan): number {
  if (sizes.length < 2 || !parallelPays(sizes, plan)) return 0;
  return Math.min(plan.threads - 1, sizes.length - 1);
}

/** Indexes of the files (stdin excluded) in the order they are handed out: largest first, then input order. */
export function scheduleOrder(inputs: readonly InputFile[]): number[] {
  const order: number[] = [];
  inputs.forEach((f, i) => {
    if (f.path !== '-') order.push(i);
  });
  return order.sort((a, b) => (inputs[b] as InputFile).size - (inputs[a] as InputFile).size || a - b);
}

/**
 * A unit of work: a whole file (`parts` 0) or byte range `part` of `parts`
 * of a split file.
 */
export interface IngestJob {
  index: number;
  part: number;
  parts: number;
  /** The range (split files only). */
  range: FileRange | null;
  /** Bytes to parse, for scheduling. */
  size: number;
}

/** Jobs for `inputs` (stdin excluded), largest first, then input order; `splits[i]` = range boundaries of a split input. */
export function scheduleJobs(inputs: readonly InputFile[], splits: ReadonlyMap<number, readonly number[]> = new Map()): IngestJob[] {
  const jobs: IngestJob[] = [];
  inputs.forEach((f, index) => {
    if (f.path === '-') return;
    const bounds = splits.get(index);
    if (!bounds || bounds.length < 3) {
      jobs.push({ index, part: 0, parts: 0, range: null, size: f.size });
      return;
    }
    const fileSize = bounds[bounds.length - 1] as number;
    for (let k = 0; k + 1 < bounds.length; k++) {
      const start = bounds[k] as number;
      const end = bounds[k + 1] as number;
      jobs.push({ index, part: k, parts: bounds.length - 1, range: { fileSize, start, end }, size: end - start });
    }
  });
  return jobs.sort((a, b) => b.size - a.size || a.index - b.index || a.part - b.part);
}

/** What a worker needs to parse files exactly as the main thread would. */
export interface WorkerParseOptions {
  forcedFormat?: FormatId | undefined;
  columns?: ColumnMapping | undefined;
  tokenizer: EncodingName;
}

/** What a worker works through: the inputs and the jobs over them. */
export interface IngestWork {
  inputs: InputFile[];
  jobs: IngestJob[];
}

/** IngestWork as UTF-8 JSON in memory shared with the workers (`workTable`, read back by `workFrom`). */
export interface WorkTable {
  bytes: SharedArrayBuffer;
  length: number;
}

/** workerData of ./ingest-worker.ts. */
export interface IngestWorkerData extends WorkerParseOptions {
  /** As a table when shared memory outside malloc is available (`workTable`), else as it is. */
  work: IngestWork | WorkTable;
  /** Whole Claude Code files come back as one packed part (`whole-part`), for the parse cache. */
  keepParts: boolean;
  /** Int32Array[2]: next position in `jobs`; non-zero = stop (an error somewhere). */
  shared: SharedArrayBuffer;
}

export type IngestWorkerMessage =
  | { type: 'file'; index: number; file: PackedFile }
  | { type: 'part'; index: number; part: number; data: PackedPart; grown: boolean }
  | { type: 'whole-part'; index: number; data: PackedPart; grown: boolean; seen: SeenFile | null }
  | { type: 'error'; index: number; name: string; message: string; hint: string | null }
  | { type: 'done' };

/** How long this thread parses before it lets the workers' messages in (see parseInParallel). */
const YIELD_MS = 10;

export const SLOT_NEXT = 0;
export const SLOT_STOP = 1;

/**
 * V8 limits of an ingest worker. Its heap is freed when it exits, but while
 * it parses it adds to the peak RSS: with V8's default young generation
 * (up to 3 × 16 MB semi-spaces) the ingest phase of 1 GB peaked at 215-245
 * MiB, with 8 MB at 190-205 MiB and no measurable change in time (the parser
 * keeps little per line; what it keeps is promoted either way).
 */
export const INGEST_WORKER_LIMITS = { maxYoungGenerationSizeMb: 8 };

export interface ParallelParseOptions extends WorkerParseOptions {
  workers: number;
  /** Parses one file on the main thread (the same function the single-thread path uses). */
  parseHere: (index: number) => Promise<ParsedFile>;
  /** Parses one range of a split file on the main thread (needed when `jobs` has ranges). */
  parsePartHere?: (index: number, range: FileRange) => Promise<FilePartResult>;
  /** Default: one job per file, largest first (scheduleJobs without splits). */
  jobs?: IngestJob[];
  /** Called when a file parsed by a worker arrives. */
  onWorkerFile?: (index: number, file: PackedFile) => void;
  /** Called once every worker has posted its last file (its core is free from then on). */
  onWorkersDone?: () => void;
  /**
   * The parse cache's mode (./parse-cache.ts): whole Claude Code files are
   * parsed as one part (`parseWholeHere` on this thread), and `onParts`
   * receives, for every file parsed as parts, all of them packed, in file
   * order (`prefixParts` first).
   */
  keepParts?: boolean;
  parseWholeHere?: (index: number) => ReturnType<typeof readFileOrPart>;
  /** Parts already parsed (cached) of files whose jobs parse only the rest. */
  prefixParts?: ReadonlyMap<number, readonly PackedPart[]>;
  onParts?: (index: number, parts: PackedPart[], seen?: SeenFile | null) => void;
  /** Files the main thread parses at once (growth checks wait a little). */
  concurrency: number;
  /** Tests: another worker entry. */
  workerUrl?: URL;
}

interface Failure {
  index: number;
  error: Error;
}

/**
 * Parses `inputs` on the main thread plus `opts.workers` worker threads;
 * returns one packed ParsedFile per input, at the input's index (stdin, if any, is
 * left to the caller). A file that cannot be read fails the whole call with
 * the same InputError the single-thread path throws; a crashed worker with an
 * InternalError naming it.
 */
export async function parseInParallel(inputs: readonly InputFile[], opts: ParallelParseOptions): Promise<Array<PackedFile | undefined>> {
  const jobs = opts.jobs ?? scheduleJobs(inputs);
  const shared = new SharedArrayBuffer(8);
  const slots = new Int32Array(shared);
  const parsed = new Array<PackedFile | undefined>(inputs.length);
  /**
   * Parsed ranges of split files, by input index, packed: this thread's as
   * soon as it parsed them (as RawTurn objects until the merge they held
   * ~2.5x their packed size through the rest of the parse), the workers' as
   * they were posted.
   */
  const partsOf = new Map<number, Array<PackedPart | undefined>>();
  const grownOf = new Map<number, boolean>();
  const keepParts = opts.keepParts === true;
  const putPart = (index: number, part: number, parts: number, packed: PackedPart, grown: boolean): void => {
    let list = partsOf.get(index);
    if (!list) partsOf.set(index, (list = new Array<PackedPart | undefined>(parts).fill(undefined)));
    list[part] = packed;
    if (grown) grownOf.set(index, true);
  };
  const prefixOf = (index: number): PackedPart[] => (opts.prefixParts?.get(index) ?? []).map(clonePackedPart);
  const partOptions = (index: number) => {
    const input = inputs[index] as InputFile;
    return { file: input.display, relativePath: input.relativePath, getTokenizer: noTokenizer };
  };
  // Every whole part, this thread's and the workers', is merged (and written to the cache) here: the parts'
  // state and this thread's own parsing left ~70 MB of garbage in the old generation by the end of 3 GB
  // of request-dense logs, the peak of a first run (320 -> 299 MiB with this; BENCHMARKS.md run U).
  const garbage = keepParts ? new GarbageBound(64 * 1024 * 1024, 32 * 1024 * 1024) : null;
  /**
   * A whole Claude Code file parsed as one part (keepParts): handed to
   * `onParts` first (the parse cache writes it at once), then merged (which
   * rewrites its events and diagnostics in place), its turns left packed. A
   * file with cached parts is never a whole-file job: it is resumed as a
   * range, merged with them below.
   */
  const putWhole = (index: number, packed: PackedPart, grown: boolean, seen: SeenFile | null): void => {
    garbage?.parsed(packed.bytes);
    opts.onParts?.(index, [packed], seen);
    // The part is read no more (onParts copied what it keeps): merged in place, no second copy of its
    // string slots next to the first (which its numbers, shared with the file, would keep mapped).
    parsed[index] = madeInOrder(mergePackedFilePart(partOptions(index), packed, grown, true));
  };
  const failures: Failure[] = [];
  const fail = (f: Failure): void => {
    failures.push(f);
    Atomics.store(slots, SLOT_STOP, 1);
  };
  const work: IngestWork = { inputs: [...inputs], jobs };
  const data: IngestWorkerData = {
    work: workTable(work) ?? work,
    shared,
    forcedFormat: opts.forcedFormat,
    columns: opts.columns,
    tokenizer: opts.tokenizer,
    keepParts,
  };
  const workers: Worker[] = [];
  const finished: Array<Promise<void>> = [];
  let workersDone = 0;
  for (let w = 0; w < opts.workers; w++) {
    // By default the entry next to this module (or to the CLI bundle: ./worker-entry.ts), looked up when a worker starts.
    const worker = new Worker(opts.workerUrl ?? workerEntry('ingest-worker'), { workerData: data, resourceLimits: INGEST_WORKER_LIMITS });
    workers.push(worker);
    finished.push(
      new Promise<void>((resolve) => {
        let done = false;
        worker.on('message', (m: IngestWorkerMessage) => {
          if (m.type === 'file') {
            parsed[m.index] = madeInOrder(m.file);
            opts.onWorkerFile?.(m.index, m.file);
          } else if (m.type === 'part') {
            const job = jobs.find((j) => j.index === m.index && j.part === m.part) as IngestJob;
            putPart(m.index, m.part, job.parts, m.data, m.grown);
          } else if (m.type === 'whole-part') {
            putWhole(m.index, m.data, m.grown, m.seen);
            opts.onWorkerFile?.(m.index, parsed[m.index] as PackedFile);
          } else if (m.type === 'error') {
            const error = m.name === 'InputError' ? new InputError(m.message, m.hint) : new InternalError(`ingest worker failed on ${(inputs[m.index] as InputFile).display}: ${m.message}`);
            fail({ index: m.index, error });
          } else {
            done = true;
            if (++workersDone === opts.workers) opts.onWorkersDone?.();
            resolve();
          }
        });
        worker.on('error', (err) => {
          if (done) return;
          done = true;
          fail({ index: Number.MAX_SAFE_INTEGER, error: new InternalError(`ingest worker failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err }) });
          resolve();
        });
        worker.on('exit', (code) => {
          if (done) return;
          done = true;
          fail({ index: Number.MAX_SAFE_INTEGER, error: new InternalError(`ingest worker exited (code ${code}) before finishing its files`) });
          resolve();
        });
      }),
    );
  }
  let lastYield = performance.now();
  const loop = async (): Promise<void> => {
    for (;;) {
      // Between two jobs (at most every YIELD_MS), let the workers' messages in: this thread's jobs chain
      // through promises (microtasks), so without a turn of the event loop every parsed file a worker
      // posted waited until this thread had parsed all of its own, its buffers held in the worker's malloc
      // arena, which outlives the worker (3 GB: 39 MiB of RSS; now 18).
      if (workers.length > 0 && performance.now() - lastYield >= YIELD_MS) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (Atomics.load(slots, SLOT_STOP) !== 0) return;
      const k = Atomics.add(slots, SLOT_NEXT, 1);
      if (k >= jobs.length) return;
      const job = jobs[k] as IngestJob;
      const i = job.index;
      try {
        if (job.range) {
          if (!opts.parsePartHere) throw new Error('parseInParallel: split files need parsePartHere');
          const r = await opts.parsePartHere(i, job.range);
          putPart(i, job.part, job.parts, packFilePart(r.part), r.grown);
        } else if (keepParts && opts.parseWholeHere) {
          const r = await opts.parseWholeHere(i);
          if (r.kind === 'file') parsed[i] = madeInOrder(packParsedFile(r.file));
          else putWhole(i, packFilePart(r.part), r.grown, r.seen);
        } else parsed[i] = madeInOrder(packParsedFile(await opts.parseHere(i)));
      } catch (err) {
        fail({ index: i, error: err instanceof Error ? err : new Error(String(err)) });
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, jobs.length)) }, loop));
    await Promise.all(finished);
  } finally {
    if (failures.length > 0) await Promise.all(workers.map((w) => w.terminate()));
    // The listeners hold `parsed` (every raw turn): drop them with the workers.
    for (const w of workers) w.removeAllListeners();
    workers.length = 0;
  }
  if (failures.length > 0) {
    // The error of the earliest input, whichever thread met it first.
    failures.sort((a, b) => a.index - b.index);
    throw (failures[0] as Failure).error;
  }
  for (const [index, list] of partsOf) {
    const input = inputs[index] as InputFile;
    // `includes`, not `some`: a part never put is a hole, which `some` skips.
    if (list.includes(undefined)) throw new InternalError(`ingest: a part of ${input.display} was not parsed`);
    const packed = list as PackedPart[];
    // Written to the cache before the merge rewrites the parts.
    if (keepParts) opts.onParts?.(index, [...(opts.prefixParts?.get(index) ?? []), ...packed]);
    const file = mergePackedFileParts(partOptions(index), [...prefixOf(index), ...packed], grownOf.get(index) === true);
    parsed[index] = madeInOrder(file);
    opts.onWorkerFile?.(index, file);
  }
  return parsed;
}

/**
 * `work` as JSON in a SharedArrayBuffer mapped by V8 for WebAssembly (every
 * worker reads the same bytes), or null without shared WebAssembly memory.
 * As workerData itself it would be one structured-clone buffer from malloc
 * (~4 MB for 7,860 files), and freeing a block that large raises glibc's mmap
 * threshold for the rest of the run: see pageBuffer in ./io.ts.
 */
export function workTable(work: IngestWork): WorkTable | null {
  const json = JSON.stringify(work);
  const length = Buffer.byteLength(json, 'utf8');
  const bytes = sharedPageMemory(length);
  if (bytes === null) return null;
  Buffer.from(bytes, 0, length).write(json, 'utf8');
  return { bytes, length };
}

/** The work a worker was given (JSON keeps every field of it exactly: strings, finite numbers, nulls). */
export function workFrom(work: IngestWork | WorkTable): IngestWork {
  if (!('bytes' in work)) return work;
  return JSON.parse(Buffer.from(work.bytes, 0, work.length).toString('utf8')) as IngestWork;
}

function noTokenizer(): never {
  throw new Error('claude-code parsing needs no tokenizer');
}
