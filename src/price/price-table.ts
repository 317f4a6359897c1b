import type { ModelPrice, PriceRates, PriceTable, PriceTier } from '../model/pricing.js';
import type { Provider } from '../model/usage.js';
import { providerOfModel } from '../normalize/provider.js';
import { isCacheKind, isProvider, PROVIDER_CACHE_DEFAULTS } from './provider-defaults.js';
import { normalizeModelId } from './resolve.js';

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isRate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Per-token USD (LiteLLM) to USD per MTok, without float noise (3e-6 * 1e6 = 3.0000000000000004). */
function perMTok(perToken: number): number {
  return Math.round(perToken * 1e6 * 1e9) / 1e9;
}

// ---------------------------------------------------------------------------
// Our schema

const RATE_FIELDS: ReadonlyArray<keyof PriceRates> = [
  'inputUsdPerMTok',
  'outputUsdPerMTok',
  'cacheWrite5mUsdPerMTok',
  'cacheWrite1hUsdPerMTok',
  'cacheReadUsdPerMTok',
];

/**
 * Reads one row of our schema. `id`, `inputUsdPerMTok` and `outputUsdPerMTok`
 * are required; missing cache prices mean "no write fee" / "no cache discount",
 * missing behaviour fields take the provider family's defaults.
 */
function parseOurRow(raw: unknown, where: string, sourceName: string, errors: string[]): ModelPrice | null {
  if (!isObject(raw)) {
    errors.push(`${where}: expected an object`);
    return null;
  }
  const id = raw['id'];
  if (typeof id !== 'string' || id.trim() === '') {
    errors.push(`${where}: "id" must be a non-empty string`);
    return null;
  }
  const at = `${where} (${id})`;
  const before = errors.length;
  const provider: Provider = raw['provider'] === undefined ? providerOfModel(id) : isProvider(raw['provider']) ? raw['provider'] : 'unknown';
  if (raw['provider'] !== undefined && !isProvider(raw['provider'])) errors.push(`${at}: unknown provider ${JSON.stringify(raw['provider'])}`);
  const d = PROVIDER_CACHE_DEFAULTS[provider];
  const num = (key: string, fallback: number | null): number => {
    const v = raw[key];
    if (v === undefined && fallback !== null) return fallback;
    if (!isRate(v)) {
      errors.push(`${at}: "${key}" must be a non-negative number`);
      return 0;
    }
    return v;
  };
  const inputUsdPerMTok = num('inputUsdPerMTok', null);
  const outputUsdPerMTok = num('outputUsdPerMTok', null);
  const cacheWrite5mUsdPerMTok = num('cacheWrite5mUsdPerMTok', inputUsdPerMTok);
  const cacheWrite1hUsdPerMTok = num('cacheWrite1hUsdPerMTok', cacheWrite5mUsdPerMTok);
  const cacheReadUsdPerMTok = num('cacheReadUsdPerMTok', inputUsdPerMTok);
  const tiers: PriceTier[] = [];
  const rawTiers = raw['tiers'] ?? [];
  if (!Array.isArray(rawTiers)) errors.push(`${at}: "tiers" must be an array`);
  else {
    rawTiers.forEach((t: unknown, i) => {
      if (!isObject(t) || !isRate(t['aboveInputTokens']) || !RATE_FIELDS.every((f) => isRate(t[f]))) {
        errors.push(`${at}: tiers[${i}] needs aboveInputTokens and the five rates as non-negative numbers`);
        return;
      }
      tiers.push({
        aboveInputTokens: t['aboveInputTokens'] as number,
        inputUsdPerMTok: t['inputUsdPerMTok'] as number,
        outputUsdPerMTok: t['outputUsdPerMTok'] as number,
        cacheWrite5mUsdPerMTok: t['cacheWrite5mUsdPerMTok'] as number,
        cacheWrite1hUsdPerMTok: t['cacheWrite1hUsdPerMTok'] as number,
        cacheReadUsdPerMTok: t['cacheReadUsdPerMTok'] as number,
      });
    });
    for (let i = 1; i < tiers.length; i++) {
      if (tiers[i]!.aboveInputTokens <= tiers[i - 1]!.aboveInputTokens) errors.push(`${at}: tiers must be ascending by aboveInputTokens`);
    }
  }
  const aliases = raw['aliases'] ?? [];
  if (!Array.isArray(aliases) || !aliases.every((a) => typeof a === 'string')) errors.push(`${at}: "aliases" must be an array of strings`);
  const cacheKind = raw['cacheKind'] ?? d.cacheKind;
  if (!isCacheKind(cacheKind)) errors.push(`${at}: unknown cacheKind ${JSON.stringify(cacheKind)}`);
  const maxOut = raw['maxOutputTokens'];
  if (maxOut !== undefined && maxOut !== null && !isRate(maxOut)) errors.push(`${at}: "maxOutputTokens" must be a number or null`);
  const storage = raw['storageUsdPerMTokHour'];
  if (storage !== undefined && storage !== null && !isRate(storage)) errors.push(`${at}: "storageUsdPerMTokHour" must be a number or null`);
  const notes = raw['notes'];
  const source = raw['source'];
  const row: ModelPrice = {
    id,
    provider,
    aliases: Array.isArray(aliases) ? aliases.filter((a): a is string => typeof a === 'string') : [],
    inputUsdPerMTok,
    outputUsdPerMTok,
    cacheWrite5mUsdPerMTok,
    cacheWrite1hUsdPerMTok,
    cacheReadUsdPerMTok,
    tiers,
    minCacheableTokens: num('minCacheableTokens', d.minCacheableTokens),
    cacheIncrementTokens: Math.max(1, num('cacheIncrementTokens', d.cacheIncrementTokens)),
    contextWindowTokens: num('contextWindowTokens', 0),
    maxOutputTokens: typeof maxOut === 'number' ? maxOut : null,
    cacheKind: isCacheKind(cacheKind) ? cacheKind : d.cacheKind,
    defaultTtlSeconds: num('defaultTtlSeconds', d.defaultTtlSeconds),
    storageUsdPerMTokHour: typeof storage === 'number' ? storage : null,
    source: typeof source === 'string' && source !== '' ? source : sourceName,
    notes: typeof notes === 'string' ? notes : null,
  };
  return errors.length === before ? row : null;
}

