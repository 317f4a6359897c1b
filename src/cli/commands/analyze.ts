import { writeFile, stat } from 'node:fs/promises';
import { closeSync, openSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Option } from 'commander';
import type { CommandModule } from './index.js';
import type { CliContext } from '../context.js';
import { ConditionError, InputError } from '../../errors.js';
import { addInputOptions, formatSkipSummary, loadSessions, readInputOptions, type InputOptions } from '../input-options.js';
import { addPricingOptions, loadPriceResolver } from '../pricing-options.js';
import { addRedactOption, redactIfRequested } from '../redact-option.js';
import { addFleetOptions, addSimulationOptions, parseStrategies, readFleetOptions, readSimulationParams } from '../simulation-options.js';
import { STRATEGY_IDS } from '../../simulate/strategies/index.js';
import { resolveInputs, writeAllSync } from '../io.js';
import { buildAnalysisAsync, DEFAULT_FLEET, DEFAULT_STRATEGIES, type FleetOptions } from '../../pipeline.js';
import type { RenderOptions } from '../../render/options.js';
import { sessionJson, toReportJson, type ListMaker } from '../../render/report-json.js';
import { formatUsd } from '../../render/text.js';
import { LazyList } from '../json-stream.js';
import { addJsonFormatOptions, jsonDocumentChunks, jsonIndent } from '../json-output.js';
import { sweepPoolFactory, sweepWorkers } from '../sweep-workers.js';
import { phaseTimer } from '../timing.js';
import { cacheDirOf } from '../parse-cache.js';
import { SweepCache, simulatorBuild } from '../sweep-cache.js';

const DEFAULT_TOP = 10;

type OutputFormat = 'terminal' | 'json' | 'ndjson' | 'csv';

function parseNumber(flag: string, raw: unknown, opts: { min?: number; max?: number; integer?: boolean } = {}): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim().replace(/^\$/, '');
  const n = Number(text);
  if (text.length === 0 || !Number.isFinite(n)) throw new InputError(`${flag}: "${String(raw)}" is not a number`);
  if (opts.integer && !Number.isInteger(n)) throw new InputError(`${flag}: "${String(raw)}" is not a whole number`);
  if (opts.min !== undefined && n < opts.min) throw new InputError(`${flag}: ${n} is below ${opts.min}`);
  if (opts.max !== undefined && n > opts.max) throw new InputError(`${flag}: ${n} is above ${opts.max}`);
  return n;
}

function outputFormat(raw: Record<string, unknown>): OutputFormat {
  const chosen = (['json', 'ndjson', 'csv'] as const).filter((f) => raw[f] === true);
  if (chosen.length > 1) throw new InputError(`choose one output format: ${chosen.map((f) => `--${f}`).join(', ')} were given`);
  return chosen[0] ?? 'terminal';
}

/** Colour: --color / --no-color win; else only on a TTY without NO_COLOR, never into a file. */
export function decideColor(ctx: CliContext, raw: Record<string, unknown>, toFile: boolean): boolean {
  if (raw['color'] === true) return true;
  if (raw['color'] === false) return false;
  if (toFile) return false;
  const noColor = ctx.env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (ctx.env['FORCE_COLOR'] !== undefined && ctx.env['FORCE_COLOR'] !== '0') return true;
  return ctx.isStdoutTTY;
}

/**
 * Writes string chunks to a file synchronously through one reused 1 MiB
 * buffer: the same bytes as `writeFile(path, chunks, 'utf8')` (each chunk is
 * UTF-8-encoded on its own either way), without an awaited thread-pool write
 * per 32 KiB chunk, during which this thread sat idle (BENCHMARKS.md run I).
 */
export function writeChunksToFile(path: string, chunks: Iterable<string>): void {
  const fd = openSync(path, 'w');
  try {
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = 0;
    const flush = (): void => {
      writeAllSync(fd, buf.subarray(0, pos));
      pos = 0;
    };
    for (const chunk of chunks) {
      // A UTF-16 code unit takes at most 3 UTF-8 bytes.
      const worst = chunk.length * 3;
      if (worst > buf.length) {
        flush();
        writeAllSync(fd, Buffer.from(chunk, 'utf8'));
        continue;
      }
      if (pos + worst > buf.length) flush();
      pos += buf.write(chunk, pos, 'utf8');
    }
    flush();
  } finally {
    closeSync(fd);
  }
}

