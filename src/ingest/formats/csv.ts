/**
 * Usage CSV exports (the only importer of csv-parse).
 *
 * Headers are matched case-insensitively after normalisation (`Cache Read
 * Tokens` = `cache_read_tokens`). Known exports:
 * - Anthropic Console usage export: `usage_date_utc, model_version, api_key,
 *   workspace, usage_type, context_window, usage_input_tokens_no_cache,
 *   usage_input_tokens_cache_write_5m, usage_input_tokens_cache_write_1h,
 *   usage_input_tokens_cache_read, usage_output_tokens, web_search_count, …`
 *   — input EXCLUDES cache reads and writes.
 * - OpenAI usage export (completions): `start_time, end_time, start_time_iso,
 *   end_time_iso, project_id, num_model_requests, user_id, api_key_id, model,
 *   batch, service_tier, input_tokens, output_tokens, input_cached_tokens,
 *   input_audio_tokens, output_audio_tokens` — input_tokens INCLUDES
 *   input_cached_tokens.
 *
 * Whether `input` includes cached tokens, when `--columns` does not say:
 * - the input header says "no cache" / "uncached"                     -> excludes;
 * - cache-write columns exist (only Anthropic bills writes)            -> excludes;
 * - the cache column uses OpenAI's vocabulary ("cached", e.g.
 *   input_cached_tokens, cached_input_tokens, cached_tokens)           -> includes;
 * - otherwise ("cache read" vocabulary)                                -> excludes.
 * The decision is reported once per file (info `csv-columns`).
 *
 * Numbers: thousands separators and currency signs are accepted; in
 * semicolon-delimited files `,` is the decimal separator and `.` groups thousands.
 *
 * Each data row is one Turn (exports are often hourly/daily aggregates: a row
 * then stands for many requests). Accounting (whole-document format): every
 * CSV record is a line read, the header record is ignored, rows whose tokens
 * and cost are all zero are ignored, rows with a bad number are skipped with
 * the CSV line number and the reason.
 */
import { parse } from 'csv-parse/sync';
import { InputError } from '../../errors.js';
import type { Provider } from '../../model/usage.js';
import type { ColumnMapping, InputFormat, LineParser, ParseContext } from '../format.js';
import { DocumentBuffer, MAX_TOKEN_COUNT, OutputBuilder, makeRawTurn, parseTimestampMs, preview, sessionIdFromFile, type Read } from './parse-helpers.js';

type Role = Exclude<keyof ColumnMapping, 'inputIncludesCached'>;
const ROLES: readonly Role[] = [
  'timestamp',
  'model',
  'input',
  'output',
  'cacheRead',
  'cacheWrite',
  'cacheWrite5m',
  'cacheWrite1h',
  'reasoning',
  'session',
  'project',
  'cost',
  'provider',
  'requestId',
];

