/**
 * Flags and loading shared by every command that reads logs
 * (`sessions`, `analyze`, …): --format, --since, --until, --session,
 * --project, --tokenizer; `loadSessions` runs read -> parse -> normalize.
 */
import { HEAP_ARRAYS } from '../ingest/array-pool.js';
import { PageSlabs } from './page-arrays.js';
import { Option, type Command } from 'commander';
import { InputError, InternalError } from '../errors.js';
import type { Tokenizer } from '../ingest/format.js';
import { FORMAT_IDS } from '../ingest/index.js';
import type { ParsedFile } from '../ingest/ingest.js';
import type { IngestResult } from '../model/ingest.js';
import type { FormatId } from '../model/usage.js';
import { normalizeSessions, type SessionFilters } from '../normalize/sessions.js';
import { createTokenizer } from '../normalize/tokenizer.js';
import { parseColumnMapping } from '../ingest/formats/csv.js';
import type { ColumnMapping } from '../ingest/format.js';
import type { CliContext } from './context.js';
import { ingestThreadPlan, keepMadeFilesWith, madeInOrder, parallelPays, parseInParallel, scheduleJobs, splitSettings, workerCount, type IngestJob } from './ingest-workers.js';
import { cacheDirOf, ParseCache, parserBuild } from './parse-cache.js';
import { packParsedFile, usePackedArrayPool, type PackedFile, type PackedPart } from '../ingest/packed.js';
import { mergePackedFileParts } from '../ingest/split.js';
import { collectGarbageNow, heapGrowingPercent, limitHeapGrowth } from './heap-tuning.js';
import { SpillStore, spillMinBytes } from './spill.js';
import { tmpdir } from 'node:os';
import { planFileSplit, readFileOrPart, readFilePart, readInput, releaseReadBuffer, resolveInputs, type InputFile, type SeenFile } from './io.js';

export type TokenizerName = 'o200k_base' | 'cl100k_base';
const TOKENIZERS: readonly TokenizerName[] = ['o200k_base', 'cl100k_base'];

export interface InputOptions {
  format?: FormatId;
  since?: string;
  until?: string;
  session?: string[];
  project?: string[];
  tokenizer: TokenizerName;
  /** Hand-made CSV column mapping (`--columns`). */
  columns?: ColumnMapping;
  /** `--no-cache`: parse every file, read and write no parse cache (./parse-cache.ts). */
  noCache?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addInputOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--format <id>', 'input format (default: detected per file)').choices([...FORMAT_IDS]))
    .option('--since <date>', 'only turns at or after this time (YYYY-MM-DD = start of that UTC day, or ISO 8601)')
    .option('--until <date>', 'only turns up to this time (YYYY-MM-DD = through the end of that UTC day, or ISO 8601)')
    // Repeatable (and comma-separated) rather than variadic: a variadic flag would swallow the paths after it.
    .option('--session <id>', 'only sessions with this id or id prefix (repeat or comma-separate for several)', collect)
    .option('--project <name>', 'only sessions whose project contains this text (repeat or comma-separate for several)', collect)
    .addOption(new Option('--tokenizer <name>', 'tokenizer for logs without usage').choices([...TOKENIZERS]).default('o200k_base'))
    .option('--columns <spec>', 'map CSV headers by hand, e.g. "timestamp=Date,model=Model,input=Input,output=Output,cacheRead=Cached,inputIncludesCached=true"')
    .option('--no-cache', 'read and write no cache: parse every file again (TOKEN_ECON_CACHE_DIR; default ~/.cache/token-econ)');
}

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Parses a --since/--until value: `{ startMs, endMs }` where a bare day spans [00:00, next 00:00) UTC. */
export function parseDateBound(flag: string, value: string): { startMs: number; endMs: number } {
  const v = value.trim();
  const day = DAY_RE.exec(v);
  if (day) {
    const [y, m, d] = [Number(day[1]), Number(day[2]), Number(day[3])];
    const start = Date.UTC(y, m - 1, d);
    const check = new Date(start);
    if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
      throw new InputError(`${flag}: ${value} is not a valid date`, 'use YYYY-MM-DD or an ISO 8601 time such as 2026-01-05T14:00:00Z');
    }
    return { startMs: start, endMs: start + 86_400_000 };
  }
  const iso = ISO_RE.exec(v);
  if (iso) {
    const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(iso[i] ?? 0)) as [number, number, number, number, number, number];
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
      throw new InputError(`${flag}: ${value} is not a valid time`, 'use YYYY-MM-DD or an ISO 8601 time such as 2026-01-05T14:00:00Z');
    }
    const ms = Number((iso[7] ?? '').slice(0, 3).padEnd(3, '0'));
    let t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    const zone = iso[8];
    if (zone && zone !== 'Z') {
      const sign = zone[0] === '-' ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
    }
    return { startMs: t, endMs: t + 1 };
  }
  throw new InputError(`${flag}: cannot read "${value}" as a date`, 'use YYYY-MM-DD or an ISO 8601 time such as 2026-01-05T14:00:00Z');
}