async function checkOutPath(ctx: CliContext, out: string, paths: string[]): Promise<string> {
  const abs = resolvePath(ctx.cwd, out);
  try {
    const st = await stat(abs);
    if (st.isDirectory()) throw new InputError(`--out ${out} is a directory`, 'give a file name, e.g. --out report.json');
  } catch (err) {
    if (err instanceof InputError) throw err;
    // Missing is fine: the file is created.
  }
  // Refuse to overwrite something we are about to read.
  const inputs = await resolveInputs(ctx, paths);
  if (inputs.some((f) => f.path === abs)) {
    throw new InputError(`--out ${out} is one of the input files; refusing to overwrite it`, 'write the report somewhere else');
  }
  return abs;
}

function progressReporter(ctx: CliContext): { onProgress?: (p: { files: number; bytes: number; totalBytes: number }) => void; done: () => void } {
  if (!ctx.isStderrTTY) return { done: () => {} };
  let last = 0;
  let shown = false;
  return {
    onProgress: (p) => {
      const now = ctx.now();
      if (now - last < 100) return;
      last = now;
      shown = true;
      const pct = p.totalBytes > 0 ? Math.min(100, Math.floor((p.bytes / p.totalBytes) * 100)) : 0;
      ctx.writeStderr(`\rtoken-econ: reading ${p.files} files, ${(p.bytes / 1e6).toFixed(1)} MB (${pct}%)\u001b[K`);
    },
    done: () => {
      if (shown) ctx.writeStderr('\r\u001b[K');
    },
  };
}

async function run(ctx: CliContext, paths: string[], raw: Record<string, unknown>): Promise<void> {
  const format = outputFormat(raw);
  if (raw['requests'] === true && format !== 'json') throw new InputError('--requests goes with --json (--ndjson and --csv always list every request)');
  const perRequest = format === 'ndjson' || format === 'csv' || raw['requests'] === true;
  const strategies = parseStrategies(raw['compare'], DEFAULT_STRATEGIES);
  const top = parseNumber('--top', raw['top'], { min: 0, integer: true }) ?? DEFAULT_TOP;
  const failAbove = parseNumber('--fail-above', raw['failAbove'], { min: 0 });
  const fleet: FleetOptions = readFleetOptions(raw, DEFAULT_FLEET).fleet;
  const opts: InputOptions = readInputOptions(raw);
  const params = readSimulationParams(raw);
  const out = typeof raw['out'] === 'string' ? await checkOutPath(ctx, raw['out'], paths) : null;
  const resolver = await loadPriceResolver(ctx, raw);

  // The break-even sweeps run in this thread unless TOKEN_ECON_SWEEP_WORKERS=n asks for n worker
  // threads (src/cli/sweep-workers.ts: on two cores they gain nothing and cost 15-40 MiB).
  const workers = sweepWorkers(ctx.env);
  const pool = sweepPoolFactory({ workers });
  const progress = progressReporter(ctx);
  const mark = phaseTimer(ctx);
  let ingest;
  try {
    ingest = await loadSessions(ctx, paths, opts, progress.onProgress, {
      // Sweep workers, when asked for, start while this thread finishes ingest (the ingest worker's core is free).
      onWorkersDone: () => {
        mark('ingest workers done');
        if (workers > 0) pool.prestart();
      },
      mark,
    });
  } catch (err) {
    pool.close();
    throw err;
  } finally {
    progress.done();
  }
  ingest = redactIfRequested(ctx, raw, ingest);

  const skipSummary = formatSkipSummary(ingest);
  const analysisOptions = {
    strategies,
    top,
    focusSessionId: opts.session && opts.session.length === 1 ? opts.session[0] : null,
    fleet,
    filters: {
      since: opts.since ?? null,
      until: opts.until ?? null,
      sessions: opts.session ?? [],
      projects: opts.project ?? [],
    },
    generatedAtMs: ctx.now(),
    // The sessions are not used after the analysis: their memory can go before the simulation.
    consumeSessions: true,
    // Simulated requests are listed only by --ndjson, --csv and --json --requests; otherwise
    // the strategies keep their costs in columns (same numbers, no per-request objects).
    keepRows: perRequest,
  };
  let report;
  // Sweep totals and strategy runs of sessions seen before come from the cache (../sweep-cache.ts).
  let sweepCache: SweepCache | null = null;
  try {
    const cacheDir = opts.noCache ? null : cacheDirOf(ctx.env);
    sweepCache = cacheDir === null ? null : SweepCache.open(cacheDir, resolver.table, simulatorBuild());
    report = await buildAnalysisAsync(
      ingest,
      resolver,
      params,
      sweepCache ? { ...analysisOptions, memo: sweepCache.memo() } : analysisOptions,
      sweepCache ? sweepCache.factory(pool.factory) : pool.factory,
    );
  } catch (err) {
    sweepCache?.close();
    throw err;
  } finally {
    pool.close();
  }
  ingest = undefined;
  mark('analysis');

  let text: string;
  let actualTotalUsd: number;
  /** The usage error for an --out file that cannot be written. */
  const cannotWrite = (err: unknown): InputError => {
    const code = (err as NodeJS.ErrnoException).code;
    return new InputError(`--out: cannot write ${String(raw['out'])}${code ? ` (${code})` : ''}`);
  };
  try {
    switch (format) {
      case 'json': {
        // Streamed: for large inputs the document is hundreds of MB.
        // Sessions (every request under every strategy) are converted one at a time while written.
        const doc = toReportJson({ ...report, sessions: report.sessions.map((x) => ({ ...x, turns: [], scenarios: [] })) }, { perRequest });
        const all = report.sessions;
        // Within a session, the per-request lists are made while written too (the largest session can hold half the requests).
        const lazy: ListMaker = <T>(length: number, get: (index: number) => T): T[] => new LazyList(length, get) as unknown as T[];
        (doc as { sessions: unknown }).sessions = new LazyList(all.length, (i) => sessionJson(all[i] as (typeof all)[number], lazy, perRequest));
        // Small chunks: strings under 128 KB are made in the young generation and die there.
        const chunks = jsonDocumentChunks(doc, jsonIndent(ctx, raw, out !== null), 1 << 15);
        if (out) {
          try {
            writeChunksToFile(out, chunks);
          } catch (err) {
            throw cannotWrite(err);
          }
        } else {
          for (const chunk of chunks) await ctx.writeStdout(chunk);
        }
        text = '';
        break;
      }
      case 'ndjson':
        // Renderers are loaded when used: a --json run never loads the terminal's (start-up time).
        text = (await import('../../render/ndjson.js')).renderNdjson(report);
        break;
      case 'csv':
        text = (await import('../../render/csv.js')).renderCsv(report);
        break;
      default: {
        const render: RenderOptions = { color: decideColor(ctx, raw, out !== null), width: ctx.columns };
        text = (await import('../../render/analyze-terminal.js')).renderAnalyzeTerminal(report, { ...render, top });
      }
    }
    if (format === 'json') {
      // Written above.
    } else if (out) {
      try {
        await writeFile(out, text, 'utf8');
      } catch (err) {
        throw cannotWrite(err);
      }
    } else {
      await ctx.writeStdout(text);
    }
    mark('output written');
    // The sweep cache is written once the output is out and the report's per-request data can go:
    // serialising it next to the whole analysis was the peak of large first runs.
    actualTotalUsd = report.actual.cost.totalUsd;
    report = undefined;
    text = '';
    sweepCache?.save();
  } finally {
    // save() lets go of the cache file as opened; after an error before it, this does.
    sweepCache?.close();
  }
  if (skipSummary) ctx.writeStderr(`${skipSummary}\n`);
  if (failAbove !== undefined && actualTotalUsd > failAbove) {
    throw new ConditionError(
      `actual cost ${formatUsd(actualTotalUsd)} is above the budget of ${formatUsd(failAbove)} (--fail-above)`,
    );
  }
}

