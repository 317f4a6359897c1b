/**
 * Bad data is data: every skipped line, unknown model or estimate becomes a
 * Diagnostic carried in the result. Renderers turn `code` into a sentence;
 * JSON consumers get the stable `code`.
 */
export type DiagnosticSeverity = 'error' | 'warning' | 'info';

/** Where a diagnostic comes from: a file (or `<stdin>`) and a 1-based line, when known. */
export interface SourceRef {
  file: string;
  /** 1-based line number; 0 when the diagnostic concerns the whole file. */
  line: number;
}

export interface Diagnostic {
  /** Stable machine code, e.g. `invalid-json`, `unknown-model`, `no-usage`. */
  code: string;
  severity: DiagnosticSeverity;
  /** Human sentence, already complete (renderers may still shorten it). */
  message: string;
  source?: SourceRef;
  /** Extra structured facts (model name, token counts…), JSON-serialisable. */
  details?: Record<string, string | number | boolean | null>;
}

/** Per-file line accounting: linesRead = linesCounted + linesIgnored + linesSkipped. */
export interface FileAccounting {
  file: string;
  format: string;
  bytes: number;
  /** Non-empty lines (or 1 for a whole-document format) seen in the file. */
  linesRead: number;
  /** Lines that contributed a turn or session event (before dedupe). */
  linesCounted: number;
  /** Valid lines that carry nothing billable (user prompts, tool results, metadata). */
  linesIgnored: number;
  /** Malformed or rejected lines, each also reported as a Diagnostic. */
  linesSkipped: number;
}