function stringList(raw: unknown, flag: string): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).map(String).flatMap((s) => s.split(',')).map((s) => s.trim());
  if (list.some((s) => s.length === 0)) throw new InputError(`${flag} needs a non-empty value`);
  return list;
}

export function readInputOptions(raw: Record<string, unknown>): InputOptions {
  const opts: InputOptions = { tokenizer: 'o200k_base' };
  if (raw['columns'] !== undefined) {
    opts.columns = parseColumnMapping(String(raw['columns']));
  }
  if (raw['format'] !== undefined) {
    const f = String(raw['format']);
    if (!(FORMAT_IDS as readonly string[]).includes(f)) throw new InputError(`--format: unknown format "${f}"`, `one of: ${FORMAT_IDS.join(', ')}`);
    opts.format = f as FormatId;
  }
  if (raw['tokenizer'] !== undefined) {
    const t = String(raw['tokenizer']);
    if (!(TOKENIZERS as readonly string[]).includes(t)) throw new InputError(`--tokenizer: unknown tokenizer "${t}"`, `one of: ${TOKENIZERS.join(', ')}`);
    opts.tokenizer = t as TokenizerName;
  }
  if (raw['since'] !== undefined) {
    opts.since = String(raw['since']);
    parseDateBound('--since', opts.since);
  }
  if (raw['until'] !== undefined) {
    opts.until = String(raw['until']);
    parseDateBound('--until', opts.until);
  }
  if (opts.since !== undefined && opts.until !== undefined) {
    if (parseDateBound('--since', opts.since).startMs >= parseDateBound('--until', opts.until).endMs) {
      throw new InputError(`--since ${opts.since} is after --until ${opts.until}`);
    }
  }
  if (raw['cache'] === false) opts.noCache = true;
  const session = stringList(raw['session'], '--session');
  if (session) opts.session = session;
  const project = stringList(raw['project'], '--project');
  if (project) opts.project = project;
  return opts;
}

/** The normalize filters described by the options. */
export function filtersOf(opts: InputOptions): SessionFilters {
  const filters: SessionFilters = {};
  if (opts.since !== undefined) filters.sinceMs = parseDateBound('--since', opts.since).startMs;
  if (opts.until !== undefined) filters.untilMs = parseDateBound('--until', opts.until).endMs;
  if (opts.session) filters.sessions = opts.session;
  if (opts.project) filters.projects = opts.project;
  return filters;
}

/** Inputs from this size on get the heap tuning of ./heap-tuning.ts. */
const HEAP_TUNING_MIN_BYTES = 64 * 1024 * 1024;

/**
 * Bytes of parsed files (and the dedupe keys' table) let go by normalizeSessions between two collections,
 * large inputs only: 3 GB of logs dense with requests (`npm run bench -- --payload dense`) peaked at
 * 302-341 MiB while the sessions were built, 283-305 with 32 MiB (BENCHMARKS.md run U). Once the records
 * were smaller and the end of the parse lower (run V), 32 MiB left the sessions' build the peak of such a
 * run (250-255 MiB; the key table, ~14 MB there, waited for files' worth of columns to be collected):
 * 12 MiB, 241-245, in the same time.
 */
const RELEASED_COLLECT_BYTES = 12 * 1024 * 1024;

/**
 * Bytes of parsed records written out (./spill.ts) between two collections: their slabs are unmapped
 * only by one. 3 GB of request-dense logs, first run: 261-265 MiB without spilling, 246-249 with a
 * collection every 16 MiB, no lower every 8 (BENCHMARKS.md run W); without collections the dead
 * slabs piled up (2 GB dense: 241-251 MiB, 220-228 without spilling).
 */
const SPILLED_COLLECT_BYTES = 16 * 1024 * 1024;

/** Files read at once; small files are bound by syscall latency, big ones by the parser. */
const READ_CONCURRENCY = 8;

