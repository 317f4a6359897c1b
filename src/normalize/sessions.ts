/**
 * RawTurns of all files -> Sessions: global dedupe, grouping, ordering, filters.
 *
 * Dedupe: records sharing a dedupeKey are one billed request (content-block
 * lines of one streamed call, a request copied into a resumed session's file,
 * the same file given twice). The most complete record is kept: the largest
 * promptTokens + outputTokens; on a tie the last line of the same file, or
 * across files the original (earlier timestamp, then earlier file name), see
 * isBetter in ./duplicates.ts (parsers may fold a file's records of one
 * request first, which gives the same result). Every other record counts in
 * `duplicateTurnsDropped`.
 *
 * Turns: each session's kept records go, in order, into TurnColumns of its
 * own (src/ingest/packed.ts, 53 bytes a turn, strings in one table shared
 * by the run), filled file by file so a caller that gives its inputs up
 * (`consumeInputs`) never holds every parsed file next to every session's
 * columns (fillColumns); a session makes its Turn objects when its `turns` are first
 * read, so an analysis that reads the sessions one at a time and lets each
 * go (src/pipeline.ts consumeSessions) never holds every turn as an object
 * (6 GB of logs, ~222,000 turns: ~36 MB less live heap when the sessions are
 * built), and the columns of the sessions it has read go with them.
 *
 * Filters: `since`/`until` keep the turns (and events) whose time lies in
 * [sinceMs, untilMs); a turn without a timestamp is dropped when a date filter
 * is set (reported). `sessions` keeps sessions whose id equals or starts with
 * one of the values; `projects` keeps sessions whose project contains one of
 * the values (case-insensitive). Sessions left without turns, events and
 * reported cost by a date filter disappear.
 */
import type { Diagnostic, FileAccounting } from '../model/diagnostic.js';
import type { IngestResult } from '../model/ingest.js';
import type { CompactionEvent, FormatId, ReportedCost, Session, SessionEvent, Turn } from '../model/usage.js';
import type { ParsedFile } from '../ingest/ingest.js';
import type { ParseOutput, RawTurn } from '../ingest/format.js';
import { KeyTable, PackedTurnReader, TurnColumns, TurnStrings, packTurns, type PackedTurns } from '../ingest/packed.js';
import { isBetterRecord } from './duplicates.js';

export interface SessionFilters {
  /** Inclusive lower bound, epoch ms. */
  sinceMs?: number | null;
  /** Exclusive upper bound, epoch ms. */
  untilMs?: number | null;
  /** Session ids or id prefixes. */
  sessions?: readonly string[];
  /** Substrings of the project (case-insensitive). */
  projects?: readonly string[];
}

/**
 * Input of normalizeSessions; ParsedFile satisfies it, and so does a file
 * whose turns are packed (src/ingest/packed.ts PackedFile): the CLI keeps
 * parsed files packed until here, ~2.5x smaller than RawTurn objects.
 */
export type NormalizeInput = Pick<ParsedFile, 'file' | 'relativePath' | 'bytes'> &
  Partial<Pick<ParsedFile, 'linesRead' | 'fileDiagnostics'>> & {
    output: (Omit<ParseOutput, 'turns'> & { turns: readonly RawTurn[] | PackedTurns }) | null;
    /** The order its packed turns were made in among the inputs' (src/cli/ingest-workers.ts `madeInOrder`), when known. */
    madeAt?: number;
  };

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeKey(t: number | null): number {
  return t === null ? Number.POSITIVE_INFINITY : t;
}

function compareSourced(a: { timestampMs: number | null; source: { file: string; line: number } }, b: typeof a): number {
  return timeKey(a.timestampMs) - timeKey(b.timestampMs) || cmp(a.source.file, b.source.file) || a.source.line - b.source.line;
}

