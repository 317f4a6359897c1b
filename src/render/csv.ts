/**
 * `--csv`: one request per row with a header (RFC 4180 quoting, CRLF-free
 * `\n` line ends). Cells that come from log content and start with `=`, `+`,
 * `-`, `@`, a tab or a carriage return get a leading `'` so spreadsheets do
 * not evaluate them as formulas (CSV injection).
 */
import type { AnalysisReport } from '../model/report.js';
import { LOG_TEXT_COLUMNS, TURN_ROW_COLUMNS, turnRows } from './turn-rows.js';

/** Prefixes a formula-looking cell with `'`. */
export function neutralizeCsvCell(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** Quotes a cell when it contains a comma, quote or line break (quotes doubled). */
export function quoteCsvCell(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function cell(value: unknown, fromLog: boolean): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : String(value);
  return quoteCsvCell(fromLog ? neutralizeCsvCell(text) : text);
}

export function renderCsv(report: AnalysisReport): string {
  const lines = [TURN_ROW_COLUMNS.join(',')];
  for (const row of turnRows(report)) {
    lines.push(TURN_ROW_COLUMNS.map((k) => cell(row[k], LOG_TEXT_COLUMNS.has(k))).join(','));
  }
  return `${lines.join('\n')}\n`;
}
