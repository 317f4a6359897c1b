/**
 * `--redact`: a pure transform of an IngestResult that keeps every number and
 * drops everything personal, so a redacted report can be shared.
 *
 * What changes:
 * - File paths (session files, turn/event/diagnostic sources, per-file
 *   accounting) become `file-<8 hex>` + the original extension. The same path
 *   always maps to the same pseudonym within one salt, so "which turns came
 *   from the same file" survives. `<stdin>` stays.
 * - Project names (a cwd, a Claude Code project dir that spells the home
 *   directory and user name) become `project-<8 hex>`.
 * - Session ids: ids the agent generated at random (UUIDs, long hex/base-36
 *   ids, e.g. Claude Code and Codex session ids) carry nothing personal and
 *   stay, so a redacted report can still be matched with the user's own
 *   unredacted run. Any other id may have been derived from a file name or
 *   written by a person (CSV grouping columns, transcript file names) and
 *   becomes `session-<8 hex>`.
 * - Diagnostic messages may quote log content or paths: they are rebuilt from
 *   the stable `code`; string details are dropped except well-formed model,
 *   provider and format names. Numbers and booleans stay.
 * - Task fingerprints are re-hashed with the salt (equality, which the replay
 *   strategy needs, is preserved; a dictionary attack on the unsalted hash of
 *   a short prompt is not).
 *
 * What stays: token counts, costs, timestamps, model names (needed to price a
 * turn), provider, stream ids, request/message ids (random ids from the API).
 *
 * With no salt the pseudonyms are deterministic (golden tests, comparing two
 * redacted runs); pass a secret salt when paths could be guessed.
 */
import { createHash } from 'node:crypto';
import type { Diagnostic, FileAccounting, SourceRef } from '../model/diagnostic.js';
import type { IngestResult } from '../model/ingest.js';
import type { ReportedCost, Session, SessionEvent, Turn } from '../model/usage.js';

/** Name of standard input in diagnostics; not personal. */
const STDIN = '<stdin>';

function hex8(kind: string, value: string, salt: string): string {
  return createHash('sha256').update(`${salt}\u0000${kind}\u0000${value}`).digest('hex').slice(0, 8);
}

/** Extension of the last path segment (`.jsonl`), lower-cased, only if short and plain; else ''. */
function extensionOf(path: string): string {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const dot = base.lastIndexOf('.');
  if (dot <= 0) return '';
  const ext = base.slice(dot).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '';
}

/** `file-<8 hex>.<ext>` for a path; `<stdin>` is kept. */
export function pseudonymPath(path: string, salt = ''): string {
  if (path === STDIN) return path;
  return `file-${hex8('path', path, salt)}${extensionOf(path)}`;
}

export function pseudonymProject(project: string, salt = ''): string {
  return `project-${hex8('project', project, salt)}`;
}

const RANDOM_ID_RE = /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,64}|[A-Za-z0-9_]{0,12}[-_]?[0-9a-f]{24,64})$/i;

/** True for ids an agent generated at random (UUID, long hex): nothing personal in them. */
export function isRandomId(id: string): boolean {
  return RANDOM_ID_RE.test(id);
}

export function pseudonymSession(id: string, salt = ''): string {
  return isRandomId(id) ? id : `session-${hex8('session', id, salt)}`;
}

/** Model/provider/format names kept in diagnostic details: short, no spaces, no path separators beyond `org/model`. */
const SAFE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:@+-]{0,79}(?:\/[A-Za-z0-9][A-Za-z0-9._:@+-]{0,79})?$/;
const SAFE_DETAIL_KEYS = new Set(['model', 'provider', 'format', 'code', 'severity', 'stream', 'streamId']);

const PATH_LIKE_RE =
  /(?:[A-Za-z]:[\\/]|\\\\|~[\\/]|\.{1,2}[\\/]|\/)(?:[^\s"'`<>|:;,()[\]{}]+)|[^\s"'`<>|:;,()[\]{}/\\]+(?:[\\/][^\s"'`<>|:;,()[\]{}/\\]+)+/g;
const QUOTED_RE = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;

/**
 * Safety net for renderers: removes what could be personal from a free-form
 * string — quoted text (log content) becomes `"…"`, path-like tokens become
 * file pseudonyms. Idempotent on its own output.
 */
export function redactString(text: string, salt = ''): string {
  return text.replace(QUOTED_RE, '"…"').replace(PATH_LIKE_RE, (m) => (/^file-[0-9a-f]{8}(\.[a-z0-9]{1,8})?$/.test(m) ? m : pseudonymPath(m, salt)));
}

function sentenceOf(code: string): string {
  const words = code.replace(/[^a-z0-9]+/gi, ' ').trim();
  return `${words.length > 0 ? words : 'diagnostic'} (details redacted)`;
}

interface Redactor {
  path(p: string): string;
  source(s: SourceRef): SourceRef;
}

function redactDiagnostic(d: Diagnostic, r: Redactor): Diagnostic {
  const out: Diagnostic = { code: d.code, severity: d.severity, message: sentenceOf(d.code) };
  if (d.source) out.source = r.source(d.source);
  if (d.details) {
    const details: Record<string, string | number | boolean | null> = {};
    for (const [k, v] of Object.entries(d.details)) {
      if (typeof v === 'string') {
        if (SAFE_DETAIL_KEYS.has(k) && SAFE_NAME_RE.test(v)) details[k] = v;
      } else details[k] = v;
    }
    out.details = details;
  }
  return out;
}

/** Pure: a copy of `result` with paths, projects, personal ids and log text replaced (see module doc). */
export function redactIngestResult(result: IngestResult, salt = ''): IngestResult {
  const paths = new Map<string, string>();
  const r: Redactor = {
    path(p) {
      let v = paths.get(p);
      if (v === undefined) {
        v = pseudonymPath(p, salt);
        paths.set(p, v);
      }
      return v;
    },
    source(s) {
      return { file: r.path(s.file), line: s.line };
    },
  };
  const turn = (t: Turn): Turn => ({ ...t, source: r.source(t.source) });
  const event = (e: SessionEvent): SessionEvent => ({ ...e, source: r.source(e.source) });
  const reported = (c: ReportedCost | null): ReportedCost | null =>
    c === null ? null : { ...c, byModel: c.byModel.map((m) => ({ ...m })), source: r.source(c.source) };
  const session = (s: Session): Session => ({
    ...s,
    id: pseudonymSession(s.id, salt),
    project: s.project === null ? null : pseudonymProject(s.project, salt),
    files: s.files.map((f) => r.path(f)),
    turns: s.turns.map(turn),
    events: s.events.map(event),
    reportedCost: reported(s.reportedCost),
    taskFingerprint: s.taskFingerprint === null ? null : createHash('sha256').update(`${salt}\u0000fp\u0000${s.taskFingerprint}`).digest('hex').slice(0, 16),
  });
  const file = (f: FileAccounting): FileAccounting => ({ ...f, file: r.path(f.file) });
  return {
    sessions: result.sessions.map(session),
    diagnostics: result.diagnostics.map((d) => redactDiagnostic(d, r)),
    files: result.files.map(file),
    duplicateTurnsDropped: result.duplicateTurnsDropped,
  };
}
