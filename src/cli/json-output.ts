/**
 * How `--json` documents are formatted, shared by analyze, sessions, simulate
 * and pricing: compact (one line + final newline) when the output is a pipe
 * or a file, indented by 2 spaces on a terminal; `--pretty` / `--no-pretty`
 * force either. The data and the key order are the same.
 */
import { Option, type Command } from 'commander';
import type { CliContext } from './context.js';
import { jsonChunks } from './json-stream.js';

export function addJsonFormatOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--pretty', 'with --json: indent the JSON by 2 spaces (default only on a terminal)'))
    .addOption(new Option('--no-pretty', 'with --json: compact JSON on one line (the default into a pipe or a file)'));
}

/** Spaces of indentation of `--json` output: 2 with --pretty or on a TTY (not into a file), else 0. */
export function jsonIndent(ctx: Pick<CliContext, 'isStdoutTTY'>, raw: Record<string, unknown>, toFile = false): 0 | 2 {
  if (raw['pretty'] === true) return 2;
  if (raw['pretty'] === false) return 0;
  return !toFile && ctx.isStdoutTTY ? 2 : 0;
}

/** The whole document as one string, with the final newline (small documents). */
export function jsonDocumentText(value: unknown, indent: number): string {
  return `${JSON.stringify(value, null, indent)}\n`;
}

/** The same text as {@link jsonDocumentText}, in pieces of about `chunkChars` characters (large documents). */
export function* jsonDocumentChunks(value: unknown, indent: number, chunkChars: number): Generator<string> {
  yield* jsonChunks(value, indent, chunkChars);
  yield '\n';
}