interface SessionBuild {
  id: string;
  project: string | null;
  format: FormatId | null;
  files: Set<string>;
  /** Kept records (file number × span + record: see normalizeSessions), in the order they were placed. */
  refs: number[];
  events: CompactionEvent[];
  reported: ReportedCost[];
  taskFingerprint: string | null;
}

function mergeReported(list: ReportedCost[]): ReportedCost | null {
  if (list.length === 0) return null;
  if (list.length === 1) return list[0] as ReportedCost;
  const byModel = new Map<string, ReportedCost['byModel'][number]>();
  let total = 0;
  let numTurns: number | null = null;
  let durationMs: number | null = null;
  for (const r of list) {
    total += r.totalCostUsd;
    if (r.numTurns !== null) numTurns = (numTurns ?? 0) + r.numTurns;
    if (r.durationMs !== null) durationMs = (durationMs ?? 0) + r.durationMs;
    for (const m of r.byModel) {
      const cur = byModel.get(m.model);
      if (!cur) byModel.set(m.model, { ...m });
      else {
        cur.inputTokens += m.inputTokens;
        cur.outputTokens += m.outputTokens;
        cur.cacheReadTokens += m.cacheReadTokens;
        cur.cacheWriteTokens += m.cacheWriteTokens;
        cur.costUsd += m.costUsd;
      }
    }
  }
  return {
    totalCostUsd: total,
    byModel: [...byModel.values()].sort((a, b) => cmp(a.model, b.model)),
    numTurns,
    durationMs,
    source: (list[0] as ReportedCost).source,
  };
}

/** How normalizeSessions may treat its inputs (the sessions are the same either way). */
export interface NormalizeOptions {
  /**
   * The caller gives the files' turns up: each file's packed turns are let go
   * (its output's `turns` emptied) once its kept records are in the sessions'
   * columns, so the parsed files and the sessions' columns never all coexist.
   */
  consumeInputs?: boolean;
  /** With `consumeInputs`: after each file let go, the bytes of arrays and string table it held (a shell can collect garbage). */
  onReleased?: (bytes: number) => void;
}

