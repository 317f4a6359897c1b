import type { ModelPrice, PriceTable } from '../model/pricing.js';

/**
 * How a logged model string maps to a price row.
 * - `exact`: the string is a row id.
 * - `alias`: the string is one of the row's aliases.
 * - `normalized`: equal after normalization (case, provider prefixes, Bedrock/Vertex
 *   decorations, `[1m]`, `-latest`, `@`, dots vs dashes).
 * - `prefix`: the normalized string is a row id/alias followed by a release date
 *   (`-20250929`, `-2024-08-06`, `-0709`), and nothing else.
 */
export type ModelResolution =
  | { kind: 'known'; price: ModelPrice; matchedBy: 'exact' | 'alias' | 'normalized' | 'prefix' }
  | { kind: 'unknown'; model: string };

export interface PriceResolver {
  resolve(model: string): ModelResolution;
  table: PriceTable;
}

/**
 * Canonical comparison form of a model id. Never maps one model to another:
 * it only removes decorations that do not change the model.
 */
export function normalizeModelId(model: string): string {
  let s = model.trim().toLowerCase();
  // Context-window selectors: `claude-sonnet-4-5[1m]` (Claude Code).
  s = s.replace(/\[[^\]]*\]\s*$/, '');
  // Routing prefixes: `anthropic/`, `openrouter/anthropic/`, `bedrock/`, `vertex_ai/`, `models/`, `gemini/`.
  const slash = s.lastIndexOf('/');
  if (slash >= 0) s = s.slice(slash + 1);
  // Bedrock ids: `us.anthropic.claude-…-v1:0`, `global.anthropic.…`, `anthropic.claude-…`.
  const bedrock = /^(?:[a-z]{2,6}\.)?(?:anthropic|deepseek|moonshotai|moonshot|xai|openai|zai)\./;
  const isBedrock = bedrock.test(s);
  s = s.replace(bedrock, '');
  // Bedrock model version: `-v1:0`, `-v2:0`, and (newer Bedrock ids only) a bare `-v1`.
  s = s.replace(isBedrock ? /-v\d+(?::\d+)?$/ : /-v\d+:\d+$/, '');
  // Vertex version separator: `claude-opus-4-1@20250805`.
  s = s.replace(/@/g, '-');
  // Remaining `:tag` decorations (OpenRouter `:free`, `:beta`); Bedrock `:0` already gone.
  s = s.replace(/:[a-z0-9_.-]*$/, '');
  // Dots vs dashes between version digits: `claude-opus-4.1` = `claude-opus-4-1`, `gpt-5.1` = `gpt-5-1`.
  s = s.replace(/(\d)\.(?=\d)/g, '$1-');
  s = s.replace(/[._]/g, '-');
  s = s.replace(/-latest$/, '');
  return s;
}

// A release-date suffix: YYYYMMDD, YYYY-MM-DD, MMDD or MM-DD (the last two only with plausible month/day).
const MONTH = '(?:0[1-9]|1[0-2])';
const DAY = '(?:0[1-9]|[12]\\d|3[01])';
const DATE_SUFFIX = new RegExp(`^(.+?)-(?:20\\d{2}${MONTH}${DAY}|20\\d{2}-${MONTH}-${DAY}|${MONTH}${DAY}|${MONTH}-${DAY})$`);

/** Builds the lookup index; rows later in the table win on conflicting keys (merged overrides come last). */
export function createPriceResolver(table: PriceTable): PriceResolver {
  const byId = new Map<string, ModelPrice>();
  const byAlias = new Map<string, ModelPrice>();
  const byNormalized = new Map<string, ModelPrice>();
  for (const row of table.models) {
    byId.set(row.id, row);
    for (const alias of row.aliases) byAlias.set(alias, row);
  }
  // Ids take precedence over aliases in the normalized index.
  for (const row of table.models) for (const alias of row.aliases) byNormalized.set(normalizeModelId(alias), row);
  for (const row of table.models) byNormalized.set(normalizeModelId(row.id), row);

  const memo = new Map<string, ModelResolution>();

  function lookup(model: string): ModelResolution {
    const exact = byId.get(model);
    if (exact) return { kind: 'known', price: exact, matchedBy: 'exact' };
    const alias = byAlias.get(model);
    if (alias) return { kind: 'known', price: alias, matchedBy: 'alias' };
    const norm = normalizeModelId(model);
    if (norm.length === 0) return { kind: 'unknown', model };
    const normalized = byNormalized.get(norm);
    if (normalized) return { kind: 'known', price: normalized, matchedBy: 'normalized' };
    // Strip release dates one at a time (`…-20250929`, then nothing else): only a
    // date may follow a known id, so `gpt-5` never swallows `gpt-5-mini` and
    // `claude-opus-4` never swallows `claude-opus-4-5`.
    let rest = norm;
    for (let i = 0; i < 2; i++) {
      const m = DATE_SUFFIX.exec(rest);
      if (!m?.[1]) break;
      rest = m[1];
      const hit = byNormalized.get(rest);
      if (hit) return { kind: 'known', price: hit, matchedBy: 'prefix' };
    }
    return { kind: 'unknown', model };
  }

  return {
    table,
    resolve(model: string): ModelResolution {
      let r = memo.get(model);
      if (!r) {
        r = lookup(model);
        memo.set(model, r);
      }
      return r;
    },
  };
}

function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/** The row ids closest to `model` (edit distance on normalized forms), best first; for "did you mean". */
export function suggestModelIds(table: PriceTable, model: string, limit = 3): string[] {
  const q = normalizeModelId(model);
  const scored = table.models.map((row) => {
    const keys = [row.id, ...row.aliases].map(normalizeModelId);
    // A known id that the query extends (`gemini-2-5-flash` in `gemini-2-5-flash-preview-05-20`) is a strong hint.
    const d = Math.min(...keys.map((k) => (q.startsWith(`${k}-`) ? 1 : editDistance(q, k))));
    return { id: row.id, d };
  });
  scored.sort((x, y) => x.d - y.d || x.id.localeCompare(y.id));
  const maxDistance = Math.max(3, Math.ceil(q.length / 2));
  return scored.filter((s) => s.d <= maxDistance).slice(0, limit).map((s) => s.id);
}
