/**
 * Parsing input files on several threads: the main thread and `threads - 1`
 * worker threads (./ingest-worker.ts) take files from one shared queue,
 * largest first (a shared atomic counter, so no thread waits for another to
 * hand out work). Workers send each file's ParsedFile back packed
 * (src/ingest/packed.ts: typed arrays + a string table, transferred, not
 * cloned object by object); the main thread unpacks it into the slot of the
 * file's input index. The list handed to normalizeSessions is therefore the
 * same, in the same order, as the single-thread path builds: same sessions,
 * diagnostics, accounting and dedupe, whatever thread parsed which file.
 *
 * Threads are used only when they pay: at least two files and, besides the
 * largest file (which the main thread takes first), MIN_PARALLEL_BYTES for
 * the others. `TOKEN_ECON_THREADS=1` forces one thread.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InputError, InternalError } from '../errors.js';
import type { ColumnMapping } from '../ingest/format.js';
import type { ParsedFile } from '../ingest/ingest.js';
import { unpackParsedFile, type PackedFile } from '../ingest/packed.js';
import type { FormatId } from '../model/usage.js';
import type { EncodingName } from '../normalize/tokenizer.js';
import type { CliContext } from './context.js';
import type { InputFile } from './io.js';

export const THREADS_ENV = 'TOKEN_ECON_THREADS';

/** Bytes the other threads must have to parse (beyond the largest file) before a worker is started. */
export const MIN_PARALLEL_BYTES = 16 * 1024 * 1024;

/** Threads to parse with: `TOKEN_ECON_THREADS`, else min(2, available cores). */
export function ingestThreads(env: CliContext['env']): number {
  const raw = env[THREADS_ENV];
  if (raw === undefined || raw.trim() === '') return Math.max(1, Math.min(2, availableParallelism()));
  const n = Number(raw.trim());
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new InputError(`${THREADS_ENV} must be a whole number from 1 to 64, got "${raw}"`, `e.g. ${THREADS_ENV}=1 to parse on one thread`);
  }
  return n;
}

/** Worker threads worth starting for these inputs (0 = parse on the main thread only). */
export function workerCount(inputs: readonly InputFile[], threads: number, minParallelBytes = MIN_PARALLEL_BYTES): number {
  if (threads <= 1) return 0;
  let files = 0;
  let total = 0;
  let largest = 0;
  for (const f of inputs) {
    if (f.path === '-') continue;
    files++;
    total += f.size;
    largest = Math.max(largest, f.size);
  }
  if (files < 2 || total - largest < minParallelBytes) return 0;
  return Math.min(threads - 1, files - 1);
}

/** Indexes of the files (stdin excluded) in the order they are handed out: largest first, then input order. */
export function scheduleOrder(inputs: readonly InputFile[]): number[] {
  const order: number[] = [];
  inputs.forEach((f, i) => {
    if (f.path !== '-') order.push(i);
  });
  return order.sort((a, b) => (inputs[b] as InputFile).size - (inputs[a] as InputFile).size || a - b);
}

/** What a worker needs to parse files exactly as the main thread would. */
export interface WorkerParseOptions {
  forcedFormat?: FormatId | undefined;
  columns?: ColumnMapping | undefined;
  tokenizer: EncodingName;
}

/** workerData of ./ingest-worker.ts. */
export interface IngestWorkerData extends WorkerParseOptions {
  inputs: InputFile[];
  order: number[];
  /** Int32Array[2]: next position in `order`; non-zero = stop (an error somewhere). */
  shared: SharedArrayBuffer;
}

export type IngestWorkerMessage =
  | { type: 'file'; index: number; file: PackedFile }
  | { type: 'error'; index: number; name: string; message: string; hint: string | null }
  | { type: 'done' };

export const SLOT_NEXT = 0;
export const SLOT_STOP = 1;

/** Default worker entry, next to this module in whatever directory it was compiled to. */
export const INGEST_WORKER_URL = new URL('./ingest-worker.js', import.meta.url);

export interface ParallelParseOptions extends WorkerParseOptions {
  workers: number;
  /** Parses one file on the main thread (the same function the single-thread path uses). */
  parseHere: (index: number) => Promise<ParsedFile>;
  /** Called when a file parsed by a worker arrives. */
  onWorkerFile?: (index: number, file: ParsedFile) => void;
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
 * returns one ParsedFile per input, at the input's index (stdin, if any, is
 * left to the caller). A file that cannot be read fails the whole call with
 * the same InputError the single-thread path throws; a crashed worker with an
 * InternalError naming it.
 */
export async function parseInParallel(inputs: readonly InputFile[], opts: ParallelParseOptions): Promise<Array<ParsedFile | undefined>> {
  const order = scheduleOrder(inputs);
  const shared = new SharedArrayBuffer(8);
  const slots = new Int32Array(shared);
  const parsed = new Array<ParsedFile | undefined>(inputs.length);
  const failures: Failure[] = [];
  const fail = (f: Failure): void => {
    failures.push(f);
    Atomics.store(slots, SLOT_STOP, 1);
  };
  const data: IngestWorkerData = {
    inputs: [...inputs],
    order,
    shared,
    forcedFormat: opts.forcedFormat,
    columns: opts.columns,
    tokenizer: opts.tokenizer,
  };
  const workers: Worker[] = [];
  const finished: Array<Promise<void>> = [];
  for (let w = 0; w < opts.workers; w++) {
    const worker = new Worker(opts.workerUrl ?? INGEST_WORKER_URL, { workerData: data });
    workers.push(worker);
    finished.push(
      new Promise<void>((resolve) => {
        let done = false;
        worker.on('message', (m: IngestWorkerMessage) => {
          if (m.type === 'file') {
            const file = unpackParsedFile(m.file);
            parsed[m.index] = file;
            opts.onWorkerFile?.(m.index, file);
          } else if (m.type === 'error') {
            const error = m.name === 'InputError' ? new InputError(m.message, m.hint) : new InternalError(`ingest worker failed on ${(inputs[m.index] as InputFile).display}: ${m.message}`);
            fail({ index: m.index, error });
          } else {
            done = true;
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
  const loop = async (): Promise<void> => {
    for (;;) {
      if (Atomics.load(slots, SLOT_STOP) !== 0) return;
      const k = Atomics.add(slots, SLOT_NEXT, 1);
      if (k >= order.length) return;
      const i = order[k] as number;
      try {
        parsed[i] = await opts.parseHere(i);
      } catch (err) {
        fail({ index: i, error: err instanceof Error ? err : new Error(String(err)) });
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, order.length)) }, loop));
    await Promise.all(finished);
  } finally {
    if (failures.length > 0) await Promise.all(workers.map((w) => w.terminate()));
  }
  if (failures.length > 0) {
    // The error of the earliest input, whichever thread met it first.
    failures.sort((a, b) => a.index - b.index);
    throw (failures[0] as Failure).error;
  }
  return parsed;
}
