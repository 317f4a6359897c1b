import type { ModelPrice, PriceRates, PriceTable } from '../model/pricing.js';
import type { Provider } from '../model/usage.js';
import { isLiteLlmChatRow, liteLlmRowToModelPrice } from './price-table.js';
import { createPriceResolver, normalizeModelId } from './resolve.js';

/**
 * Known-bad upstream (LiteLLM) rows, corrected by hand after every update.
 * Each correction says why; test/price/update-snapshot.test.ts and
 * test/price/snapshot.test.ts check that they hold.
 */
export const HAND_CORRECTIONS: ReadonlyArray<{ id: string; why: string; apply: (row: ModelPrice) => ModelPrice }> = [
  {
    id: 'claude-3-haiku',
    // LiteLLM lists cache_creation_input_token_cost_above_1hr = 6e-06 ($6/MTok) for a $0.25 model.
    why: 'LiteLLM 1h write $6/MTok -> $0.50 (Anthropic pricing [A1][A3]); 5m write $0.30 and read $0.03 are documented exceptions to the multipliers',
    apply: (r) => ({ ...r, cacheWrite5mUsdPerMTok: 0.3, cacheWrite1hUsdPerMTok: 0.5, cacheReadUsdPerMTok: 0.03 }),
  },
  {
    id: 'claude-3-opus',
    // LiteLLM lists the 1h write as $6/MTok; Opus 3 input is $15, so 2x = $30.
    why: 'LiteLLM 1h write $6/MTok -> $30 (2x $15 input [A1][A3])',
    apply: (r) => ({ ...r, cacheWrite1hUsdPerMTok: r.inputUsdPerMTok * 2 }),
  },
  {
    id: 'grok-4',
    // LiteLLM xai/grok-4 has no cache_read_input_token_cost, which would price hits at full input.
    why: 'LiteLLM has no cache price for xai/grok-4 -> $0.75 cached input (xAI docs [X1])',
    apply: (r) => ({ ...r, cacheReadUsdPerMTok: 0.75 }),
  },
];

/** LiteLLM provider slugs whose chat models the snapshot covers. */
const COVERED_PROVIDERS: ReadonlySet<Provider> = new Set(['anthropic', 'openai', 'google', 'deepseek', 'xai', 'moonshot', 'zai']);
const COVERED_SLUGS = new Set(['anthropic', 'openai', 'gemini', 'deepseek', 'xai', 'moonshot', 'zai', 'zhipuai']);
/** Not chat/coding models, or priced per modality we do not model. */
const SKIP_NAME = /(^ft:|audio|realtime|search|tts|transcribe|image|embedding|moderation|dall-e|whisper|-live|computer-use|deep-research)/;

const RATE_KEYS: ReadonlyArray<keyof PriceRates> = ['inputUsdPerMTok', 'outputUsdPerMTok', 'cacheWrite5mUsdPerMTok', 'cacheWrite1hUsdPerMTok', 'cacheReadUsdPerMTok'];

export interface SnapshotUpdate {
  table: PriceTable;
  /** Human lines: changed fields, rows LiteLLM lacks, candidates for new rows. */
  report: string[];
}

function describeRates(r: PriceRates): string {
  return RATE_KEYS.map((k) => r[k]).join('/');
}

/**
 * Refreshes the curated snapshot from a LiteLLM `model_prices_and_context_window.json`:
 * per row, the five rates, tiers, context and max output come from LiteLLM;
 * cache rules (kind, TTL, minimum, increment, storage), aliases, notes and
 * sources stay curated; then HAND_CORRECTIONS apply. LiteLLM chat models of the
 * covered providers that match no row are reported, and added (with provider
 * default cache rules) only when `addNew` is set.
 */