// ---------------------------------------------------------------------------
// LiteLLM `model_prices_and_context_window.json`

const LITELLM_PROVIDERS: Record<string, Provider> = {
  anthropic: 'anthropic',
  openai: 'openai',
  'text-completion-openai': 'openai',
  gemini: 'google',
  'vertex_ai-language-models': 'google',
  deepseek: 'deepseek',
  xai: 'xai',
  moonshot: 'moonshot',
  zai: 'zai',
  zhipuai: 'zai',
  mistral: 'mistral',
  codestral: 'mistral',
};

const CHAT_MODES = new Set(['chat', 'responses', 'completion']);

/** True for LiteLLM rows that are chat/responses models with token prices. */
export function isLiteLlmChatRow(row: unknown): row is Json {
  if (!isObject(row)) return false;
  const mode = row['mode'];
  if (mode !== undefined && (typeof mode !== 'string' || !CHAT_MODES.has(mode))) return false;
  return isRate(row['input_cost_per_token']) && isRate(row['output_cost_per_token']);
}

/**
 * Converts one LiteLLM row (USD per token) to our schema (USD per MTok).
 * `cache_creation_input_token_cost_above_1hr` is the 1-HOUR write price despite
 * its name. Tier prices LiteLLM leaves out are scaled from the base row by the
 * tier's input ratio (Anthropic's multipliers stack on long-context pricing [A1]).
 */
