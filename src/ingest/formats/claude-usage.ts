/**
 * Anthropic `message.usage` as written by Claude Code and `claude -p` stream-json.
 * `input_tokens` excludes the cache fields; `cache_creation.ephemeral_5m/1h_input_tokens`
 * is the truth for the write split when present, otherwise every write is
 * attributed to the 5-minute bucket and `isCacheSplitKnown` is false.
 */
import { checkTokens, isRecord, type Read, type UsageCounts } from './parse-helpers.js';

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

export function readClaudeUsage(u: unknown): Read<ClaudeUsageRead> {
  if (!isRecord(u)) return { ok: false, reason: `usage is ${describeValue(u)}, not an object` };
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
    if (a.value + b.value !== write.value) {
      warning = `cache_creation_input_tokens (${write.value}) differs from the 5m + 1h split (${a.value} + ${b.value}); the split was used`;
    }
  } else if (cc !== undefined && cc !== null && !isRecord(cc)) {
    return { ok: false, reason: `cache_creation is ${describeValue(cc)}, not an object` };
  }
  return {
    ok: true,
    value: {
      usage: {
        inputTokens: input.value,
        cacheWrite5mTokens: w5,
        cacheWrite1hTokens: w1h,
        cacheReadTokens: read.value,
        outputTokens: output.value,
        reasoningOutputTokens: null,
        isCacheSplitKnown: known,
      },
      warning,
    },
  };
}
