/** Helpers for h1's ingest/normalize tests: parse fixture files the way the CLI does. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseChunks, type ParsedFile } from '../../src/ingest/ingest.js';
import { normalizeSessions, type SessionFilters } from '../../src/normalize/sessions.js';
import type { IngestResult } from '../../src/model/ingest.js';
import type { FormatId, TokenTotals, Turn } from '../../src/model/usage.js';
import { totalsOf } from '../../src/normalize/totals.js';

export function listFiles(dir: string, ext = '.jsonl'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, ext));
    else if (name.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Parses files with the CLI's splitter and detection; `relativePath` relative to `root`. */
export function parseFiles(paths: string[], root = '', format?: FormatId): ParsedFile[] {
  return paths.map((p) =>
    parseChunks(p, [readFileSync(p)], format, { relativePath: root && p.startsWith(root) ? p.slice(root.length).replace(/^\//, '') : p }),
  );
}

export function ingestDir(dir: string, filters: SessionFilters = {}, format?: FormatId): IngestResult {
  return normalizeSessions(parseFiles(listFiles(dir), dir, format), filters);
}

/** The five billed categories plus turns, for deepEqual against expected-totals files. */
export function pick(t: TokenTotals): Record<string, number> {
  return {
    turns: t.turns,
    inputTokens: t.inputTokens,
    cacheWrite5mTokens: t.cacheWrite5mTokens,
    cacheWrite1hTokens: t.cacheWrite1hTokens,
    cacheReadTokens: t.cacheReadTokens,
    outputTokens: t.outputTokens,
  };
}

export function streamTotals(turns: readonly Turn[]): Record<string, Record<string, number>> {
  const by: Record<string, Turn[]> = {};
  for (const t of turns) (by[t.streamId] ??= []).push(t);
  return Object.fromEntries(Object.entries(by).map(([k, v]) => [k, pick(totalsOf(v))]));
}

/** `bytes` cut at the given offsets (each taken modulo length + 1, repeats dropped): chunks for push-based parsers. */
export function cutAt<T extends Uint8Array>(bytes: T, cuts: readonly number[]): T[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: T[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(bytes.subarray(prev, c) as T);
    prev = c;
  }
  out.push(bytes.subarray(prev) as T);
  return out;
}
