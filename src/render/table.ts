import Table from 'cli-table3';
import { Chalk } from 'chalk';
import type { RenderOptions } from './options.js';
import { displayWidth, truncate } from './text.js';

export type Align = 'left' | 'right' | 'center';

export interface TableColumn {
  header: string;
  align?: Align;
  /** May be truncated to fit the width (text columns); numbers never shrink. Default: false. */
  shrink?: boolean;
  /** Lower bound when shrinking. Default 8. */
  minWidth?: number;
}

export type CellStyle = 'plain' | 'bold' | 'dim' | 'good' | 'bad' | 'accent';
export type Cell = string | { text: string; style?: CellStyle; colSpan?: number };

export interface TableSpec {
  columns: TableColumn[];
  rows: Cell[][];
  /** Rows after a separator at the bottom (totals). */
  footer?: Cell[][];
}

const COMPACT_BELOW_COLUMNS = 100;

/**
 * Renders a table that fits `options.width`: text columns marked `shrink`
 * are truncated (widest first); under 100 columns a compact borderless
 * style is used. Colours only when `options.color`.
 */
export function renderTable(spec: TableSpec, options: RenderOptions): string {
  const chalk = new Chalk({ level: options.color ? 1 : 0 });
  const compact = options.width < COMPACT_BELOW_COLUMNS;
  const ncols = spec.columns.length;
  const allRows = [...spec.rows, ...(spec.footer ?? [])];
  const widths = spec.columns.map((c) => displayWidth(c.header));
  for (const row of allRows) {
    row.forEach((cell, i) => {
      const t = cellText(cell);
      if (i < ncols && !(typeof cell === 'object' && (cell.colSpan ?? 1) > 1)) {
        widths[i] = Math.max(widths[i] ?? 0, displayWidth(t));
      }
    });
  }
  // Borders: full style "│ a │ b │" = 3 per column + 1; compact "a  b" = 2 per gap.
  const overhead = compact ? 2 * (ncols - 1) : 3 * ncols + 1;
  let total = widths.reduce((a, b) => a + b, 0) + overhead;
  while (total > options.width) {
    let widest = -1;
    for (let i = 0; i < ncols; i++) {
      const col = spec.columns[i];
      if (!col?.shrink) continue;
      const w = widths[i] ?? 0;
      if (w > (col.minWidth ?? 8) && (widest < 0 || w > (widths[widest] ?? 0))) widest = i;
    }
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
    total--;
  }

  const style = (cell: Cell): string => {
    const text = cellText(cell);
    const kind = typeof cell === 'object' ? (cell.style ?? 'plain') : 'plain';
    switch (kind) {
      case 'bold':
        return chalk.bold(text);
      case 'dim':
        return chalk.dim(text);
      case 'good':
        return chalk.green(text);
      case 'bad':
        return chalk.red(text);
      case 'accent':
        return chalk.cyan(text);
      default:
        return text;
    }
  };

  const fit = (cell: Cell, i: number): Cell => {
    const w = widths[i] ?? 0;
    const span = typeof cell === 'object' ? (cell.colSpan ?? 1) : 1;
    if (span > 1) return cell;
    const text = cellText(cell);
    if (displayWidth(text) <= w) return cell;
    const cut = truncate(text, w);
    return typeof cell === 'object' ? { ...cell, text: cut } : cut;
  };

  const toCli = (row: Cell[]) =>
    row.map((cell, i) => {
      const fitted = fit(cell, i);
      const span = typeof fitted === 'object' ? (fitted.colSpan ?? 1) : 1;
      const align = spec.columns[i]?.align ?? 'left';
      return { content: style(fitted), hAlign: align, colSpan: span };
    });

  const chars = compact
    ? {
        top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
        bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
        left: '', 'left-mid': '', mid: '', 'mid-mid': '',
        right: '', 'right-mid': '', middle: '  ',
      }
    : undefined;
  const table = new Table({
    head: spec.columns.map((c) => chalk.bold(truncate(c.header, widths[spec.columns.indexOf(c)] ?? 0))),
    colAligns: spec.columns.map((c) => c.align ?? 'left'),
    colWidths: widths.map((w) => w + (compact ? 0 : 2)),
    wordWrap: false,
    style: compact
      ? { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true }
      : { head: [], border: options.color ? ['grey'] : [], compact: true },
    ...(chars ? { chars } : {}),
  });
  for (const row of spec.rows) table.push(toCli(row));
  if (spec.footer && spec.footer.length > 0) {
    for (const row of spec.footer) table.push(toCli(row));
  }
  let text = table.toString();
  if (compact) {
    // cli-table3 emits empty border lines for the blank chars; drop them.
    text = text
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => l.replace(/\s+$/, ''))
      .join('\n');
  }
  return text;
}

function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : cell.text;
}