/** Normalised header -> role, most specific names first (first match per role wins). */
const HEADER_ALIASES: Record<Role, readonly string[]> = {
  timestamp: ['timestamp', 'start_time_iso', 'usage_date_utc', 'datetime', 'date_time', 'created_at', 'created', 'time', 'date', 'start_time', 'bucket_start', 'day', 'date_utc'],
  model: ['model', 'model_version', 'model_name', 'model_id'],
  input: [
    'usage_input_tokens_no_cache',
    'uncached_input_tokens',
    'uncached_input',
    'input_tokens_no_cache',
    'input_uncached_tokens',
    'input_tokens',
    'input',
    'prompt_tokens',
    'input_text_tokens',
    'n_context_tokens_total',
  ],
  output: ['usage_output_tokens', 'output_tokens', 'output', 'completion_tokens', 'output_text_tokens', 'n_generated_tokens_total'],
  cacheRead: [
    'usage_input_tokens_cache_read',
    'cache_read_input_tokens',
    'cache_read_tokens',
    'cache_read',
    'input_cached_tokens',
    'cached_input_tokens',
    'cached_tokens',
    'cached',
    'cache_hit_tokens',
    'prompt_cache_hit_tokens',
  ],
  cacheWrite: ['cache_creation_input_tokens', 'cache_creation_tokens', 'cache_creation', 'cache_write_tokens', 'cache_write', 'cache_writes'],
  cacheWrite5m: [
    'usage_input_tokens_cache_write_5m',
    'cache_write_5m_tokens',
    'cache_write_5m',
    'cache_creation_5m_tokens',
    'cache_creation_5m',
    'ephemeral_5m_input_tokens',
  ],
  cacheWrite1h: [
    'usage_input_tokens_cache_write_1h',
    'cache_write_1h_tokens',
    'cache_write_1h',
    'cache_creation_1h_tokens',
    'cache_creation_1h',
    'ephemeral_1h_input_tokens',
  ],
  reasoning: ['reasoning_tokens', 'output_reasoning_tokens', 'reasoning_output_tokens'],
  session: ['session_id', 'session', 'conversation_id', 'conversation', 'thread_id'],
  project: ['project', 'project_name', 'project_id', 'workspace', 'workspace_name'],
  cost: ['cost_usd', 'total_cost_usd', 'cost', 'total_cost', 'cost_in_usd', 'amount_usd', 'spend', 'price'],
  provider: ['provider', 'vendor'],
  requestId: ['request_id', 'requestid', 'response_id', 'message_id'],
};

/** `Cache Read Tokens` / `cache-read-tokens` / `CacheRead (tokens)` -> `cache_read_tokens`. */
function normalizeHeader(h: string): string {
  return h
    .replace(/^\uFEFF/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/\((usd|\$)\)/g, ' usd')
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

const MAPPING_KEYS: Record<string, Role | 'inputIncludesCached'> = Object.fromEntries(
  [...ROLES, 'inputIncludesCached' as const].flatMap((r) => [[r.toLowerCase(), r]]),
);
Object.assign(MAPPING_KEYS, { time: 'timestamp', date: 'timestamp', cached: 'cacheRead', cachewrite5: 'cacheWrite5m', request: 'requestId', costusd: 'cost' });

/**
 * Parses a `--columns` spec: `role=Header Name,...` (roles: timestamp, model,
 * input, output, cacheRead, cacheWrite, cacheWrite5m, cacheWrite1h, reasoning,
 * session, project, cost, provider, requestId; plus inputIncludesCached=true|false).
 * Header names may contain spaces; a comma followed by `role=` separates entries.
 * Throws InputError on an unknown role, a duplicate or an empty value.
 */
export function parseColumnMapping(spec: string): ColumnMapping {
  const mapping: ColumnMapping = {};
  const entries = spec.split(/,(?=\s*[A-Za-z0-9_]+\s*=)/).map((e) => e.trim()).filter((e) => e.length > 0);
  if (entries.length === 0) throw new InputError('--columns is empty', 'example: --columns "timestamp=Date,model=Model,input=Input Tokens,output=Output Tokens"');
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new InputError(`--columns entry "${entry}" is not role=Header`);
    const key = entry.slice(0, eq).trim();
    const value = entry.slice(eq + 1).trim();
    const role = MAPPING_KEYS[key.toLowerCase()];
    if (!role) throw new InputError(`--columns: unknown role "${key}"`, `roles: ${ROLES.join(', ')}, inputIncludesCached`);
    if (value.length === 0) throw new InputError(`--columns: no header given for ${role}`);
    if (mapping[role] !== undefined) throw new InputError(`--columns: ${role} is mapped twice`);
    if (role === 'inputIncludesCached') {
      if (!/^(true|false|yes|no)$/i.test(value)) throw new InputError(`--columns: inputIncludesCached must be true or false, got "${value}"`);
      mapping.inputIncludesCached = /^(true|yes)$/i.test(value);
    } else {
      mapping[role] = value;
    }
  }
  return mapping;
}