export function normalizeSessions(inputs: readonly NormalizeInput[], filters: SessionFilters = {}, options: NormalizeOptions = {}): IngestResult {
  const files = [...inputs].sort((a, b) => cmp(a.file, b.file) || cmp(a.relativePath, b.relativePath));
  const diagnostics: Diagnostic[] = [];
  const accounting: FileAccounting[] = [];
  const builds = new Map<string, SessionBuild>();
  const session = (id: string): SessionBuild => {
    let s = builds.get(id);
    if (!s) {
      s = { id, project: null, format: null, files: new Set(), refs: [], events: [], reported: [], taskFingerprint: null };
      builds.set(id, s);
    }
    return s;
  };

  // 1. Global dedupe over all records in input order, on the packed records: a
  //    Turn is built only for the record kept. Record k of the r-th file with
  //    turns is the number r * span + k, span = the largest file's record
  //    count + 1: at most files × records, an exact integer far below 2^53.
  let span = 1;
  let records = 0;
  for (const f of files) {
    if (!f.output) continue;
    const count = isPacked(f.output.turns) ? f.output.turns.count : f.output.turns.length;
    span = Math.max(span, count + 1);
    records += count;
  }
  const readers: PackedTurnReader[] = [];
  /** The input each reader reads. */
  const readerInputs: NormalizeInput[] = [];
  // Dedupe key → the ref kept for it, in first-seen order (a Map from key string to ref, without a string per record).
  let best: KeyTable | null = new KeyTable(readers, { readerOf: (ref) => Math.floor(ref / span), recordOf: (ref) => ref % span }, records);
  const unique: number[] = [];
  let duplicateTurnsDropped = 0;
  for (const f of files) {
    if (f.fileDiagnostics) diagnostics.push(...f.fileDiagnostics);
    const out = f.output;
    if (!out) {
      const lines = f.linesRead ?? 0;
      accounting.push({ file: f.file, format: 'unknown', bytes: f.bytes, linesRead: lines, linesCounted: 0, linesIgnored: 0, linesSkipped: lines });
      continue;
    }
    accounting.push({
      file: f.file,
      format: out.format,
      bytes: f.bytes,
      linesRead: out.linesRead,
      linesCounted: out.linesCounted,
      linesIgnored: out.linesIgnored,
      linesSkipped: out.linesSkipped,
    });
    diagnostics.push(...out.diagnostics);
    const reader = new PackedTurnReader(isPacked(out.turns) ? out.turns : packTurns(out.turns));
    const r = readers.length;
    const base = r * span;
    readers.push(reader);
    readerInputs.push(f);
    const keys = best;
    for (let k = 0; k < reader.count; k++) {
      const key = reader.dedupeKeyIndex(k);
      if (key < 0) {
        unique.push(base + k);
        continue;
      }
      // Records a parser folded within the file (src/normalize/duplicates.ts) were dropped there.
      duplicateTurnsDropped += reader.duplicatesFolded(k);
      const e = keys.findOrAdd(r, key, base + k);
      if (e < 0) continue;
      duplicateTurnsDropped++;
      const prev = keys.refOf(e);
      const kept = readers[Math.floor(prev / span)] as PackedTurnReader;
      const kk = prev % span;
      if (isBetterRecord(reader.completeness(k), reader.file(k), reader.tieTimestampMs(k), kept.completeness(kk), kept.file(kk), kept.timestampMs(kk))) {
        keys.setRef(e, base + k);
      }
    }
    for (const info of out.sessionInfo) {
      const s = session(info.sessionId);
      s.format ??= out.format;
      s.files.add(f.file);
      s.project ??= info.project;
      s.taskFingerprint ??= info.taskFingerprint;
    }
    for (const e of out.events) {
      const s = session(e.sessionId);
      s.format ??= out.format;
      s.files.add(f.file);
      s.events.push(e.event);
    }
    for (const r of out.reportedCosts) {
      const s = session(r.sessionId);
      s.format ??= out.format;
      s.files.add(f.file);
      s.reported.push(r.reportedCost);
    }
  }
  const formatOfFile = new Map(files.map((f) => [f.file, f.output?.format ?? null]));
  // Each session lists its kept records (its columns are made once they are ordered).
  const readerOf = (ref: number): PackedTurnReader => readers[Math.floor(ref / span)] as PackedTurnReader;
  const place = (ref: number): void => {
    const reader = readerOf(ref);
    const k = ref % span;
    const file = reader.file(k);
    const s = session(reader.sessionId(k));
    s.format ??= formatOfFile.get(file) ?? null;
    s.files.add(file);
    s.project ??= reader.project(k);
    s.refs.push(ref);
  };
  for (const ref of unique) place(ref);
  for (let e = 0; e < best.count; e++) place(best.refOf(e));
  // The keys are not needed any more (their table's arrays are as long as the records).
  const keyBytes = best.heldBytes() + unique.length * 8;
  best = null;
  unique.length = 0;
  const timestampOf = (ref: number): number | null => readerOf(ref).timestampMs(ref % span);
  const timeOf = (ref: number): number => timeKey(timestampOf(ref));
  // compareSourced on records; a tie keeps the order placed (a stable sort).
  const byTimeFileLine = (a: number, b: number): number =>
    timeOf(a) - timeOf(b) || cmp(readerOf(a).file(a % span), readerOf(b).file(b % span)) || readerOf(a).line(a % span) - readerOf(b).line(b % span);
  const strings = new TurnStrings();

  // 2. Filters.
  const since = filters.sinceMs ?? null;
  const until = filters.untilMs ?? null;
  const dateFiltered = since !== null || until !== null;
  const inWindow = (ms: number | null): boolean => ms !== null && (since === null || ms >= since) && (until === null || ms < until);
  const idFilters = filters.sessions ?? [];
  const projectFilters = (filters.projects ?? []).map((p) => p.toLowerCase());
  let undatedDropped = 0;

  const kept: Array<{ session: Session; firstTime: number }> = [];
  /** Each kept session's records in turn order, and its columns once made (see 3). */
  const planned: Array<{ refs: number[]; columns: TurnColumns | null }> = [];
  for (const s of builds.values()) {
    if (idFilters.length > 0 && !idFilters.some((id) => s.id === id || s.id.startsWith(id))) continue;
    if (projectFilters.length > 0 && !projectFilters.some((p) => (s.project ?? '').toLowerCase().includes(p))) continue;
    let refs = s.refs;
    let events: SessionEvent[] = s.events;
    let reported = s.reported;
    if (dateFiltered) {
      const before = refs.length;
      refs = refs.filter((ref) => inWindow(timestampOf(ref)));
      undatedDropped += s.refs.filter((ref) => timestampOf(ref) === null).length;
      events = events.filter((e) => inWindow(e.timestampMs));
      if (refs.length === 0 && events.length === 0) continue;
      if (refs.length !== before) reported = []; // a partial session no longer matches its reported total
    }
    refs.sort(byTimeFileLine);
    const plan: (typeof planned)[number] = { refs, columns: null };
    planned.push(plan);
    const first = refs[0];
    kept.push({
      session: sessionOverColumns(
        {
          id: s.id,
          project: s.project,
          format: s.format ?? 'claude-code',
          files: [...s.files].sort(cmp),
          turns: [],
          events: [...events].sort(compareSourced),
          reportedCost: mergeReported(reported),
          taskFingerprint: s.taskFingerprint,
          isEstimated: refs.length > 0 && refs.every((ref) => readerOf(ref).isEstimated(ref % span)),
        },
        () => plan.columns as TurnColumns,
      ),
      firstTime: first === undefined ? timeKey(null) : timeOf(first),
    });
  }
  if (options.consumeInputs === true) options.onReleased?.(keyBytes);
  fillColumns(readers, readerInputs, span, planned, strings, options);
  if (undatedDropped > 0) {
    diagnostics.push({
      code: 'no-timestamp-filtered',
      severity: 'warning',
      message: `${undatedDropped} turn(s) without a timestamp were left out by --since/--until`,
      details: { turns: undatedDropped },
    });
  }
  kept.sort((a, b) => a.firstTime - b.firstTime || cmp(a.session.id, b.session.id));
  const sessions = kept.map((k) => k.session);
  diagnostics.sort((a, b) => cmp(a.source?.file ?? '', b.source?.file ?? '') || (a.source?.line ?? 0) - (b.source?.line ?? 0));
  accounting.sort((a, b) => cmp(a.file, b.file));
  return { sessions, diagnostics, files: accounting, duplicateTurnsDropped };
}