/** Optional callbacks of `loadSessions`. */
export interface IngestHooks {
  /**
   * The ingest worker threads are done (the main thread is still finishing its
   * share, merging and normalizing): a caller can start its next workers now.
   * Not called when the input is parsed on one thread.
   */
  onWorkersDone?: () => void;
  /** Phase marks (./timing.ts). */
  mark?: (label: string) => void;
}

export async function loadSessions(
  ctx: CliContext,
  paths: string[],
  opts: InputOptions,
  onProgress?: (p: { files: number; bytes: number; totalBytes: number }) => void,
  hooks: IngestHooks = {},
): Promise<IngestResult> {
  // Read (and checked) now: a bad value is a usage error before any work, not after parsing.
  const growingPercent = heapGrowingPercent(ctx.env);
  const spillFrom = spillMinBytes(ctx.env);
  const inputs = await resolveInputs(ctx, paths);
  const inputBytes = inputs.reduce((a, f) => a + f.size, 0);
  // Large inputs: parsed records wait on disk until the sessions are built (./spill.ts).
  let spill: SpillStore | null = null;
  if (inputBytes >= spillFrom) {
    let written = 0;
    // Next to the parse cache (on disk, as a rule) when there is one, else in the temporary directory.
    spill = new SpillStore((opts.noCache ? null : cacheDirOf(ctx.env)) ?? tmpdir(), (bytes) => {
      written += bytes;
      if (written < SPILLED_COLLECT_BYTES) return;
      written = 0;
      collectGarbageNow();
    });
  }
  try {
    return await loadParsed(ctx, inputs, inputBytes, opts, onProgress, hooks, growingPercent, spill);
  } finally {
    spill?.close();
  }
}

async function loadParsed(
  ctx: CliContext,
  inputs: InputFile[],
  /** Their total size. */
  inputBytes: number,
  opts: InputOptions,
  onProgress: ((p: { files: number; bytes: number; totalBytes: number }) => void) | undefined,
  hooks: IngestHooks,
  growingPercent: number,
  spill: SpillStore | null,
): Promise<IngestResult> {
  hooks.mark?.(`inputs resolved (${inputs.length} file${inputs.length === 1 ? '' : 's'})`);
  // Parsed turns and sessions' columns in slabs outside malloc, unmapped with their last array (./page-arrays.ts).
  usePackedArrayPool(new PageSlabs());
  const cacheDir = opts.noCache ? null : cacheDirOf(ctx.env);
  let cache = cacheDir === null ? null : ParseCache.open(cacheDir, parserBuild());
  let parsed: PackedFile[];
  try {
    parsed = await parseInputs(ctx, inputs, opts, onProgress, hooks, cache, spill);
  } catch (err) {
    cache?.discard();
    usePackedArrayPool(HEAP_ARRAYS);
    throw err;
  }
  cache?.save();
  cache = null;
  hooks.mark?.('parsed');
  releaseReadBuffer();
  // Large inputs: from here on (sessions, analysis, output) keep the main heap near its live data (./heap-tuning.ts).
  const tuned = inputBytes >= HEAP_TUNING_MIN_BYTES;
  if (tuned) {
    limitHeapGrowth(growingPercent);
    // Parsing leaves garbage behind: merged parts of split files, and with the parse cache packed parts
    // read (dead once unpacked) or written, external memory only a collection frees (60 MB for 3 GB of
    // logs). Collected before the sessions are built next to the parsed files, the peak of the run
    // otherwise (one request-dense 1 GB log file: 277-282 -> 242-243 MiB, BENCHMARKS.md run U).
    collectGarbageNow();
  }
  let result: IngestResult;
  try {
    // Files whose turns waited on disk while the rest was parsed come back now, next to this thread's collected heap only.
    if (spill !== null && spill.pending > 0) {
      spill.restore(parsed, madeInOrder);
      if (spill.pending > 0) throw new InternalError(`${spill.pending} parsed file(s) were not read back`);
      hooks.mark?.('read back');
    }
    // The parsed files go as their records reach the sessions' columns; slabs are unmapped only by a
    // collection (V8 does not count them as heap pressure), so large runs ask for one every so often.
    let released = 0;
    const onReleased = tuned
      ? (bytes: number): void => {
          released += bytes;
          if (released < RELEASED_COLLECT_BYTES) return;
          released = 0;
          collectGarbageNow();
        }
      : undefined;
    result = normalizeSessions(parsed, filtersOf(opts), { consumeInputs: true, onReleased });
  } finally {
    // The pool holds its last slab: let it go, so that slab is unmapped with the last session's columns in it.
    usePackedArrayPool(HEAP_ARRAYS);
  }
  if (tuned) {
    // The parsed files (every raw turn) are not needed any more: let the collection take them. It also
    // applies limitHeapGrowth's factor, which V8 reads only when it recomputes the heap limit after a
    // full GC: the last one during parsing had left a limit of several times the live data, and the old
    // generation grew to ~100 MB (half of it parsing's garbage) before the analysis's first full GC, at
    // the process's peak (BENCHMARKS.md run I).
    parsed.length = 0;
    collectGarbageNow();
  }
  hooks.mark?.('sessions built');
  return result;
}

