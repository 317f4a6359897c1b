import type { CommandModule } from './index.js';
import type { CliContext } from '../context.js';
import { addRedactOption, redactIfRequested } from '../redact-option.js';
import { addInputOptions, formatSkipSummary, loadSessions, readInputOptions } from '../input-options.js';
import type { IngestResult } from '../../model/ingest.js';
import type { Session } from '../../model/usage.js';
import { addTurn, emptyTotals, totalsByStream, totalsOf, unsplitWriteTokens } from '../../normalize/totals.js';
import type { SessionRow } from '../../render/sessions.js';
import { TOOL_VERSION } from '../../version.js';
import { LazyList } from '../json-stream.js';
import { addJsonFormatOptions, jsonDocumentChunks, jsonIndent } from '../json-output.js';

export const SESSIONS_SCHEMA_VERSION = 1;

function timeRange(s: Session): { firstMs: number | null; lastMs: number | null } {
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  for (const t of s.turns) {
    if (t.timestampMs === null) continue;
    if (firstMs === null || t.timestampMs < firstMs) firstMs = t.timestampMs;
    if (lastMs === null || t.timestampMs > lastMs) lastMs = t.timestampMs;
  }
  return { firstMs, lastMs };
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function sessionJson(s: Session): Record<string, unknown> {
  const { firstMs, lastMs } = timeRange(s);
  return {
    id: s.id,
    project: s.project,
    format: s.format,
    files: s.files,
    firstTimestamp: iso(firstMs),
    lastTimestamp: iso(lastMs),
    totals: totalsOf(s.turns),
    streams: totalsByStream(s),
    compactions: s.events.filter((e) => e.kind === 'compaction').length,
    reportedCost: s.reportedCost,
    taskFingerprint: s.taskFingerprint,
    isEstimated: s.isEstimated,
    events: s.events,
    turns: s.turns,
  };
}

/**
 * The versioned `--json` document. With `lazy`, `sessions` is a LazyList
 * (each session's record made while it is written by jsonChunks); the text is
 * the same either way.
 */
export function sessionsDocument(result: IngestResult, lazy = false): Record<string, unknown> {
  const all = result.sessions;
  return {
    schemaVersion: SESSIONS_SCHEMA_VERSION,
    tool: { name: 'token-econ', version: TOOL_VERSION },
    kind: 'sessions',
    sessions: lazy ? new LazyList(all.length, (i) => sessionJson(all[i] as Session)) : all.map(sessionJson),
    files: result.files,
    diagnostics: result.diagnostics,
    duplicateTurnsDropped: result.duplicateTurnsDropped,
  };
}

/** `JSON.stringify(sessionsDocument(result), null, indent) + '\n'` in pieces of ~64K characters (33 MB for 1 GB of logs, indented). */
export function* sessionsJsonChunks(result: IngestResult, indent = 2): Generator<string> {
  // Small chunks: strings under ~128 KB stay in the young generation and die there.
  yield* jsonDocumentChunks(sessionsDocument(result, true), indent, 1 << 16);
}

async function run(ctx: CliContext, paths: string[], raw: Record<string, unknown>): Promise<void> {
  const opts = readInputOptions(raw);
  const result = redactIfRequested(ctx, raw, await loadSessions(ctx, paths, opts));
  const summary = formatSkipSummary(result);
  if (raw['json'] === true) {
    // Streamed, never one string.
    for (const chunk of sessionsJsonChunks(result, jsonIndent(ctx, raw))) await ctx.writeStdout(chunk);
  } else {
    const total = emptyTotals();
    const rows: SessionRow[] = result.sessions.map((s) => {
      for (const t of s.turns) addTurn(total, t);
      return {
        id: s.id,
        project: s.project,
        format: s.format,
        ...timeRange(s),
        streams: new Set(s.turns.map((t) => t.streamId)).size,
        compactions: s.events.filter((e) => e.kind === 'compaction').length,
        totals: totalsOf(s.turns),
      };
    });
    await ctx.writeStdout(
      (await import('../../render/sessions.js')).renderSessions({
        rows,
        total,
        unsplitWriteTokens: unsplitWriteTokens(result.sessions.flatMap((s) => s.turns)),
        duplicateTurnsDropped: result.duplicateTurnsDropped,
        estimatedSessions: result.sessions.filter((s) => s.isEstimated).length,
        width: ctx.columns,
      }),
    );
  }
  if (summary) ctx.writeStderr(`${summary}\n`);
}

export const sessionsCommand: CommandModule = {
  name: 'sessions',
  register(program, ctx) {
    const cmd = program
      .command('sessions')
      .description('list the sessions found in agent logs with their token totals')
      .argument('[paths...]', 'log files, directories, globs, or - for stdin (default: ~/.claude/projects and ~/.codex/sessions)')
      .option('--json', 'print a versioned JSON document with every turn, file and diagnostic');
    addJsonFormatOptions(cmd);
    addInputOptions(cmd);
    addRedactOption(cmd);
    cmd.action(async (paths: string[], raw: Record<string, unknown>) => {
      await run(ctx, paths, raw);
    });
    return cmd;
  },
};