/**
 * 3. The sessions' columns, filled file by file: every kept record of one
 * file is written to its row (the turn order was settled above), then, with
 * `consumeInputs`, the file's packed turns are let go before the next file's
 * records are read. Files whose arrays were cut from the same slab (see
 * src/cli/page-arrays.ts) are taken one after another, so a slab can be
 * unmapped as soon as its files are done, and a session's columns are made
 * when its first record is written: the columns grow as the parsed files
 * shrink (3 GB of logs dense with requests: they were ~95 MB together).
 */
function fillColumns(
  readers: PackedTurnReader[],
  readerInputs: readonly NormalizeInput[],
  span: number,
  planned: Array<{ refs: number[]; columns: TurnColumns | null }>,
  strings: TurnStrings,
  options: NormalizeOptions,
): void {
  const n = readers.length;
  // Kept records grouped by reader (a counting sort): session, row and record number of each.
  const start = new Int32Array(n + 1);
  let total = 0;
  for (const plan of planned) {
    for (const ref of plan.refs) {
      const i = Math.floor(ref / span) + 1;
      start[i] = (start[i] as number) + 1;
    }
    total += plan.refs.length;
  }
  for (let r = 0; r < n; r++) start[r + 1] = (start[r + 1] as number) + (start[r] as number);
  const cursor = start.slice(0, n);
  const sessionAt = new Int32Array(total);
  const rowAt = new Int32Array(total);
  const recordAt = new Int32Array(total);
  planned.forEach((plan, p) => {
    const refs = plan.refs;
    for (let row = 0; row < refs.length; row++) {
      const ref = refs[row] as number;
      const r = Math.floor(ref / span);
      const c = cursor[r] as number;
      cursor[r] = c + 1;
      sessionAt[c] = p;
      rowAt[c] = row;
      recordAt[c] = ref - r * span;
    }
  });
  const counts = planned.map((plan) => plan.refs.length);
  for (const plan of planned) plan.refs = [];
  for (const r of slabOrder(readers, readerInputs)) {
    const reader = readers[r] as PackedTurnReader;
    for (let c = start[r] as number; c < (start[r + 1] as number); c++) {
      const p = sessionAt[c] as number;
      const plan = planned[p] as (typeof planned)[number];
      const columns = (plan.columns ??= new TurnColumns(counts[p] as number, strings));
      columns.put(rowAt[c] as number, reader, recordAt[c] as number);
    }
    if (options.consumeInputs === true) {
      const held = reader.heldBytes();
      (readers as Array<PackedTurnReader | undefined>)[r] = undefined;
      const out = (readerInputs[r] as NormalizeInput).output;
      if (out) out.turns = [];
      options.onReleased?.(held);
    }
  }
  planned.forEach((plan, p) => {
    plan.columns ??= new TurnColumns(0, strings);
    if (plan.columns.count !== counts[p]) throw new Error('normalizeSessions: a session row was not filled');
  });
}

