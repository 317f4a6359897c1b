import type { Diagnostic, FileAccounting } from './diagnostic.js';
import type { Session } from './usage.js';

/** What ingest + normalize produce from all inputs. */
export interface IngestResult {
  /** Sorted by (first turn time, id). */
  sessions: Session[];
  /** Skipped lines, unknown formats, estimates…; sorted by file, line. */
  diagnostics: Diagnostic[];
  /** One row per input file, sorted by file. */
  files: FileAccounting[];
  /** Turns dropped as duplicates of an already counted request (streamed repeats, resumed copies). */
  duplicateTurnsDropped: number;
}