export function liteLlmRowToModelPrice(key: string, row: Json, sourceName: string): ModelPrice {
  const litellmProvider = typeof row['litellm_provider'] === 'string' ? row['litellm_provider'] : '';
  const provider = LITELLM_PROVIDERS[litellmProvider] ?? providerOfModel(key);
  const d = PROVIDER_CACHE_DEFAULTS[provider];
  const get = (k: string): number | null => (isRate(row[k]) ? perMTok(row[k] as number) : null);
  const input = perMTok(row['input_cost_per_token'] as number);
  const output = perMTok(row['output_cost_per_token'] as number);
  const read = get('cache_read_input_token_cost') ?? get('input_cost_per_token_cache_hit');
  const w5 = get('cache_creation_input_token_cost');
  const w1 = get('cache_creation_input_token_cost_above_1hr');
  const hasCache = read !== null || row['supports_prompt_caching'] === true;
  const cacheWrite5m = w5 ?? input * d.write5mMultiplier;
  const cacheWrite1h = w1 ?? (w5 !== null && d.write1hMultiplier === 1 ? w5 : input * d.write1hMultiplier);
  const cacheRead = read ?? input;

  const thresholds = new Set<number>();
  for (const k of Object.keys(row)) {
    const m = /^input_cost_per_token_above_(\d+)k_tokens$/.exec(k);
    if (m?.[1] && isRate(row[k])) thresholds.add(Number(m[1]) * 1000);
  }
  const tiers: PriceTier[] = [...thresholds]
    .sort((a, b) => a - b)
    .map((above) => {
      const sfx = `above_${above / 1000}k_tokens`;
      const tIn = get(`input_cost_per_token_${sfx}`) ?? input;
      const scale = input > 0 ? tIn / input : 1;
      const scaled = (x: number): number => Math.round(x * scale * 1e9) / 1e9;
      return {
        aboveInputTokens: above,
        inputUsdPerMTok: tIn,
        outputUsdPerMTok: get(`output_cost_per_token_${sfx}`) ?? output,
        cacheWrite5mUsdPerMTok: get(`cache_creation_input_token_cost_${sfx}`) ?? scaled(cacheWrite5m),
        cacheWrite1hUsdPerMTok: get(`cache_creation_input_token_cost_above_1hr_${sfx}`) ?? scaled(cacheWrite1h),
        cacheReadUsdPerMTok: get(`cache_read_input_token_cost_${sfx}`) ?? scaled(cacheRead),
      };
    });
  const maxIn = row['max_input_tokens'] ?? row['max_tokens'];
  const maxOut = row['max_output_tokens'];
  const minTokens = row['prompt_cache_min_tokens'];
  return {
    id: key,
    provider,
    aliases: [],
    inputUsdPerMTok: input,
    outputUsdPerMTok: output,
    cacheWrite5mUsdPerMTok: cacheWrite5m,
    cacheWrite1hUsdPerMTok: cacheWrite1h,
    cacheReadUsdPerMTok: cacheRead,
    tiers,
    minCacheableTokens: isRate(minTokens) ? minTokens : hasCache ? d.minCacheableTokens : 0,
    cacheIncrementTokens: d.cacheIncrementTokens,
    contextWindowTokens: isRate(maxIn) ? maxIn : 0,
    maxOutputTokens: isRate(maxOut) ? maxOut : null,
    cacheKind: hasCache ? d.cacheKind : 'none',
    defaultTtlSeconds: hasCache ? d.defaultTtlSeconds : 0,
    storageUsdPerMTokHour: null,
    source: `${sourceName} (LiteLLM)`,
    notes: null,
  };
}

function parseLiteLlm(json: Json, sourceName: string): { table: PriceTable } | { errors: string[] } {
  // Several keys often name one model (`claude-sonnet-4-5`, `anthropic/claude-sonnet-4-5`,
  // `openrouter/anthropic/claude-sonnet-4.5`): keep one row per normalized id, preferring
  // the key without a routing prefix; the others become its aliases.
  const byNorm = new Map<string, ModelPrice>();
  for (const [key, row] of Object.entries(json)) {
    if (key === 'sample_spec' || !isLiteLlmChatRow(row)) continue;
    const price = liteLlmRowToModelPrice(key, row, sourceName);
    const norm = normalizeModelId(key);
    const existing = byNorm.get(norm);
    if (!existing) byNorm.set(norm, price);
    else if (existing.id.includes('/') && !key.includes('/')) byNorm.set(norm, { ...price, aliases: [existing.id, ...existing.aliases] });
    else existing.aliases.push(key);
  }
  if (byNorm.size === 0) return { errors: [`${sourceName}: no chat model with input_cost_per_token and output_cost_per_token`] };
  return { table: { asOf: 'unknown', source: sourceName, models: [...byNorm.values()] } };
}

/**
 * Reads a price file: OUR schema (`{asOf, source, models:[…]}`, USD per MTok)
 * or a LiteLLM-shaped object (model → row, USD per token), converted.
 */
export function parsePriceTable(json: unknown, sourceName: string): { table: PriceTable } | { errors: string[] } {
  if (!isObject(json)) return { errors: [`${sourceName}: expected a JSON object`] };
  if (!('models' in json)) return parseLiteLlm(json, sourceName);
  const errors: string[] = [];
  const models = json['models'];
  if (!Array.isArray(models)) return { errors: [`${sourceName}: "models" must be an array`] };
  const asOf = json['asOf'];
  if (asOf !== undefined && (typeof asOf !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(asOf))) errors.push(`${sourceName}: "asOf" must be a YYYY-MM-DD date`);
  const rows: ModelPrice[] = [];
  models.forEach((m: unknown, i) => {
    const row = parseOurRow(m, `${sourceName}: models[${i}]`, sourceName, errors);
    if (row) rows.push(row);
  });
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.has(row.id)) errors.push(`${sourceName}: duplicate model id "${row.id}"`);
    seen.add(row.id);
  }
  if (errors.length > 0) return { errors };
  const source = json['source'];
  return { table: { asOf: typeof asOf === 'string' ? asOf : 'unknown', source: typeof source === 'string' && source !== '' ? source : sourceName, models: rows } };
}

/**
 * Override rows win by id (and by normalized id/alias: a base row that an
 * override row would shadow is dropped, a base alias it claims is removed).
 * Override rows come last, so they also win in the resolver's indexes.
 */