/**
 * A number cell: `1,234,567`, `1 234`, `$0.42`, `€1.234,50`, `USD 3`. Empty = absent.
 * Rejects negatives (including accounting `(12)`), NaN, infinities. With
 * `decimalComma` (semicolon-delimited files, the European convention) a lone
 * `.` is a thousands separator and `,` the decimal one: `12.000` = 12000.
 */
export function parseNumberCell(raw: string, decimalComma = false): Read<number | null> {
  let s = raw.trim();
  if (s.length === 0 || /^(-|—|n\/a|null|none)$/i.test(s)) return { ok: true, value: null };
  if (/^\(.*\)$/.test(s) || /^-/.test(s.replace(/^[$€£¥]|^usd\s*/i, ''))) return { ok: false, reason: `negative value "${preview(raw, 40)}"` };
  s = s.replace(/^(usd|eur|us\$)\s*/i, '').replace(/\s*(usd|eur)$/i, '').replace(/^[$€£¥]\s*/, '').replace(/[$€£¥]$/, '');
  s = s.replace(/[\s\u00a0\u202f_']/g, '');
  const lastComma = s.lastIndexOf(',');
  const lastDot = s.lastIndexOf('.');
  if (lastComma >= 0 && lastDot >= 0) {
    // Both: the later one is the decimal separator.
    s = lastDot > lastComma ? s.replace(/,/g, '') : s.replace(/\./g, '').replace(',', '.');
  } else if (lastComma >= 0) {
    s = !decimalComma && /^\d{1,3}(,\d{3})+$/.test(s) ? s.replace(/,/g, '') : s.replace(',', '.');
  } else if (decimalComma ? /^\d{1,3}(\.\d{3})+$/.test(s) : /^\d{1,3}(\.\d{3}){2,}$/.test(s)) {
    s = s.replace(/\./g, ''); // 1.234.567 (European thousands)
  }
  if (!/^\d+(\.\d+)?([eE][+-]?\d+)?$/.test(s)) return { ok: false, reason: `"${preview(raw, 40)}" is not a number` };
  const n = Number(s);
  if (!Number.isFinite(n)) return { ok: false, reason: `"${preview(raw, 40)}" is not finite` };
  return { ok: true, value: n };
}

interface ResolvedColumns {
  index: Partial<Record<Role, number>>;
  inputIncludesCached: boolean;
  why: string;
}

function resolveColumns(headers: string[], user: ColumnMapping | undefined): ResolvedColumns | { missing: string[] } {
  const normalized = headers.map(normalizeHeader);
  const index: Partial<Record<Role, number>> = {};
  const missing: string[] = [];
  for (const role of ROLES) {
    const wanted = user?.[role];
    if (wanted !== undefined) {
      let at = headers.findIndex((h) => h.trim() === wanted);
      if (at < 0) at = normalized.indexOf(normalizeHeader(wanted));
      if (at < 0) missing.push(`${role}=${wanted}`);
      else index[role] = at;
    }
  }
  if (missing.length > 0) return { missing };
  const used = new Set(Object.values(index));
  for (const role of ROLES) {
    if (index[role] !== undefined) continue;
    for (const alias of HEADER_ALIASES[role]) {
      const at = normalized.findIndex((h, i) => h === alias && !used.has(i));
      if (at >= 0) {
        index[role] = at;
        used.add(at);
        break;
      }
    }
  }
  let inputIncludesCached: boolean;
  let why: string;
  const inputHeader = index.input !== undefined ? (normalized[index.input] as string) : '';
  const cacheHeader = index.cacheRead !== undefined ? (normalized[index.cacheRead] as string) : '';
  const hasWrites = index.cacheWrite !== undefined || index.cacheWrite5m !== undefined || index.cacheWrite1h !== undefined;
  if (user?.inputIncludesCached !== undefined) {
    inputIncludesCached = user.inputIncludesCached;
    why = 'set by --columns';
  } else if (/no_cache|uncached/.test(inputHeader)) {
    inputIncludesCached = false;
    why = `"${headers[index.input as number]}" is uncached input`;
  } else if (hasWrites) {
    inputIncludesCached = false;
    why = 'cache-write columns present (Anthropic-style: input excludes cache reads and writes)';
  } else if (index.cacheRead !== undefined && /cached/.test(cacheHeader)) {
    inputIncludesCached = true;
    why = `"${headers[index.cacheRead]}" uses OpenAI's "cached" vocabulary (cached tokens are part of input)`;
  } else {
    inputIncludesCached = false;
    why = index.cacheRead !== undefined ? 'cache column says "cache read" (Anthropic-style)' : 'no cache column';
  }
  return { index, inputIncludesCached, why };
}

const PROVIDER_VALUES: Record<string, Provider> = {
  anthropic: 'anthropic',
  openai: 'openai',
  google: 'google',
  gemini: 'google',
  vertex: 'google',
  deepseek: 'deepseek',
  xai: 'xai',
  moonshot: 'moonshot',
  zai: 'zai',
  'z.ai': 'zai',
  mistral: 'mistral',
};

function detectDelimiter(headerLine: string): string {
  const counts: Array<[string, number]> = [',', ';', '\t', '|'].map((d) => [d, headerLine.split(d).length - 1]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0]![1] > 0 ? counts[0]![0] : ',';
}

/**
 * csv-parse numbers lines counting a lone CR as a break; the reader (and
 * editors) split on LF only. Maps csv-parse's line `n` of `text` to the LF
 * line it is on (identity when the text has no lone CR).
 */
function lfLineOf(text: string): (n: number) => number {
  if (!/\r(?!\n)/.test(text)) return (n) => n;
  /** Per break csv-parse counts, in order: 1 for LF, 0 for a lone CR. */
  const breaks: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) breaks.push(1);
    else if (c === 13 && text.charCodeAt(i + 1) !== 10) breaks.push(0);
  }
  return (n) => {
    if (n <= 0) return n;
    let line = 1;
    for (let k = 0; k < n - 1 && k < breaks.length; k++) line += breaks[k] as number;
    return line;
  };
}