export const analyzeCommand: CommandModule = {
  name: 'analyze',
  register(program, ctx) {
    const cmd = program
      .command('analyze')
      .description('what agent sessions cost, why caches missed, and what other context strategies would have cost')
      .argument('[paths...]', 'log files, directories, globs, or - for stdin (default: ~/.claude/projects and ~/.codex/sessions)')
      .option('--compare <strategies>', `strategies to simulate, comma-separated (${STRATEGY_IDS.join(', ')})`, DEFAULT_STRATEGIES.join(','))
      .option('--top <n>', 'rows of the per-session and most-expensive-request tables', String(DEFAULT_TOP))
      .option('--json', 'print the versioned JSON report (schema/report.schema.json)')
      .option('--requests', 'with --json: also list every request, actual and under each strategy (large: ~0.1 of the logs\' size)')
      .option('--ndjson', 'print one JSON line per request (actual and each strategy)')
      .option('--csv', 'print one CSV row per request (actual and each strategy)')
      .option('--out <file>', 'write the output to this file instead of stdout')
      .option('--fail-above <usd>', 'exit with code 1 when the actual total cost is above this many USD')
      .addOption(new Option('--color', 'force colours'))
      .addOption(new Option('--no-color', 'no colours (also NO_COLOR=1)'));
    addJsonFormatOptions(cmd);
    addInputOptions(cmd);
    addPricingOptions(cmd);
    addFleetOptions(cmd, DEFAULT_FLEET);
    addSimulationOptions(cmd);
    addRedactOption(cmd);
    cmd.action(async (paths: string[], raw: Record<string, unknown>) => {
      await run(ctx, paths, raw);
    });
    return cmd;
  },
};
