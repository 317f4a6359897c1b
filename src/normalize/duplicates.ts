/**
 * Which record of a billed request is kept when several share its dedupe key
 * (content-block lines of one streamed call, a request copied into a resumed
 * session's file, the same file given twice).
 *
 * normalizeSessions folds all records of a key in input order (files sorted
 * by name, lines in file order) with `isBetter`. A parser may fold the
 * records of one key within one file first (`foldSameFile`): Claude Code
 * writes every content block of a call as its own line, so a file holds
 * ~2.7 records per request, and carrying one instead saves packing,
 * transfer, caching and normalising the others. The global fold over the
 * folded records gives exactly the record, and the duplicate count, it gives
 * over the raw ones, because:
 * - within a file the fold keeps the LAST record of the largest
 *   completeness (a tie with a record of the same file replaces it), so the
 *   file's records of a key reduce to that one record, W;
 * - across files a tie goes to the earlier timestamp: a record K kept from
 *   an earlier file is replaced by the file's records iff W is more complete,
 *   or as complete and SOME record of W's completeness in the file has an
 *   earlier timestamp than K (after which the same-file rule walks on to
 *   W). W carries the earliest such timestamp as `tieTimestampMs`;
 * - `duplicatesFolded` counts the records folded into W, so the global
 *   count of dropped duplicates is unchanged.
 * test/normalize/duplicates.test.ts checks this against the raw fold.
 */
import type { RawTurn } from '../ingest/format.js';

/** The fields `foldSameFile` reads and updates (a RawTurn, or a packed record's: src/ingest/packed.ts). */
type FoldableRecord = Pick<RawTurn, 'promptTokens' | 'outputTokens' | 'duplicatesFolded' | 'tieTimestampMs'>;

function completeness(t: Pick<RawTurn, 'promptTokens' | 'outputTokens'>): number {
  return t.promptTokens + t.outputTokens;
}

/**
 * Whether `next` (later in input order) should replace `kept` for the same
 * request: the more complete record wins (prompt + output); on a tie the
 * later line of the same file wins (final block of a streamed call), while
 * across files the original wins (earlier timestamp, then earlier file), so a
 * request copied into a resumed session's file stays with the session that
 * made it. `next` may stand for several records of its file
 * (`tieTimestampMs`: the earliest timestamp among them).
 */
export function isBetter(next: RawTurn, kept: RawTurn): boolean {
  return isBetterRecord(completeness(next), next.source.file, next.tieTimestampMs, completeness(kept), kept.source.file, kept.timestampMs);
}

/**
 * `isBetter` on the fields it reads: completeness (prompt + output), source
 * file and tie timestamp of `next`; completeness, source file and timestamp
 * of `kept` (normalizeSessions reads them from packed records).
 */
export function isBetterRecord(
  nextCompleteness: number,
  nextFile: string,
  nextTieTimestampMs: number | null,
  keptCompleteness: number,
  keptFile: string,
  keptTimestampMs: number | null,
): boolean {
  if (nextCompleteness !== keptCompleteness) return nextCompleteness > keptCompleteness;
  if (nextFile === keptFile) return true;
  const t = nextTieTimestampMs;
  if (t !== null && keptTimestampMs !== null && t !== keptTimestampMs) return t < keptTimestampMs;
  return false;
}

/**
 * Appends `record` to `out`, the records of one file in order, or folds it
 * (`foldSameFile`) into the record of the same request already there
 * (`keyAt`: each key's index in `out`). A record without a key is its own.
 */
export function appendFolded<T extends FoldableRecord>(out: T[], keyAt: Map<string, number>, key: string | null, record: T): void {
  if (key !== null) {
    const at = keyAt.get(key);
    if (at !== undefined) {
      out[at] = foldSameFile(out[at] as T, record);
      return;
    }
    keyAt.set(key, out.length);
  }
  out.push(record);
}

/**
 * Folds `next`, a later record of the same request in the same file as
 * `kept` (each possibly standing for several already), into one: returns
 * the record kept (the one `isBetter` keeps), its `duplicatesFolded` and
 * `tieTimestampMs` updated.
 */
export function foldSameFile<T extends FoldableRecord>(kept: T, next: T): T {
  const a = completeness(next);
  const b = completeness(kept);
  const folded = kept.duplicatesFolded + next.duplicatesFolded + 1;
  if (a < b) {
    kept.duplicatesFolded = folded;
    return kept;
  }
  if (a === b) {
    const k = kept.tieTimestampMs;
    const n = next.tieTimestampMs;
    if (k !== null && (n === null || k < n)) next.tieTimestampMs = k;
  }
  next.duplicatesFolded = folded;
  return next;
}
