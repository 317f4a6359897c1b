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
import type { RawTurn } from '../ingest/format.js';
import { isBetter } from './duplicates.js';

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

/** Input of normalizeSessions; ParsedFile satisfies it. */
export type NormalizeInput = Pick<ParsedFile, 'file' | 'relativePath' | 'bytes' | 'output'> & Partial<Pick<ParsedFile, 'linesRead' | 'fileDiagnostics'>>;

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function timeKey(t: number | null): number {
  return t === null ? Number.POSITIVE_INFINITY : t;
}

function compareSourced(a: { timestampMs: number | null; source: { file: string; line: number } }, b: typeof a): number {
  return timeKey(a.timestampMs) - timeKey(b.timestampMs) || cmp(a.source.file, b.source.file) || a.source.line - b.source.line;
}

function toTurn(r: RawTurn): Turn {
  return {
    timestampMs: r.timestampMs,
    model: r.model,
    provider: r.provider,
    streamId: r.streamId,
    inputTokens: r.inputTokens,
    cacheWrite5mTokens: r.cacheWrite5mTokens,
    cacheWrite1hTokens: r.cacheWrite1hTokens,
    cacheReadTokens: r.cacheReadTokens,
    outputTokens: r.outputTokens,
    reasoningOutputTokens: r.reasoningOutputTokens,
    promptTokens: r.promptTokens,
    isCacheSplitKnown: r.isCacheSplitKnown,
    isEstimated: r.isEstimated,
    reportedCostUsd: r.reportedCostUsd,
    source: r.source,
  };
}

interface SessionBuild {
  id: string;
  project: string | null;
  format: FormatId | null;
  files: Set<string>;
  turns: RawTurn[];
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

export function normalizeSessions(inputs: readonly NormalizeInput[], filters: SessionFilters = {}): IngestResult {
  const files = [...inputs].sort((a, b) => cmp(a.file, b.file) || cmp(a.relativePath, b.relativePath));
  const diagnostics: Diagnostic[] = [];
  const accounting: FileAccounting[] = [];
  const builds = new Map<string, SessionBuild>();
  const session = (id: string): SessionBuild => {
    let s = builds.get(id);
    if (!s) {
      s = { id, project: null, format: null, files: new Set(), turns: [], events: [], reported: [], taskFingerprint: null };
      builds.set(id, s);
    }
    return s;
  };

  // 1. Global dedupe over all records in input order.
  const best = new Map<string, RawTurn>();
  const unique: RawTurn[] = [];
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
    for (const t of out.turns) {
      if (t.dedupeKey === null) {
        unique.push(t);
        continue;
      }
      // Records a parser folded within the file (src/normalize/duplicates.ts) were dropped there.
      duplicateTurnsDropped += t.duplicatesFolded;
      const prev = best.get(t.dedupeKey);
      if (!prev) {
        best.set(t.dedupeKey, t);
        continue;
      }
      duplicateTurnsDropped++;
      if (isBetter(t, prev)) best.set(t.dedupeKey, t);
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
  for (const t of [...unique, ...best.values()]) {
    const s = session(t.sessionId);
    s.format ??= formatOfFile.get(t.source.file) ?? null;
    s.files.add(t.source.file);
    s.project ??= t.project;
    s.turns.push(t);
  }

  // 2. Filters.
  const since = filters.sinceMs ?? null;
  const until = filters.untilMs ?? null;
  const dateFiltered = since !== null || until !== null;
  const inWindow = (ms: number | null): boolean => ms !== null && (since === null || ms >= since) && (until === null || ms < until);
  const idFilters = filters.sessions ?? [];
  const projectFilters = (filters.projects ?? []).map((p) => p.toLowerCase());
  let undatedDropped = 0;

  const sessions: Session[] = [];
  for (const s of builds.values()) {
    if (idFilters.length > 0 && !idFilters.some((id) => s.id === id || s.id.startsWith(id))) continue;
    if (projectFilters.length > 0 && !projectFilters.some((p) => (s.project ?? '').toLowerCase().includes(p))) continue;
    let turns = s.turns;
    let events: SessionEvent[] = s.events;
    let reported = s.reported;
    if (dateFiltered) {
      const before = turns.length;
      turns = turns.filter((t) => inWindow(t.timestampMs));
      undatedDropped += s.turns.filter((t) => t.timestampMs === null).length;
      events = events.filter((e) => inWindow(e.timestampMs));
      if (turns.length === 0 && events.length === 0) continue;
      if (turns.length !== before) reported = []; // a partial session no longer matches its reported total
    }
    turns = [...turns].sort(compareSourced);
    sessions.push({
      id: s.id,
      project: s.project,
      format: s.format ?? 'claude-code',
      files: [...s.files].sort(cmp),
      turns: turns.map(toTurn),
      events: [...events].sort(compareSourced),
      reportedCost: mergeReported(reported),
      taskFingerprint: s.taskFingerprint,
      isEstimated: turns.length > 0 && turns.every((t) => t.isEstimated),
    });
  }
  if (undatedDropped > 0) {
    diagnostics.push({
      code: 'no-timestamp-filtered',
      severity: 'warning',
      message: `${undatedDropped} turn(s) without a timestamp were left out by --since/--until`,
      details: { turns: undatedDropped },
    });
  }
  sessions.sort((a, b) => timeKey(a.turns[0]?.timestampMs ?? null) - timeKey(b.turns[0]?.timestampMs ?? null) || cmp(a.id, b.id));
  diagnostics.sort((a, b) => cmp(a.source?.file ?? '', b.source?.file ?? '') || (a.source?.line ?? 0) - (b.source?.line ?? 0));
  accounting.sort((a, b) => cmp(a.file, b.file));
  return { sessions, diagnostics, files: accounting, duplicateTurnsDropped };
}
