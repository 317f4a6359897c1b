/** `token-econ sessions` text output: an aligned table, a totals line, notes. */
import type { TokenTotals } from '../model/usage.js';
import { displayWidth, formatInt, formatTimestamp, formatTokens, sanitizeForTerminal, truncate } from './text.js';

export interface SessionRow {
  id: string;
  project: string | null;
  format: string;
  firstMs: number | null;
  lastMs: number | null;
  streams: number;
  compactions: number;
  totals: TokenTotals;
}

export interface SessionsView {
  rows: SessionRow[];
  total: TokenTotals;
  /** Cache-write tokens without a 5m/1h split in the log. */
  unsplitWriteTokens: number;
  duplicateTurnsDropped: number;
  /** Sessions whose token counts were estimated with a tokenizer (transcripts without usage). */
  estimatedSessions: number;
  width: number;
}

interface Col {
  header: string;
  right: boolean;
  /** Shrink priority (lower shrinks first); null = never shrinks. */
  shrink: number | null;
  min: number;
  /** How a too-long cell is cut: keep the start (ids, no ellipsis) or the end (paths). */
  cut?: 'prefix' | 'suffix';
}

/** Keeps the end of a path-like text: `…/dev/shop`. */
function keepEnd(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  let out = '';
  for (let i = chars.length - 1; i >= 0 && displayWidth(out) + displayWidth(chars[i] as string) <= width - 1; i--) out = chars[i] + out;
  return `…${out}`;
}

function lastCell(first: number | null, last: number | null): string {
  if (last === null) return '—';
  const f = formatTimestamp(first);
  const l = formatTimestamp(last);
  return f.slice(0, 10) === l.slice(0, 10) ? l.slice(11, 16) : l.slice(5, 16);
}

export function renderSessions(view: SessionsView): string {
  if (view.rows.length === 0) return 'No sessions found.\n';
  const showFormat = new Set(view.rows.map((r) => r.format)).size > 1;
  const all: Array<{ col: Col; cell: (r: SessionRow) => string; show: boolean }> = [
    { col: { header: 'Session', right: false, shrink: 0, min: 8, cut: 'prefix' }, cell: (r) => sanitizeForTerminal(r.id), show: true },
    { col: { header: 'Project', right: false, shrink: 2, min: 10, cut: 'suffix' }, cell: (r) => sanitizeForTerminal(r.project ?? '—'), show: true },
    { col: { header: 'Format', right: false, shrink: 1, min: 11 }, cell: (r) => r.format, show: showFormat },
    { col: { header: 'First (UTC)', right: false, shrink: null, min: 0 }, cell: (r) => formatTimestamp(r.firstMs).slice(0, 16), show: true },
    { col: { header: 'Last', right: false, shrink: null, min: 0 }, cell: (r) => lastCell(r.firstMs, r.lastMs), show: true },
    { col: { header: 'Turns', right: true, shrink: null, min: 0 }, cell: (r) => formatInt(r.totals.turns), show: true },
    { col: { header: 'Strm', right: true, shrink: null, min: 0 }, cell: (r) => String(r.streams), show: true },
    { col: { header: 'Input', right: true, shrink: null, min: 0 }, cell: (r) => formatTokens(r.totals.inputTokens), show: true },
    { col: { header: 'Wr 5m', right: true, shrink: null, min: 0 }, cell: (r) => formatTokens(r.totals.cacheWrite5mTokens), show: true },
    { col: { header: 'Wr 1h', right: true, shrink: null, min: 0 }, cell: (r) => formatTokens(r.totals.cacheWrite1hTokens), show: true },
    { col: { header: 'Read', right: true, shrink: null, min: 0 }, cell: (r) => formatTokens(r.totals.cacheReadTokens), show: true },
    { col: { header: 'Output', right: true, shrink: null, min: 0 }, cell: (r) => formatTokens(r.totals.outputTokens), show: true },
    { col: { header: 'Cmp', right: true, shrink: null, min: 0 }, cell: (r) => String(r.compactions), show: true },
  ];
  const shown = all.filter((x) => x.show);
  const cols = shown.map((x) => x.col);
  const rows = view.rows.map((r) => shown.map((x) => x.cell(r)));
  const widths = cols.map((c, i) => Math.max(displayWidth(c.header), ...rows.map((row) => displayWidth(row[i] as string))));
  const gap = 2;
  let total = widths.reduce((a, b) => a + b, 0) + gap * (cols.length - 1);
  // Shrink text columns in priority order until the table fits.
  const order = cols.map((c, i) => ({ c, i })).filter((x) => x.c.shrink !== null).sort((a, b) => (a.c.shrink as number) - (b.c.shrink as number));
  for (const { c, i } of order) {
    if (total <= view.width) break;
    const w = widths[i] as number;
    // Ids are cut straight to their short prefix; text columns shrink as needed.
    const target = c.cut === 'prefix' ? c.min : Math.max(c.min, w - (total - view.width));
    if (target < w) {
      widths[i] = target;
      total -= w - target;
    }
  }
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => {
        const w = widths[i] as number;
        const cut = cols[i]?.cut;
        const text = cut === 'prefix' ? [...cell].slice(0, w).join('') : cut === 'suffix' ? keepEnd(cell, w) : truncate(cell, w);
        const pad = ' '.repeat(Math.max(0, w - displayWidth(text)));
        return cols[i]?.right ? pad + text : text + pad;
      })
      .join(' '.repeat(gap))
      .replace(/\s+$/, '');
  const out: string[] = [line(cols.map((c) => c.header)), ...rows.map(line)];
  const t = view.total;
  const formats = [...new Set(view.rows.map((r) => r.format))];
  out.push('');
  out.push(
    `Total: ${formatInt(view.rows.length)} ${formats.length === 1 ? `${formats[0]} ` : ''}session${view.rows.length === 1 ? '' : 's'}, ${formatInt(t.turns)} turn${t.turns === 1 ? '' : 's'}; ` +
      `input ${formatInt(t.inputTokens)}, cache write 5m ${formatInt(t.cacheWrite5mTokens)}, cache write 1h ${formatInt(t.cacheWrite1hTokens)}, ` +
      `cache read ${formatInt(t.cacheReadTokens)}, output ${formatInt(t.outputTokens)} tokens`,
  );
  out.push('Wr = cache write (5-minute / 1-hour), Read = cache read, Strm = streams (main thread + subagents), Cmp = compactions; times in UTC.');
  if (view.duplicateTurnsDropped > 0) {
    out.push(`Note: ${formatInt(view.duplicateTurnsDropped)} duplicate record(s) of already counted requests were not counted again (streamed content blocks, resumed-session copies).`);
  }
  if (view.estimatedSessions > 0) {
    out.push(`Note: ${formatInt(view.estimatedSessions)} session(s) had no usage in the log; their token counts are estimated with a tokenizer.`);
  }
  if (view.unsplitWriteTokens > 0) {
    out.push(`Note: ${formatInt(view.unsplitWriteTokens)} write tokens had no 5m/1h split in the log; counted as 5-minute writes.`);
  }
  return `${out.join('\n')}\n`;
}
