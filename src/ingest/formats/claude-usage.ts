/**
 * Anthropic `message.usage` as written by Claude Code and `claude -p` stream-json.
 * `input_tokens` excludes the cache fields; `cache_creation.ephemeral_5m/1h_input_tokens`
 * is the truth for the write split when present, otherwise every write is
 * attributed to the 5-minute bucket and `isCacheSplitKnown` is false.
 */
import { MAX_TOKEN_COUNT, checkTokens, isRecord, type Read, type UsageCounts } from './parse-helpers.js';

export interface ClaudeUsageRead {
  usage: UsageCounts;
  /** Set when cache_creation_input_tokens disagrees with the 5m + 1h split. */
  warning: string | null;
}

/** A short description of a JSON value for a diagnostic; never recurses (values may be 10,000 levels deep). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return String(value);
}

/** checkTokens for my formats: objects described without JSON.stringify, -0 (valid JSON) normalised to 0. */
export function tokens(value: unknown, field: string): Read<number> {
  if (typeof value === 'object' && value !== null) return { ok: false, reason: `${field} is ${describeValue(value)}, not a number` };
  if (typeof value === 'string') return { ok: false, reason: `${field} is ${describeValue(value)}, not a number` };
  const r = checkTokens(value, field);
  return r.ok ? { ok: true, value: r.value + 0 } : r;
}

function required(u: Record<string, unknown>, field: string): Read<number> {
  if (!(field in u)) return { ok: false, reason: `${field} is missing` };
  return tokens(u[field], field);
}

/** A count `tokens` accepts as it is: a non-negative integer not above MAX_TOKEN_COUNT (-0 is read as 0). */
function plainCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_TOKEN_COUNT;
}

/** A count field that is absent, null or plain: `tokens` reads it without a reason to give. */
function easyCount(v: unknown): boolean {
  return v === undefined || v === null || plainCount(v);
}

export function readClaudeUsage(u: unknown): Read<ClaudeUsageRead> {
  if (!isRecord(u)) return { ok: false, reason: `usage is ${describeValue(u)}, not an object` };
  // The usual usage object (every count a plain integer, the split an object
  // of plain counts): the same result as the checks below, without a result
  // object per field. Anything else takes the checks, which give the reasons.
  const cc = u['cache_creation'];
  const input = u['input_tokens'];
  const output = u['output_tokens'];
  const write = u['cache_creation_input_tokens'];
  const read = u['cache_read_input_tokens'];
  if (plainCount(input) && plainCount(output) && easyCount(write) && easyCount(read)) {
    const w = plainCount(write) ? write + 0 : 0;
    const r = plainCount(read) ? read + 0 : 0;
    if (cc === undefined || cc === null) return usageRead(input + 0, output + 0, w, 0, r, w === 0, null);
    if (isRecord(cc)) {
      const e5 = cc['ephemeral_5m_input_tokens'];
      const e1 = cc['ephemeral_1h_input_tokens'];
      if (typeof e5 !== 'number' && typeof e1 !== 'number') return usageRead(input + 0, output + 0, w, 0, r, w === 0, null);
      if (easyCount(e5) && easyCount(e1)) {
        const a = plainCount(e5) ? e5 + 0 : 0;
        const b = plainCount(e1) ? e1 + 0 : 0;
        const warning = a + b !== w ? splitWarning(w, a, b) : null;
        return usageRead(input + 0, output + 0, a, b, r, true, warning);
      }
    }
  }
  return readClaudeUsageChecked(u);
}

function splitWarning(write: number, a: number, b: number): string {
  return `cache_creation_input_tokens (${write}) differs from the 5m + 1h split (${a} + ${b}); the split was used`;
}

function usageRead(input: number, output: number, w5: number, w1h: number, read: number, known: boolean, warning: string | null): Read<ClaudeUsageRead> {
  return {
    ok: true,
    value: {
      usage: {
        inputTokens: input,
        cacheWrite5mTokens: w5,
        cacheWrite1hTokens: w1h,
        cacheReadTokens: read,
        outputTokens: output,
        reasoningOutputTokens: null,
        isCacheSplitKnown: known,
      },
      warning,
    },
  };
}

/** readClaudeUsage field by field, with the reason of the first field rejected. */
export function readClaudeUsageChecked(u: Record<string, unknown>): Read<ClaudeUsageRead> {
  const input = required(u, 'input_tokens');
  if (!input.ok) return input;
  const output = required(u, 'output_tokens');
  if (!output.ok) return output;
  const write = tokens(u['cache_creation_input_tokens'], 'cache_creation_input_tokens');
  if (!write.ok) return write;
  const read = tokens(u['cache_read_input_tokens'], 'cache_read_input_tokens');
  if (!read.ok) return read;
  const cc = u['cache_creation'];
  let w5 = write.value;
  let w1h = 0;
  let known = write.value === 0;
  let warning: string | null = null;
  if (isRecord(cc) && (typeof cc['ephemeral_5m_input_tokens'] === 'number' || typeof cc['ephemeral_1h_input_tokens'] === 'number')) {
    const a = tokens(cc['ephemeral_5m_input_tokens'], 'cache_creation.ephemeral_5m_input_tokens');
    if (!a.ok) return a;
    const b = tokens(cc['ephemeral_1h_input_tokens'], 'cache_creation.ephemeral_1h_input_tokens');
    if (!b.ok) return b;
    w5 = a.value;
    w1h = b.value;
    known = true;
    if (a.value + b.value !== write.value) warning = splitWarning(write.value, a.value, b.value);
  } else if (cc !== undefined && cc !== null && !isRecord(cc)) {
    return { ok: false, reason: `cache_creation is ${describeValue(cc)}, not an object` };
  }
  return usageRead(input.value, output.value, w5, w1h, read.value, known, warning);
}
