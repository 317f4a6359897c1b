import { readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { extname, resolve as resolvePath } from 'node:path';
import type { CommandModule } from './index.js';
import type { CliContext } from '../context.js';
import { InputError } from '../../errors.js';
import type { ReportJson } from '../../render/report-json.js';
import { decodeText } from '../json-text.js';
import { PIPE_HINT, parseReportInput } from '../report-input.js';
import { STDIN_NAME } from '../io.js';

export const REPORT_FORMATS = ['markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Loaded when used (start-up time of the other commands). */
const RENDERERS = {
  markdown: async () => (await import('../../render/markdown.js')).renderMarkdown,
  html: async () => (await import('../../render/html.js')).renderHtml,
} satisfies Record<ReportFormat, () => Promise<(report: ReportJson) => string>>;

const FORMAT_ALIASES: Record<string, ReportFormat> = { markdown: 'markdown', md: 'markdown', html: 'html', htm: 'html' };

/** `--format` wins; else the `--out` extension (.html/.htm, .md/.markdown); else Markdown. */
export function chooseFormat(format: unknown, out: unknown): ReportFormat {
  if (typeof format === 'string') {
    const f = FORMAT_ALIASES[format.toLowerCase()];
    if (!f) throw new InputError(`--format: unknown format '${format}'`, `one of ${REPORT_FORMATS.join(', ')}`);
    return f;
  }
  if (typeof out === 'string') {
    const ext = extname(out).toLowerCase();
    if (ext === '.html' || ext === '.htm') return 'html';
  }
  return 'markdown';
}

function errText(err: unknown): string {
  const code = (err as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return code ?? (err instanceof Error ? err.message : String(err));
}

async function readStdin(ctx: CliContext): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of ctx.stdin as AsyncIterable<string | Uint8Array>) {
    const buf = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
    chunks.push(buf);
    size += buf.length;
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

async function readSource(ctx: CliContext, file: string | undefined): Promise<{ bytes: Uint8Array; name: string; abs: string | null }> {
  if (file === undefined || file === '-') {
    if (ctx.stdin.isTTY) {
      throw new InputError('report: no input (stdin is a terminal)', `give the JSON file, or pipe it: ${PIPE_HINT}`);
    }
    return { bytes: await readStdin(ctx), name: STDIN_NAME, abs: null };
  }
  const abs = resolvePath(ctx.cwd, file);
  const st = await stat(abs).catch((err: unknown) => {
    throw new InputError(`report: cannot read ${file}: ${errText(err)}`);
  });
  if (st.isDirectory()) {
    throw new InputError(
      `report: ${file} is a directory; report renders the JSON written by \`token-econ analyze --json\``,
      `token-econ analyze ${file} --json | token-econ report`,
    );
  }
  const bytes = await readFile(abs).catch((err: unknown) => {
    throw new InputError(`report: cannot read ${file}: ${errText(err)}`);
  });
  return { bytes, name: file, abs };
}

/** Absolute `--out` path; refuses a directory and the input file itself. */
async function checkOut(ctx: CliContext, out: string, inputAbs: string | null): Promise<string> {
  const abs = resolvePath(ctx.cwd, out);
  const st = await stat(abs).catch(() => null);
  if (st?.isDirectory()) throw new InputError(`--out ${out} is a directory`, 'give a file name, e.g. --out report.html');
  if (inputAbs !== null) {
    const same = (await realpath(abs).catch(() => abs)) === (await realpath(inputAbs).catch(() => inputAbs));
    if (same) throw new InputError(`--out ${out} is the input file; refusing to overwrite it`, 'write the report somewhere else');
  }
  return abs;
}

async function run(ctx: CliContext, file: string | undefined, raw: Record<string, unknown>): Promise<void> {
  const format = chooseFormat(raw['format'], raw['out']);
  const outArg = typeof raw['out'] === 'string' ? raw['out'] : null;
  // A directory or unreadable --out fails before stdin is consumed.
  if (outArg !== null) await checkOut(ctx, outArg, null);
  const src = await readSource(ctx, file);
  const out = outArg === null ? null : await checkOut(ctx, outArg, src.abs);
  const report = parseReportInput(decodeText(src.bytes), src.name);
  const text = (await RENDERERS[format]())(report);
  if (out === null) {
    await ctx.writeStdout(text);
    return;
  }
  try {
    await writeFile(out, text, 'utf8');
  } catch (err) {
    throw new InputError(`--out: cannot write ${outArg}: ${errText(err)}`);
  }
  ctx.writeStderr(`token-econ: wrote ${outArg} (${format}, ${formatBytes(Buffer.byteLength(text, 'utf8'))})\n`);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

export const reportCommand: CommandModule = {
  name: 'report',
  register(program, ctx) {
    return program
      .command('report')
      .description('render the JSON of `analyze --json` as a Markdown report or a self-contained HTML page with charts')
      .argument('[file]', 'the JSON document (default, or -: stdin)')
      .option('--format <format>', `${REPORT_FORMATS.join(' or ')} (default: html when --out ends in .html, else markdown)`)
      .option('--out <file>', 'write the report to this file instead of stdout')
      .addHelpText(
        'after',
        `\nExamples:\n  ${PIPE_HINT}\n  token-econ analyze ~/.claude/projects --json --out analysis.json && token-econ report analysis.json --out report.md\n`,
      )
      .action(async (file: string | undefined, raw: Record<string, unknown>) => {
        await run(ctx, file, raw);
      });
  },
};
