/** Number formatting shared by every renderer. Rounding happens only here. */

const USD_CACHE = new Map<number, Intl.NumberFormat>();

function usdFormat(decimals: number): Intl.NumberFormat {
  let f = USD_CACHE.get(decimals);
  if (!f) {
    f = new Intl.NumberFormat('en-US', {
      style: 'currency',
      currency: 'USD',
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    USD_CACHE.set(decimals, f);
  }
  return f;
}

/**
 * `$1,234.57`; amounts under one cent keep enough decimals to stay visible
 * (`$0.0042`), and a true zero is `$0.00`.
 */
export function formatUsd(usd: number, decimals?: number): string {
  if (!Number.isFinite(usd)) return 'n/a';
  if (decimals !== undefined) return usdFormat(decimals).format(usd);
  const abs = Math.abs(usd);
  if (abs !== 0 && abs < 0.01) return usdFormat(4).format(usd);
  return usdFormat(2).format(usd);
}

/** Made on first use: an Intl formatter costs ~10 ms of start-up (ICU) that a --json run never needs. */
let INT: Intl.NumberFormat | null = null;

/** `1,234,567` */
export function formatInt(n: number): string {
  if (!Number.isFinite(n)) return 'n/a';
  return (INT ??= new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })).format(Math.round(n));
}

/** Compact token count: `950`, `12.3K`, `4.56M`, `1.20B`. */
export function formatTokens(tokens: number): string {
  if (!Number.isFinite(tokens)) return 'n/a';
  const abs = Math.abs(tokens);
  if (abs < 1000) return String(Math.round(tokens));
  if (abs < 1e6) return `${trim(tokens / 1e3, abs < 1e4 ? 2 : 1)}K`;
  if (abs < 1e9) return `${trim(tokens / 1e6, 2)}M`;
  return `${trim(tokens / 1e9, 2)}B`;
}

function trim(value: number, decimals: number): string {
  return value.toFixed(decimals);
}

/** `12.3%` from a ratio (0.123). */
export function formatPercent(ratio: number, decimals = 1): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  return `${(ratio * 100).toFixed(decimals)}%`;
}

/** Signed change against a baseline, e.g. `-80.4%` / `+12.0%`. */
export function formatChange(value: number, baseline: number): string {
  if (baseline === 0 || !Number.isFinite(value) || !Number.isFinite(baseline)) return 'n/a';
  const ratio = value / baseline - 1;
  const sign = ratio > 0 ? '+' : ratio < 0 ? '-' : '±';
  return `${sign}${Math.abs(ratio * 100).toFixed(1)}%`;
}

/** Human duration from ms: `45s`, `4m 30s`, `2h 05m`, `3d 4h`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const sign = ms < 0 ? '-' : '';
  let s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${sign}${s}s`;
  const d = Math.floor(s / 86400);
  s -= d * 86400;
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  if (d > 0) return `${sign}${d}d ${h}h`;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m`;
  return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
}

/** `2026-01-31 14:05:09` in UTC (the only zone renderers use), or `—` for null. */
export function formatTimestamp(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
}

/** Display width of a string, ignoring ANSI escapes (wide CJK/emoji count 2). */
export function displayWidth(text: string): number {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, '');
  let width = 0;
  for (const ch of plain) {
    const cp = ch.codePointAt(0) ?? 0;
    width += cp >= 0x1100 && isWide(cp) ? 2 : 1;
  }
  return width;
}

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** Cuts a string to `width` columns with an ellipsis. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 1) return '…'.slice(0, width);
  let out = '';
  let w = 0;
  for (const ch of text) {
    const cw = displayWidth(ch);
    if (w + cw > width - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/** Strips control characters from text that came from logs before it reaches a terminal. */
export function sanitizeForTerminal(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '�');
}

/** "1 run", "3 runs" (the count grouped: "1,200 runs"). */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${n === 1 ? one : many}`;
}

/** Wraps words to `width` columns, keeping the leading indent; continuation lines get `indent`. */
export function wrapText(text: string, width: number, indent = ''): string {
  const lead = /^ */.exec(text)?.[0] ?? '';
  const words = text.slice(lead.length).split(' ');
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  for (const w of words) {
    if (!empty && displayWidth(line) + 1 + displayWidth(w) > width) {
      lines.push(line);
      line = indent + w;
    } else {
      line = empty ? line + w : `${line} ${w}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** A parameter value for people: `none`, grouped integers, at most 4 decimals. */
export function paramText(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'number') return Number.isInteger(v) ? formatInt(v) : String(Number(v.toFixed(4)));
  return String(v);
}