/**
 * Reads and parses every input, one ParsedFile per input in input order, on
 * one thread or (large inputs, `TOKEN_ECON_THREADS` not 1) several: see
 * ./ingest-workers.ts. Both paths give the same list. Each file is kept
 * packed (src/ingest/packed.ts) until normalizeSessions reads it: its turns
 * as typed arrays and one string table instead of an object per record.
 */
export async function parseInputs(
  ctx: CliContext,
  inputs: readonly InputFile[],
  opts: InputOptions,
  onProgress?: (p: { files: number; bytes: number; totalBytes: number }) => void,
  hooks: IngestHooks = {},
  cache: ParseCache | null = null,
  /** Keeps the files parsed here (not those the cache serves) in memory or on disk (./spill.ts); the caller reads them back. */
  spill: SpillStore | null = null,
): Promise<PackedFile[]> {
  const totalBytes = inputs.reduce((a, f) => a + f.size, 0);
  let tokenizer: Tokenizer | null = null;
  const getTokenizer = (): Tokenizer => (tokenizer ??= createTokenizer(opts.tokenizer));
  let doneBytes = 0;
  let doneFiles = 0;
  /** A file (or its last bytes) is done: counted and reported. */
  const fileDone = (bytes: number): void => {
    doneBytes += bytes;
    doneFiles++;
    onProgress?.({ files: doneFiles, bytes: doneBytes, totalBytes: Math.max(totalBytes, doneBytes) });
  };
  const parseHere = async (i: number): Promise<ParsedFile> => {
    const input = inputs[i] as InputFile;
    let seen = 0;
    const file = await readInput(ctx, input, {
      forcedFormat: opts.format,
      columns: opts.columns,
      getTokenizer,
      onBytes: onProgress
        ? (b) => {
            doneBytes += b - seen;
            seen = b;
            onProgress({ files: doneFiles, bytes: doneBytes, totalBytes });
          }
        : undefined,
    });
    fileDone(file.bytes - seen);
    return file;
  };
  // Parse cache: files unchanged since a run that cached them are not read;
  // files appended to are parsed from where that run stopped (./parse-cache.ts).
  const cached = new Array<PackedFile | undefined>(inputs.length);
  const prefixParts = new Map<number, PackedPart[]>();
  const resumeJobs: IngestJob[] = [];
  if (cache) {
    for (const i of cache.lookupOrder(inputs)) {
      const input = inputs[i] as InputFile;
      const found = cache.lookup(input, opts.format);
      if (found.kind === 'hit') {
        // The parts were read for this lookup alone: merged in place, their turns never unpacked.
        cached[i] = madeInOrder(mergePackedFileParts({ file: input.display, relativePath: input.relativePath, getTokenizer }, found.parts));
        doneBytes += input.size;
        doneFiles++;
      } else if (found.kind === 'grown') {
        prefixParts.set(i, found.parts);
        resumeJobs.push({ index: i, part: 0, parts: 1, range: { fileSize: input.size, start: found.from, end: input.size }, size: input.size - found.from });
      }
    }
    if (doneFiles > 0) onProgress?.({ files: doneFiles, bytes: doneBytes, totalBytes });
  }
  // Files parsed from here on are the spill store's to keep in memory or write out (those the cache served are not).
  const keptBefore = keepMadeFilesWith(spill === null ? null : (f) => spill.keep(f));
  try {
    return await parseLeft();
  } finally {
    keepMadeFilesWith(keptBefore);
  }

  async function parseLeft(): Promise<PackedFile[]> {
    const needsParse = (i: number): boolean => cached[i] === undefined && !prefixParts.has(i);
    const plan = ingestThreadPlan(ctx.env);
    const jobsWith = (splits: ReadonlyMap<number, readonly number[]>): IngestJob[] =>
      cache
        ? [...scheduleJobs(inputs, splits).filter((j) => needsParse(j.index)), ...resumeJobs].sort((a, b) => b.size - a.size || a.index - b.index || a.part - b.part)
        : scheduleJobs(inputs, splits);
    let jobs = jobsWith(new Map());
    // When more threads pay for what is left to parse, a Claude Code file bigger than a thread's share is cut into one range per thread (src/ingest/split.ts).
    const split = parallelPays(jobs.map((j) => j.size), plan) ? splitSettings(ctx.env, plan.threads) : null;
    if (split) {
      const splits = new Map<number, number[]>();
      let totalBytes = 0;
      for (const j of jobs) totalBytes += j.size;
      inputs.forEach((input, i) => {
        if (input.size < split.minBytes || !needsParse(i) || !split.worth(input.size, totalBytes)) return;
        const bounds = planFileSplit(input, { forcedFormat: opts.format, minBytes: split.minBytes, nominal: split.nominal });
        if (bounds) splits.set(i, bounds);
      });
      if (splits.size > 0) jobs = jobsWith(splits);
    }
    const workers = workerCount(jobs.map((j) => j.size), plan);
    if (workers > 0 || cache) {
      const parsed = await parseInParallel(inputs, {
        workers,
        concurrency: READ_CONCURRENCY,
        forcedFormat: opts.format,
        columns: opts.columns,
        tokenizer: opts.tokenizer,
        jobs,
        parseHere,
        parsePartHere: (i, range) => readFilePart(inputs[i] as InputFile, range, { getTokenizer }),
        onWorkersDone: hooks.onWorkersDone,
        onWorkerFile: (_i, file) => fileDone(file.bytes),
        ...(cache
          ? {
              keepParts: true,
              prefixParts,
              parseWholeHere: async (i: number) => {
                const r = await readFileOrPart(inputs[i] as InputFile, { forcedFormat: opts.format, columns: opts.columns, getTokenizer });
                fileDone(r.kind === 'part' ? r.part.bytes : r.file.bytes);
                return r;
              },
              onParts: (i: number, parts: PackedPart[], seen?: SeenFile | null) => cache.record(inputs[i] as InputFile, parts, seen ?? null),
            }
          : {}),
      });
      for (let i = 0; i < inputs.length; i++) parsed[i] ??= cached[i];
      // Standard input (never handed to a worker).
      for (let i = 0; i < inputs.length; i++) parsed[i] ??= madeInOrder(packParsedFile(await parseHere(i)));
      return parsed as PackedFile[];
    }
    // Many small files (a 10,000-file projects dir) are latency-bound on
    // open/stat/read/close, so a few are read at once; results keep input order.
    const parsed: PackedFile[] = new Array<PackedFile>(inputs.length);
    let next = 0;
    const loop = async (): Promise<void> => {
      while (next < inputs.length) {
        const i = next++;
        parsed[i] = madeInOrder(packParsedFile(await parseHere(i)));
      }
    };
    await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, inputs.length) }, loop));
    return parsed;
  }
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * The one-line stderr summary of what was not read, or null when everything
 * was, e.g. `token-econ: skipped 3 malformed lines in 2 files (first: logs/a.jsonl:17 invalid JSON); see --json for the full list`.
 */
