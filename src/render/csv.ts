/**
 * `--csv`: one request per row with a header (RFC 4180 quoting, CRLF-free
 * `\n` line ends). Cells that come from log content and start with `=`, `+`,
 * `-`, `@`, a tab or a carriage return get a leading `'` so spreadsheets do
 * not evaluate them as formulas (CSV injection); control and bidi-override
 * characters in log text are replaced (they can disguise a cell's content).
 */
import type { AnalysisReport } from '../model/report.js';
import { stripUnsafeChars } from './escape.js';
import { LOG_TEXT_COLUMNS, TURN_ROW_COLUMNS, turnRows } from './turn-rows.js';

/** Prefixes a formula-looking cell with `'`. */
export function neutralizeCsvCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Quotes a cell when it contains a comma, quote or line break (quotes doubled). */
export function quoteCsvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One cell: log text is cleaned and neutralised; every cell is quoted as needed. */
export function csvCell(value: unknown, fromLog: boolean): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return quoteCsvCell(fromLog ? neutralizeCsvCell(stripUnsafeChars(text)) : text);
}

export function renderCsv(report: AnalysisReport): string {
  const lines = [TURN_ROW_COLUMNS.join(',')];
  for (const row of turnRows(report)) {
    lines.push(TURN_ROW_COLUMNS.map((k) => csvCell(row[k], LOG_TEXT_COLUMNS.has(k))).join(','));
  }
  return `${lines.join('\n')}\n`;
}