function createParser(ctx: ParseContext): LineParser {
  const doc = new DocumentBuffer();
  let firstLine: string | null = null;
  return {
    push(line, lineNo) {
      firstLine ??= line;
      doc.push(line, lineNo);
    },
    finish() {
      const out = new OutputBuilder('csv', ctx);
      if (doc.isEmpty || firstLine === null) return out.finish();
      const delimiter = detectDelimiter(firstLine);
      const decimalComma = delimiter === ';';
      const broken: Array<{ line: number; reason: string }> = [];
      const records = parse(doc.text(), {
        delimiter,
        // Lines are split on LF by the reader; a lone CR inside a row must not
        // start a new record (it would shift every later line number).
        record_delimiter: '\n',
        info: true,
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        skip_empty_lines: true,
        skip_records_with_error: true,
        on_skip: (err) => {
          const line = (err as { lines?: unknown } | undefined)?.lines;
          broken.push({ line: typeof line === 'number' ? line : 0, reason: err?.message ?? 'unreadable CSV record' });
          return undefined;
        },
      }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
      out.linesRead = records.length + broken.length;
      const lfLine = lfLineOf(doc.text());
      for (const b of broken) out.skip('invalid-csv', `unreadable CSV record: ${b.reason}`, lfLine(b.line));
      const header = records[0];
      if (!header) return out.finish();
      out.linesIgnored++; // the header record
      // csv-parse's info.lines is the line where a record ENDS and counts a lone
      // CR as a line break, though the reader (and editors) split on LF only.
      // A record's first line = its end line − breaks inside its fields −
      // lone CRs csv-parse counted in earlier records.
      const starts = new Map<{ record: string[]; info: { lines: number } }, number>();
      let loneCrBefore = 0;
      for (const r of records) {
        let breaks = 0;
        let loneCr = 0;
        for (const f of r.record) {
          breaks += f.match(/\r\n|\r|\n/g)?.length ?? 0;
          loneCr += f.match(/\r(?!\n)/g)?.length ?? 0;
        }
        starts.set(r, r.info.lines - breaks - loneCrBefore);
        loneCrBefore += loneCr;
      }
      const startLine = (r: { record: string[]; info: { lines: number } }): number => starts.get(r) ?? r.info.lines;
      const resolved = resolveColumns(header.record, ctx.columns);
      const rows = records.slice(1);
      if ('missing' in resolved) {
        for (const r of rows) out.skip('missing-column', `--columns maps to headers not in this file: ${resolved.missing.join(', ')}`, startLine(r));
        return out.finish();
      }
      const { index, inputIncludesCached, why } = resolved;
      if (index.input === undefined && index.output === undefined) {
        for (const r of rows) out.skip('unrecognised-columns', 'no input/output token column recognised', startLine(r));
        out.diag(
          'unrecognised-columns',
          'error',
          `no token columns recognised among headers: ${preview(header.record.join(', '), 200)}; map them with --columns (e.g. input=…,output=…)`,
          startLine(header),
        );
        return out.finish();
      }
      const mapped = ROLES.filter((r) => index[r] !== undefined).map((r) => `${r}=${header.record[index[r] as number]}`);
      out.diag('csv-columns', 'info', `columns: ${mapped.join(', ')}; input ${inputIncludesCached ? 'includes' : 'excludes'} cached tokens (${why})`, startLine(header), {
        inputIncludesCached,
      });
      const fileSession = sessionIdFromFile(ctx);
      const sessions = new Map<string, string | null>();
      let badTimestamps = 0;
      let firstBadTimestamp = 0;
      let missingModels = 0;

      rowLoop: for (const r of rows) {
        const line = startLine(r);
        const cell = (role: Role): string => (index[role] !== undefined ? (r.record[index[role] as number] ?? '').trim() : '');
        if (r.record.every((f) => f.trim().length === 0)) {
          out.linesIgnored++;
          continue;
        }
        const tokens: Partial<Record<Role, number>> = {};
        for (const role of ['input', 'output', 'cacheRead', 'cacheWrite', 'cacheWrite5m', 'cacheWrite1h', 'reasoning'] as const) {
          if (index[role] === undefined) continue;
          const raw = cell(role);
          const n = parseNumberCell(raw, decimalComma);
          const name = header.record[index[role] as number];
          if (!n.ok) {
            out.skip('invalid-number', `${name}: ${n.reason}`, line);
            continue rowLoop;
          }
          const v = n.value ?? 0;
          if (!Number.isInteger(v)) {
            out.skip('invalid-number', `${name}: "${preview(raw, 40)}" is not a whole number of tokens`, line);
            continue rowLoop;
          }
          if (v > MAX_TOKEN_COUNT) {
            out.skip('invalid-number', `${name}: "${preview(raw, 40)}" is implausibly large`, line);
            continue rowLoop;
          }
          tokens[role] = v;
        }
        let costUsd: number | null = null;
        if (index.cost !== undefined) {
          const c = parseNumberCell(cell('cost'), decimalComma);
          if (!c.ok) {
            out.skip('invalid-number', `${header.record[index.cost]}: ${c.reason}`, line);
            continue;
          }
          if (c.value !== null && c.value > 1e9) {
            out.skip('invalid-number', `${header.record[index.cost]}: "${cell('cost')}" is implausibly large`, line);
            continue;
          }
          costUsd = c.value;
        }
        const read = tokens.cacheRead ?? 0;
        let input = tokens.input ?? 0;
        if (inputIncludesCached) {
          if (read > input) {
            out.skip('inconsistent-usage', `cached tokens (${read}) exceed input tokens (${input}) although input includes cached tokens`, line);
            continue;
          }
          input -= read;
        }
        const hasSplit = index.cacheWrite5m !== undefined || index.cacheWrite1h !== undefined;
        const w5 = hasSplit ? (tokens.cacheWrite5m ?? 0) : (tokens.cacheWrite ?? 0);
        const w1 = hasSplit ? (tokens.cacheWrite1h ?? 0) : 0;
        const output = tokens.output ?? 0;
        if (input + read + w5 + w1 + output === 0 && !costUsd) {
          out.linesIgnored++;
          continue;
        }
        const rawTime = cell('timestamp');
        const timestampMs = rawTime ? parseTimestampMs(rawTime) : null;
        if (rawTime && timestampMs === null && badTimestamps++ === 0) firstBadTimestamp = line;
        let model = cell('model');
        if (!model) {
          model = 'unknown';
          missingModels++;
        }
        const sessionId = cell('session') || fileSession;
        const project = cell('project') || null;
        if (!sessions.has(sessionId)) sessions.set(sessionId, project);
        const requestId = cell('requestId') || null;
        const turn = makeRawTurn(ctx, {
          usage: {
            inputTokens: input,
            cacheWrite5mTokens: w5,
            cacheWrite1hTokens: w1,
            cacheReadTokens: read,
            outputTokens: output,
            reasoningOutputTokens: index.reasoning !== undefined ? (tokens.reasoning ?? 0) : null,
            isCacheSplitKnown: hasSplit || w5 === 0,
          },
          model,
          timestampMs,
          sessionId,
          project,
          dedupeKey: requestId,
          reportedCostUsd: costUsd,
          line,
        });
        if (turn.provider === 'unknown') {
          const p = PROVIDER_VALUES[cell('provider').toLowerCase()];
          if (p) turn.provider = p;
        }
        out.turns.push(turn);
        out.linesCounted++;
      }
      if (badTimestamps > 0) {
        out.diag('invalid-timestamp', 'warning', `${badTimestamps} row(s) have an unreadable timestamp; counted without a time`, firstBadTimestamp);
      }
      if (missingModels > 0) {
        out.diag('missing-model', 'warning', `${missingModels} row(s) have no model; counted as model "unknown"`, 0);
      }
      for (const [sessionId, project] of [...sessions].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
        out.sessionInfo.push({ sessionId, project, taskFingerprint: null });
      }
      return out.finish();
    },
  };
}

/** A header line with a model column and at least one token column. */
function detect(fileName: string, head: string): number {
  const firstLine = head.replace(/^\uFEFF/, '').split('\n', 1)[0]?.replace(/\r$/, '') ?? '';
  if (firstLine.trimStart().startsWith('{') || firstLine.trimStart().startsWith('[')) return 0;
  const delimiter = detectDelimiter(firstLine);
  const headers = firstLine.split(delimiter).map((h) => normalizeHeader(h.replace(/^"|"$/g, '')));
  if (headers.length < 2) return 0;
  const has = (role: Role): boolean => headers.some((h) => HEADER_ALIASES[role].includes(h));
  const tokenColumns = (['input', 'output', 'cacheRead', 'cacheWrite5m'] as const).filter(has).length;
  const isCsvName = /\.(csv|tsv)$/i.test(fileName);
  if (tokenColumns >= 1 && has('model')) return isCsvName ? 0.95 : 0.85;
  if (tokenColumns >= 1) return isCsvName ? 0.7 : 0.5;
  return isCsvName ? 0.3 : 0;
}

export const csvFormat: InputFormat = {
  id: 'csv',
  description: 'usage CSV exports (Anthropic Console, OpenAI usage, generic; --columns for a hand mapping)',
  detect,
  createParser,
};
