import type { FormatId } from '../model/usage.js';
import type { LineParser, ParseContext } from './format.js';

/** Temporary parser for formats not implemented yet: every line is skipped and reported. */
export function createStubParser(format: FormatId, ctx: ParseContext): LineParser {
  let linesRead = 0;
  return {
    push() {
      linesRead++;
    },
    finish() {
      return {
        format,
        turns: [],
        events: [],
        reportedCosts: [],
        sessionInfo: [],
        diagnostics: [
          { code: 'format-not-implemented', severity: 'error', message: `${format} is not implemented`, source: { file: ctx.file, line: 0 } },
        ],
        linesRead,
        linesCounted: 0,
        linesIgnored: 0,
        linesSkipped: linesRead,
      };
    },
  };
}
