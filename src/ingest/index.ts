import type { FormatId } from '../model/usage.js';
import type { InputFormat } from './format.js';
import { claudeCodeFormat } from './formats/claude-code.js';
import { claudeStreamJsonFormat } from './formats/claude-stream-json.js';
import { codexFormat } from './formats/codex.js';
import { apiJsonlFormat } from './formats/api-jsonl.js';
import { openhandsFormat } from './formats/openhands.js';
import { csvFormat } from './formats/csv.js';
import { transcriptFormat } from './formats/transcript.js';

/** The registry of input formats. Adding a format = one module + one entry here. */
export const FORMATS: readonly InputFormat[] = [
  claudeCodeFormat,
  claudeStreamJsonFormat,
  codexFormat,
  apiJsonlFormat,
  openhandsFormat,
  csvFormat,
  transcriptFormat,
];

export const FORMAT_IDS: readonly FormatId[] = FORMATS.map((f) => f.id);

export function getFormat(id: FormatId): InputFormat {
  const format = FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`no such format: ${id}`);
  return format;
}

/**
 * Picks the format with the highest detect() confidence; null when no module
 * claims the file (confidence 0 everywhere).
 */
export function detectFormat(fileName: string, head: string): InputFormat | null {
  let best: InputFormat | null = null;
  let bestScore = 0;
  for (const format of FORMATS) {
    const score = format.detect(fileName, head);
    if (score > bestScore) {
      best = format;
      bestScore = score;
    }
  }
  return best;
}
