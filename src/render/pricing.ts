import type { CacheKind, ModelPrice, PriceRates } from '../model/pricing.js';
import type { RenderOptions } from './options.js';
import { renderTable, type Cell } from './table.js';

/** USD per MTok: at least 2 decimals, up to 4 significant extra ($3.00, $0.075, $0.0028). */
export function formatRate(usdPerMTok: number): string {
  if (usdPerMTok === 0) return '0.00';
  let s = usdPerMTok.toFixed(4).replace(/0+$/, '');
  const decimals = s.split('.')[1]?.length ?? 0;
  if (decimals < 2) s = usdPerMTok.toFixed(2);
  return s;
}

/** 200000 -> 200K, 1000000 -> 1M, 1047576 -> 1.05M. */
export function formatTokenCount(tokens: number): string {
  if (tokens >= 1_000_000) return `${Number((tokens / 1_000_000).toFixed(2))}M`;
  if (tokens >= 100_000) return `${Math.round(tokens / 1_000)}K`;
  if (tokens >= 1_000) return `${Number((tokens / 1_000).toFixed(1))}K`;
  return String(tokens);
}

export function formatTtl(seconds: number): string {
  if (seconds <= 0) return '-';
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

const SHORT_KIND: Record<CacheKind, string> = {
  'explicit-breakpoints': 'explicit',
  'automatic-prefix': 'auto',
  'implicit+explicit-storage': 'implicit',
  disk: 'disk',
  none: 'none',
};

const PROVIDER_NAMES: Record<string, string> = {
  anthropic: 'Anthropic',
  openai: 'OpenAI',
  google: 'Google Gemini',
  deepseek: 'DeepSeek',
  xai: 'xAI',
  moonshot: 'Moonshot (Kimi)',
  zai: 'Z.ai (GLM)',
  mistral: 'Mistral',
  unknown: 'Other',
};

function tierText(row: ModelPrice): string {
  const short = (x: number): string => String(Number(x.toFixed(4)));
  return row.tiers.map((t) => `>${formatTokenCount(t.aboveInputTokens)} ${short(t.inputUsdPerMTok)}/${short(t.outputUsdPerMTok)}`).join(', ') || '-';
}

export interface PricingListView {
  models: ModelPrice[];
  /** "embedded snapshot as of … (source: …)". */
  provenance: string;
}

/** `token-econ pricing`: every model, grouped by provider. */
export function renderPricingList(view: PricingListView, options: RenderOptions): string {
  const columns = [
    { header: 'Model', shrink: false },
    { header: 'Input', align: 'right' as const },
    { header: 'Output', align: 'right' as const },
    { header: 'Write5m', align: 'right' as const },
    { header: 'Write1h', align: 'right' as const },
    { header: 'Read', align: 'right' as const },
    { header: 'Long context', shrink: true, minWidth: 12 },
    { header: 'Min', align: 'right' as const },
    { header: 'Window', align: 'right' as const },
    { header: 'Cache', shrink: true },
    { header: 'TTL', align: 'right' as const },
  ];
  const rows: Cell[][] = [];
  let provider: string | null = null;
  for (const m of view.models) {
    if (m.provider !== provider) {
      provider = m.provider;
      rows.push([{ text: PROVIDER_NAMES[m.provider] ?? m.provider, style: 'bold', colSpan: columns.length }]);
    }
    rows.push([
    m.id,
    formatRate(m.inputUsdPerMTok),
    formatRate(m.outputUsdPerMTok),
    formatRate(m.cacheWrite5mUsdPerMTok),
    formatRate(m.cacheWrite1hUsdPerMTok),
    formatRate(m.cacheReadUsdPerMTok),
    tierText(m),
    m.cacheKind === 'none' ? '-' : String(m.minCacheableTokens),
    m.contextWindowTokens > 0 ? formatTokenCount(m.contextWindowTokens) : '?',
    SHORT_KIND[m.cacheKind],
    formatTtl(m.defaultTtlSeconds),
    ]);
  }
  const table = view.models.length > 0 ? renderTable({ columns, rows }, options) : 'No models match.';
  return (
    `${table}\n` +
    'USD per million tokens. Long context: above that total input the WHOLE request is billed at the input/output shown\n' +
    '(tier cache prices: `token-econ pricing <model>`). Min: shortest cacheable prompt, tokens. TTL: default cache lifetime.\n' +
    `Prices: ${view.provenance}\n`
  );
}

export interface PricingModelView {
  query: string;
  price: ModelPrice;
  matchedBy: 'exact' | 'alias' | 'normalized' | 'prefix';
  provenance: string;
}

const MATCH_TEXT = {
  exact: 'exact id',
  alias: 'alias',
  normalized: 'same id after normalization (case, provider prefix, date/version decorations, dots)',
  prefix: 'known id followed by a release date',
} as const;

function ratesLine(r: PriceRates): string {
  return `input ${formatRate(r.inputUsdPerMTok)}, output ${formatRate(r.outputUsdPerMTok)}, 5m write ${formatRate(r.cacheWrite5mUsdPerMTok)}, 1h write ${formatRate(r.cacheWrite1hUsdPerMTok)}, read ${formatRate(r.cacheReadUsdPerMTok)}`;
}

function group(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** `token-econ pricing <model>`: how the name resolved and the full row. */
function wrap(text: string, width: number): string[] {
  if (width < 20 || text.length <= width) return [text];
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(line);
  return out;
}

export function renderPricingModel(view: PricingModelView, options: RenderOptions): string {
  const p = view.price;
  const lines: Array<[string, string]> = [
    ['model', p.id],
    ['matched by', view.query === p.id ? MATCH_TEXT.exact : `${MATCH_TEXT[view.matchedBy]} ('${view.query}')`],
    ['provider', p.provider],
    ['input', `$${formatRate(p.inputUsdPerMTok)} / MTok`],
    ['output', `$${formatRate(p.outputUsdPerMTok)} / MTok`],
    ['cache write 5m', `$${formatRate(p.cacheWrite5mUsdPerMTok)} / MTok`],
    ['cache write 1h', `$${formatRate(p.cacheWrite1hUsdPerMTok)} / MTok`],
    ['cache read', `$${formatRate(p.cacheReadUsdPerMTok)} / MTok`],
  ];
  if (p.tiers.length === 0) lines.push(['long context', 'flat (no tier)']);
  for (const t of p.tiers) {
    lines.push([`above ${group(t.aboveInputTokens)}`, `${ratesLine(t)} (whole request)`]);
  }
  lines.push(
    ['min cacheable', p.cacheKind === 'none' ? '-' : `${group(p.minCacheableTokens)} tokens`],
    ['cache increment', `${group(p.cacheIncrementTokens)} token${p.cacheIncrementTokens === 1 ? '' : 's'}`],
    ['context window', p.contextWindowTokens > 0 ? `${group(p.contextWindowTokens)} tokens` : 'unknown'],
    ['max output', p.maxOutputTokens === null ? 'unknown' : `${group(p.maxOutputTokens)} tokens`],
    ['cache kind', p.cacheKind],
    ['default TTL', p.defaultTtlSeconds > 0 ? `${group(p.defaultTtlSeconds)} s (${formatTtl(p.defaultTtlSeconds)})` : '-'],
    ['storage', p.storageUsdPerMTokHour === null ? '-' : `$${formatRate(p.storageUsdPerMTokHour)} / MTok / hour (explicit cache)`],
    ['aliases', p.aliases.length > 0 ? p.aliases.join(', ') : '-'],
    ['source', p.source],
    ['notes', p.notes ?? '-'],
  );
  const width = Math.max(...lines.map(([k]) => k.length));
  const pad = ' '.repeat(width + 2);
  const body = lines
    .map(([k, v]) => wrap(v, options.width - width - 2).map((part, i) => (i === 0 ? `${k.padEnd(width)}  ${part}` : `${pad}${part}`)).join('\n'))
    .join('\n');
  return `${body}\nPrices: ${view.provenance}\n`;
}