export function updateSnapshot(current: PriceTable, litellm: unknown, options: { asOf: string; addNew: boolean }): SnapshotUpdate | { errors: string[] } {
  if (typeof litellm !== 'object' || litellm === null || Array.isArray(litellm)) return { errors: ['expected a LiteLLM JSON object (model -> row)'] };
  const upstream: ModelPrice[] = [];
  for (const [key, row] of Object.entries(litellm as Record<string, unknown>)) {
    if (key === 'sample_spec' || !isLiteLlmChatRow(row)) continue;
    const slug = typeof row['litellm_provider'] === 'string' ? row['litellm_provider'] : '';
    if (!COVERED_SLUGS.has(slug)) continue;
    upstream.push(liteLlmRowToModelPrice(key, row, 'LiteLLM'));
  }
  if (upstream.length === 0) return { errors: ['no chat model of a covered provider in the file (is it model_prices_and_context_window.json?)'] };

  // Index upstream by normalized key; bare keys win over `provider/` keys.
  const upstreamByNorm = new Map<string, ModelPrice>();
  for (const u of upstream) {
    const norm = normalizeModelId(u.id);
    const seen = upstreamByNorm.get(norm);
    if (!seen || (seen.id.includes('/') && !u.id.includes('/'))) upstreamByNorm.set(norm, u);
  }

  const report: string[] = [];
  const used = new Set<ModelPrice>();
  const rows = current.models.map((row) => {
    const match = [row.id, ...row.aliases].map((k) => upstreamByNorm.get(normalizeModelId(k))).find((u) => u !== undefined);
    if (!match) {
      report.push(`kept   ${row.id}: not in the LiteLLM file`);
      return row;
    }
    used.add(match);
    let next: ModelPrice = {
      ...row,
      ...Object.fromEntries(RATE_KEYS.map((k) => [k, match[k]])),
      tiers: match.tiers,
      contextWindowTokens: match.contextWindowTokens > 0 ? match.contextWindowTokens : row.contextWindowTokens,
      maxOutputTokens: match.maxOutputTokens ?? row.maxOutputTokens,
    };
    if (row.cacheKind === 'none') next = { ...next, cacheReadUsdPerMTok: next.inputUsdPerMTok };
    const correction = HAND_CORRECTIONS.find((c) => c.id === row.id);
    if (correction) next = correction.apply(next);
    const changes: string[] = [];
    if (describeRates(row) !== describeRates(next)) changes.push(`rates ${describeRates(row)} -> ${describeRates(next)}`);
    if (JSON.stringify(row.tiers) !== JSON.stringify(next.tiers)) changes.push(`tiers ${row.tiers.map((t) => `>${t.aboveInputTokens} ${describeRates(t)}`).join(', ') || 'none'} -> ${next.tiers.map((t) => `>${t.aboveInputTokens} ${describeRates(t)}`).join(', ') || 'none'}`);
    if (row.contextWindowTokens !== next.contextWindowTokens) changes.push(`context ${row.contextWindowTokens} -> ${next.contextWindowTokens}`);
    if (row.maxOutputTokens !== next.maxOutputTokens) changes.push(`max output ${row.maxOutputTokens} -> ${next.maxOutputTokens}`);
    if (changes.length > 0) report.push(`update ${row.id} (from ${match.id}): ${changes.join('; ')}`);
    if (correction) report.push(`fix    ${row.id}: ${correction.why}`);
    return next;
  });

  // Upstream models that no curated row covers (dated ids of a known row are covered).
  const resolver = createPriceResolver({ ...current, models: rows });
  const added: ModelPrice[] = [];
  for (const u of new Set(upstreamByNorm.values())) {
    if (used.has(u) || !COVERED_PROVIDERS.has(u.provider) || SKIP_NAME.test(u.id)) continue;
    if (resolver.resolve(u.id).kind === 'known') continue;
    const bare = u.id.slice(u.id.lastIndexOf('/') + 1);
    if (options.addNew) {
      added.push({ ...u, id: bare, aliases: bare === u.id ? [] : [u.id], source: '[L1] (update-prices)', notes: 'Added from LiteLLM by update-prices; cache rules are the provider defaults, not curated.' });
      report.push(`add    ${bare}`);
    } else report.push(`new?   ${u.id} (${u.provider}): not in the snapshot; rerun with --add-new to add it`);
  }
  return { table: { asOf: options.asOf, source: current.source, models: [...rows, ...added] }, report };
}