export function mergePriceTables(base: PriceTable, override: PriceTable): PriceTable {
  const claimed = new Set<string>();
  for (const row of override.models) {
    claimed.add(normalizeModelId(row.id));
    for (const a of row.aliases) claimed.add(normalizeModelId(a));
  }
  const kept = base.models
    .filter((row) => !claimed.has(normalizeModelId(row.id)))
    .map((row) => {
      const aliases = row.aliases.filter((a) => !claimed.has(normalizeModelId(a)));
      return aliases.length === row.aliases.length ? row : { ...row, aliases };
    });
  if (override.models.length === 0) return base;
  return {
    asOf: base.asOf,
    source: `${base.source}; overridden by ${override.source}${override.asOf !== 'unknown' && override.asOf !== base.asOf ? ` (as of ${override.asOf})` : ''}`,
    models: [...kept, ...override.models],
  };
}

const SPEC_KEYS = ['model', 'input', 'output', 'cache-read', 'cache-write', 'cache-write-1h', 'provider', 'context', 'min-cache'] as const;
type SpecKey = (typeof SPEC_KEYS)[number];

/**
 * `--price "model=my-model,input=3,output=15,cache-read=0.3,cache-write=3.75[,cache-write-1h=6][,provider=anthropic][,context=200000][,min-cache=1024]"`,
 * prices in USD per MTok. Missing cache-write = input (no write fee); missing
 * cache-write-1h = 2x input for Anthropic, else cache-write; missing cache-read = input (no caching).
 */
export function parsePriceOverride(spec: string): ModelPrice | { error: string } {
  const fields = new Map<SpecKey, string>();
  for (const part of spec.split(',')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) return { error: `--price: expected key=value, got "${trimmed}"` };
    const key = trimmed.slice(0, eq).trim().toLowerCase();
    const value = trimmed.slice(eq + 1).trim();
    if (!(SPEC_KEYS as readonly string[]).includes(key)) return { error: `--price: unknown key "${key}" (expected ${SPEC_KEYS.join(', ')})` };
    if (fields.has(key as SpecKey)) return { error: `--price: "${key}" given twice` };
    fields.set(key as SpecKey, value);
  }
  const model = fields.get('model');
  if (!model) return { error: '--price: "model=<id>" is required' };
  const numbers = new Map<SpecKey, number>();
  for (const key of ['input', 'output', 'cache-read', 'cache-write', 'cache-write-1h', 'context', 'min-cache'] as const) {
    const v = fields.get(key);
    if (v === undefined) continue;
    const n = Number(v);
    if (v === '' || !Number.isFinite(n) || n < 0) return { error: `--price: "${key}" must be a non-negative number, got "${v}"` };
    if ((key === 'context' || key === 'min-cache') && !Number.isInteger(n)) return { error: `--price: "${key}" must be a whole number of tokens, got "${v}"` };
    numbers.set(key, n);
  }
  const input = numbers.get('input');
  const output = numbers.get('output');
  if (input === undefined || output === undefined) return { error: `--price: "input" and "output" (USD per MTok) are required for ${model}` };
  const providerText = fields.get('provider');
  if (providerText !== undefined && !isProvider(providerText)) return { error: `--price: unknown provider "${providerText}"` };
  const provider: Provider = providerText ?? providerOfModel(model);
  const d = PROVIDER_CACHE_DEFAULTS[provider];
  const cacheRead = numbers.get('cache-read');
  const cacheWrite5m = numbers.get('cache-write') ?? input;
  const cacheWrite1h = numbers.get('cache-write-1h') ?? (provider === 'anthropic' ? input * 2 : cacheWrite5m);
  const caches = cacheRead !== undefined || numbers.has('cache-write') || numbers.has('cache-write-1h');
  return {
    id: model,
    provider,
    aliases: [],
    inputUsdPerMTok: input,
    outputUsdPerMTok: output,
    cacheWrite5mUsdPerMTok: cacheWrite5m,
    cacheWrite1hUsdPerMTok: cacheWrite1h,
    cacheReadUsdPerMTok: cacheRead ?? input,
    tiers: [],
    minCacheableTokens: numbers.get('min-cache') ?? (caches ? d.minCacheableTokens : 0),
    cacheIncrementTokens: d.cacheIncrementTokens,
    contextWindowTokens: numbers.get('context') ?? 0,
    maxOutputTokens: null,
    cacheKind: caches ? d.cacheKind : 'none',
    defaultTtlSeconds: caches ? d.defaultTtlSeconds : 0,
    storageUsdPerMTokHour: null,
    source: '--price',
    notes: null,
  };
}

/** One line naming where a table's prices come from, for every report: "embedded snapshot as of … (source: …)". */
export function describePriceTable(table: PriceTable): string {
  return `embedded snapshot as of ${table.asOf} (source: ${table.source})`;
}