export function formatSkipSummary(result: IngestResult): string | null {
  const parts: string[] = [];
  const skippedFiles = result.files.filter((f) => f.linesSkipped > 0 && f.format !== 'unknown');
  const skipped = skippedFiles.reduce((a, f) => a + f.linesSkipped, 0);
  if (skipped > 0) {
    const first = result.diagnostics.find((d) => d.severity === 'error' && d.source && d.source.line > 0);
    const where = first?.source ? ` (first: ${first.source.file}:${first.source.line} ${reasonOf(first.code)})` : '';
    parts.push(`skipped ${plural(skipped, 'malformed line')} in ${plural(skippedFiles.length, 'file')}${where}`);
  }
  const unknown = result.diagnostics.filter((d) => d.code === 'unknown-format');
  if (unknown.length > 0) {
    const first = unknown[0]?.source?.file ?? '';
    parts.push(`${plural(unknown.length, 'file')} in no known format (${first}${unknown.length > 1 ? ', …' : ''})`);
  }
  const empty = result.diagnostics.filter((d) => d.code === 'empty-file').length;
  if (empty > 0) parts.push(`${plural(empty, 'empty file')}`);
  if (parts.length === 0) return null;
  return `token-econ: ${parts.join('; ')}; see --json for the full list`;
}

function reasonOf(code: string): string {
  switch (code) {
    case 'invalid-json':
      return 'invalid JSON';
    case 'truncated-line':
      return 'truncated last line';
    case 'invalid-usage':
      return 'invalid usage';
    default:
      return code.replace(/-/g, ' ');
  }
}
