/** `--ndjson`: one request per line (actual and each simulated strategy), tagged with `scenario`. */
import type { AnalysisReport } from '../model/report.js';
import { TURN_ROW_COLUMNS, turnRows, type TurnRow } from './turn-rows.js';

export function renderNdjson(report: AnalysisReport): string {
  const lines: string[] = [];
  for (const row of turnRows(report)) {
    // Fixed key order, so lines diff cleanly.
    const ordered: Partial<Record<keyof TurnRow, unknown>> = {};
    for (const k of TURN_ROW_COLUMNS) ordered[k] = row[k];
    lines.push(JSON.stringify(ordered));
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