/**
 * Reader indexes in the order their files' arrays were made when every input
 * tells it (`madeAt`: each thread cuts them from its slabs one after
 * another), else those whose records' arrays share a buffer (a slab) next to
 * each other, in order within it, buffers in the order first met: letting
 * them go in this order frees slab after slab.
 */
function slabOrder(readers: readonly PackedTurnReader[], inputs: readonly NormalizeInput[]): number[] {
  const indexes = readers.map((_, r) => r);
  if (inputs.every((f) => f.madeAt !== undefined)) return indexes.sort((a, b) => (inputs[a]?.madeAt as number) - (inputs[b]?.madeAt as number) || a - b);
  const ordinal = new Map<ArrayBufferLike, number>();
  const keyOf = readers.map((reader) => {
    const buffer = reader.nums.buffer;
    let o = ordinal.get(buffer);
    if (o === undefined) ordinal.set(buffer, (o = ordinal.size));
    return { o, offset: reader.nums.byteOffset };
  });
  return indexes.sort((a, b) => (keyOf[a] as { o: number }).o - (keyOf[b] as { o: number }).o || (keyOf[a] as { offset: number }).offset - (keyOf[b] as { offset: number }).offset || a - b);
}

/**
 * `session` with its `turns` made from its columns (`columnsOf()`, asked once
 * they are first read, then kept; assigning replaces them). An own enumerable
 * property, so spreading, JSON and deep equality see the turns as before.
 */
function sessionOverColumns(session: Session, columnsOf: () => TurnColumns): Session {
  let turns: Turn[] | null = null;
  // Let go once made.
  let from: (() => TurnColumns) | null = columnsOf;
  Object.defineProperty(session, 'turns', {
    enumerable: true,
    configurable: true,
    get: (): Turn[] => {
      if (turns === null) {
        turns = (from as () => TurnColumns)().allTurns();
        from = null;
      }
      return turns;
    },
    set: (value: Turn[]) => {
      turns = value;
      from = null;
    },
  });
  return session;
}

function isPacked(turns: readonly RawTurn[] | PackedTurns): turns is PackedTurns {
  return !Array.isArray(turns);
}
